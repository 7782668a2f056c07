/**
 * Composite (CPU + GPU) ceremonies through the services (issue 12 item 5): a key with `gpu: true,
 * gpus: 2` is released to rehearsal SNP + 2 TEST GPUs bound as Trustee's composite attester binds them,
 * and refused — naming the device — for each way a GPU can fail. Threats: GPU evidence made for another
 * challenge (replayed from elsewhere), firmware that is not the RIM's, a RIM withheld, a device chain
 * that does not hold together, a GPU removed, and the additional evidence swapped after the CPU report
 * was made (so the appraised GPUs are not the ones the CPU TEE saw).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JWK } from 'jose';
import { core } from '../helpers.ts';
import { approveAs, newVault, type TestVault } from './helpers.ts';
import { rehearsalEvidence, rehearseSnp } from '../../electron/rehearse/snp.ts';
import { TAMPERED_INDEX, type GpuFault } from '../../electron/rehearse/nvidia.ts';
import { abort, challenge, closeReleased, openCeremony, release, show, submitEvidence } from '../../electron/vault/ceremony.ts';
import { cpuView, devicesOf } from '../../electron/vault/composite.ts';
import { rehearseTdx, tdxRehearsalEvidence } from '../../electron/rehearse/tdx.ts';
import { Refused } from '../../electron/vault/errors.ts';
import { decryptBundle } from '../../electron/vault/release.ts';

async function refused(p: Promise<unknown>, reason: Refused['reason']): Promise<string> {
  const e = await p.then(() => null, (x: unknown) => x);
  expect(e, 'expected a refusal').toBeInstanceOf(Refused);
  expect((e as Refused).reason).toBe(reason);
  return (e as Refused).message;
}

/** Opens and challenges a ceremony, then makes rehearsal evidence for it with `count` GPUs. */
async function attempt(v: TestVault, count: number, opts: { faults?: GpuFault[]; tamper?: boolean; drop?: string[] } = {}) {
  const cid = await openCeremony(v.ctx, v.key.id);
  const ch = await challenge(v.ctx, cid);
  const r = await rehearseSnp({ nonce: ch.nonce, hashAlg: ch['extra-params']['selected-hash-algorithm'] }, 'EC', { gpus: { count, core, faults: opts.faults, tamperAdditionalEvidence: opts.tamper } });
  return { cid, r, input: rehearsalEvidence(r, { drop: opts.drop }) };
}

describe('composite ceremony: SNP + 2 GPUs (key policy gpu: true, gpus: 2)', () => {
  let v: TestVault;
  beforeAll(async () => {
    v = await newVault({ policy: { gpu: true, gpus: 2 } });
  });
  afterAll(() => v.db.close());

  it('appraises every device, lists each with its verdict and versions, and releases to the bound TEE key', async () => {
    const { cid, r, input } = await attempt(v, 2);
    let c = await submitEvidence(v.ctx, core, cid, input);
    const a = c.data.evidence!.appraisal;
    expect(a.platform).toBe('composite');
    expect(a.verdict).toBe('affirming');
    expect(c.data.evidence!.binding.form).toBe('trustee-0.14');
    expect(c.data.request!.evidence.map((f) => f.role)).toContain('additional-evidence');
    const devices = devicesOf(a, r.gpus!.map((g) => g.uuid));
    expect(devices).toEqual([
      { id: 'gpu0', uuid: r.gpus![0]!.uuid, status: 'affirming', driver: '550.144.03', vbios: '96.00.9F.00.01', measres: 'success', mismatches: [], anchor: 'TEST: TEST anchor Custodian TEST Device Identity CA (not NVIDIA)' },
      { id: 'gpu1', uuid: r.gpus![1]!.uuid, status: 'affirming', driver: '550.144.03', vbios: '96.00.9F.00.01', measres: 'success', mismatches: [], anchor: 'TEST: TEST anchor Custodian TEST Device Identity CA (not NVIDIA)' },
    ]);
    await approveAs(v.ctx, cid, 'alice');
    c = await approveAs(v.ctx, cid, 'bob');
    expect(c.state).toBe('approved');
    const { bundle } = await release(v.ctx, core, cid); // re-appraises the stored evidence, GPUs included
    expect(Buffer.from((await decryptBundle(bundle, r.teePrivateJwk as JWK)).plaintext).equals(v.keyBytes)).toBe(true);
    expect(show(v.ctx, cid).state).toBe('released');
    await closeReleased(v.ctx, cid, { bundle: 'bundle.jwe.json', receipt: 'receipt.jws' });
  });

  const cases: { name: string; count?: number; faults?: GpuFault[]; tamper?: boolean; drop?: string[]; reason: Refused['reason']; message: RegExp }[] = [
    { name: 'GPU evidence for another challenge (wrong nonce)', faults: [{ gpu: 1, kind: 'nonce' }], reason: 'policy', message: /^gpu1 \(GPU-[0-9a-f-]+\): its request nonce is not this ceremony's device nonce: the GPU answered another challenge/ },
    { name: 'a measurement that differs from the RIM\'s golden value', faults: [{ gpu: 1, kind: 'measurement' }], reason: 'policy', message: new RegExp(`^gpu1 \\(GPU-[0-9a-f-]+\\): RIM mismatch at measurement index ${TAMPERED_INDEX} \\(driver RIM\\)`) },
    { name: 'a missing RIM', drop: ['rim-vbios.xml'], reason: 'policy', message: /^gpu0 \(GPU-[0-9a-f-]+\): vbios RIM missing \(RIM not available/ },
    { name: 'a broken device chain', faults: [{ gpu: 0, kind: 'chain' }], reason: 'policy', message: /^gpu0 \(GPU-[0-9a-f-]+\): device certificate chain broken \(chain\.path: no path/ },
    { name: 'a GPU missing (evidence for 1 of 2)', count: 1, reason: 'policy', message: /^gpu1 missing: the key's policy requires 2 GPUs and the evidence holds 1 \(gpu0\)/ },
    { name: 'additional evidence tampered after the CPU report was made', tamper: true, reason: 'binding', message: /does not bind this ceremony's nonce, this TEE key and this additional evidence/ },
  ];
  for (const k of cases) {
    it(`refuses ${k.name} (naming the device where one is at fault) and keeps waiting`, async () => {
      const { cid, input } = await attempt(v, k.count ?? 2, k);
      const message = await refused(submitEvidence(v.ctx, core, cid, input), k.reason);
      expect(message).toMatch(k.message);
      expect(show(v.ctx, cid).state).toBe('challenged');
      await abort(v.ctx, cid, 'test done');
    });
  }

  it('refuses CPU evidence alone for a GPU key', async () => {
    const cid = await openCeremony(v.ctx, v.key.id);
    const ch = await challenge(v.ctx, cid);
    const r = await rehearseSnp({ nonce: ch.nonce, hashAlg: ch['extra-params']['selected-hash-algorithm'] });
    expect(await refused(submitEvidence(v.ctx, core, cid, rehearsalEvidence(r)), 'policy')).toMatch(/requires NVIDIA GPU evidence \(2 GPUs at least\)/);
    await abort(v.ctx, cid, 'test done');
  });
});

describe('composite policy decisions', () => {
  it('GPU evidence without its TEST anchors is judged against the pinned NVIDIA roots (never the CPU\'s TEST root) and refused, naming the device', async () => {
    const v = await newVault({ policy: { gpu: true } });
    try {
      const { cid, input } = await attempt(v, 1);
      // The CPU's TEST anchor is allowed by this (rehearsal) key; withhold the GPU anchors to see the
      // devices judged against the pinned NVIDIA roots instead.
      const noGpuAnchors = { ...input, testAnchors: input.testAnchors.filter((f) => f.name === 'test-anchor.pem') };
      expect(await refused(submitEvidence(v.ctx, core, cid, noGpuAnchors), 'policy')).toMatch(/^gpu0 \(GPU-[0-9a-f-]+\): device certificate chain broken \(chain\.root_pin: the device chain ends with \"Custodian TEST Device Identity CA \(not NVIDIA\)\".*which is not the pinned NVIDIA Device Identity CA/);
    } finally {
      v.db.close();
    }
  });
});

describe('composite ceremony: TDX + 1 GPU (key policy tee: tdx, gpu: true)', () => {
  it('releases to a TDX guest whose GPU answered the device nonce, and refuses it when the GPU evidence is swapped for another guest\'s', async () => {
    const v = await newVault({ policy: { tee: ['tdx'], gpu: true } });
    try {
      const start = async () => {
        const cid = await openCeremony(v.ctx, v.key.id);
        const ch = await challenge(v.ctx, cid);
        return { cid, ch: { nonce: ch.nonce, hashAlg: ch['extra-params']['selected-hash-algorithm'] } };
      };
      const { cid, ch } = await start();
      const r = await rehearseTdx(ch, { gpus: { count: 1, core } });
      let c = await submitEvidence(v.ctx, core, cid, tdxRehearsalEvidence(r));
      const a = c.data.evidence!.appraisal;
      expect([a.platform, a.verdict, c.data.evidence!.binding.form]).toEqual(['composite', 'affirming', 'trustee-0.14']);
      expect(cpuView(a).platform).toBe('tdx');
      expect(devicesOf(a, c.data.evidence!.gpu_uuids).map((d) => [d.id, d.status, d.uuid])).toEqual([['gpu0', 'affirming', r.gpus![0]!.uuid]]);
      await approveAs(v.ctx, cid, 'alice');
      c = await approveAs(v.ctx, cid, 'bob');
      const { bundle } = await release(v.ctx, core, cid);
      expect(Buffer.from((await decryptBundle(bundle, r.teePrivateJwk as JWK)).plaintext).equals(v.keyBytes)).toBe(true);
      await closeReleased(v.ctx, cid, { bundle: 'b', receipt: 'r' });

      // Another guest's GPU evidence (for another challenge) in place of this one's: the quote's
      // REPORT_DATA no longer matches the additional evidence — refused as a binding failure.
      const second = await start();
      const mine = await rehearseTdx(second.ch, { gpus: { count: 1, core } });
      const theirs = await rehearseTdx({ nonce: 'another challenge', hashAlg: 'sha384' }, { gpus: { count: 1, core } });
      const swapped = { ...tdxRehearsalEvidence(mine), additionalEvidence: theirs.additionalEvidence };
      expect(await refused(submitEvidence(v.ctx, core, second.cid, swapped), 'binding')).toMatch(/additional evidence/);
    } finally {
      v.db.close();
    }
  });
});
