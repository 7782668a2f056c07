/**
 * A model key's release policy, part of the key record its importing custodian signs (keys.ts), so
 * editing it in the file makes the key unusable rather than releasable.
 *
 * ```json
 * { "appraisal_policy": {"snp": {"minimum_guest_svn": 1}},   // the core's policy JSON (docs/verify.md "SEV-SNP policy", "TDX and SGX policy")
 *   "tee": ["sev-snp"],          // accepted CPU evidence: any of "sev-snp", "tdx"
 *   "gpu": false,                // also require NVIDIA GPU evidence (composite.ts)
 *   "gpus": 2,                   // with gpu: at least this many GPUs (default 1; omitted when not given)
 *   "approvals": 2,              // approvals needed (≥ the vault threshold)
 *   "allow_test_anchor": false,  // accept evidence chained to an explicit TEST anchor (rehearsals)
 *   "accept_warnings": [],       // check ids whose `warn` is tolerated (default: affirming only);
 *                                // "gpu*.<check>" tolerates that check of every GPU
 *   "no_reference_values": false,// explicitly release without any reference value (shown at every ceremony)
 *   "nonce_ttl_seconds": 600,    // how long a challenge is valid
 *   "ceremony_ttl_seconds": 86400 }
 * ```
 */
import type { Core } from '../core/core.ts';
import { InputError } from './errors.ts';

export type TeeKind = 'sev-snp' | 'tdx';

export interface ReleasePolicy {
  appraisal_policy: Record<string, unknown>;
  tee: TeeKind[];
  gpu: boolean;
  /** With `gpu`: the GPUs required at least (absent: 1). */
  gpus?: number;
  approvals: number;
  allow_test_anchor: boolean;
  accept_warnings: string[];
  no_reference_values: boolean;
  nonce_ttl_seconds: number;
  ceremony_ttl_seconds: number;
}

const FIELDS = ['appraisal_policy', 'tee', 'gpu', 'gpus', 'approvals', 'allow_test_anchor', 'accept_warnings', 'no_reference_values', 'nonce_ttl_seconds', 'ceremony_ttl_seconds'];

/**
 * The reference values an appraisal policy pins, per platform section: options that tie the evidence
 * to one workload rather than "some VM on some machine" (docs/vault-and-ceremony.md "Release policy").
 */
const REFERENCE_VALUES: Record<TeeKind, { section: string; options: string[] }> = {
  'sev-snp': { section: 'snp', options: ['measurements', 'host_data', 'trusted_id_key_hashes', 'trusted_author_key_hashes', 'image_id', 'family_id'] },
  tdx: { section: 'tdx', options: ['mr_td', 'rtmr', 'mr_config_id', 'mr_owner', 'mr_owner_config'] },
};

/** `section.option` names of the reference values `policy` pins for `tee` (non-empty values only). */
export function pinnedReferenceValues(appraisal: Record<string, unknown>, tee: TeeKind): string[] {
  const { section, options } = REFERENCE_VALUES[tee];
  const s = (appraisal[section] ?? {}) as Record<string, unknown>;
  const present = (v: unknown) => v !== undefined && v !== null && v !== '' && !(Array.isArray(v) && v.length === 0) && !(typeof v === 'object' && !Array.isArray(v) && Object.keys(v as object).length === 0);
  return options.filter((o) => present(s[o])).map((o) => `${section}.${o}`);
}

/**
 * Validates a (partial) policy document from `file` and fills defaults. `threshold` is the vault's M,
 * `custodians` its N. Unknown fields and bad values are InputErrors naming the field.
 */
export function parseReleasePolicy(doc: unknown, file: string, threshold: number, custodians: number): ReleasePolicy {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new InputError(file, 'release policy', 'must be a JSON object');
  const d = doc as Record<string, unknown>;
  for (const k of Object.keys(d)) if (!FIELDS.includes(k)) throw new InputError(file, k, `unknown release-policy field (known: ${FIELDS.join(', ')})`);
  const bad = (field: string, why: string) => new InputError(file, field, why);
  const int = (field: string, dflt: number, min: number, max: number) => {
    const v = d[field] ?? dflt;
    if (!Number.isInteger(v) || (v as number) < min || (v as number) > max) throw bad(field, `must be an integer from ${min} to ${max}`);
    return v as number;
  };
  const bool = (field: string) => {
    const v = d[field] ?? false;
    if (typeof v !== 'boolean') throw bad(field, 'must be true or false');
    return v;
  };
  const ap = d.appraisal_policy ?? {};
  if (ap === null || typeof ap !== 'object' || Array.isArray(ap)) throw bad('appraisal_policy', 'must be a JSON object');
  const tee = d.tee ?? ['sev-snp'];
  if (!Array.isArray(tee) || tee.length === 0 || !tee.every((t) => t === 'sev-snp' || t === 'tdx')) throw bad('tee', 'must be a non-empty list of "sev-snp", "tdx"');
  const warnings = d.accept_warnings ?? [];
  if (!Array.isArray(warnings) || !warnings.every((w) => typeof w === 'string' && /^(gpu\*\.)?[a-z0-9_.-]{1,128}$/.test(w))) throw bad('accept_warnings', 'must be a list of check ids such as "crl.revocation" or "gpu*.chain.revocation"');
  const gpu = bool('gpu');
  if (d.gpus !== undefined && !gpu) throw bad('gpus', 'applies only with "gpu": true');
  const policy: ReleasePolicy = {
    appraisal_policy: ap as Record<string, unknown>,
    tee: [...new Set(tee as TeeKind[])],
    gpu,
    ...(d.gpus !== undefined ? { gpus: int('gpus', 1, 1, 64) } : {}),
    approvals: int('approvals', threshold, threshold, custodians),
    allow_test_anchor: bool('allow_test_anchor'),
    accept_warnings: [...new Set(warnings as string[])].sort(),
    no_reference_values: bool('no_reference_values'),
    nonce_ttl_seconds: int('nonce_ttl_seconds', 600, 1, 7 * 86400),
    ceremony_ttl_seconds: int('ceremony_ttl_seconds', 86400, 1, 30 * 86400),
  };
  // A production key must name the workload: a policy without any reference value proves only "some
  // VM on some machine", possibly the attacker's own. Rehearsal (TEST) keys and an explicit opt-out
  // are the exceptions; the opt-out is part of the signed policy and shown at every ceremony.
  if (!policy.allow_test_anchor && !policy.no_reference_values) {
    for (const t of policy.tee) {
      if (pinnedReferenceValues(policy.appraisal_policy, t).length === 0) {
        const { section, options } = REFERENCE_VALUES[t];
        throw bad('appraisal_policy', `a key released to ${t} evidence needs at least one reference value (${options.map((o) => `${section}.${o}`).join(', ')}), or an explicit "no_reference_values": true (--no-reference-values)`);
      }
    }
  }
  return policy;
}

/**
 * Has the core parse `policy` as an appraisal policy (it does so before reading any evidence), so a
 * key is never stored with a policy the core would reject. InputError naming `file` otherwise.
 */
export function checkAppraisalPolicy(core: Core, policy: unknown, file: string): void {
  try {
    core.verify({ evidence: { name: '(policy check)', bytes: new Uint8Array() }, policy, referenceTime: new Date(0) });
  } catch (e) {
    if (e instanceof InputError && e.file === 'policy') throw new InputError(file, e.field === 'policy' ? 'appraisal_policy' : `appraisal_policy.${e.field}`, e.detail);
  }
}
