/**
 * EAR attestation results (draft-ietf-rats-ear) built from the core's {@link Appraisal}.
 *
 * The core is the one place that reads evidence; this module only re-expresses its verdict, checks
 * and per-device claims in EAR's vocabulary, so it lives beside the typed wrapper and not in Rust:
 * it needs no byte of evidence, and signing (jose, a private JWK read by the caller) must stay out of
 * the pure, key-free core.
 *
 * Two wire profiles (the claim names changed between them; the values are the same):
 * - `ietf` (default): `eat_profile` `tag:ietf.org,2026:rats/ear#04`, underscore claim names
 *   (`ear_verifier_id`, `ear_status`, `ear_trustworthiness_vector`, `ear_appraisal_policy_ids`,
 *   `ear_verifier_claims`) as draft-ietf-rats-ear-04 and Veraison's Rust `ear` crate 0.6 define them.
 * - `veraison`: `eat_profile` `tag:github.com,2023:veraison/ear`, dotted names (`ear.verifier-id`,
 *   `ear.status`, `ear.trustworthiness-vector`, `ear.appraisal-policy-id`,
 *   `ear.veraison.annotated-evidence`) as Veraison's services, its Go module and the `ear` crate ≤ 0.5 use.
 *
 * Per submodule (`cpu0`, `gpu0`, `switch0`, …, as the core names them): `status` from the core's
 * verdict for that attester, and an AR4SI trustworthiness vector (draft-ietf-rats-ar4si §2.3) derived
 * from its checks by {@link CHECK_CLAIMS}. Values are AR4SI's own, never invented.
 */
import { createHash } from 'node:crypto';
import canonicalizeJson from 'canonicalize';
import type { Appraisal, Check, CheckStatus, Verdict } from './appraisal.ts';
import { InputError } from './errors.ts';
import pkg from '../../package.json' with { type: 'json' };

/** AR4SI trustworthiness claims (draft-ietf-rats-ar4si §2.3), JSON names. */
export type TrustClaim =
  | 'instance-identity'
  | 'configuration'
  | 'executables'
  | 'file-system'
  | 'hardware'
  | 'runtime-opaque'
  | 'storage-opaque'
  | 'sourced-data';

export const TRUST_CLAIMS: readonly TrustClaim[] = ['instance-identity', 'configuration', 'executables', 'file-system', 'hardware', 'runtime-opaque', 'storage-opaque', 'sourced-data'];

/** EAR `ear.status` / `ear_status`: the AR4SI tiers. */
export type EarStatus = 'none' | 'affirming' | 'warning' | 'contraindicated';

/** AR4SI values used here (draft-ietf-rats-ar4si §2.3; same constants as the `ear` crate's `trust::claim`). */
export const AR4SI = {
  NO_CLAIM: 0,
  CRYPTO_VALIDATION_FAILED: 99,
  TRUSTWORTHY_INSTANCE: 2,
  UNTRUSTWORTHY_INSTANCE: 96,
  APPROVED_CONFIG: 2,
  UNSAFE_CONFIG: 32,
  UNAVAIL_CONFIG_ELEMS: 36,
  UNSUPPORTABLE_CONFIG: 96,
  APPROVED_RUNTIME: 2,
  UNRECOGNIZED_RUNTIME: 33,
  CONTRAINDICATED_RUNTIME: 96,
  GENUINE_HARDWARE: 2,
  UNSAFE_HARDWARE: 32,
  CONTRAINDICATED_HARDWARE: 96,
  UNRECOGNIZED_HARDWARE: 97,
  ENCRYPTED_MEMORY_RUNTIME: 2,
  VISIBLE_MEMORY_RUNTIME: 96,
} as const;

/** The AR4SI tier of a claim value: -1..1 none, 2..31 affirming, 32..95 warning, 96..127 contraindicated (negative mirrors). */
export function tierOf(value: number): EarStatus {
  const v = Math.abs(value);
  if (v <= 1) return 'none';
  if (v <= 31) return 'affirming';
  if (v <= 95) return 'warning';
  return 'contraindicated';
}

const SEVERITY: Record<EarStatus, number> = { none: 0, affirming: 1, warning: 2, contraindicated: 3 };

/** The more severe of two statuses (none < affirming < warning < contraindicated, as the `ear` crate orders tiers). */
export const worse = (a: EarStatus, b: EarStatus): EarStatus => (SEVERITY[b] > SEVERITY[a] ? b : a);

/**
 * How one family of checks feeds the vector: the claim, and the AR4SI value for each outcome. `warn:
 * null` means AR4SI defines no warning-tier value for that claim (instance-identity): such a warning
 * leaves the claim as the passes set it and shows only in `ear_status` (which is the core's verdict).
 * `claim: null` means the check feeds no claim (listed on purpose, with the reason in `why`).
 */
export interface ClaimRule {
  /** Matches the check id with its device prefix (`cpu0.`, `gpu1.`, …) removed. */
  pattern: RegExp;
  claim: TrustClaim | null;
  pass?: number;
  warn?: number | null;
  fail?: number;
  why: string;
}

const HW = { claim: 'hardware', pass: AR4SI.GENUINE_HARDWARE, warn: AR4SI.UNSAFE_HARDWARE } as const;
const ID = { claim: 'instance-identity', pass: AR4SI.TRUSTWORTHY_INSTANCE, warn: null } as const;
const CFG = { claim: 'configuration', pass: AR4SI.APPROVED_CONFIG, warn: AR4SI.UNSAFE_CONFIG, fail: AR4SI.UNSUPPORTABLE_CONFIG } as const;
const EXE = { claim: 'executables', pass: AR4SI.APPROVED_RUNTIME, warn: AR4SI.UNRECOGNIZED_RUNTIME, fail: AR4SI.CONTRAINDICATED_RUNTIME } as const;

/**
 * Which check feeds which AR4SI claim; first match wins. Every check id the core emits must match a
 * rule (test/unit/ear.test.ts runs the core over the fixtures and vectors and asserts it), so no check
 * passes silently. file-system, storage-opaque and sourced-data are fed by no check: Custodian's
 * evidence says nothing about them (no claim is made, value 0, omitted).
 */
export const CHECK_CLAIMS: readonly ClaimRule[] = [
  // runtime-opaque: a genuine SEV-SNP/TDX/SGX report with debug off means memory the host cannot read.
  { pattern: /^policy\.debug$/, claim: 'runtime-opaque', pass: AR4SI.ENCRYPTED_MEMORY_RUNTIME, warn: AR4SI.VISIBLE_MEMORY_RUNTIME, fail: AR4SI.VISIBLE_MEMORY_RUNTIME, why: 'debug lets the host read and write guest/enclave memory' },
  // instance-identity: the report was signed by this chip's / device's own key, is this instance's and answers our challenge.
  { pattern: /^(report\.signature|quote\.signature|vtpm\.quote\.signature)$/, ...ID, fail: AR4SI.CRYPTO_VALIDATION_FAILED, why: 'signature by the chip/device attestation key over the raw report (and by the vTPM AK over its quote)' },
  { pattern: /^(report\.signature_structural|qe\.attestation_key_binding|evidence\.signing_key|binding\.chip_id|binding\.hcl_runtime_data|binding\.gpu_nonce|fwid|nonce|vtpm\.quote\.nonce|devices\.duplicates|policy\.(chip_id|report_data))$/, ...ID, fail: AR4SI.UNTRUSTWORTHY_INSTANCE, why: 'ties the report to one chip/device instance, its key and the relying party’s challenge' },
  // executables: measured code against reference values (SNP measurement/ID keys, TDX MR_TD/RTMRs and their event-log replay, SGX enclave, NVIDIA RIMs).
  { pattern: /^(measurements(\.[a-z_]+)?|rim\..+|eventlog\..+|vtpm\.quote|vtpm\.quote\.pcr_digest|policy\.(measurement|id_key|author_key|image_id|family_id|minimum_guest_svn|mr_td|rtmr\d|mr_enclave|mr_signer|isv_prod_id|minimum_isv_svn|driver_version|vbios_version|allowed_.*))$/, ...EXE, why: 'launch/runtime measurements compared with reference values or signed RIMs' },
  // hardware: the platform/device is genuine (chain to a pinned root, not revoked) and its firmware/TCB acceptable.
  { pattern: /^(chain|chain\.(.+\.)?(pin|root_pin|signature|path|ca|count|shape|source))$/, ...HW, fail: AR4SI.UNRECOGNIZED_HARDWARE, why: 'certificate chain to the pinned vendor root' },
  { pattern: /^(chain\..+|crl|crl\..+|pck\..+|tcb_signing\..+|tcb_info\..+|qe_identity\..+|qe\..+|collateral\..+|tdx_module\..+|tcb\..+|binding\.(reported_tcb|vek_tcb_current)|product|arch|quote\.(att_key_type|qe_vendor_id)|policy\.(minimum_tcb|minimum_launch_tcb|firmware|minimum_build|minimum_tee_tcb_svn|mr_seam|max_collateral_age))$/, ...HW, fail: AR4SI.CONTRAINDICATED_HARDWARE, why: 'validity, revocation, TCB level and firmware of the platform/device' },
  { pattern: /^evidence\.reserved$/, ...CFG, warn: AR4SI.UNAVAIL_CONFIG_ELEMS, why: 'reserved bits set: configuration the verifier cannot interpret' },
  { pattern: /^evidence\..+$/, ...HW, fail: AR4SI.CONTRAINDICATED_HARDWARE, why: 'the evidence as the platform/device firmware produced it (layout, blocks, trailing bytes)' },
  // configuration: launch/TD/enclave options and device topology against the policy.
  { pattern: /^(devices\..+|topology\..+|policy\..+)$/, ...CFG, why: 'guest/TD/enclave options, device mode and topology against the policy' },
];

/** The rule for a check id (device prefix allowed), or undefined when none matches. */
export function ruleFor(checkId: string): ClaimRule | undefined {
  const id = stripDevice(checkId);
  return CHECK_CLAIMS.find((r) => r.pattern.test(id));
}

const DEVICE_PREFIX = /^(cpu\d+|gpu\d+|switch\d+)\./;
const stripDevice = (id: string) => id.replace(DEVICE_PREFIX, '');

/** The AR4SI value a check contributes (undefined: none — a skip, a rule-less check, or a warning AR4SI has no value for). */
function valueOf(rule: ClaimRule, status: CheckStatus): number | undefined {
  if (status === 'pass') return rule.pass;
  if (status === 'warn') return rule.warn ?? undefined;
  if (status === 'fail') return rule.fail;
  return undefined;
}

/**
 * The AR4SI vector of a list of checks: per claim, the most severe value any check contributed (a
 * failing check makes its claim contraindicated). Claims no check fed are omitted (AR4SI 0, no claim).
 * `feeds` records which checks fed which claim; `unmapped` lists ids no rule matched.
 */
export function trustVector(checks: readonly Check[]): { vector: Partial<Record<TrustClaim, number>>; feeds: Partial<Record<TrustClaim, string[]>>; unmapped: string[] } {
  const vector: Partial<Record<TrustClaim, number>> = {};
  const feeds: Partial<Record<TrustClaim, string[]>> = {};
  const unmapped: string[] = [];
  for (const c of checks) {
    const rule = ruleFor(c.id);
    if (!rule) {
      unmapped.push(c.id);
      continue;
    }
    if (!rule.claim) continue;
    const v = valueOf(rule, c.status);
    if (v === undefined) continue;
    (feeds[rule.claim] ??= []).push(c.id);
    const old = vector[rule.claim];
    if (old === undefined || SEVERITY[tierOf(v)] > SEVERITY[tierOf(old)] || (tierOf(v) === tierOf(old) && v > old)) vector[rule.claim] = v;
  }
  return { vector, feeds, unmapped };
}

/** The EAR status of a core verdict (the same words: DESIGN.md's output vocabulary). */
export function statusOf(verdict: Verdict): EarStatus {
  return verdict;
}

/** The status a list of checks implies: any fail → contraindicated, any warn → warning, a pass → affirming, nothing → none. */
function statusOfChecks(checks: readonly Check[]): EarStatus {
  if (checks.some((c) => c.status === 'fail')) return 'contraindicated';
  if (checks.some((c) => c.status === 'warn')) return 'warning';
  return checks.some((c) => c.status === 'pass') ? 'affirming' : 'none';
}

/** One submodule: its name, the checks that concern it and the core's own status for it, if any. */
interface Submodule {
  name: string;
  checks: Check[];
  coreStatus?: EarStatus;
  platform: string;
}

const asRecord = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {});
const deviceName = (key: string) => key.toLowerCase().replace(/-/g, '');
const earStatusField = (o: Record<string, unknown>): EarStatus | undefined => {
  const s = o['ear.status'];
  return s === 'affirming' || s === 'warning' || s === 'contraindicated' ? s : undefined;
};

/**
 * The attesters of an appraisal. SEV-SNP, TDX, SGX: one submodule `cpu0` with every check. NVIDIA:
 * one per device of `claims.devices` (`GPU-0` → `gpu0`), each with its prefixed checks, plus the
 * checks that span devices (`devices.*`, `topology.*`). Composite: `claims.submods` as the core names
 * them; `cpu0.*` checks to `cpu0`, device-prefixed ones to their device, the rest (`binding.gpu_nonce`,
 * `devices.*`, `topology.*`) to every NVIDIA device.
 */
function submodules(a: Appraisal): Submodule[] {
  const isDevice = (id: string) => DEVICE_PREFIX.test(id);
  const prefixOf = (id: string) => DEVICE_PREFIX.exec(id)?.[1];
  if (a.platform === 'sev-snp' || a.platform === 'tdx' || a.platform === 'sgx') {
    return [{ name: 'cpu0', checks: a.checks, coreStatus: statusOf(a.verdict), platform: a.platform }];
  }
  const devices: [string, Record<string, unknown>, string][] =
    a.platform === 'composite'
      ? Object.entries(asRecord(a.claims.submods)).map(([k, v]) => [k, asRecord(v), k === 'cpu0' ? String(asRecord(v).platform ?? 'cpu') : 'nvidia'])
      : Object.entries(asRecord(a.claims.devices)).map(([k, v]) => [deviceName(k), asRecord(v), 'nvidia']);
  const shared = a.checks.filter((c) => !isDevice(c.id));
  return devices.map(([name, claims, platform]) => ({
    name,
    platform,
    coreStatus: earStatusField(claims),
    checks: [...a.checks.filter((c) => prefixOf(c.id) === name), ...(name === 'cpu0' ? [] : shared)],
  }));
}

/** Which EAR wire profile to write. */
export type EarProfile = 'ietf' | 'veraison';

export const EAR_PROFILES: Record<EarProfile, string> = {
  ietf: 'tag:ietf.org,2026:rats/ear#04',
  veraison: 'tag:github.com,2023:veraison/ear',
};

/** Who produced the result (`ear.verifier-id`). */
export interface VerifierId {
  build: string;
  developer: string;
}

/** `build`: the package name and version (package.json); `developer`: the project's name. */
export const DEFAULT_VERIFIER_ID: VerifierId = { build: `${pkg.name} ${pkg.version}`, developer: 'Custodian' };

/** One input file's digest, for the result's `custodian_evidence` claim. */
export interface EvidenceDigest {
  /** `evidence` (the main EVIDENCE file) or `more-evidence`. */
  role: 'evidence' | 'more-evidence';
  /** Lowercase hex SHA-256 of the file's bytes as read. */
  sha256: string;
}

export interface EarOptions {
  profile?: EarProfile;
  verifierId?: VerifierId;
  /** The appraisal policy document given to the core (`undefined`: the core's defaults, hashed as `{}`). */
  policy?: unknown;
  /** The raw evidence files, in the order given to the core. */
  evidence: { role: EvidenceDigest['role']; bytes: Uint8Array }[];
}

/**
 * `policy:sha256:<hex>`: SHA-256 of the RFC 8785 canonical JSON of the appraisal policy document as
 * the core received it (after `--nonce` is merged in); the core's defaults are the document `{}`.
 */
export function policyId(policy: unknown): string {
  const text = canonicalizeJson(policy ?? {});
  if (text === undefined) throw new InputError('policy', 'document', 'has no canonical JSON form');
  return `policy:sha256:${createHash('sha256').update(text).digest('hex')}`;
}

/** `iat`: the appraisal's reference time in whole seconds since the epoch. */
export function issuedAt(a: Appraisal): number {
  const ms = Date.parse(a.reference_time);
  if (!Number.isFinite(ms)) throw new InputError('appraisal', 'reference_time', `"${a.reference_time}" is not a date`);
  return Math.floor(ms / 1000);
}

/** The EAR claims-set (a JSON object ready to serialise or sign). */
export type EarClaims = Record<string, unknown>;

/**
 * Builds the EAR claims-set of an appraisal.
 *
 * Top level: `eat_profile`, `iat` (reference time, s), verifier id, `submods`, the overall status
 * (ietf profile only: `ear_status`, the worst submodule) and `custodian_evidence` (one
 * `{role, sha256}` per input evidence file; an unregistered claim, which EAR consumers ignore).
 * Per submodule: status (the worse of the core's status for that attester and its checks' status),
 * the AR4SI vector (omitted if no check fed a claim), the policy id, and Custodian's verifier claims
 * (`platform`, trust anchor kind/name/SPKI SHA-256, the ids of non-passing checks).
 * Throws InputError only for an appraisal without attesters.
 */
export function buildEar(a: Appraisal, o: EarOptions): EarClaims {
  const profile = o.profile ?? 'ietf';
  const ietf = profile === 'ietf';
  const pid = policyId(o.policy);
  const submods: Record<string, unknown> = {};
  let overall: EarStatus = 'none';
  const mods = submodules(a);
  if (mods.length === 0) throw new InputError('appraisal', 'submods', 'no attester to report');
  for (const m of mods) {
    let status = statusOfChecks(m.checks);
    if (m.coreStatus) status = worse(status, m.coreStatus);
    overall = worse(overall, status);
    const { vector } = trustVector(m.checks);
    const notPassed = m.checks.filter((c) => c.status === 'fail' || c.status === 'warn').map((c) => `${c.status}:${c.id}`);
    const verifierClaims: Record<string, unknown> = {
      platform: m.platform,
      trust_anchor: `${a.trust_anchor.kind}:${a.trust_anchor.name}:${a.trust_anchor.spki_sha256}`,
      ...(notPassed.length ? { checks_not_passed: notPassed } : {}),
    };
    const entry: Record<string, unknown> = {};
    entry[ietf ? 'ear_status' : 'ear.status'] = status;
    if (Object.keys(vector).length) entry[ietf ? 'ear_trustworthiness_vector' : 'ear.trustworthiness-vector'] = orderVector(vector);
    if (ietf) entry.ear_appraisal_policy_ids = [pid];
    else entry['ear.appraisal-policy-id'] = pid;
    entry[ietf ? 'ear_verifier_claims' : 'ear.veraison.annotated-evidence'] = verifierClaims;
    submods[m.name] = entry;
  }
  const vid = o.verifierId ?? DEFAULT_VERIFIER_ID;
  const out: EarClaims = { eat_profile: EAR_PROFILES[profile], iat: issuedAt(a) };
  out[ietf ? 'ear_verifier_id' : 'ear.verifier-id'] = { build: vid.build, developer: vid.developer };
  out.submods = submods;
  if (ietf) out.ear_status = overall;
  out.custodian_evidence = o.evidence.map((e) => ({ role: e.role, sha256: createHash('sha256').update(e.bytes).digest('hex') }));
  return out;
}

const orderVector = (v: Partial<Record<TrustClaim, number>>) => Object.fromEntries(TRUST_CLAIMS.filter((k) => v[k] !== undefined).map((k) => [k, v[k]]));

/** The JWS algorithm for an EC private JWK: ES256 for P-256, ES384 for P-384 (the `ear` crate's JWT algorithms). */
export function earAlgorithm(jwk: Record<string, unknown>, where: string): 'ES256' | 'ES384' {
  if (jwk.kty !== 'EC') throw new InputError(where, 'kty', `must be "EC" (an ES256/ES384 signing key), got ${JSON.stringify(jwk.kty)}`);
  if (typeof jwk.d !== 'string') throw new InputError(where, 'd', `missing: a private JWK is needed to sign the EAR`);
  if (jwk.crv === 'P-256') return 'ES256';
  if (jwk.crv === 'P-384') return 'ES384';
  throw new InputError(where, 'crv', `must be "P-256" or "P-384", got ${JSON.stringify(jwk.crv)}`);
}

/**
 * Parses a private JWK file's bytes for {@link signEar}. The error never quotes the file's text (it
 * holds a private key): only `where` and what is wrong.
 */
export function parseEarKey(bytes: Uint8Array, where: string): Record<string, unknown> {
  let jwk: unknown;
  try {
    jwk = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new InputError(where, 'EAR key', 'not JSON (a private JWK is expected)');
  }
  if (!jwk || typeof jwk !== 'object' || Array.isArray(jwk)) throw new InputError(where, 'EAR key', 'not a JSON object (a private JWK is expected)');
  earAlgorithm(jwk as Record<string, unknown>, where);
  return jwk as Record<string, unknown>;
}

/**
 * The EAR file text: the compact JWT when `jwk` is given, else the claims-set as JSON (2-space
 * indent, trailing newline).
 */
export async function earText(claims: EarClaims, jwk?: Record<string, unknown>, where = 'EAR key'): Promise<string> {
  return jwk ? `${await signEar(claims, jwk, where)}\n` : `${JSON.stringify(claims, null, 2)}\n`;
}

/**
 * Signs an EAR claims-set as a compact JWT (`typ` JWT, `kid` = the key's RFC 7638 thumbprint) with
 * jose. `jwk` is a private EC JWK (P-256 → ES256, P-384 → ES384); `where` names it in errors.
 */
export async function signEar(claims: EarClaims, jwk: Record<string, unknown>, where: string): Promise<string> {
  const alg = earAlgorithm(jwk, where);
  const { importJWK, SignJWT, calculateJwkThumbprint } = await import('jose');
  let key;
  try {
    key = await importJWK(jwk as Parameters<typeof importJWK>[0], alg);
  } catch (e) {
    throw new InputError(where, 'key', `not a usable ${alg} private key (${(e as Error).message})`);
  }
  const kid = await calculateJwkThumbprint({ kty: 'EC', crv: jwk.crv as string, x: jwk.x as string, y: jwk.y as string });
  return new SignJWT(claims).setProtectedHeader({ alg, typ: 'JWT', kid }).sign(key);
}
