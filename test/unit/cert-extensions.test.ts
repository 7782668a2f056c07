/**
 * Decoded extensions for every certificate of the chain view, not only the leaf: NVIDIA (DICE FWID,
 * DMTF device info; CRL and OCSP locations on the intermediates), AMD VCEK TCB fields, Intel PCK SGX
 * fields (FMSPC, TCB components, PCESVN, PCE-ID) — each checked against what the core decoded.
 * Real vectors from ../shared/vectors, read at run time.
 */
import { existsSync, readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeExtensions } from '../../electron/evidence/cert-extensions.ts';
import { describeCertificates } from '../../electron/evidence/certificates.ts';
import { core, file, HAVE_VECTORS, SNP, VECTORS } from '../helpers.ts';

const NV = join(VECTORS, 'nvidia');
const HAVE_NV = existsSync(join(NV, 'manifest.json'));
const pems = (path: string) => readFileSync(path, 'latin1').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)!;
const ext = (der: Uint8Array) => new Map(decodeExtensions(der).map((e) => [e.name, e.value]));

describe('decodeExtensions', () => {
  it('returns nothing for bytes that are not a certificate (never throws)', () => {
    expect(decodeExtensions(new Uint8Array([0x30, 0x03, 0x02, 0x01]))).toEqual([]);
    expect(decodeExtensions(new Uint8Array())).toEqual([]);
  });
});

describe.skipIf(!HAVE_NV)('NVIDIA device chain', () => {
  const chain = pems(join(NV, 'gpu-hopper/h100-545.00-nonce4cff/cert-chain.pem')).map((p) => new Uint8Array(new X509Certificate(p).raw));

  it('leaf: the DICE FWID and the DMTF SPDM device info; the DICE key is the issuer (BROM) key', () => {
    const leaf = ext(chain[0]!);
    expect(leaf.get('DICE FWID (SHA-384)')).toBe('80e48f4e7c8ff8f2681bc90cfb7018719049cc7e488dd76962fa0bf60a2f56a8a4d1de980f87236158c3b5119c6817f7');
    expect(leaf.get('DMTF SPDM device info (subjectAltName otherName)')).toBe('NVIDIA:GH100:48B02DB73E52137E');
    const brom = describeCertificates([{ name: 'chain.pem', bytes: new Uint8Array(readFileSync(join(NV, 'gpu-hopper/h100-545.00-nonce4cff/cert-chain.pem'))) }], [], new Date('2025-06-01T00:00:00Z'), core.pinnedRoots())[1]!;
    expect(leaf.get('DICE DeviceID public key (SPKI SHA-256)')).toBe(brom.spki_sha256);
  });

  it('non-leaf certificates: where their revocation data lives (CRL and OCSP), CA flag and key usage', () => {
    const ica = ext(chain[2]!); // NVIDIA GH100 Provisioner ICA 1
    expect(ica.get('CRL distribution points')).toBe('http://crl.ndis.nvidia.com/crl/l2-gh100.crl');
    expect(ica.get('authority information access')).toBe('http://ocsp.ndis.nvidia.com');
    expect(ica.get('basic constraints')).toBe('CA yes');
    expect(ica.get('key usage')).toBe('keyCertSign, cRLSign');
    expect(ext(chain[3]!).get('CRL distribution points')).toBe('http://crl.ndis.nvidia.com/crl/l1-root.crl');
  });
});

describe.skipIf(!HAVE_VECTORS)('AMD and Intel', () => {
  it('AMD VCEK: every TCB field equals what the core decoded for the leaf', () => {
    const v = (p: string) => join(SNP, 'milan', 'routex-v3', p);
    const a = core.verify({ evidence: file(v('report.bin')), endorsements: [file(v('vcek_chain.pem')), file(v('vcek.der'))], referenceTime: new Date('2025-12-01T00:00:00Z') });
    const vek = a.claims.vek as Record<string, unknown>;
    const e = ext(new Uint8Array(readFileSync(v('vcek.der'))));
    expect(e.get('AMD productName')).toBe(vek.product_name);
    expect(e.get('AMD hwID (chip id)')).toBe(a.claims.chip_id);
    expect(e.get('AMD snpSPL (SNP firmware SVN)')).toBe('24');
    expect(e.get('AMD ucodeSPL (microcode SVN)')).toBe('219');
  });

  it('Intel PCK (inside a TDX quote): FMSPC, PCE-ID, PCESVN, CPUSVN and the 16 TCB components equal the core claims', () => {
    const q = join(VECTORS, 'tdx', 'quotes', 'tdx_v4_b0c06f_dcapqvl.bin');
    const a = core.verify({ evidence: file(q), endorsements: [file(join(VECTORS, 'tdx', 'collateral', 'dcapqvl_2025-06_B0C06F.json'))], referenceTime: new Date('2025-06-15T00:00:00Z') });
    const pck = a.claims.pck as { cpusvn: string; pcesvn: number; tcb_comp_svn: number[]; ppid: string };
    const certs = describeCertificates([file(q)], [], new Date('2025-06-15T00:00:00Z'), core.pinnedRoots());
    const leaf = new Map(certs[0]!.extensions.map((x) => [x.name, x.value]));
    expect(leaf.get('SGX FMSPC')).toBe(a.claims.fmspc);
    expect(leaf.get('SGX PCESVN')).toBe(String(pck.pcesvn));
    expect(leaf.get('SGX CPUSVN')).toBe(pck.cpusvn);
    expect(leaf.get('SGX PPID')).toBe(pck.ppid);
    expect(leaf.get('SGX PCE-ID')).toMatch(/^[0-9a-f]{4}$/);
    expect(pck.tcb_comp_svn.map((_, i) => leaf.get(`SGX TCB comp${String(i + 1).padStart(2, '0')} SVN`))).toEqual(pck.tcb_comp_svn.map(String));
    // The intermediate (PCK Platform/Processor CA) is decoded too: where its CRL is.
    expect(certs[1]!.extensions.find((x) => x.name === 'CRL distribution points')?.value).toMatch(/^https:\/\/.*intel\.com\//);
  });
});

describe('hostile nesting', () => {
  it('a certificate of 100,000 nested indefinite-length SEQUENCEs returns nothing instead of overflowing the stack', () => {
    // Threat: asn1js parses constructed values recursively; a file of nested SEQUENCEs from the user's
    // disk must not crash the inspector with a RangeError.
    const n = 100_000;
    const deep = new Uint8Array(4 * n);
    for (let i = 0; i < n; i++) deep.set([0x30, 0x80], 2 * i);
    expect(decodeExtensions(deep)).toEqual([]);
  });
});
