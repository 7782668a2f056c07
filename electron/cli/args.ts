/** Command-line parsing for `custodian`. Usage errors become {@link UsageError} (exit code 2). */
import { parseArgs, type ParseArgsConfig } from 'node:util';

export class UsageError extends Error {}

export const USAGE = `usage: custodian verify EVIDENCE [--chain FILE]... [--crl FILE]... [--policy FILE]
                        [--test-anchor FILE]... [--at RFC3339] [--json]

  EVIDENCE        SEV-SNP report: binary, hex text, report followed by its extended-report
                  certificate table, or an Azure HCL report
  --chain FILE    VCEK/VLEK, ASK/ASVK, ARK certificates (PEM bundle or DER); repeatable
  --crl FILE      AMD KDS CRL (PEM or DER); repeatable
  --policy FILE   appraisal policy JSON, e.g. {"snp": {"allow_debug": false}}
  --test-anchor FILE  trust this root explicitly; the appraisal names it a TEST anchor
  --at RFC3339    reference time for every validity check (default: now)
  --json          print the whole appraisal as JSON

Key vault and release ceremony (global options before the command: --vault FILE, --actor NAME):
  custodian --vault FILE vault init --custodian NAME:PASSPHRASE_FILE... --threshold M
                        [--argon2-memory-kib KIB] [--argon2-iterations N]
  custodian --vault FILE vault info
  custodian --vault FILE key import --name NAME --file KEYFILE [--policy FILE] [--approvals N] [--allow-test-anchor]
  custodian --vault FILE key generate --name NAME [--bits 128|256] [--policy FILE] [--approvals N] [--allow-test-anchor]
  custodian --vault FILE key list [--json]
  custodian --vault FILE ceremony open --key KEY_ID [--participant NAME]... [--ttl SECONDS]
  custodian --vault FILE ceremony challenge CID --out FILE [--hash sha256|sha384|sha512] [--ttl SECONDS]
  custodian --vault FILE ceremony evidence CID EVIDENCE [--chain FILE]... [--crl FILE]... [--test-anchor FILE]...
                        [--tee-pubkey JWK_FILE (default: tee-pubkey.jwk beside EVIDENCE)] [--at RFC3339]
  custodian --vault FILE ceremony approve CID --custodian NAME [--passphrase-file FILE | --passphrase-fd N]
                        [--request-hash HEX]
  custodian --vault FILE ceremony release CID --out BUNDLE --receipt RECEIPT
  custodian --vault FILE ceremony abort|show CID     ceremony list
  custodian --vault FILE audit verify [--checkpoint EXPORT_FILE]
  custodian --vault FILE audit export [--out FILE] --custodian NAME [--passphrase-file FILE | --passphrase-fd N]
  custodian unwrap --tee-key JWK_FILE BUNDLE --out FILE
  custodian rehearse snp --challenge FILE --tee-key-out JWK_FILE --out DIR [--kty EC|RSA]

  Passphrases are never taken from the command line: a terminal prompt, --passphrase-file or --passphrase-fd.

exit codes: verify: 0 affirming or warning, 1 contraindicated; other commands: 0 done, 1 refused (policy,
approvals, binding, authentication); all: 2 input could not be read or parsed, 3 internal error`;

export interface VerifyArgs {
  evidence: string;
  chain: string[];
  crl: string[];
  policy?: string;
  testAnchors: string[];
  at: Date;
  json: boolean;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** Parses an RFC 3339 date-time with an explicit offset; throws UsageError otherwise. */
export function parseRfc3339(text: string): Date {
  const d = new Date(text);
  if (!RFC3339.test(text) || Number.isNaN(d.getTime())) {
    throw new UsageError(`--at: "${text}" is not an RFC 3339 date-time such as 2025-12-01T00:00:00Z`);
  }
  return d;
}

/** Parses `verify` arguments (everything after the command name). `now` is the default --at. */
export function parseVerifyArgs(argv: string[], now: Date): VerifyArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        chain: { type: 'string', multiple: true },
        crl: { type: 'string', multiple: true },
        policy: { type: 'string' },
        'test-anchor': { type: 'string', multiple: true },
        at: { type: 'string' },
        json: { type: 'boolean' },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new UsageError(`verify takes exactly one EVIDENCE file, got ${positionals.length}`);
  return {
    evidence: positionals[0]!,
    chain: values.chain ?? [],
    crl: values.crl ?? [],
    policy: values.policy,
    testAnchors: values['test-anchor'] ?? [],
    at: values.at === undefined ? now : parseRfc3339(values.at),
    json: values.json ?? false,
  };
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** A subcommand's arguments: parseArgs (strict) with usage errors as UsageError; `npos` = the exact number of positionals. */
export function parseCommand<O extends Options>(argv: string[], cmd: string, options: O, npos: number) {
  let r;
  try {
    r = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(`${cmd}: ${(e as Error).message}`);
  }
  if (r.positionals.length !== npos) throw new UsageError(`${cmd} takes ${npos} positional argument(s), got ${r.positionals.length}`);
  return r;
}

/** `v`, or a UsageError saying that `opt` is required for `cmd`. */
export function need<T>(v: T | undefined, cmd: string, opt: string): T {
  if (v === undefined) throw new UsageError(`${cmd}: ${opt} is required`);
  return v;
}

/** `v` as a whole number (undefined stays undefined); UsageError naming `opt` otherwise. */
export function int(v: string | undefined, opt: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new UsageError(`${opt}: "${v}" is not a whole number`);
  return Number(v);
}
