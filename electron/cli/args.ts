/** Command-line parsing for `custodian`. Usage errors become {@link UsageError} (exit code 2). */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { EvidenceType } from '../core/appraisal.ts';
import { parseArgsMessage } from './flags.ts';
import type { EarProfile } from '../core/ear.ts';

export class UsageError extends Error {}

export const USAGE = `usage: custodian verify EVIDENCE [--chain FILE]... [--crl FILE]... [--collateral FILE]...
                        [--type sev-snp|tdx|sgx|nvidia] [--policy FILE] [--test-anchor FILE]...
                        [--at RFC3339] [--json | --all] [--strict]
                        [--rim FILE]... [--ocsp FILE]... [--nonce HEX] [--more-evidence FILE]...
                        [--vtpm-nonce HEX]
                        [--endorsements DIR]...
                        [--ear OUT [--ear-key KEY.jwk] [--ear-profile ietf|veraison]]

  EVIDENCE        SEV-SNP report (binary, hex, with its extended-report certificate table, or an
                  Azure HCL report), an Intel TDX/SGX DCAP quote (binary or hex, v3/v4/v5), or
                  NVIDIA GPU/NVSwitch evidence: an SPDM attestation report (hex or binary, chain
                  via --chain) or NVIDIA serialized-evidence JSON [{arch, nonce, evidence, certificate}, ...]
  --chain FILE    SEV-SNP: VCEK/VLEK, ASK/ASVK, ARK certificates; NVIDIA: the device chain of a
                  bare report (PEM, DER, or concatenated DER); repeatable. Any endorsement
                  option also takes a directory: every regular file in it (snpguest certs/)
  --crl FILE      CRL (PEM or DER): AMD KDS, Intel Root CA / PCK CRL, or NVIDIA CRL; repeatable
  --collateral FILE  TDX/SGX: QuoteCollateralV3 JSON, raw Intel PCS TCB Info / QE Identity
                  bodies, CRLs, issuer chains (PEM), an Azure HCL report; repeatable. Azure
                  (beside an HCL report, SEV-SNP or TDX): a vTPM quote (Trustee tpm_quote JSON)
  --endorsements DIR  choose the endorsements among every file under DIR (recursively) by
                  identity: the VCEK/VLEK of the report's CHIP_ID and REPORTED_TCB, the TCB Info of
                  the PCK certificate's FMSPC, the RIMs of the device's versions, CRLs by issuer;
                  where several different files fit, the one that verifies is used and a note
                  names them all (notes on stderr); repeatable, with any other option
  --type TYPE     force the evidence type (default: recognised by its bytes)
  --rim FILE      NVIDIA driver/VBIOS/switch BIOS RIM (signed SWID XML); repeatable
  --ocsp FILE     NVIDIA OCSP response (DER), fetched earlier on a connected machine; repeatable
  --nonce HEX     the 32-byte nonce the NVIDIA evidence must answer (sets policy nvidia.nonce)
  --vtpm-nonce HEX  the nonce (1-64 bytes) an Azure vTPM quote's extraData must be (sets policy
                  vtpm.nonce; Trustee's az-*-vtpm evidence carries its expected report data there)
  --more-evidence FILE  further NVIDIA serialized evidence appraised together (e.g. switches,
                  or the GPUs of a SEV-SNP report: composite evidence)
  --policy FILE   appraisal policy JSON, e.g. {"snp": {"allow_debug": false}, "tdx": {...},
                  "nvidia": {"require_rims": true, "revocation": "allow_unknown"}}
  --test-anchor FILE  trust this root explicitly; the appraisal names it a TEST anchor
  --at RFC3339    reference time for every validity check (default: now)
  --json          print the whole appraisal as JSON
  --all           list every check (default: the failing and warning ones, and a count of the rest)
  --strict        exit 1 for a WARNING verdict too (default: 0), so a script fails on anything but
                  AFFIRMING
  Output: the summary line first ("CONTRAINDICATED — 1 failing: policy.debug"), then the problems;
  wrapped at the terminal width (80 when piped); colour only on a terminal (NO_COLOR=1 turns it off,
  FORCE_COLOR=1 turns it on when piped). Notes about inputs that were not used go to stderr.
  --ear OUT       also write an EAR attestation result (draft-ietf-rats-ear): a JWT signed with
                  --ear-key (a private EC JWK: P-256 -> ES256, P-384 -> ES384), else the claims-set JSON
  --ear-profile P ietf (default: tag:ietf.org,2026:rats/ear#04, ear crate 0.6) or veraison
                  (tag:github.com,2023:veraison/ear, Veraison services and the ear crate <= 0.5)

  custodian batch DIR|MANIFEST [--json | --csv] [--at RFC3339] [--policy FILE] [--test-anchor FILE]...
                        [--threads N] [--strict]
                    verifies every evidence file under DIR (recursively; endorsements: the files
                    under DIR that fit it by identity, as --endorsements), or each row of MANIFEST,
                    a .json ([{"evidence": PATH, "endorsements": [PATH...], "at": RFC3339, "policy":
                    FILE or {...}}, ...]) or .csv file (columns evidence, endorsements (;-separated),
                    at, policy); paths relative to the manifest;
                    --at and --policy apply where a row sets none. Output: one row per file with its
                    reason (--json: rows and counts; --csv: the console's CSV export)

Key vault and release ceremony (global options before the command: --vault FILE, --actor LABEL;
  the audit log names the OS user running the command, and LABEL only as an unverified note beside it;
  --allow-shared-vault to open a vault file other users can read, with a warning; --vault-key THUMBPRINT
  to trust a vault not yet known on this machine):
  custodian --vault FILE vault init --custodian NAME:PASSPHRASE_FILE... --threshold M
                        [--argon2-memory-kib KIB] [--argon2-iterations N]
  custodian --vault FILE vault info
  custodian --vault FILE key import --name NAME --file KEYFILE [--policy FILE] [--approvals N] [--allow-test-anchor] [--gpus N]
  custodian --vault FILE key generate --name NAME [--bits 128|256] [--policy FILE] [--approvals N] [--allow-test-anchor] [--gpus N]
  custodian --vault FILE key list [--json]
  custodian --vault FILE ceremony open --key KEY_ID [--participant NAME]... [--ttl SECONDS]
  custodian --vault FILE ceremony challenge CID --out FILE [--hash sha256|sha384|sha512] [--ttl SECONDS]
  custodian --vault FILE ceremony evidence CID EVIDENCE [--chain FILE]... [--crl FILE]... [--collateral FILE]... [--test-anchor FILE]...
                        [--rim FILE]... [--ocsp FILE]... [--additional-evidence FILE]
                        [--tee-pubkey JWK_FILE (default: tee-pubkey.jwk beside EVIDENCE)]
  custodian --vault FILE ceremony evidence CID --attestation TRUSTEE_ATTESTATION_JSON [endorsement options]
                    the evidence is appraised as of the vault machine's clock (no --at)
  custodian --vault FILE ceremony approve CID --custodian NAME [--passphrase-file FILE | --passphrase-fd N]
                        [--request-hash HEX]
  custodian --vault FILE ceremony release CID --out BUNDLE --receipt RECEIPT
  custodian --vault FILE ceremony abort|show CID     ceremony list
  custodian --vault FILE audit verify [--checkpoint EXPORT_FILE]
  custodian --vault FILE audit export [--out FILE] --custodian NAME [--passphrase-file FILE | --passphrase-fd N]
  custodian unwrap --tee-key JWK_FILE BUNDLE --out FILE
  custodian rehearse snp|tdx --challenge FILE (--tee-key-out JWK_FILE [--kty EC|RSA] | --tee-pubkey JWK_FILE) --out DIR [--gpus N]

  Passphrases are never taken from the command line: a terminal prompt, --passphrase-file or --passphrase-fd.

  custodian --version    custodian COMMAND --help

exit codes: verify: 0 affirming (or warning, without --strict), 1 contraindicated (or warning, with
--strict); batch: as verify for its worst row, 2 when a row's input could not be read; other commands:
0 done, 1 refused (policy, approvals, binding, authentication); all: 2 input could not be read or
parsed (or a wrong command line), 3 internal error`;

export interface VerifyArgs {
  evidence: string;
  chain: string[];
  crl: string[];
  collateral: string[];
  type?: EvidenceType;
  policy?: string;
  testAnchors: string[];
  at: Date;
  json: boolean;
  /** `--all`: list every check, not only the failing and warning ones. */
  all: boolean;
  /** `--strict`: a WARNING verdict exits 1. */
  strict: boolean;
  rims: string[];
  ocsp: string[];
  nonce?: string;
  /** `--vtpm-nonce HEX`: the expected extraData of an Azure vTPM quote (policy vtpm.nonce). */
  vtpmNonce?: string;
  moreEvidence: string[];
  /** `--endorsements DIR`: folders (or files) to choose endorsements from by identity. */
  endorsements: string[];
  /** `--ear OUT`: where to write the EAR. */
  ear?: string;
  /** `--ear-key KEY.jwk`: private EC JWK that signs it. */
  earKey?: string;
  earProfile: EarProfile;
}

const EVIDENCE_TYPES: EvidenceType[] = ['sev-snp', 'tdx', 'sgx', 'nvidia'];

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

/** Checks `--vtpm-nonce`: 1–64 bytes of hex (a TPM2B_DATA). */
export function parseVtpmNonce(text: string): string {
  if (!/^([0-9a-fA-F]{2}){1,64}$/.test(text)) throw new UsageError(`--vtpm-nonce: "${text}" is not 1 to 64 bytes of hex (an even number of hex digits, at most 128)`);
  return text.toLowerCase();
}

/** The options of `verify`. */
export const VERIFY_OPTIONS = {
  chain: { type: 'string', multiple: true },
  crl: { type: 'string', multiple: true },
  collateral: { type: 'string', multiple: true },
  type: { type: 'string' },
  policy: { type: 'string' },
  'test-anchor': { type: 'string', multiple: true },
  at: { type: 'string' },
  json: { type: 'boolean' },
  all: { type: 'boolean' },
  strict: { type: 'boolean' },
  rim: { type: 'string', multiple: true },
  ocsp: { type: 'string', multiple: true },
  nonce: { type: 'string' },
  'vtpm-nonce': { type: 'string' },
  'more-evidence': { type: 'string', multiple: true },
  endorsements: { type: 'string', multiple: true },
  ear: { type: 'string' },
  'ear-key': { type: 'string' },
  'ear-profile': { type: 'string' },
} as const;

/** Parses `verify` arguments (everything after the command name). `now` is the default --at. */
export function parseVerifyArgs(argv: string[], now: Date): VerifyArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: VERIFY_OPTIONS });
  } catch (e) {
    throw new UsageError(parseArgsMessage(e, 'verify', VERIFY_OPTIONS) ?? (e as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new UsageError(`verify takes exactly one EVIDENCE file, got ${positionals.length}`);
  const type = values.type;
  if (type !== undefined && !EVIDENCE_TYPES.includes(type as EvidenceType)) {
    throw new UsageError(`--type: "${type}" is not one of ${EVIDENCE_TYPES.join(', ')}`);
  }
  if (values['ear-key'] !== undefined && values.ear === undefined) throw new UsageError('--ear-key needs --ear OUT');
  if (values['ear-profile'] !== undefined && values.ear === undefined) throw new UsageError('--ear-profile needs --ear OUT');
  const earProfile = values['ear-profile'] ?? 'ietf';
  if (earProfile !== 'ietf' && earProfile !== 'veraison') throw new UsageError(`--ear-profile: "${earProfile}" is not one of ietf, veraison`);
  return {
    evidence: positionals[0]!,
    chain: values.chain ?? [],
    crl: values.crl ?? [],
    collateral: values.collateral ?? [],
    type: type as EvidenceType | undefined,
    policy: values.policy,
    testAnchors: values['test-anchor'] ?? [],
    at: values.at === undefined ? now : parseRfc3339(values.at),
    json: values.json ?? false,
    all: values.all ?? false,
    strict: values.strict ?? false,
    rims: values.rim ?? [],
    ocsp: values.ocsp ?? [],
    nonce: values.nonce === undefined ? undefined : parseNonce(values.nonce),
    vtpmNonce: values['vtpm-nonce'] === undefined ? undefined : parseVtpmNonce(values['vtpm-nonce']),
    moreEvidence: values['more-evidence'] ?? [],
    endorsements: values.endorsements ?? [],
    ear: values.ear,
    earKey: values['ear-key'],
    earProfile,
  };
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** A subcommand's arguments: parseArgs (strict) with usage errors as UsageError; `npos` = the exact number of positionals. */
export function parseCommand<O extends Options>(argv: string[], cmd: string, options: O, npos: number) {
  let r;
  try {
    r = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(parseArgsMessage(e, cmd, options as Parameters<typeof parseArgsMessage>[2]) ?? `${cmd}: ${(e as Error).message}`);
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
