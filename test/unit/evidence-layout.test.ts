/**
 * Evidence recognition and byte layouts: every layout field whose claim is a byte string must hold
 * exactly those bytes at its offset (SNP fixtures, real SNP and every real TDX/SGX quote); fields
 * tile the structure without overlap.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classify, evidenceBytes } from '../../electron/evidence/classify.ts';
import { layoutFor } from '../../electron/evidence/inspect.ts';
import { core, FIXTURES, HAVE_VECTORS, SNP, T0, VECTORS } from '../helpers.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Checks each hex-string claim against the bytes at its field; returns the ids checked. */
function checkClaims(bytes: Uint8Array, kind: ReturnType<typeof classify>, claims: Record<string, unknown>): string[] {
  const layout = layoutFor(kind, bytes);
  const checked: string[] = [];
  for (const f of layout) {
    const v = claims[f.id];
    if (typeof v !== 'string' || !/^[0-9a-f]+$/.test(v) || v.length !== 2 * f.length) continue;
    expect(hex(bytes.subarray(f.offset, f.offset + f.length)), f.id).toBe(v);
    checked.push(f.id);
  }
  const sorted = [...layout].sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < sorted.length; i++) expect(sorted[i]!.offset, sorted[i]!.id).toBeGreaterThanOrEqual(sorted[i - 1]!.offset + sorted[i - 1]!.length);
  return checked;
}

describe('classify', () => {
  it('recognises fixtures by content', () => {
    const k = (...p: string[]) => classify(readFileSync(join(FIXTURES, ...p)));
    expect(k('valid', 'report.bin')).toBe('sev-snp-report');
    expect(k('extended-report', 'report.bin')).toBe('sev-snp-report');
    expect(k('valid', 'vcek.der')).toBe('certificate');
    expect(k('valid', 'vcek.pem')).toBe('certificate');
    expect(k('pki', 'crl-empty.der')).toBe('crl');
    expect(k('manifest.json')).toBe('tdx-collateral');
    expect(classify(new TextEncoder().encode('hello'))).toBe('unknown');
    expect(classify(readFileSync(join(FIXTURES, 'valid', 'report.bin')).subarray(0, 1183))).toBe('unknown');
  });

  it.skipIf(!HAVE_VECTORS)('recognises real vectors: hex-text report, quotes, HCL report, collateral', () => {
    expect(classify(readFileSync(join(SNP, 'milan', 'virtee-v2-hex', 'report.hex')))).toBe('sev-snp-report');
    expect(classify(readFileSync(join(SNP, 'genoa', 'azure-v3', 'hcl_report.bin')))).toBe('azure-hcl-report');
    for (const q of readdirSync(join(VECTORS, 'tdx', 'quotes')).filter((n) => n.startsWith('tdx_'))) expect(classify(readFileSync(join(VECTORS, 'tdx', 'quotes', q))), q).toBe('tdx-quote');
    expect(classify(readFileSync(join(VECTORS, 'tdx', 'collateral', 'dcapqvl_2025-06_B0C06F.json')))).toBe('tdx-collateral');
    expect(classify(readFileSync(join(VECTORS, 'tdx', 'roots', 'intel_sgx_root_ca.der')))).toBe('certificate');
  });
});

describe('SEV-SNP layout', () => {
  it('matches the claims of the fixtures at every byte-string field', () => {
    for (const name of ['valid', 'debug', 'extended-report']) {
      const bytes = new Uint8Array(readFileSync(join(FIXTURES, name, 'report.bin')));
      const a = core.verify({ evidence: { name, bytes }, referenceTime: T0 });
      const checked = checkClaims(bytes, 'sev-snp-report', a.claims);
      expect(checked).toEqual(expect.arrayContaining(['measurement', 'report_data', 'host_data', 'chip_id', 'report_id', 'report_id_ma', 'family_id', 'image_id', 'id_key_digest', 'author_key_digest']));
    }
  });

  it.skipIf(!HAVE_VECTORS)('matches the claims of a real hex-text report after decoding', () => {
    const raw = readFileSync(join(SNP, 'milan', 'virtee-v2-hex', 'report.hex'));
    const a = core.verify({ evidence: { name: 'report.hex', bytes: raw }, referenceTime: T0 });
    expect(checkClaims(evidenceBytes(raw), 'sev-snp-report', a.claims)).toContain('measurement');
  });
});

describe.skipIf(!HAVE_VECTORS)('DCAP layout', () => {
  const quotes = HAVE_VECTORS ? readdirSync(join(VECTORS, 'tdx', 'quotes')).filter((n) => n.startsWith('tdx_')) : [];
  it.each(quotes)('%s: MRTD, RTMRs, REPORTDATA and the rest sit where the claims say', (q) => {
    const bytes = new Uint8Array(readFileSync(join(VECTORS, 'tdx', 'quotes', q)));
    const a = core.verify({ evidence: { name: q, bytes }, referenceTime: T0, type: 'tdx' });
    const checked = checkClaims(bytes, 'tdx-quote', a.claims);
    expect(checked).toEqual(expect.arrayContaining(['mr_td', 'rtmr0', 'rtmr1', 'rtmr2', 'rtmr3', 'report_data', 'mr_seam', 'xfam', 'td_attributes', 'qe_vendor_id']));
    if (a.claims.body_type === 'TD 1.5') expect(checked).toContain('tee_tcb_svn2');
  });

  const sgxQuotes = HAVE_VECTORS ? readdirSync(join(VECTORS, 'tdx', 'sgx', 'quotes')) : [];
  it.each(sgxQuotes)('%s (SGX): MRENCLAVE, MRSIGNER, ATTRIBUTES and REPORTDATA sit where the claims say', (q) => {
    const bytes = new Uint8Array(readFileSync(join(VECTORS, 'tdx', 'sgx', 'quotes', q)));
    expect(classify(bytes)).toBe('sgx-quote');
    const a = core.verify({ evidence: { name: q, bytes }, referenceTime: T0, type: 'sgx' });
    expect(checkClaims(bytes, 'sgx-quote', a.claims)).toEqual(expect.arrayContaining(['cpu_svn', 'misc_select', 'attributes', 'mr_enclave', 'mr_signer', 'report_data', 'qe_vendor_id', 'user_data']));
  });
});
