/** Batch collection and jobs in Node: endorsements paired by identity from the whole folder, counts, cancel. */
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectTasks } from '../../electron/batch/collect.ts';
import { BatchJobs } from '../../electron/batch/jobs.ts';
import { FIXTURES, VECTORS } from '../helpers.ts';
import { existsSync } from 'node:fs';
import { readFileSync } from 'node:fs';

function folder(): string {
  const root = mkdtempSync(join(tmpdir(), 'custodian-batch-unit-'));
  for (const name of ['valid', 'debug']) {
    mkdirSync(join(root, name, 'nested'), { recursive: true });
    copyFileSync(join(FIXTURES, name, 'report.bin'), join(root, name, 'report.bin'));
    copyFileSync(join(FIXTURES, name, 'vcek.der'), join(root, name, 'vcek.der'));
    copyFileSync(join(FIXTURES, 'pki', 'cert_chain.pem'), join(root, name, 'chain.pem'));
    copyFileSync(join(FIXTURES, name, 'report.bin'), join(root, name, 'nested', 'again.bin'));
  }
  writeFileSync(join(root, 'notes.txt'), 'hello');
  return root;
}

describe('collectTasks', () => {
  it('finds every evidence file recursively, to be paired from a pool of every other recognised file', async () => {
    const root = folder();
    const { tasks, pool } = await collectTasks(root);
    expect(tasks.map((t) => t.rel)).toEqual(['debug/nested/again.bin', 'debug/report.bin', 'valid/nested/again.bin', 'valid/report.bin']);
    expect(tasks.every((t) => t.pair && t.endorsements.length === 0)).toBe(true);
    // notes.txt is no endorsement; the evidence is not in the pool.
    expect(pool.map((p) => p.slice(root.length + 1))).toEqual(['debug/chain.pem', 'debug/vcek.der', 'valid/chain.pem', 'valid/vcek.der']);
  });

  it('names the folder when it cannot be read', async () => {
    await expect(collectTasks('/no/such/folder')).rejects.toMatchObject({ file: '/no/such/folder', field: 'folder' });
  });
});

describe('BatchJobs', () => {
  it('verifies in a worker and reports one row per file', async () => {
    const jobs = new BatchJobs({ workerUrl: new URL('../../electron/batch/worker.ts', import.meta.url), threads: 1 });
    const anchors = [{ name: 'ark.pem', bytes: new Uint8Array(readFileSync(join(FIXTURES, 'pki', 'ark.pem'))) }];
    const { jobId, total } = await jobs.start({ folder: folder(), testAnchors: anchors, policy: null, referenceTime: '2025-12-01T00:00:00Z' });
    expect(total).toBe(4);
    let p = jobs.poll({ jobId, from: 0 });
    while (!p.finished) {
      await new Promise((r) => setTimeout(r, 50));
      p = jobs.poll({ jobId, from: 0 });
    }
    const byPath = Object.fromEntries(p.rows.map((r) => [r.path, r]));
    expect(byPath['debug/report.bin']).toMatchObject({ verdict: 'contraindicated', failing: ['policy.debug'], platform: 'sev-snp' });
    // No CRL anywhere: a warning, not an affirmation. The nested copies find their VCEK one folder up, by identity.
    expect(byPath['valid/report.bin']!.verdict).toBe('warning');
    expect(byPath['valid/nested/again.bin']).toMatchObject({ verdict: 'warning', endorsements: ['valid/vcek.der', 'valid/chain.pem'] });
    expect(byPath['valid/nested/again.bin']!.pairing[0]!.text).toMatch(/^valid\/vcek\.der: VCEK \(Milan, .*\), for the VCEK for CHIP_ID/);
    expect(jobs.poll({ jobId, from: 3 }).rows).toHaveLength(1);
    expect(await jobs.cancel({ jobId })).toEqual({ cancelled: false });
  });

  it('cancel stops a running job; what was verified stays, the rest is not reported', async () => {
    const root = mkdtempSync(join(tmpdir(), 'custodian-batch-cancel-'));
    for (let i = 0; i < 300; i++) copyFileSync(join(FIXTURES, 'valid', 'report.bin'), join(root, `r${i}.bin`));
    const jobs = new BatchJobs({ workerUrl: new URL('../../electron/batch/worker.ts', import.meta.url), threads: 1 });
    const { jobId, total } = await jobs.start({ folder: root, testAnchors: [], policy: null, referenceTime: '2025-12-01T00:00:00Z' });
    expect(total).toBe(300);
    expect(await jobs.cancel({ jobId })).toEqual({ cancelled: true });
    const p = jobs.poll({ jobId, from: 0 });
    expect(p.finished).toBe(true);
    expect(p.done).toBeLessThan(300);
    await new Promise((r) => setTimeout(r, 300));
    expect(jobs.poll({ jobId, from: 0 }).done).toBe(p.done);
  });
});

const NV = join(VECTORS, 'nvidia');
describe.skipIf(!existsSync(join(NV, 'manifest.json')))('batch with NVIDIA evidence (real vectors, read in place)', () => {
  it('a report with its chain and RIMs beside it: the RIMs go to the core as RIMs, and the row matches the inspector', async () => {
    // A temporary folder holding only the reference set (copied to tmp at run time, never into the project).
    const root = mkdtempSync(join(tmpdir(), 'custodian-batch-nv-'));
    const ref = join(NV, 'gpu-hopper', 'h100-545.00-nonce4cff');
    for (const f of ['report.hex', 'cert-chain.pem', 'rim-driver-545.00.swidtag']) copyFileSync(join(ref, f), join(root, f));
    copyFileSync(join(NV, 'rims', 'vbios', '1010_0200_882_96005E0001_PROD.swidtag'), join(root, 'vbios.swidtag'));
    const { tasks, pool } = await collectTasks(root);
    expect(tasks.map((t) => [t.rel, t.kind])).toEqual([['report.hex', 'nvidia-report']]);
    expect(pool.map((p) => p.split('/').at(-1))).toEqual(['cert-chain.pem', 'rim-driver-545.00.swidtag', 'vbios.swidtag']);
    const jobs = new BatchJobs({ workerUrl: new URL('../../electron/batch/worker.ts', import.meta.url), threads: 1 });
    const { jobId } = await jobs.start({ folder: root, testAnchors: [], policy: null, referenceTime: '2025-06-01T00:00:00Z' });
    let p = jobs.poll({ jobId, from: 0 });
    while (!p.finished) {
      await new Promise((r) => setTimeout(r, 50));
      p = jobs.poll({ jobId, from: 0 });
    }
    expect(p.rows).toHaveLength(1);
    expect(p.rows[0]).toMatchObject({ path: 'report.hex', platform: 'nvidia', verdict: 'contraindicated', failing: ['gpu0.measurements'] });
    expect([...p.rows[0]!.endorsements].sort()).toEqual(['cert-chain.pem', 'rim-driver-545.00.swidtag', 'vbios.swidtag']);
  });
});
