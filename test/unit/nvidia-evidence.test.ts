/**
 * NVIDIA evidence in the inspector: recognition of reports (binary and hex), serialized evidence, RIMs
 * and OCSP responses; the core's field map of SPDM reports (wasm/src/nvidia/fields.rs: offsets from
 * PROVENANCE.md, bytes equal to the core's claims, leaves tiling the report); truncated and garbage input (an error naming the file and the
 * field, never a raw exception); how files combine into one request; the measurement comparison.
 * Real vectors are read from ../shared/vectors/nvidia at run time and never copied.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classify, evidenceBytes } from '../../electron/evidence/classify.ts';
import { inspect } from '../../electron/evidence/inspect.ts';
import { nvidiaParts } from '../../electron/evidence/nvidia-evidence.ts';
import { planAppraisal } from '../../electron/evidence/select.ts';
import { InputError } from '../../electron/core/errors.ts';
import type { FieldNode } from '../../electron/core/appraisal.ts';
import { core, VECTORS } from '../helpers.ts';

const NV = join(VECTORS, 'nvidia');
const HAVE = existsSync(join(NV, 'manifest.json'));
if (!HAVE) console.warn(`\n*** ${NV} not found: NVIDIA inspector unit tests on real vectors are SKIPPED ***\n`);
const REF = 'gpu-hopper/h100-545.00-nonce4cff';
const read = (rel: string) => new Uint8Array(readFileSync(join(NV, rel)));
const named = (rel: string) => ({ name: rel.split('/').pop()!, bytes: read(rel) });
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
type LayoutField = FieldNode;
const field = (fields: LayoutField[], id: string) => fields.find((f) => f.id === id)!;

/** The core's field map of an SPDM report, as its leaves (in order) and its note (null when complete). */
function spdmLayout(bytes: Uint8Array, file: string, kind: 'gpu' | 'switch' = 'gpu'): { fields: LayoutField[]; error: string | null } {
  const d = core.describe({ name: file, bytes }, kind);
  const leaves: LayoutField[] = [];
  const walk = (fs: LayoutField[]) => fs.forEach((f) => (f.children?.length ? walk(f.children) : leaves.push(f)));
  walk(d.fields);
  return { fields: leaves, error: d.note || null };
}

/** Fields sorted by offset must not overlap, and (for a whole report) cover every byte. */
function expectTiling(fields: LayoutField[], length: number) {
  const sorted = [...fields].sort((a, b) => a.offset - b.offset);
  let at = 0;
  for (const f of sorted) {
    expect(f.offset, f.id).toBe(at);
    at = f.offset + f.length;
  }
  expect(at).toBe(length);
}

describe('classify (synthetic)', () => {
  it('recognises an OCSP response by its responseStatus and leaves unknown JSON to the collateral reader', () => {
    expect(classify(Uint8Array.from([0x30, 0x03, 0x0a, 0x01, 0x06]))).toBe('ocsp-response'); // OCSPResponse { unauthorized }
    expect(classify(new TextEncoder().encode('{"tcbInfo": {}}'))).toBe('tdx-collateral');
    expect(classify(new TextEncoder().encode('[{"arch":"HOPPER","nonce":"00","evidence":"EeA=","certificate":""}]'))).toBe('nvidia-evidence');
    expect(classify(new TextEncoder().encode('<?xml version="1.0"?>\n<SoftwareIdentity xmlns="http://standards.iso.org/iso/19770/-2/2015/schema.xsd"/>'))).toBe('nvidia-rim');
    expect(classify(new TextEncoder().encode('11e0'))).toBe('unknown'); // shorter than the 37-byte request in hex
    expect(classify(Uint8Array.from([0x11, 0xe0, 0x01]))).toBe('nvidia-report'); // the core names what is missing
  });

  it('a truncated binary report gets the fields that fit and a note naming the file and the field, never a throw', () => {
    const r = spdmLayout(Uint8Array.from([0x11, 0xe0, 0x01, 0xff, 1, 2, 3]), 'cut.bin');
    expect(r.error).toBe('cut.bin: request.Nonce: needs 32 bytes at offset 4 but the file has 7: cut off');
    expect(r.fields.map((f) => f.id)).toEqual(['request_spdm_version', 'request_code', 'request_param1', 'request_param2']);
    expect(spdmLayout(new Uint8Array(), 'empty.bin').error).toMatch(/^empty\.bin: request\.SPDMVersion: /);
    expect(spdmLayout(new Uint8Array(80).fill(0x41), 'text.bin').error).toMatch(/^text\.bin: request: not an SPDM 1\.1 GET_MEASUREMENTS request/);
  });

  it('serialized evidence that is not JSON, or whose entry is not base64, is named by entry and field', () => {
    const bad = (text: string) => nvidiaParts({ name: 'e.json', bytes: new TextEncoder().encode(text) }, true);
    expect(bad('[{"arch": ').error).toMatchObject({ file: 'e.json', field: 'JSON' });
    const r = bad('[{"arch":"HOPPER","evidence":"EeA=","certificate":"LS0t"},{"arch":"HOPPER","evidence":"%%%","certificate":""}]');
    expect(r.parts).toHaveLength(1);
    expect(r.error).toEqual({ file: 'e.json[1]', field: 'evidence', message: 'missing or not base64' });
  });

  it('files combine into one request: composite, NVIDIA alone, and the combinations refused', () => {
    expect(planAppraisal(['sev-snp-report', 'certificate', 'nvidia-evidence', 'nvidia-rim'], ['r', 'c', 'e', 'x'])).toEqual({ primary: 0, slots: ['evidence', 'endorsements', 'moreEvidence', 'rims'] });
    expect(planAppraisal(['sev-snp-report', 'nvidia-rim'], ['r', 'x']).slots).toEqual(['evidence', null]);
    expect(planAppraisal(['nvidia-rim', 'nvidia-report', 'certificate', 'ocsp-response', 'crl'], ['x', 'r', 'c', 'o', 'l'])).toEqual({ primary: 1, slots: ['rims', 'evidence', 'endorsements', 'ocsp', 'endorsements'] });
    expect(planAppraisal(['nvidia-evidence', 'nvidia-evidence', 'certificate'], ['g', 's', 'c']).slots).toEqual(['evidence', 'moreEvidence', null]);
    expect(() => planAppraisal(['sev-snp-report', 'nvidia-report'], ['r.bin', 'gpu.hex'])).toThrow(/gpu\.hex: evidence: a bare NVIDIA report has no device chain/);
    expect(() => planAppraisal(['nvidia-report', 'nvidia-report'], ['a.hex', 'b.hex'])).toThrow(/a\.hex, b\.hex: evidence: several NVIDIA reports/);
    expect(() => planAppraisal(['nvidia-rim'], ['x.xml'])).toThrow(InputError);
  });
});

describe.skipIf(!HAVE)('NVIDIA vectors: classification and layout', () => {
  it('recognises reports (hex and binary), serialized evidence, RIMs (XML and .swidtag) and chains', () => {
    expect(classify(read(`${REF}/report.hex`))).toBe('nvidia-report');
    expect(classify(evidenceBytes(read(`${REF}/report.hex`)))).toBe('nvidia-report');
    for (const f of readdirSync(join(NV, 'evidence-json'))) expect(classify(read(`evidence-json/${f}`)), f).toBe('nvidia-evidence');
    expect(classify(read(`${REF}/rim-driver-545.00.swidtag`))).toBe('nvidia-rim');
    expect(classify(read('rims/vbios/1010_0200_882_96005E0001_PROD.swidtag'))).toBe('nvidia-rim');
    expect(classify(read('rims/driver/NV_GPU_DRIVER_GH100_550.144.03.xml'))).toBe('nvidia-rim');
    const service = JSON.stringify({ id: 'NV_GPU_DRIVER_GH100_545.00', rim: Buffer.from(read(`${REF}/rim-driver-545.00.swidtag`)).toString('base64') });
    expect(classify(new TextEncoder().encode(service))).toBe('nvidia-rim');
    expect(classify(read(`${REF}/cert-chain.pem`))).toBe('certificate');
    expect(classify(read('roots/nvidia-device-identity-ca.pem'))).toBe('certificate');
  });

  it('the reference H100 report: offsets of PROVENANCE.md, every field equal to the core claim, every byte covered', () => {
    const bytes = evidenceBytes(read(`${REF}/report.hex`));
    const { fields, error } = spdmLayout(bytes, 'report.hex');
    expect(error).toBeNull();
    expectTiling(fields, bytes.length);
    expect(field(fields, 'request_nonce')).toMatchObject({ offset: 4, length: 32 });
    expect(field(fields, 'measurement_record_length')).toMatchObject({ offset: 42, length: 3 });
    expect(field(fields, 'block_1_header')).toMatchObject({ offset: 45, length: 7 });
    expect(field(fields, 'measurement_64').offset + 48).toBe(3565);
    expect(field(fields, 'responder_nonce')).toMatchObject({ offset: 3565, length: 32 });
    expect(field(fields, 'opaque_length')).toMatchObject({ offset: 3597, length: 2 });
    expect(field(fields, 'opaque_vbios_version').offset).toBe(3599);
    expect(field(fields, 'signature')).toMatchObject({ offset: bytes.length - 96, length: 96 });
    const opaque = fields.filter((f) => f.id.startsWith('opaque_') && f.id !== 'opaque_length').map((f) => /type (\d+)/.exec(f.label)![1]);
    expect(opaque.map(Number)).toEqual([6, 14, 15, 16, 17, 18, 19, 3, 4, 12, 13, 11]);

    const a = inspect(core, { files: [named(`${REF}/report.hex`), named(`${REF}/cert-chain.pem`)], testAnchors: [], policy: { nvidia: { require_rims: false } }, referenceTime: '2025-06-01T00:00:00Z' });
    const d = (a.appraisal.claims.devices as Record<string, Record<string, unknown>>)['GPU-0']!;
    expect(hex(bytes.subarray(4, 36))).toBe(d.request_nonce);
    expect(hex(bytes.subarray(3565, 3597))).toBe(d.responder_nonce);
    for (const [i, value] of Object.entries(d.measurements as Record<string, string>)) {
      const f = field(fields, `measurement_${i}`);
      expect(hex(bytes.subarray(f.offset, f.offset + f.length)), `block ${i}`).toBe(value);
    }
    expect(a.views).toHaveLength(1);
    const leaves: LayoutField[] = [];
    const walk = (fs: LayoutField[]) => fs.forEach((f) => (leaves.push(f), f.children && walk(f.children)));
    walk(a.views[0]!.layout);
    expect(field(leaves, 'opaque_vbios_version').value).toBe('96.00.5E.00.01');
    expect(a.views[0]!.checkPrefix).toBe('gpu0.');
  });

  it('the LS10 switch report: record 45..1749, opaque from 1784, signature 2072..2167, switch TLV names', () => {
    const bytes = evidenceBytes(read('switch-ls10/ls10-96.10.55.00.01/report.hex'));
    const { fields, error } = spdmLayout(bytes, 'report.hex', 'switch');
    expect(error).toBeNull();
    expectTiling(fields, bytes.length);
    expect(fields.filter((f) => f.id.startsWith('measurement_') && f.id !== 'measurement_record_length')).toHaveLength(31);
    expect(field(fields, 'measurement_31').offset + field(fields, 'measurement_31').length).toBe(1750);
    expect(fields.find((f) => f.id.startsWith('opaque_') && f.id !== 'opaque_length')!.offset).toBe(1784);
    expect(field(fields, 'signature')).toMatchObject({ offset: 2072, length: 96 });
    expect(bytes.length).toBe(2168);
  });

  it('every real report lays out without error; the trailing-byte capture shows its extra byte', () => {
    const reports = ['gpu-blackwell/gb100-575.32', 'gpu-hopper/h100-535.86.09', 'gpu-hopper/h100-550.90.07-nvtrust-sample', 'gpu-hopper/h100-570.124.03', 'gpu-hopper/h100-580.159.03', 'gpu-hopper/h100-invalid-signature'];
    for (const r of reports) {
      const bytes = evidenceBytes(read(`${r}/report.hex`));
      const { fields, error } = spdmLayout(bytes, r);
      expect(error, r).toBeNull();
      expectTiling(fields, bytes.length);
    }
    for (const f of readdirSync(join(NV, 'evidence-json'))) {
      const { parts, error } = nvidiaParts(named(`evidence-json/${f}`), true);
      expect(error, f).toBeNull();
      for (const p of parts) expect(spdmLayout(p.report, p.source, p.arch === 'LS10' ? 'switch' : 'gpu').error, p.source).toBeNull();
    }
    const trailing = evidenceBytes(read('gpu-hopper/h100-580.95.05-trailing-byte/report.hex'));
    const t = spdmLayout(trailing, 'report.hex');
    expect(t.error).toBeNull();
    expect(field(t.fields, 'trailing_bytes')).toMatchObject({ offset: trailing.length - 1, length: 1 });
  });

  it('every prefix of a real report and hostile lengths give an error naming the file and field, never a throw', () => {
    const bytes = evidenceBytes(read(`${REF}/report.hex`));
    for (let n = 0; n < bytes.length; n += 7) {
      const { fields, error } = spdmLayout(bytes.subarray(0, n), 'cut.bin');
      expect(error, `prefix ${n}`).toMatch(/^cut\.bin: ((request|response)|MeasurementRecord block)/);
      for (const f of fields) expect(f.offset + f.length, `prefix ${n}: ${f.id}`).toBeLessThanOrEqual(n);
    }
    const hostile = bytes.slice();
    hostile[42] = 0xff; // MeasurementRecordLength (u24 LE at 42) = 0x00ffff: past the end
    hostile[43] = 0xff;
    expect(spdmLayout(hostile, 'h.bin').error).toMatch(/^h\.bin: response\.MeasurementRecord: /);
    const bigBlock = bytes.slice();
    bigBlock[48] = 0xff; // block 1 MeasurementSize (u16 LE at 47) 0xff33: past the record
    expect(spdmLayout(bigBlock, 'b.bin').error).toMatch(/^b\.bin: MeasurementRecord block 1 \(offset 45\)\.Measurement: /);
    for (let seed = 1; seed <= 50; seed++) {
      let x = seed;
      const garbage = Uint8Array.from({ length: 64 + seed * 37 }, () => ((x = (x * 1103515245 + 12345) >>> 0) >>> 16) & 0xff);
      garbage.set([0x11, 0xe0], 0);
      garbage.set([0x11, 0x60], 37);
      expect(() => spdmLayout(garbage, 'g.bin')).not.toThrow();
    }
  });

  it('a truncated report opened in the inspector is an InputError naming the file and the field', () => {
    const text = new TextDecoder().decode(read(`${REF}/report.hex`)).trim().slice(0, 2000);
    let caught: unknown;
    try {
      inspect(core, { files: [{ name: 'cut.hex', bytes: new TextEncoder().encode(text) }, named(`${REF}/cert-chain.pem`)], testAnchors: [], policy: null, referenceTime: '2025-06-01T00:00:00Z' });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(InputError);
    expect((caught as InputError).file).toBe('cut.hex');
    expect((caught as InputError).field).toBe('response.MeasurementRecord');
  });
});
