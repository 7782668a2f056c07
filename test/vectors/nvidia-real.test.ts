/**
 * The real NVIDIA vectors of ../shared/vectors/nvidia through the wasm core and the CLI. Expected
 * outcomes come from PROVENANCE.md / manifest.json there; the vectors are read at test time and never
 * copied. (The Rust suite wasm/tests/nvidia_vectors.rs covers every vector and tamper recipe natively;
 * this file checks that the wasm build and the CLI give the same answers.)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { core, failing, file, ROOT, status, VECTORS, warnings } from '../helpers.ts';
import type { Appraisal, NamedBytes } from '../../electron/core/appraisal.ts';

const NV = join(VECTORS, 'nvidia');
const HAVE = existsSync(join(NV, 'manifest.json'));
if (!HAVE) console.warn(`\n*** ${NV} not found: NVIDIA real-vector tests are SKIPPED ***\n`);

const v = (rel: string): NamedBytes => file(join(NV, rel));
const T_GPU = new Date('2025-06-01T00:00:00Z');
const T_NOW = new Date('2026-11-22T00:00:00Z');
const NONCE_4CFF = '4cff7f5380ead8fad8ec2c531c110aca4302a88f603792801a8ca29ee151af2e';
const NONCE_931D = '931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb';
const REF = 'gpu-hopper/h100-545.00-nonce4cff';

const device = (a: Appraisal, key: string) => (a.claims.devices as Record<string, Record<string, unknown>>)[key]!;

function reference(at: Date, vbiosRim = `${REF}/rim-vbios-1010_0200_882_96005E0001-test.swidtag`): Appraisal {
  return core.verify({
    evidence: v(`${REF}/report.hex`),
    endorsements: [v(`${REF}/cert-chain.pem`)],
    rims: [v(`${REF}/rim-driver-545.00.swidtag`), v(vbiosRim)],
    policy: { nvidia: { nonce: NONCE_4CFF } },
    referenceTime: at,
  });
}

describe.skipIf(!HAVE)('NVIDIA real vectors through the wasm core', () => {
  it('the reference set passes every check at 2025-06-01 with 33/33 golden values; revocation unknown is a warning', () => {
    const a = reference(T_GPU);
    expect(a.platform).toBe('nvidia');
    expect(failing(a)).toEqual([]);
    expect(warnings(a)).toEqual(['gpu0.chain.revocation', 'gpu0.rim.driver.chain.revocation', 'gpu0.rim.vbios.chain.revocation']);
    expect(a.verdict).toBe('warning');
    const g = device(a, 'GPU-0');
    expect(g.measres).toBe('success');
    expect(g.ueid).toBe('460032006552296075780760406069494258829212062021');
    expect(a.checks.find((c) => c.id === 'gpu0.measurements')!.detail).toMatch(/^33 of 33 .*23#1, 24#1, 35#1/);
  });

  it('at 2026-11-22 both RIM chains are expired', () => {
    const a = reference(T_NOW);
    expect(failing(a)).toEqual(['gpu0.rim.driver.chain.validity', 'gpu0.rim.vbios.chain.validity']);
    expect((device(a, 'GPU-0')['x-nvidia-gpu-vbios-rim-cert-chain'] as Record<string, unknown>)['x-nvidia-cert-status']).toBe('expired');
  });

  it('the PROD VBIOS RIM mismatches at RIM indices 1, 2, 3, 9', () => {
    const a = reference(T_GPU, 'rims/vbios/1010_0200_882_96005E0001_PROD.swidtag');
    expect(failing(a)).toEqual(['gpu0.measurements']);
    const records = device(a, 'GPU-0')['x-nvidia-mismatch-measurement-records'] as { index: number; source: string }[];
    expect(records.map((r) => [r.index, r.source])).toEqual([[1, 'vbios'], [2, 'vbios'], [3, 'vbios'], [9, 'vbios']]);
  });

  it('the LS10 switch passes all 31 values today', () => {
    const a = core.verify({
      evidence: v('switch-ls10/ls10-96.10.55.00.01/report.hex'),
      endorsements: [v('switch-ls10/ls10-96.10.55.00.01/cert-chain.pem')],
      rims: [v('switch-ls10/ls10-96.10.55.00.01/rim-NV_SWITCH_BIOS_5612_0002_890_9610550001.xml')],
      policy: { nvidia: { nonce: NONCE_931D } },
      referenceTime: T_NOW,
    });
    expect(failing(a)).toEqual([]);
    expect(device(a, 'SWITCH-0').measres).toBe('success');
  });

  it('the duplicated-switch evidence file is caught by ueid', () => {
    const a = core.verify({ evidence: v('evidence-json/ls10-multi4-duplicated-nonce-931d.json'), policy: { nvidia: { nonce: NONCE_931D, require_rims: false } }, referenceTime: T_NOW });
    expect(failing(a)).toEqual(['devices.duplicates']);
    expect(Object.keys(a.claims.devices as object)).toEqual(['SWITCH-0', 'SWITCH-1', 'SWITCH-2', 'SWITCH-3']);
  });

  it('the trailing-byte capture fails, with the structural reading as a diagnostic', () => {
    const a = core.verify({
      evidence: v('gpu-hopper/h100-580.95.05-trailing-byte/report.hex'),
      endorsements: [v('gpu-hopper/h100-580.95.05-trailing-byte/cert-chain.pem')],
      policy: { nvidia: { require_rims: false } },
      referenceTime: T_NOW,
    });
    expect(failing(a)).toEqual(['gpu0.evidence.trailing_bytes', 'gpu0.report.signature']);
    expect(status(a, 'gpu0.report.signature_structural')).toBe('warn');
  });
});

function custodian(...args: string[]) {
  const r = spawnSync(join(ROOT, 'bin', 'custodian'), args, { cwd: ROOT, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(!HAVE)('custodian verify with NVIDIA evidence', () => {
  const p = (rel: string) => join(NV, rel);
  const ref = ['--chain', p(`${REF}/cert-chain.pem`), '--rim', p(`${REF}/rim-driver-545.00.swidtag`), '--rim', p(`${REF}/rim-vbios-1010_0200_882_96005E0001-test.swidtag`)];

  it('the reference set exits 0 with --nonce and --at, and prints the device line', () => {
    const r = custodian('verify', p(`${REF}/report.hex`), ...ref, '--nonce', NONCE_4CFF, '--at', '2025-06-01T00:00:00Z');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('NVIDIA appraisal of report.hex');
    expect(r.stdout).toMatch(/GPU-0\s+warning\s+GH100 A01 GSP BROM [\s\S]*measres success/);
  });

  it('a wrong nonce exits 1 naming the nonce check', () => {
    const r = custodian('verify', p(`${REF}/report.hex`), ...ref, '--nonce', '00'.repeat(32), '--at', '2025-06-01T00:00:00Z');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL\s+gpu0\.nonce\s+request nonce\s+4cff/);
  });

  it('--json carries the NVIDIA claims; serialized evidence needs no --chain', () => {
    const r = custodian('verify', p('evidence-json/hopper-590.12-single-nonce-e97b.json'), '--nonce', 'e97b23a1718095a0e9e35edca810768c70a6a5a389b705e753b197912bc11576', '--json');
    expect(r.code).toBe(1); // no RIMs for 590.12 are public, and RIMs are required by default
    const a = JSON.parse(r.stdout) as Appraisal;
    expect(failing(a)).toEqual(['gpu0.rim.driver.available', 'gpu0.rim.vbios.available']);
    expect(device(a, 'GPU-0')['x-nvidia-gpu-attestation-report-signature-verified']).toBe(true);
  });

  it('a bad --nonce and a truncated report exit 2 with one line', () => {
    expect(custodian('verify', p(`${REF}/report.hex`), '--nonce', 'xyz').code).toBe(2);
    const tmp = mkdtempSync(join(tmpdir(), 'custodian-nv-'));
    const cut = join(tmp, 'cut.hex');
    writeFileSync(cut, readFileSync(p(`${REF}/report.hex`), 'utf8').trim().slice(0, 2000));
    const r = custodian('verify', cut, ...ref);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('cut.hex: response.MeasurementRecord');
  });
});

describe.skipIf(!HAVE || !existsSync(join(VECTORS, 'snp', 'milan', 'routex-v3')))('composite: SEV-SNP report + NVIDIA evidence', () => {
  it('one appraisal with cpu0 and gpu0 submodules; the missing nonce binding is a warning', () => {
    const snp = (rel: string) => file(join(VECTORS, 'snp', 'milan', 'routex-v3', rel));
    const a = core.verify({
      evidence: snp('report.bin'),
      endorsements: [snp('vcek_chain.pem'), snp('vcek.der')],
      moreEvidence: [v('evidence-json/hopper-590.12-single-nonce-e97b.json')],
      policy: { nvidia: { nonce: 'e97b23a1718095a0e9e35edca810768c70a6a5a389b705e753b197912bc11576', require_rims: false } },
      referenceTime: new Date('2025-12-01T00:00:00Z'),
    });
    expect(a.platform).toBe('composite');
    expect(failing(a)).toEqual([]);
    expect(status(a, 'binding.gpu_nonce')).toBe('warn');
    expect(Object.keys(a.claims.submods as object)).toEqual(['cpu0', 'gpu0']);
  });
});
