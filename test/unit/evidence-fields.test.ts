/**
 * The core's field map (wasm/src/fields.rs, via Core.describe) on every real vector in
 * ../shared/vectors that is binary evidence — SEV-SNP reports (binary, hex text, extended), Azure HCL
 * reports (SNP type 2 and TDX type 4), TDX and SGX quotes, NVIDIA GPU and switch reports (bare and
 * inside serialized evidence) — and on the project's synthetic SNP fixtures.
 *
 * Threat covered: the Inspector showing bytes that are not the ones the verifier judged (a second
 * reading of the layout drifting from the parser). For every leaf field: it lies inside the file; no
 * two fields overlap within a parent; every child lies inside its parent; and every field whose id is
 * a claim of the core's appraisal holds exactly that claim's bytes (hex strings), number (integers)
 * or raw value (POLICY, TCB versions). Also: the map of a cut report gives the fields that fit.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FieldNode } from '../../electron/core/appraisal.ts';
import { classify, evidenceBytes } from '../../electron/evidence/classify.ts';
import { nvidiaParts } from '../../electron/evidence/nvidia-evidence.ts';
import { core, FIXTURES, HAVE_VECTORS, T0, VECTORS } from '../helpers.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const le = (b: Uint8Array) => b.reduceRight((acc, x) => acc * 256n + BigInt(x), 0n);
type Claims = Record<string, unknown>;

/** Every file under `dir`, relative paths. */
function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

/** Checks the tree's geometry; returns the leaves. */
function expectGeometry(fields: FieldNode[], start: number, end: number, what: string, leaves: FieldNode[] = []): FieldNode[] {
  let at = start;
  for (const f of fields) {
    expect(f.length, `${what}: ${f.id} is empty`).toBeGreaterThan(0);
    expect(f.offset, `${what}: ${f.id} overlaps the field before it`).toBeGreaterThanOrEqual(at);
    expect(f.offset + f.length, `${what}: ${f.id} runs past its parent`).toBeLessThanOrEqual(end);
    at = f.offset + f.length;
    if (f.children?.length) expectGeometry(f.children, f.offset, f.offset + f.length, what, leaves);
    else leaves.push(f);
  }
  return leaves;
}

/** The claim for field `id` in `claims` (QE report fields under `qe`, NVIDIA blocks/TLVs under their maps). */
function claimOf(claims: Claims, id: string): unknown {
  if (id.startsWith('qe_report.')) return (claims.qe as Claims | undefined)?.[id.slice('qe_report.'.length)];
  const m = /^measurement_(\d+)$/.exec(id);
  if (m) return (claims.measurements as Claims | undefined)?.[m[1]!];
  return claims[id];
}

/** Compares one field with its claim; returns whether it was checked. */
function expectClaim(bytes: Uint8Array, f: FieldNode, claim: unknown, what: string): boolean {
  const b = bytes.subarray(f.offset, f.offset + f.length);
  if (typeof claim === 'string' && /^[0-9a-f]+$/.test(claim) && claim.length === 2 * f.length) {
    expect(hex(b), `${what}: ${f.id}`).toBe(claim);
    return true;
  }
  if (typeof claim === 'number' && Number.isInteger(claim) && f.length <= 4) {
    expect(Number(le(b)), `${what}: ${f.id}`).toBe(claim);
    return true;
  }
  if (claim && typeof claim === 'object' && typeof (claim as Claims).raw === 'string' && f.length === 8) {
    expect(le(b), `${what}: ${f.id}`).toBe(BigInt((claim as Claims).raw as string));
    return true;
  }
  return false;
}

/** Describes `bytes`, checks geometry and every claim; returns the ids checked against a claim. */
function checkAll(bytes: Uint8Array, claims: Claims | null, what: string, device?: 'gpu' | 'switch'): { checked: string[]; leaves: FieldNode[]; note: string } {
  const d = core.describe({ name: what, bytes }, device);
  expect(d.length).toBe(bytes.length);
  const leaves = expectGeometry(d.fields, 0, bytes.length, what);
  const all: FieldNode[] = [];
  const collect = (fs: FieldNode[]) => fs.forEach((f) => (all.push(f), f.children && collect(f.children)));
  collect(d.fields);
  expect(new Set(all.map((f) => f.id)).size, `${what}: ids are unique`).toBe(all.length);
  const checked = claims ? all.filter((f) => expectClaim(bytes, f, claimOf(claims, f.id), what)).map((f) => f.id) : [];
  return { checked, leaves, note: d.note };
}

/** The appraisal's claims of CPU evidence, or null when the core refuses the file as evidence. */
function claimsOf(name: string, bytes: Uint8Array): Claims | null {
  try {
    return core.verify({ evidence: { name, bytes }, referenceTime: T0 }).claims;
  } catch {
    return null;
  }
}

describe('field map: synthetic SNP fixtures', () => {
  it('every byte-string field of valid, debug and extended reports equals its claim', () => {
    for (const name of ['valid', 'debug', 'extended-report']) {
      const bytes = new Uint8Array(readFileSync(join(FIXTURES, name, 'report.bin')));
      const { checked } = checkAll(bytes, claimsOf(name, bytes), name);
      expect(checked).toEqual(expect.arrayContaining(['measurement', 'report_data', 'host_data', 'chip_id', 'report_id', 'report_id_ma', 'family_id', 'image_id', 'id_key_digest', 'author_key_digest', 'policy', 'reported_tcb', 'version']));
    }
  });

  it('a truncated report gives the fields that fit and a note naming the first that does not', () => {
    const bytes = new Uint8Array(readFileSync(join(FIXTURES, 'valid', 'report.bin'))).subarray(0, 0x95);
    const { leaves, note } = checkAll(bytes, null, 'cut.bin');
    expect(leaves.map((f) => f.id)).toContain('report_data');
    expect(leaves.map((f) => f.id)).not.toContain('measurement');
    expect(note).toMatch(/^cut\.bin: MEASUREMENT: needs 48 bytes at offset 144/);
  });
});

describe.skipIf(!HAVE_VECTORS)('field map: every real vector', () => {
  const files = HAVE_VECTORS ? walk(VECTORS).filter((p) => statSync(p).size < 4 << 20) : [];
  const kinds = files.map((p) => classify(readFileSync(p)));
  const of = (...k: string[]) => files.filter((_, i) => k.includes(kinds[i]!)).map((p) => relative(VECTORS, p));

  it('finds the evidence it should (SNP, HCL, TDX, SGX, NVIDIA)', () => {
    expect(of('sev-snp-report').length).toBeGreaterThanOrEqual(5);
    expect(of('azure-hcl-report').length).toBeGreaterThanOrEqual(3);
    expect(of('tdx-quote').length).toBeGreaterThanOrEqual(7);
    expect(of('sgx-quote').length).toBeGreaterThanOrEqual(1);
    expect(of('nvidia-report', 'nvidia-evidence').length).toBeGreaterThanOrEqual(8);
  });

  it.each(of('sev-snp-report'))('SEV-SNP %s: every field inside the file, no overlap, claims equal their bytes', (rel) => {
    const bytes = evidenceBytes(readFileSync(join(VECTORS, rel)));
    const claims = claimsOf(rel, bytes);
    const { checked, note } = checkAll(bytes, claims, rel);
    if (bytes.length >= 0x4a0) expect(note, rel).toBe('');
    if (claims) expect(checked, rel).toEqual(expect.arrayContaining(['measurement', 'report_data', 'chip_id', 'policy', 'current_tcb', 'reported_tcb', 'committed_tcb', 'launch_tcb']));
  });

  it.each(of('azure-hcl-report'))('Azure HCL %s: header, hardware report and runtime data, claims equal their bytes', (rel) => {
    const bytes = new Uint8Array(readFileSync(join(VECTORS, rel)));
    const d = core.describe({ name: rel, bytes });
    expect(d.fields.map((f) => f.id).slice(0, 3)).toEqual(['hcl.header', 'hcl.hw_report', 'hcl.request_data']);
    const hcl = d.fields.find((f) => f.id === 'hcl.request_data')!.children!;
    const type = Number(hcl.find((f) => f.id === 'hcl_report_type')!.value);
    const claims = type === 2 ? claimsOf(rel, bytes) : null;
    const { checked, note } = checkAll(bytes, claims, rel);
    expect(note, rel).toBe('');
    const variable = hcl.find((f) => f.id === 'hcl.variable_data')!;
    expect(JSON.parse(new TextDecoder().decode(bytes.subarray(variable.offset, variable.offset + variable.length))), rel).toHaveProperty('keys');
    if (type === 2) {
      expect(checked, rel).toEqual(expect.arrayContaining(['measurement', 'report_data', 'policy', 'reported_tcb', 'hcl_report_type']));
      expect(claims!.hcl_runtime_data).toEqual(JSON.parse(new TextDecoder().decode(bytes.subarray(variable.offset, variable.offset + variable.length))));
    } else {
      expect(d.fields[1]!.label).toBe('TDREPORT');
    }
  });

  it('the TDX HCL report\'s TDREPORT holds the TD quote\'s MRTD, RTMRs, REPORTDATA, attributes at its own offsets', () => {
    const hclBytes = new Uint8Array(readFileSync(join(VECTORS, 'tdx', 'quotes', 'azure_hcl_report_for_tdx_v4_00806f05.bin')));
    const quote = new Uint8Array(readFileSync(join(VECTORS, 'tdx', 'quotes', 'tdx_v4_00806f05_azure_vtpm.bin')));
    const claims = core.verify({ evidence: { name: 'q', bytes: quote }, referenceTime: T0, type: 'tdx' }).claims;
    const { checked } = checkAll(hclBytes, claims, 'hcl');
    expect(checked).toEqual(expect.arrayContaining(['mr_td', 'rtmr0', 'rtmr1', 'rtmr2', 'rtmr3', 'report_data', 'mr_seam', 'td_attributes', 'xfam', 'tee_tcb_svn']));
  });

  it.each(of('tdx-quote', 'sgx-quote'))('DCAP %s: header → body → signature data → QE report → certification data, claims equal their bytes', (rel) => {
    const bytes = new Uint8Array(readFileSync(join(VECTORS, rel)));
    const sgx = classify(bytes) === 'sgx-quote';
    const claims = core.verify({ evidence: { name: rel, bytes }, referenceTime: T0, type: sgx ? 'sgx' : 'tdx' }).claims;
    const { checked, note } = checkAll(bytes, claims, rel);
    expect(note, rel).toBe('');
    expect(checked, rel).toEqual(expect.arrayContaining(['qe_vendor_id', 'user_data', 'attestation_key', 'report_data', 'qe_report.mr_enclave', 'qe_report.mr_signer', 'qe_report.isv_svn', 'quote_version']));
    expect(checked, rel).toEqual(expect.arrayContaining(sgx ? ['cpu_svn', 'misc_select', 'attributes', 'mr_enclave', 'mr_signer', 'isv_prod_id', 'isv_svn'] : ['mr_td', 'rtmr0', 'rtmr1', 'rtmr2', 'rtmr3', 'mr_seam', 'xfam', 'td_attributes', 'tee_tcb_svn']));
    if (claims.body_type === 'TD 1.5') expect(checked).toContain('tee_tcb_svn2');
    const d = core.describe({ name: rel, bytes });
    const cert = d.fields.find((f) => f.id === 'signature_data')!;
    expect(JSON.stringify(cert)).toContain('"certification_data"');
  });

  it.each(of('nvidia-report', 'nvidia-evidence'))('NVIDIA %s: request → response → blocks → opaque TLVs → signature, claims equal their bytes', (rel) => {
    const bytes = new Uint8Array(readFileSync(join(VECTORS, rel)));
    const serialized = classify(bytes) === 'nvidia-evidence';
    const { parts, error } = nvidiaParts({ name: rel, bytes }, serialized);
    expect(error, rel).toBeNull();
    for (const p of parts) {
      const device = p.arch === 'LS10' || rel.includes('switch') ? 'switch' : 'gpu';
      let claims: Claims | null = null;
      if (!serialized) {
        const a = core.verify({ evidence: { name: rel, bytes }, referenceTime: T0, type: 'nvidia' });
        claims = Object.values(a.claims.devices as Record<string, Claims>)[0]!;
      }
      const { checked, leaves, note } = checkAll(p.report, claims, p.source, device);
      expect(note, p.source).toBe('');
      expect(leaves.reduce((n, f) => n + f.length, 0), `${p.source}: the leaves cover every byte`).toBe(p.report.length);
      if (claims) {
        expect(checked).toEqual(expect.arrayContaining(['request_nonce', 'responder_nonce']));
        expect(checked.filter((id) => id.startsWith('measurement_')).length, p.source).toBe(Object.keys(claims.measurements as Claims).length);
      }
    }
  });
});
