/** Compare helpers: which checks differ and in what order, per-report noise last, short hashes. */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { diffChecks, noiseLast, shortSha256 } from '../../renderer/src/lib/compare.ts';
import { diffClaims } from '../../renderer/src/lib/claims.ts';

const c = (id: string, status: 'pass' | 'fail' | 'warn' | 'skip', detail = id) => ({ id, status, detail });

describe('compare, reason first', () => {
  it('lists status changes first, then sentence changes; checks on one side only count as status changes', () => {
    const left = [c('a', 'pass'), c('b', 'pass', 'TCB 1'), c('policy.debug', 'pass'), c('gone', 'pass'), c('same', 'pass')];
    const right = [c('a', 'pass'), c('b', 'pass', 'TCB 2'), c('policy.debug', 'fail'), c('same', 'pass'), c('new', 'warn')];
    expect(diffChecks(left, right).map((d) => [d.id, d.kind, d.left, d.right])).toEqual([
      ['policy.debug', 'status', 'pass', 'fail'],
      ['gone', 'status', 'pass', undefined],
      ['new', 'status', undefined, 'warn'],
      ['b', 'detail', 'pass', 'pass'],
    ]);
    expect(diffChecks(left, left)).toEqual([]);
  });

  it('puts per-report noise (signatures, report ids, nonces, REPORT_DATA) after identity and measurements', () => {
    const rows = noiseLast(diffClaims({ signature: { r: '1' }, signature_s: '1', measurement: 'm1', report_id: 'x', reported_tcb: { raw: '1' } }, { signature: { r: '2' }, signature_s: '2', measurement: 'm2', report_id: 'y', reported_tcb: { raw: '2' } }));
    expect(rows.map((r) => r.path)).toEqual(['measurement', 'reported_tcb.raw', 'report_id', 'signature.r', 'signature_s']);
  });

  it('gives the SHA-256 prefix that tells same-named captures apart', async () => {
    const bytes = new TextEncoder().encode('report');
    expect(await shortSha256(bytes)).toBe(createHash('sha256').update('report').digest('hex').slice(0, 12));
  });
});
