/**
 * Compare, reason first: how the checks of two appraisals differ (a status change explains a verdict
 * change; a changed sentence shows what was compared), and the claims ordered so that identity,
 * measurements and TCB come before per-report noise (signatures, report ids, nonces).
 */
import type { Appraisal } from '../api';
import type { ClaimDiff } from './claims';
import { sha256Hex } from './report';

type Check = Appraisal['checks'][number];

/** One check that differs: its status on each side (undefined: the side has no such check) and sentences. */
export interface CheckDiff {
  id: string;
  left: Check['status'] | undefined;
  right: Check['status'] | undefined;
  leftDetail: string;
  rightDetail: string;
  /** `status`: the status differs (or one side lacks the check); `detail`: same status, another sentence. */
  kind: 'status' | 'detail';
}

/** Every check whose status or sentence differs: status changes first, then sentence changes; each in the left side's order. */
export function diffChecks(left: readonly Check[], right: readonly Check[]): CheckDiff[] {
  const r = new Map(right.map((c) => [c.id, c]));
  const l = new Map(left.map((c) => [c.id, c]));
  const ids = [...left.map((c) => c.id), ...right.filter((c) => !l.has(c.id)).map((c) => c.id)];
  const out: CheckDiff[] = [];
  for (const id of ids) {
    const a = l.get(id);
    const b = r.get(id);
    if (a && b && a.status === b.status && a.detail === b.detail) continue;
    out.push({ id, left: a?.status, right: b?.status, leftDetail: a?.detail ?? '', rightDetail: b?.detail ?? '', kind: a?.status === b?.status ? 'detail' : 'status' });
  }
  return [...out.filter((d) => d.kind === 'status'), ...out.filter((d) => d.kind === 'detail')];
}

/** Claims that differ on every report by construction (signatures, ids, nonces, raw blobs): shown last. */
const NOISE = /(^|\.)(signature(_[a-z]+)?|report_id(_ma)?|nonce|request_nonce|responder_nonce|report_data)(\.|$)/;

/** The claims with per-report noise moved after everything else; the order is otherwise kept. */
export function noiseLast(rows: readonly ClaimDiff[]): ClaimDiff[] {
  return [...rows.filter((d) => !NOISE.test(d.path)), ...rows.filter((d) => NOISE.test(d.path))];
}

/** True for a claim path {@link noiseLast} puts last. */
export const isNoise = (path: string): boolean => NOISE.test(path);

/** The first `n` hex digits of the SHA-256 of `bytes`, to tell two same-named files apart. */
export async function shortSha256(bytes: Uint8Array, n = 12): Promise<string> {
  return (await sha256Hex(bytes)).slice(0, n);
}
