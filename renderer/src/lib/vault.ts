/** The vault room's pure helpers: ceremony steps, fingerprint display, release-policy form ↔ document. */
import type { Response } from '../../../electron/ipc/contract';
import { pinnedReferenceValues, type TeeKind } from '../../../electron/vault/policy';

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

/** Fingerprints in groups of four, as the CLI prints them (one notation on both). */
export { groupHex } from '../../../electron/cli/text';

/** The release-policy form as typed (electron/vault/policy.ts names; TTLs in seconds, as text). */
export interface PolicyForm {
  tee: string[];
  approvals: string;
  allowTestAnchor: boolean;
  nonceTtl: string;
  ceremonyTtl: string;
  /** The appraisal policy as JSON text ('' = the core's defaults). */
  appraisalPolicy: string;
  /** SEV-SNP MEASUREMENT allow-list, 48-byte hex values separated by spaces, commas or lines → `snp.measurements`. */
  snpMeasurements: string;
  /** TDX MR_TD allow-list, 48-byte hex values → `tdx.mr_td`. */
  tdxMrTd: string;
  /** NVIDIA GPUs required (→ `gpu`, `gpus`); '0' = CPU evidence only. */
  gpus: string;
  /** Check ids whose `warn` the key tolerates (→ `accept_warnings`); empty = affirming evidence only. */
  acceptWarnings: string;
  /** The explicit opt-out: release without any reference value (→ `no_reference_values`). */
  noReferenceValues: boolean;
}

/** Defaults for a vault with threshold `m`: SEV-SNP, M approvals, 10 minutes per nonce, 1 day per ceremony, affirming only. */
export const defaultPolicyForm = (m: number): PolicyForm => ({
  tee: ['sev-snp'], approvals: String(m), allowTestAnchor: false, nonceTtl: '600', ceremonyTtl: '86400', appraisalPolicy: '',
  snpMeasurements: '', tdxMrTd: '', acceptWarnings: '', noReferenceValues: false, gpus: '0',
});

const words = (text: string) => text.split(/[\s,]+/).filter(Boolean);

/**
 * The release-policy document for `key:add`, or an error message naming the field. The measurement
 * and MR_TD fields are merged into the appraisal policy's `snp.measurements` / `tdx.mr_td` lists.
 * Ranges are checked again (and authoritatively) in main, which also has the core parse the appraisal policy.
 */
export function policyDocument(f: PolicyForm): Record<string, unknown> | string {
  const int = (label: string, text: string) => (/^\d+$/.test(text.trim()) ? Number(text) : `${label}: "${text}" is not a whole number`);
  if (f.tee.length === 0) return 'tee: choose at least one evidence type';
  const approvals = int('approvals', f.approvals);
  const nonce = int('nonce_ttl_seconds', f.nonceTtl);
  const ceremony = int('ceremony_ttl_seconds', f.ceremonyTtl);
  const gpus = int('gpus', f.gpus);
  for (const v of [approvals, nonce, ceremony, gpus]) if (typeof v === 'string') return v;
  let appraisal: Record<string, unknown> = {};
  if (f.appraisalPolicy.trim() !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(f.appraisalPolicy);
    } catch (e) {
      return `appraisal_policy: not JSON: ${(e as Error).message}`;
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return 'appraisal_policy: must be a JSON object';
    appraisal = parsed as Record<string, unknown>;
  }
  const lists: [string, string, string, string][] = [
    ['sev-snp', 'snp', 'measurements', f.snpMeasurements],
    ['tdx', 'tdx', 'mr_td', f.tdxMrTd],
  ];
  for (const [tee, section, option, text] of lists) {
    const values = words(text).map((v) => v.toLowerCase());
    if (values.length === 0) continue;
    if (!f.tee.includes(tee)) return `${section}.${option}: ${tee} evidence is not accepted by this policy`;
    const bad = values.find((v) => !/^[0-9a-f]{96}$/.test(v));
    if (bad) return `${section}.${option}: "${bad}" is not 48 bytes of hex (96 digits)`;
    const s = appraisal[section];
    if (s !== undefined && (s === null || typeof s !== 'object' || Array.isArray(s))) return `appraisal_policy.${section}: must be a JSON object`;
    const sec = { ...((s ?? {}) as Record<string, unknown>) };
    const prior = sec[option];
    if (prior !== undefined && !Array.isArray(prior)) return `appraisal_policy.${section}.${option}: must be a list`;
    sec[option] = [...new Set([...((prior as string[] | undefined) ?? []), ...values])];
    appraisal = { ...appraisal, [section]: sec };
  }
  const accept = words(f.acceptWarnings);
  const badId = accept.find((w) => !/^(gpu\*\.)?[a-z0-9_.-]{1,128}$/.test(w));
  if (badId) return `accept_warnings: "${badId}" is not a check id (such as crl.revocation, or gpu*.chain.revocation for every GPU)`;
  return {
    appraisal_policy: appraisal, tee: f.tee, ...(typeof gpus === 'number' && gpus > 0 ? { gpu: true, gpus } : {}), approvals, allow_test_anchor: f.allowTestAnchor, accept_warnings: accept,
    no_reference_values: f.noReferenceValues, nonce_ttl_seconds: nonce, ceremony_ttl_seconds: ceremony,
  };
}

/**
 * Why main would refuse `doc` for lacking a reference value (a non-TEST key without the explicit
 * opt-out must pin one per accepted evidence type, electron/vault/policy.ts), or null.
 */
export function referenceValueProblem(doc: Record<string, unknown>): string | null {
  if (doc.allow_test_anchor === true || doc.no_reference_values === true) return null;
  const ap = (doc.appraisal_policy ?? {}) as Record<string, unknown>;
  const missing = (doc.tee as TeeKind[]).filter((t) => pinnedReferenceValues(ap, t).length === 0);
  if (missing.length === 0) return null;
  return `A key that may be released to real ${missing.join(' and ')} evidence needs a reference value for it (a measurement, MR_TD, or another pinned value in the appraisal policy), or the explicit "release without reference values" opt-out.`;
}

/** The reference values a policy pins, as `section.option` and its values (strings; objects as JSON). */
export function pinnedValues(policy: KeyView['policy']): { name: string; values: string[] }[] {
  const ap = policy.appraisal_policy as Record<string, unknown>;
  return policy.tee.flatMap((t) => pinnedReferenceValues(ap, t)).map((name) => {
    const [section, option] = name.split('.') as [string, string];
    const v = (ap[section] as Record<string, unknown>)[option];
    const values = Array.isArray(v) ? v : [v];
    return { name, values: values.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))) };
  });
}

type Check = NonNullable<CeremonyView['data']['evidence']>['appraisal']['checks'][number];

/**
 * Every check that did not pass, in the order custodians must read them: failures, then warnings
 * (each marked when the key's policy tolerates it), then skipped checks.
 */
export function nonPassChecks(checks: readonly Check[], acceptWarnings: readonly string[]): (Check & { tolerated: boolean })[] {
  const rank = { fail: 0, warn: 1, skip: 2 } as Record<string, number>;
  return checks
    .filter((c) => c.status !== 'pass')
    .map((c) => ({ ...c, tolerated: c.status === 'warn' && acceptWarnings.includes(c.id) }))
    .sort((a, b) => (rank[a.status] ?? 3) - (rank[b.status] ?? 3));
}

/** A TCB value as reported (`{boot_loader, tee, snp, microcode, raw}`) as one line. */
function tcbLine(v: unknown): string {
  if (v === null || typeof v !== 'object') return String(v ?? '—');
  const o = v as Record<string, unknown>;
  const parts = Object.entries(o).filter(([k]) => k !== 'raw').map(([k, x]) => `${k} ${String(x)}`);
  return `${parts.join(' · ')}${o.raw ? ` (${String(o.raw)})` : ''}`;
}

/**
 * What identifies the workload and its platform in an appraisal's claims, as label/value pairs:
 * SEV-SNP MEASUREMENT and REPORTED_TCB; TDX MR_TD, RTMR0–3 and the TCB status. Absent claims are omitted.
 */
export function workloadIdentity(platform: string, claims: Record<string, unknown>): { label: string; value: string }[] {
  const rows: [string, unknown][] = platform === 'tdx'
    ? [['MR_TD', claims.mr_td], ['RTMR0', claims.rtmr0], ['RTMR1', claims.rtmr1], ['RTMR2', claims.rtmr2], ['RTMR3', claims.rtmr3], ['TCB status', claims.tcb_status]]
    : [['MEASUREMENT', claims.measurement], ['REPORTED_TCB', claims.reported_tcb === undefined ? undefined : tcbLine(claims.reported_tcb)]];
  return rows.filter(([, v]) => v !== undefined && v !== null).map(([label, v]) => ({ label, value: String(v) }));
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
