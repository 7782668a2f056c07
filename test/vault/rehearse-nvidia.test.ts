/**
 * NVIDIA rehearsal evidence (electron/rehearse/nvidia.ts) read by the core: SNP + 2 TEST Hopper GPUs
 * appraised as composite evidence. Threats: TEST evidence accepted without its TEST anchors (it must
 * not be); GPU evidence for another challenge, a measurement that differs from its RIM, a device chain
 * that does not hold together — each must fail in the device that has it; a RIM whose signature our
 * own canonicaliser agrees with but libxml2 would not (checked with `xmllint --c14n11` when present).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Appraisal, VerifyRequest } from '../../electron/core/appraisal.ts';
import { InputError } from '../../electron/core/errors.ts';
import { rehearseSnp, type RehearsalFiles } from '../../electron/rehearse/snp.ts';
import { additionalEvidenceOf, TAMPERED_INDEX, type GpuFault } from '../../electron/rehearse/nvidia.ts';
import { deviceNonce as trusteeDeviceNonce } from '../../electron/vault/binding.ts';
import { core } from '../helpers.ts';

const challenge = { nonce: Buffer.alloc(32, 3).toString('base64'), hashAlg: 'sha384' as const };

async function rehearse(count: number, faults: GpuFault[] = []): Promise<RehearsalFiles> {
  return rehearseSnp(challenge, 'EC', { gpus: { count, core, faults } });
}

const deviceNonce = (r: RehearsalFiles) => trusteeDeviceNonce(challenge.nonce, r.teePublicJwk, challenge.hashAlg).toString('hex');

function request(r: RehearsalFiles, opts: { anchors?: string[] } = {}): VerifyRequest {
  const f = (n: string) => ({ name: n, bytes: Buffer.from(r.files[n]!) });
  return {
    evidence: f('report.bin'), endorsements: [f('chain.pem'), f('crl.der')],
    testAnchors: (opts.anchors ?? ['test-anchor.pem', 'gpu-test-anchor.pem', 'rim-test-anchor.pem']).map(f),
    rims: [f('rim-driver.xml'), f('rim-vbios.xml')],
    ocsp: Object.keys(r.files).filter((n) => n.startsWith('ocsp-')).map(f),
    moreEvidence: [f('gpu-evidence.json')],
    policy: { nvidia: { nonce: deviceNonce(r), cpu_binding: 'trustee' } }, referenceTime: new Date(),
  };
}

const st = (a: Appraisal, id: string) => a.checks.find((c) => c.id === id)?.status;
const sub = (a: Appraisal, k: string) => (a.claims.submods as Record<string, Record<string, unknown>>)[k]!;

describe('rehearse snp --gpus: TEST NVIDIA evidence', () => {
  it('SNP + 2 GPUs is affirming composite evidence with the TEST anchors, every device chained to a TEST root and matching its RIMs', async () => {
    const r = await rehearse(2);
    const a = core.verify(request(r));
    expect(a.platform).toBe('composite');
    expect(a.checks.filter((c) => c.status === 'fail' || c.status === 'warn')).toEqual([]);
    expect(a.verdict).toBe('affirming');
    for (const g of ['gpu0', 'gpu1']) {
      expect(sub(a, g)['ear.status']).toBe('affirming');
      expect(sub(a, g).measres).toBe('success');
      expect(sub(a, g)['x-nvidia-gpu-driver-version']).toBe('550.144.03');
      expect(sub(a, g)['x-nvidia-gpu-vbios-version']).toBe('96.00.9F.00.01');
      for (const id of ['nonce', 'fwid', 'report.signature', 'chain.path', 'chain.revocation', 'rim.driver.signature', 'rim.vbios.chain.revocation', 'measurements']) expect(st(a, `${g}.${id}`), `${g}.${id}`).toBe('pass');
    }
    expect(st(a, 'binding.gpu_nonce')).toBe('pass');
    const nv = a.claims.nvidia as { trust_anchor: { kind: string; name: string }; rim_trust_anchor: string };
    expect(nv.trust_anchor).toMatchObject({ kind: 'test', name: 'TEST anchor Custodian TEST Device Identity CA (not NVIDIA)' });
    expect(nv.rim_trust_anchor).toContain('TEST anchor Custodian TEST RIM Signing Root CA (not NVIDIA)');
    // The additional-evidence string is the guest's serde_json of {nvidia: {device_evidence_list}}.
    const ae = JSON.parse(r.additionalEvidence!) as { nvidia: { device_evidence_list: { arch: string; uuid: string }[] } };
    expect(ae.nvidia.device_evidence_list.map((d) => d.arch)).toEqual(['HOPPER', 'HOPPER']);
    expect(Object.keys(ae.nvidia.device_evidence_list[0]!)).toEqual(['arch', 'certificate', 'evidence', 'uuid']);
    expect(additionalEvidenceOf(ae.nvidia.device_evidence_list as never)).toBe(r.additionalEvidence);
  });

  it('is refused without the GPU and RIM TEST anchors: the pinned NVIDIA roots do not vouch for TEST devices', async () => {
    const r = await rehearse(1);
    const a = core.verify(request(r, { anchors: ['test-anchor.pem'] }));
    expect(a.verdict).toBe('contraindicated');
    expect(st(a, 'gpu0.chain.root_pin')).toBe('fail');
    expect(st(a, 'gpu0.rim.driver.chain.root_pin')).toBe('fail');
  });

  it('each fault fails in the device that has it: another nonce, a measurement off its RIM, a broken device chain', async () => {
    const r = await rehearse(3, [{ gpu: 0, kind: 'nonce' }, { gpu: 1, kind: 'measurement' }, { gpu: 2, kind: 'chain' }]);
    const a = core.verify(request(r));
    expect(a.verdict).toBe('contraindicated');
    expect(st(a, 'gpu0.nonce')).toBe('fail');
    expect(a.checks.find((c) => c.id === 'binding.gpu_nonce')!.detail).toMatch(/GPU-0 .*another challenge/);
    expect(st(a, 'gpu1.nonce')).toBe('pass');
    expect(st(a, 'gpu1.measurements')).toBe('fail');
    expect((sub(a, 'gpu1')['x-nvidia-mismatch-measurement-records'] as { index: number }[]).map((m) => m.index)).toEqual([TAMPERED_INDEX]);
    expect(st(a, 'gpu2.chain.path')).toBe('fail');
    expect(st(a, 'gpu2.measurements')).toBe('pass');
    expect([sub(a, 'gpu0')['ear.status'], sub(a, 'gpu1')['ear.status'], sub(a, 'gpu2')['ear.status']]).toEqual(['contraindicated', 'contraindicated', 'contraindicated']);
  });

  it('RIM signatures: the digest our C14N signed equals libxml2\'s C14N 1.1 of the document without its signature', async (ctx) => {
    let xmllint = true;
    try {
      execFileSync('xmllint', ['--version'], { stdio: 'ignore' });
    } catch {
      xmllint = false;
    }
    if (!xmllint) ctx.skip();
    const r = await rehearse(1);
    for (const name of ['rim-driver.xml', 'rim-vbios.xml']) {
      const xml = String(r.files[name]);
      const unsigned = xml.replace(/<ds:Signature[\s\S]*<\/ds:Signature>/, '');
      const canonical = execFileSync('xmllint', ['--c14n11', '-'], { input: unsigned });
      expect(createHash('sha384').update(canonical).digest('base64')).toBe(/<ds:DigestValue>(.*?)<\/ds:DigestValue>/.exec(xml)![1]);
    }
  });

  it('the core\'s C14N export refuses what is not a signed RIM, naming the field', () => {
    expect(() => core.c14n('<a', 'signedInfo')).toThrow(InputError);
    expect(() => core.c14n('<SoftwareIdentity xmlns="http://standards.iso.org/iso/19770/-2/2015/schema.xsd"/>', 'documentWithoutSignature')).toThrow(/exactly one/);
  });
});
