/** Command-line parsing for `custodian`. Usage errors become {@link UsageError} (exit code 2). */
import { parseArgs } from 'node:util';

export class UsageError extends Error {}

export const USAGE = `usage: custodian verify EVIDENCE [--chain FILE]... [--crl FILE]... [--policy FILE]
                        [--test-anchor FILE]... [--at RFC3339] [--json]
                        [--rim FILE]... [--ocsp FILE]... [--nonce HEX] [--more-evidence FILE]...

  EVIDENCE        SEV-SNP report: binary, hex text, report followed by its extended-report
                  certificate table, or an Azure HCL report; or NVIDIA GPU/NVSwitch evidence:
                  an SPDM attestation report (hex or binary, chain via --chain) or NVIDIA
                  serialized-evidence JSON [{arch, nonce, evidence, certificate}, ...]
  --chain FILE    VCEK/VLEK, ASK/ASVK, ARK certificates, or the NVIDIA device chain (PEM
                  bundle or DER); repeatable
  --crl FILE      AMD KDS CRL or NVIDIA CRL (PEM or DER); repeatable
  --rim FILE      NVIDIA driver/VBIOS/switch BIOS RIM (signed SWID XML); repeatable
  --ocsp FILE     NVIDIA OCSP response (DER), fetched earlier on a connected machine; repeatable
  --nonce HEX     the 32-byte nonce the NVIDIA evidence must answer (sets policy nvidia.nonce)
  --more-evidence FILE  further NVIDIA serialized evidence appraised together (e.g. switches)
  --policy FILE   appraisal policy JSON, e.g. {"snp": {"allow_debug": false}} or
                  {"nvidia": {"require_rims": true, "revocation": "allow_unknown"}}
  --test-anchor FILE  trust this root explicitly; the appraisal names it a TEST anchor
  --at RFC3339    reference time for every validity check (default: now)
  --json          print the whole appraisal as JSON

exit codes: 0 affirming or warning, 1 contraindicated, 2 input could not be read or parsed`;

export interface VerifyArgs {
  evidence: string;
  chain: string[];
  crl: string[];
  policy?: string;
  testAnchors: string[];
  at: Date;
  json: boolean;
  rims: string[];
  ocsp: string[];
  nonce?: string;
  moreEvidence: string[];
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

/** Checks `--nonce`: 32 bytes of hex (64 digits). */
export function parseNonce(text: string): string {
  if (!/^[0-9a-fA-F]{64}$/.test(text)) throw new UsageError(`--nonce: "${text}" is not 32 bytes of hex (64 hex digits)`);
  return text.toLowerCase();
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
        rim: { type: 'string', multiple: true },
        ocsp: { type: 'string', multiple: true },
        nonce: { type: 'string' },
        'more-evidence': { type: 'string', multiple: true },
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
    rims: values.rim ?? [],
    ocsp: values.ocsp ?? [],
    nonce: values.nonce === undefined ? undefined : parseNonce(values.nonce),
    moreEvidence: values['more-evidence'] ?? [],
  };
}
