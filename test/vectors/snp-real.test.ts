/**
 * The real AMD SEV-SNP vectors of ../shared/vectors/snp through the wasm core, at T0 unless stated.
 * Expected outcomes come from PROVENANCE.md; field values from manifest.json (computed there
 * independently of this project). The vectors are read at test time and never copied.
 */
import { describe, it, expect } from 'vitest';
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { verify, file, status, failing, warnings, inputError, SNP, VECTORS, HAVE_VECTORS } from '../helpers.ts';
import type { Appraisal, NamedBytes } from '../../electron/core/appraisal.ts';

/** A vector file, by its path relative to ../shared/vectors/snp. */
const v = (rel: string): NamedBytes => file(join(SNP, rel));

/** A claim by dotted path, e.g. `vek.hw_id`. */
function claim(a: Appraisal, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | null | undefined)?.[k], a.claims);
}

/** Every chain check, in the order the core emits them. */
const CHAIN = [
  'chain.vek.present',
  'chain.vek.extensions',
  'chain.intermediate.role',
  'chain.ark.pin',
  'chain.ark.signature',
  'chain.ark.validity',
  'chain.intermediate.signature',
  'chain.intermediate.validity',
  'chain.vek.signature',
  'chain.vek.validity',
];

const expectPass = (a: Appraisal, ids: string[]) => {
  for (const id of ids) expect({ id, status: status(a, id) }).toEqual({ id, status: 'pass' });
};

const MILAN_CRL = 'crl/milan_vcek_crl.der';

// ---- manifest.json ----------------------------------------------------------------------------

interface Tcb {
  fmc?: number;
  bl: number;
  tee: number;
  snp: number;
  ucode: number;
  raw: string;
}
interface Fields {
  version: number;
  guest_svn: number;
  policy: string;
  vmpl: number;
  sig_algo: number;
  signing_key: number;
  platform_info: string;
  measurement: string;
  report_data: string;
  chip_id: string;
  host_data: string;
  family_id: string;
  image_id: string;
  id_key_digest: string;
  author_key_digest: string;
  report_id: string;
  report_id_ma: string;
  current_tcb: Tcb;
  reported_tcb: Tcb;
  committed_tcb: Tcb;
  launch_tcb: Tcb;
  current_bmm: string;
  committed_bmm: string;
  cpuid_fam_id: string;
  cpuid_mod_id: string;
  cpuid_step: string;
}
interface ManifestSet {
  id: string;
  product: string;
  files: { path: string; kind: string; sha256: string }[];
  computed?: {
    fields?: Fields;
    kds_vcek_url?: string;
    py_report_sig_ok?: boolean;
    py_vek_signed_by_ica?: boolean;
    openssl_chain_at_T0?: string;
  };
}

const MANIFEST: { sets: ManifestSet[] } = HAVE_VECTORS
  ? JSON.parse(readFileSync(join(SNP, 'manifest.json'), 'utf8'))
  : { sets: [] };

const pathOf = (s: ManifestSet, ...kinds: string[]) => s.files.find((f) => kinds.includes(f.kind))?.path;
const reportOf = (s: ManifestSet) => pathOf(s, 'report', 'report-hex');
const vekOf = (s: ManifestSet) => pathOf(s, 'vcek', 'vlek');

/** Sets with a report (the Azure set's plain `report.bin`; its HCL blob is tested below). */
const REPORT_SETS = MANIFEST.sets.filter((s) => reportOf(s) && s.computed?.fields);
/** Sets with a VEK but no report: appraised with a real report of the same product line. */
const VEK_ONLY_SETS = MANIFEST.sets.filter((s) => !reportOf(s) && vekOf(s));
const HOST_REPORT: Record<string, string> = {
  Milan: 'milan/routex-v3/report.bin',
  Turin: 'turin/routex-v5/report.bin',
};
/** A v2 report without a VEK has no product line; the manifest's KDS URL assumes the user names it. */
const POLICY_FOR: Record<string, unknown> = { 'parse-only-genoa-v2': { snp: { product: 'Genoa' } } };

function appraiseSet(s: ManifestSet): Appraisal {
  const vek = vekOf(s);
  return verify({
    evidence: v(reportOf(s)!),
    endorsements: vek ? [v(vek)] : [],
    policy: POLICY_FOR[s.id],
  });
}

/** The core's TCB claim for a manifest TCB (`fmc` only in the Turin layout). */
const tcbClaim = (t: Tcb) => ({
  ...(t.fmc === undefined ? {} : { fmc: t.fmc }),
  boot_loader: t.bl,
  tee: t.tee,
  snp: t.snp,
  microcode: t.ucode,
  raw: t.raw,
});

describe.skipIf(!HAVE_VECTORS)('manifest.json: every set', () => {
  it('lists the report sets this suite expects', () => {
    expect(REPORT_SETS.map((s) => s.id).sort()).toEqual(
      [
        'genoa-azure-v3',
        'genoa-routex-v3',
        'milan-gsg-v2-debug',
        'milan-routex-v3',
        'milan-trustee-v2-provisional',
        'milan-virtee-v2-hex',
        'parse-only-gce-milan-v4',
        'parse-only-genoa-v2',
        'turin-routex-v5',
        'vlek-milan-aws-v3',
      ].sort(),
    );
  });

  it.each(MANIFEST.sets.flatMap((s) => s.files))('$path has the sha256 the manifest records', (f) => {
    expect(createHash('sha256').update(readFileSync(join(SNP, f.path))).digest('hex')).toBe(f.sha256);
  });

  it.each(REPORT_SETS)('$id: parsed claims equal manifest computed.fields', (s) => {
    const f = s.computed!.fields!;
    const a = appraiseSet(s);
    expect(status(a, 'evidence.parse')).toBe('pass');
    expect(a.claims).toMatchObject({
      version: f.version,
      guest_svn: f.guest_svn,
      vmpl: f.vmpl,
      signature_algo: f.sig_algo,
      signing_key: f.signing_key === 1 ? 'VLEK' : 'VCEK',
      policy: { raw: f.policy },
      platform_info: { raw: f.platform_info },
      measurement: f.measurement,
      report_data: f.report_data,
      chip_id: f.chip_id,
      host_data: f.host_data,
      family_id: f.family_id,
      image_id: f.image_id,
      id_key_digest: f.id_key_digest,
      author_key_digest: f.author_key_digest,
      report_id: f.report_id,
      report_id_ma: f.report_id_ma,
      current_tcb: tcbClaim(f.current_tcb),
      reported_tcb: tcbClaim(f.reported_tcb),
      committed_tcb: tcbClaim(f.committed_tcb),
      launch_tcb: tcbClaim(f.launch_tcb),
      current_version: f.current_bmm,
      committed_version: f.committed_bmm,
    });
    if (f.version >= 3) {
      expect(a.claims).toMatchObject({
        cpuid_fam_id: Number(f.cpuid_fam_id),
        cpuid_mod_id: Number(f.cpuid_mod_id),
        cpuid_step: Number(f.cpuid_step),
      });
    }
    if (s.computed!.kds_vcek_url) expect(a.claims.kds_vcek_url).toBe(s.computed!.kds_vcek_url);
  });

  const withVek = REPORT_SETS.filter((s) => vekOf(s));
  it.each(withVek)('$id: report signature and chain at T0 agree with the manifest', (s) => {
    const c = s.computed!;
    const a = appraiseSet(s);
    expect(status(a, 'report.signature')).toBe(c.py_report_sig_ok ? 'pass' : 'fail');
    expect(c.openssl_chain_at_T0).toBe('OK');
    expectPass(a, CHAIN);
  });

  it.each(VEK_ONLY_SETS)('$id: the VEK signature verdict agrees with the manifest', (s) => {
    const a = verify({ evidence: v(HOST_REPORT[s.product]!), endorsements: [v(vekOf(s)!)] });
    expect(status(a, 'chain.vek.signature')).toBe(s.computed!.py_vek_signed_by_ica ? 'pass' : 'fail');
  });
});

// ---- per set ----------------------------------------------------------------------------------

describe.skipIf(!HAVE_VECTORS)('milan/gsg-v2-debug', () => {
  const appraise = (policy?: unknown) =>
    verify({ evidence: v('milan/gsg-v2-debug/report.bin'), endorsements: [v('milan/gsg-v2-debug/vcek.der')], policy });

  it('is contraindicated by the default policy because POLICY.DEBUG is set', () => {
    const a = appraise();
    expect(a.verdict).toBe('contraindicated');
    expect(status(a, 'policy.debug')).toBe('fail');
    expect(failing(a)).toEqual(['policy.debug']);
    expectPass(a, [...CHAIN, 'report.signature']);
  });

  it('has no failing check when the policy allows debug', () => {
    const a = appraise({ snp: { allow_debug: true } });
    expect(failing(a)).toEqual([]);
    expect(status(a, 'policy.debug')).toBe('pass');
    expect(a.verdict).not.toBe('contraindicated');
  });

  it('takes the product line of this v2 report from the VCEK productName', () => {
    const a = appraise();
    expect(status(a, 'product')).toBe('pass');
    expect(a.checks.find((c) => c.id === 'product')!.detail).toContain('productName');
    expect(a.claims.product).toBe('Milan');
    expect(claim(a, 'vek.product_name')).toBe('Milan-B0');
  });
});

describe.skipIf(!HAVE_VECTORS)('milan/routex-v3', () => {
  it('with its chain bundle and the fresh Milan CRL is affirming', () => {
    const a = verify({
      evidence: v('milan/routex-v3/report.bin'),
      endorsements: [v('milan/routex-v3/vcek_chain.pem'), v(MILAN_CRL)],
    });
    expect(a.verdict).toBe('affirming');
    expectPass(a, [...CHAIN, 'report.signature', 'binding.reported_tcb', 'binding.chip_id']);
    expect(failing(a)).toEqual([]);
    expect(warnings(a)).toEqual([]);
    expect(a.trust_anchor.kind).toBe('pinned');
  });

  it('without a CRL is a warning only because revocation was not checked', () => {
    const a = verify({ evidence: v('milan/routex-v3/report.bin'), endorsements: [v('milan/routex-v3/vcek_chain.pem')] });
    expect(a.verdict).toBe('warning');
    expect(warnings(a)).toEqual(['crl.revocation']);
  });
});

describe.skipIf(!HAVE_VECTORS)('milan/trustee-v2-provisional', () => {
  const appraise = (policy?: unknown) =>
    verify({
      evidence: v('milan/trustee-v2-provisional/report.bin'),
      endorsements: [v('milan/trustee-v2-provisional/vcek.der')],
      policy,
    });

  it('fails policy.firmware by default (CURRENT_TCB ucode 206 != COMMITTED 115)', () => {
    const a = appraise();
    expect(status(a, 'policy.firmware')).toBe('fail');
    expect(a.verdict).toBe('contraindicated');
    expectPass(a, [...CHAIN, 'report.signature', 'binding.reported_tcb']);
  });

  it('passes policy.firmware when provisional firmware is permitted', () => {
    const a = appraise({ snp: { permit_provisional_firmware: true } });
    expect(status(a, 'policy.firmware')).toBe('pass');
    expect(status(a, 'binding.reported_tcb')).toBe('pass');
    expect(failing(a)).toEqual([]);
  });
});

describe.skipIf(!HAVE_VECTORS)('milan/virtee-v2-hex', () => {
  it('parses the hex text report and its signature verifies', () => {
    const a = verify({ evidence: v('milan/virtee-v2-hex/report.hex'), endorsements: [v('milan/virtee-v2-hex/vcek.der')] });
    expect(status(a, 'evidence.parse')).toBe('pass');
    expect(a.checks.find((c) => c.id === 'evidence.parse')!.detail).toMatch(/hex/i);
    expect(status(a, 'report.signature')).toBe('pass');
    expect(failing(a)).toEqual([]);
  });
});

describe.skipIf(!HAVE_VECTORS)('genoa/azure-v3', () => {
  const hcl = () => verify({ evidence: v('genoa/azure-v3/hcl_report.bin'), endorsements: [v('genoa/azure-v3/vcek.der')] });

  it('binds REPORT_DATA to the HCL runtime data and exposes its keys', () => {
    const a = hcl();
    expect(status(a, 'binding.hcl_runtime_data')).toBe('pass');
    const keys = claim(a, 'hcl_runtime_data.keys') as { kid: string }[];
    expect(Array.isArray(keys)).toBe(true);
    expect(keys.map((k) => k.kid)).toContain('HCLAkPub');
    expectPass(a, [...CHAIN, 'report.signature', 'binding.chip_id']);
    expect(failing(a)).toEqual([]);
  });

  it('gives the same measurement from the extracted report.bin (VCEK as a PEM bundle)', () => {
    const a = verify({ evidence: v('genoa/azure-v3/report.bin'), endorsements: [v('genoa/azure-v3/vcek.pem')] });
    expect(status(a, 'report.signature')).toBe('pass');
    expect(a.claims.measurement).toBe(hcl().claims.measurement);
  });

  it('an Azure TDX HCL report given as SNP evidence says what it is, instead of misreading a TDREPORT as an SNP report', () => {
    const e = inputError(() => verify({ evidence: file(join(VECTORS, 'tdx/quotes/azure_hcl_report_for_tdx_v4_00806f05.bin')) }));
    expect(e.field).toBe('HCL report type');
    expect(e.message).toMatch(/TDX HCL report.*TD quote as the evidence/);
  });

  it('is Genoa although the VCEK productName has no stepping', () => {
    const a = hcl();
    expect(a.claims.product).toBe('Genoa');
    expect(claim(a, 'vek.product_name')).toBe('Genoa');
    expect(status(a, 'product')).toBe('pass');
    expect(status(a, 'chain.vek.extensions')).toBe('pass');
    expect(a.trust_anchor.name).toContain('Genoa');
  });
});

describe.skipIf(!HAVE_VECTORS)('genoa/routex-v3', () => {
  it('is not contraindicated and every signature verifies', () => {
    const a = verify({ evidence: v('genoa/routex-v3/report.bin'), endorsements: [v('genoa/routex-v3/vcek_chain.pem')] });
    expect(a.verdict).not.toBe('contraindicated');
    const sigs = a.checks.filter((c) => c.id.endsWith('signature'));
    expect(sigs.map((c) => c.id).sort()).toEqual(
      ['chain.ark.signature', 'chain.intermediate.signature', 'chain.vek.signature', 'report.signature'].sort(),
    );
    expect(sigs.every((c) => c.status === 'pass')).toBe(true);
  });
});

describe.skipIf(!HAVE_VECTORS)('turin/routex-v5', () => {
  const appraise = () =>
    verify({ evidence: v('turin/routex-v5/report.bin'), endorsements: [v('turin/routex-v5/vcek_chain.pem')] });

  it('decodes the Turin TCB layout (with FMC)', () => {
    const a = appraise();
    expect(a.claims.product).toBe('Turin');
    expect(a.claims.reported_tcb).toEqual({ fmc: 0, boot_loader: 1, tee: 0, snp: 2, microcode: 71, raw: '0x4700000002000100' });
  });

  it('warns (does not fail) on the reserved PLATFORM_INFO bit 6', () => {
    const a = appraise();
    expect(status(a, 'evidence.reserved')).toBe('warn');
    expect(status(a, 'evidence.parse')).toBe('pass');
  });

  it('binds CHIP_ID to the 8-byte hwID and has no failing check', () => {
    const a = appraise();
    expect(status(a, 'binding.chip_id')).toBe('pass');
    expect(claim(a, 'vek.hw_id')).toBe('3b42092f69c656d3');
    expectPass(a, [...CHAIN, 'report.signature', 'binding.reported_tcb']);
    expect(failing(a)).toEqual([]);
  });
});

describe.skipIf(!HAVE_VECTORS)('turin/virtee-vcek-only (with the routex-v5 report)', () => {
  it('has a valid chain but the VCEK belongs to another chip', () => {
    const a = verify({ evidence: v('turin/routex-v5/report.bin'), endorsements: [v('turin/virtee-vcek-only/vcek.der')] });
    expect(status(a, 'chain.vek.signature')).toBe('pass');
    expect(status(a, 'chain.vek.validity')).toBe('pass');
    expect(status(a, 'report.signature')).toBe('fail');
    expect(status(a, 'binding.chip_id')).toBe('fail');
    expect(claim(a, 'vek.hw_id')).toBe('1e550a8ee5cf9f4d');
    expect(a.verdict).toBe('contraindicated');
  });
});

describe.skipIf(!HAVE_VECTORS)('vlek/milan-aws-v3', () => {
  const appraise = (policy?: unknown, referenceTime?: Date) =>
    verify({
      evidence: v('vlek/milan-aws-v3/report.bin'),
      endorsements: [v('vlek/milan-aws-v3/vlek.der')],
      policy,
      ...(referenceTime && { referenceTime }),
    });

  it('chains to the ARK through the ASVK at T0', () => {
    const a = appraise();
    expectPass(a, [...CHAIN, 'report.signature', 'binding.reported_tcb']);
    expect(a.checks.find((c) => c.id === 'chain.intermediate.role')!.detail).toContain('SEV-VLEK-Milan');
    expect(a.claims.signing_key).toBe('VLEK');
    expect(claim(a, 'vek.csp_id')).toBe('CN=cc-us-east-2.amazonaws.com');
  });

  it('skips the CHIP_ID binding (a VLEK is not bound to a chip)', () => {
    expect(status(appraise(), 'binding.chip_id')).toBe('skip');
  });

  it('fails policy.firmware by default and passes it with provisional firmware permitted', () => {
    expect(status(appraise(), 'policy.firmware')).toBe('fail');
    const a = appraise({ snp: { permit_provisional_firmware: true } });
    expect(status(a, 'policy.firmware')).toBe('pass');
    expect(failing(a)).toEqual([]);
  });

  it('fails chain.vek.validity after the VLEK expired (2025-12-10T22:14:21Z)', () => {
    const a = appraise({ snp: { permit_provisional_firmware: true } }, new Date('2025-12-11T00:00:00Z'));
    expect(status(a, 'chain.vek.validity')).toBe('fail');
    expect(a.verdict).toBe('contraindicated');
  });
});

describe.skipIf(!HAVE_VECTORS)('parse-only reports (no VEK shipped)', () => {
  it.each(['parse-only/gce-milan-v4/report.bin', 'parse-only/genoa-v2/report.bin'])(
    '%s parses, but without a VEK the appraisal is contraindicated',
    (report) => {
      const a = verify({ evidence: v(report) });
      expect(status(a, 'evidence.parse')).toBe('pass');
      expect(status(a, 'chain.vek.present')).toBe('fail');
      for (const id of ['chain', 'report.signature', 'binding.reported_tcb', 'binding.chip_id']) {
        expect({ id, status: status(a, id) }).toEqual({ id, status: 'fail' });
      }
      expect(a.verdict).toBe('contraindicated');
    },
  );

  it('gce-milan-v4 is Milan from its CPUID', () => {
    const a = verify({ evidence: v('parse-only/gce-milan-v4/report.bin') });
    expect(status(a, 'product')).toBe('pass');
    expect(a.claims.product).toBe('Milan');
  });

  it('genoa-v2 has no product line unless the policy names one', () => {
    const unknown = verify({ evidence: v('parse-only/genoa-v2/report.bin') });
    expect(status(unknown, 'product')).toBe('fail');
    expect(unknown.claims.product).toBeUndefined();

    const named = verify({ evidence: v('parse-only/genoa-v2/report.bin'), policy: { snp: { product: 'Genoa' } } });
    expect(status(named, 'product')).toBe('pass');
    expect(named.claims.product).toBe('Genoa');
  });
});

describe.skipIf(!HAVE_VECTORS)('negative VCEKs (bad ASK signature, synthetic hwID)', () => {
  const HWID_00_3F = Array.from({ length: 64 }, (_, i) => i.toString(16).padStart(2, '0')).join('');

  it.each(['negative/vcek_badsig_hwid_raw.der', 'negative/vcek_badsig_hwid_octetstring.der'])(
    '%s: chain.vek.signature fails and hwID decodes to 00..3f',
    (vcek) => {
      const a = verify({ evidence: v('milan/routex-v3/report.bin'), endorsements: [v(vcek)] });
      expect(status(a, 'chain.vek.signature')).toBe('fail');
      expect(claim(a, 'vek.hw_id')).toBe(HWID_00_3F);
      expect(a.verdict).toBe('contraindicated');
    },
  );
});

describe.skipIf(!HAVE_VECTORS)('roots', () => {
  /** SHA-256 of the ARK SubjectPublicKeyInfo, ../shared/reference/sev-snp.md table (e). */
  const ARK_SPKI: Record<string, string> = {
    milan: '9f056bee44377e29308cb5ffa895bdfb62d18881fa6bed8d6f075b0204089cb9',
    genoa: '429a69c9422aa258ee4d8db5fcda9c6470ef15f8cd5a9cebd6cbc7d90b863831',
    turin: '4f125410563a2ab9a50356f9243f6fe0b6f73de98603f53f90339c70e9d7ad08',
  };
  const SET: Record<string, [string, string]> = {
    milan: ['milan/routex-v3/report.bin', 'milan/routex-v3/vcek_chain.pem'],
    genoa: ['genoa/routex-v3/report.bin', 'genoa/routex-v3/vcek_chain.pem'],
    turin: ['turin/routex-v5/report.bin', 'turin/routex-v5/vcek_chain.pem'],
  };

  it.each(Object.keys(ARK_SPKI))('the pinned %s ARK is the AMD ARK of table (e) and of roots/*/ark.der', (p) => {
    const [report, chain] = SET[p]!;
    const a = verify({ evidence: v(report), endorsements: [v(chain)] });
    expect(status(a, 'chain.ark.pin')).toBe('pass');
    expect(a.trust_anchor.kind).toBe('pinned');
    expect(a.trust_anchor.spki_sha256).toBe(ARK_SPKI[p]);
    const spki = new X509Certificate(readFileSync(join(SNP, 'roots', p, 'ark.der'))).publicKey.export({
      type: 'spki',
      format: 'der',
    });
    expect(createHash('sha256').update(spki).digest('hex')).toBe(ARK_SPKI[p]);
  });

  it('uses the ASK and ARK of a supplied KDS cert_chain bundle', () => {
    const a = verify({
      evidence: v('milan/routex-v3/report.bin'),
      endorsements: [v('milan/routex-v3/vcek.der'), v('roots/milan/kds_cert_chain_vcek.pem')],
    });
    expectPass(a, [...CHAIN, 'report.signature']);
    expect(a.checks.find((c) => c.id === 'chain.intermediate.role')!.detail).toContain('kds_cert_chain_vcek.pem');
  });
});

describe.skipIf(!HAVE_VECTORS)('CRLs', () => {
  const genoa = (crl: string, policy?: unknown, referenceTime?: Date) =>
    verify({
      evidence: v('genoa/routex-v3/report.bin'),
      endorsements: [v('genoa/routex-v3/vcek_chain.pem'), v(crl)],
      policy,
      ...(referenceTime && { referenceTime }),
    });

  it.each(['crl/milan_vcek_crl.der', 'crl/milan_vcek_crl.pem'])('%s at T0: signed, fresh, ASK not revoked', (crl) => {
    const a = verify({ evidence: v('milan/routex-v3/report.bin'), endorsements: [v('milan/routex-v3/vcek_chain.pem'), v(crl)] });
    expectPass(a, ['crl.signature', 'crl.freshness', 'crl.revocation']);
  });

  it.each(['crl/genoa_vcek_crl.pem', 'crl/genoa_vcek_crl.der'])('%s at T0 is stale: crl.freshness warns', (crl) => {
    const a = genoa(crl);
    expect(status(a, 'crl.freshness')).toBe('warn');
    expectPass(a, ['crl.signature', 'crl.revocation']); // it revokes 0x020001, not the current ASK 0x020002
    expect(a.verdict).toBe('warning');
  });

  it('a stale Genoa CRL fails crl.freshness under strict_crl', () => {
    const a = genoa('crl/genoa_vcek_crl.pem', { snp: { strict_crl: true } });
    expect(status(a, 'crl.freshness')).toBe('fail');
    expect(a.verdict).toBe('contraindicated');
  });

  it('the Genoa CRL is fresh at 2025-06-01', () => {
    const a = genoa('crl/genoa_vcek_crl.pem', undefined, new Date('2025-06-01T00:00:00Z'));
    expectPass(a, ['crl.signature', 'crl.freshness', 'crl.revocation']);
  });

  it('the Genoa CRL with a Milan chain warns on crl.issuer', () => {
    const a = verify({
      evidence: v('milan/routex-v3/report.bin'),
      endorsements: [v('milan/routex-v3/vcek_chain.pem'), v('crl/genoa_vcek_crl.pem')],
    });
    expect(status(a, 'crl.issuer')).toBe('warn');
    expect(status(a, 'crl.revocation')).toBe('warn');
    expect(failing(a)).toEqual([]);
  });
});
