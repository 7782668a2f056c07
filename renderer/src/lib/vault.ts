/** The vault room's pure helpers: ceremony steps, fingerprint display, release-policy form ↔ document. */
import type { Response } from '../../../electron/ipc/contract';

export type VaultSummary = NonNullable<Response<'vault:status'>['vault']>;
export type KeyView = Response<'key:list'>['keys'][number];
export type CeremonyView = Response<'ceremony:show'>['ceremony'];
export type CeremonyState = CeremonyView['state'];
export type AuditRead = Response<'audit:read'>;

/** The ceremony's forward path (electron/vault/ceremony.ts), each with what the operator does there. */
export const CEREMONY_STEPS: readonly { state: CeremonyState; title: string }[] = [
  { state: 'open', title: 'Opened' },
  { state: 'challenged', title: 'Challenge issued' },
  { state: 'appraised', title: 'Evidence appraised' },
  { state: 'approved', title: 'Quorum approved' },
  { state: 'released', title: 'Released' },
  { state: 'closed', title: 'Closed' },
];

/** States in which nothing more can happen. */
export const ENDED: readonly CeremonyState[] = ['closed', 'aborted', 'expired', 'refused'];

/** Index of `state` on the forward path; an ended-early ceremony (aborted, …) is -1. */
export const stepIndex = (state: CeremonyState): number => CEREMONY_STEPS.findIndex((s) => s.state === state);

/**
 * A 64-hex-digit fingerprint in 16 groups of 4, for reading aloud and comparing on two screens
 * ("3f2a 9c01 …"). Anything else is returned unchanged.
 */
export function groupHex(hex: string): string {
  return /^[0-9a-f]{64}$/.test(hex) ? (hex.match(/.{4}/g) ?? []).join(' ') : hex;
}

/** The release-policy form as typed (electron/vault/policy.ts names; TTLs in seconds, as text). */
export interface PolicyForm {
  tee: string[];
  approvals: string;
  allowTestAnchor: boolean;
  nonceTtl: string;
  ceremonyTtl: string;
  /** The appraisal policy as JSON text ('' = the core's defaults). */
  appraisalPolicy: string;
}

/** Defaults for a vault with threshold `m`: SEV-SNP, M approvals, 10 minutes per nonce, 1 day per ceremony. */
export const defaultPolicyForm = (m: number): PolicyForm => ({ tee: ['sev-snp'], approvals: String(m), allowTestAnchor: false, nonceTtl: '600', ceremonyTtl: '86400', appraisalPolicy: '' });

/**
 * The release-policy document for `key:add`, or an error message naming the field. Ranges are
 * checked again (and authoritatively) in main, which also has the core parse the appraisal policy.
 */
export function policyDocument(f: PolicyForm): Record<string, unknown> | string {
  const int = (label: string, text: string) => (/^\d+$/.test(text.trim()) ? Number(text) : `${label}: "${text}" is not a whole number`);
  if (f.tee.length === 0) return 'tee: choose at least one evidence type';
  const approvals = int('approvals', f.approvals);
  const nonce = int('nonce_ttl_seconds', f.nonceTtl);
  const ceremony = int('ceremony_ttl_seconds', f.ceremonyTtl);
  for (const v of [approvals, nonce, ceremony]) if (typeof v === 'string') return v;
  let appraisal: unknown = {};
  if (f.appraisalPolicy.trim() !== '') {
    try {
      appraisal = JSON.parse(f.appraisalPolicy);
    } catch (e) {
      return `appraisal_policy: not JSON: ${(e as Error).message}`;
    }
    if (appraisal === null || typeof appraisal !== 'object' || Array.isArray(appraisal)) return 'appraisal_policy: must be a JSON object';
  }
  return { appraisal_policy: appraisal, tee: f.tee, approvals, allow_test_anchor: f.allowTestAnchor, nonce_ttl_seconds: nonce, ceremony_ttl_seconds: ceremony };
}

/** One line saying what an audit entry records, from its payload's well-known fields. */
export function auditSummary(payload: Record<string, unknown>): string {
  const parts: string[] = [];
  const add = (label: string, v: unknown) => v !== undefined && v !== null && v !== '' && parts.push(`${label} ${Array.isArray(v) ? v.join(', ') : typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
  add('ceremony', payload.ceremony);
  add('key', payload.key_id ?? payload.name);
  add('state', payload.state);
  add('custodian', payload.custodian);
  add('verdict', payload.verdict);
  add('reason', payload.reason ?? payload.message);
  add('custodians', payload.custodians);
  add('bundle', typeof payload.bundle_sha256 === 'string' ? `${payload.bundle_sha256.slice(0, 16)}…` : undefined);
  return parts.join(' · ');
}
