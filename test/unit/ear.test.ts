/**
 * The EAR mapping (electron/core/ear.ts): verdict → ear.status, check → AR4SI claim, and that every
 * check id the core emits feeds a claim or is listed as feeding none.
 *
 * Threat: an attestation result that reads better than the appraisal — a failing check that leaves its
 * trustworthiness claim affirming, a check id the mapping does not know passing silently, a status more
 * trustworthy than the verdict. (Interop — that Veraison's `ear` crate accepts the output — is proven
 * in interop/ear with Veraison's code, not here.)
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compactVerify, generateKeyPair, exportJWK, decodeProtectedHeader } from 'jose';
import { AR4SI, buildEar, CHECK_CLAIMS, earText, parseEarKey, policyId, ruleFor, statusOf, tierOf, TRUST_CLAIMS, trustVector, type EarClaims } from '../../electron/core/ear.ts';
import type { Appraisal, Check, VerifyRequest } from '../../electron/core/appraisal.ts';
import { InputError } from '../../electron/core/errors.ts';
import { openEnvelope } from '../../electron/evidence/envelopes.ts';
import { core, file, FIXTURES, HAVE_VECTORS, T0, VECTORS } from '../helpers.ts';

const fx = (...p: string[]) => file(join(FIXTURES, ...p));
function fixture(dir: string, policy?: unknown): Appraisal {
  return core.verify({
    evidence: fx(dir, 'report.bin'),
    endorsements: [fx(dir, 'vcek.der'), fx('pki', 'cert_chain.pem'), fx('pki', 'crl-empty.der')],
    testAnchors: [fx('pki', 'ark.pem')],
    policy,
    referenceTime: T0,
  });
}
const ear = (a: Appraisal, policy?: unknown) => buildEar(a, { policy, evidence: [{ role: 'evidence', bytes: new Uint8Array([1]) }] });
const sub = (e: EarClaims, name = 'cpu0') => (e.submods as Record<string, Record<string, unknown>>)[name]!;
const vec = (e: EarClaims, name = 'cpu0') => sub(e, name).ear_trustworthiness_vector as Record<string, number>;
const check = (id: string, status: Check['status']): Check => ({ id, status, detail: 'x' });

describe('verdict → ear.status', () => {
  it('uses the core verdict word for word (DESIGN.md vocabulary)', () => {
    for (const v of ['affirming', 'warning', 'contraindicated'] as const) expect(statusOf(v)).toBe(v);
  });

  it('an affirming fixture is affirming with genuine hardware, trustworthy instance, encrypted memory', () => {
    const e = ear(fixture('valid'));
    expect(sub(e).ear_status).toBe('affirming');
    expect(e.ear_status).toBe('affirming');
    expect(vec(e)).toEqual({ 'instance-identity': 2, configuration: 2, hardware: 2, 'runtime-opaque': 2 });
  });

  it('a debug guest is contraindicated and its memory visible (runtime-opaque 96)', () => {
    const e = ear(fixture('debug'));
    expect(sub(e).ear_status).toBe('contraindicated');
    expect(vec(e)['runtime-opaque']).toBe(AR4SI.VISIBLE_MEMORY_RUNTIME);
    expect(sub(e).ear_verifier_claims).toMatchObject({ checks_not_passed: ['fail:policy.debug'] });
  });

  it('a wrong measurement makes executables contraindicated; a matching one approves them', () => {
    const a = fixture('valid');
    const m = String(a.claims.measurement);
    expect(vec(ear(fixture('valid', { snp: { measurements: [m] } })))).toMatchObject({ executables: AR4SI.APPROVED_RUNTIME });
    const bad = fixture('valid', { snp: { measurements: ['00'.repeat(48)] } });
    expect(vec(ear(bad))).toMatchObject({ executables: AR4SI.CONTRAINDICATED_RUNTIME });
    expect(sub(ear(bad)).ear_status).toBe('contraindicated');
  });

  it('the policy id is SHA-256 of the RFC 8785 policy and changes with the policy', () => {
    expect(policyId(undefined)).toBe(policyId({}));
    expect(policyId({ snp: { vmpl: 0, allow_debug: false } })).toBe(policyId({ snp: { allow_debug: false, vmpl: 0 } }));
    expect(policyId({ snp: { vmpl: 0 } })).not.toBe(policyId({ snp: { vmpl: 1 } }));
    expect(policyId({})).toBe('policy:sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a');
  });

  it('iat is the reference time in seconds, not the clock', () => {
    expect(ear(fixture('valid')).iat).toBe(T0.getTime() / 1000);
  });
});

describe('check → AR4SI claim', () => {
  it('every rule uses AR4SI values in the right tier', () => {
    for (const r of CHECK_CLAIMS) {
      if (!r.claim) continue;
      if (r.pass !== undefined) expect([r.pattern, tierOf(r.pass)]).toEqual([r.pattern, 'affirming']);
      if (r.warn !== undefined && r.warn !== null) expect([r.pattern, tierOf(r.warn)]).toEqual([r.pattern, r.claim === 'runtime-opaque' ? 'contraindicated' : 'warning']);
      expect([r.pattern, tierOf(r.fail!)]).toEqual([r.pattern, 'contraindicated']);
    }
  });

  it('a failing check makes its claim contraindicated even when every other check of that claim passes', () => {
    for (const [id, claim] of [['chain.vek.signature', 'hardware'], ['crl.revocation', 'hardware'], ['report.signature', 'instance-identity'], ['gpu0.measurements', 'executables'], ['policy.vmpl', 'configuration'], ['cpu0.policy.debug', 'runtime-opaque']] as const) {
      const { vector } = trustVector([check('chain.ark.signature', 'pass'), check('report.signature', 'pass'), check('policy.migrate_ma', 'pass'), check(id, 'fail'), check('measurements', 'pass')]);
      expect([id, tierOf(vector[claim]!)]).toEqual([id, 'contraindicated']);
    }
  });

  it('a warning lowers its claim to the warning tier; a skip feeds nothing', () => {
    expect(trustVector([check('chain.ark.signature', 'pass'), check('crl.revocation', 'warn')]).vector.hardware).toBe(AR4SI.UNSAFE_HARDWARE);
    expect(trustVector([check('evidence.reserved', 'warn')]).vector.configuration).toBe(AR4SI.UNAVAIL_CONFIG_ELEMS);
    expect(trustVector([check('policy.measurement', 'skip')]).vector).toEqual({});
  });

  it('a warning on an identity check (AR4SI has no warning value there) still lowers the submodule status', () => {
    const a: Appraisal = { platform: 'sev-snp', verdict: 'warning', reference_time: '2025-12-01T00:00:00Z', trust_anchor: { kind: 'pinned', name: 'ARK', spki_sha256: '00' }, checks: [check('report.signature', 'pass'), check('report.signature_structural', 'warn')], claims: {} };
    const e = ear(a);
    expect(vec(e)['instance-identity']).toBe(2);
    expect(sub(e).ear_status).toBe('warning');
  });

  it('the submodule status is never better than the checks, even if the core claimed so', () => {
    const a: Appraisal = { platform: 'sev-snp', verdict: 'affirming', reference_time: '2025-12-01T00:00:00Z', trust_anchor: { kind: 'pinned', name: 'ARK', spki_sha256: '00' }, checks: [check('chain.vek.validity', 'fail')], claims: {} };
    expect(sub(ear(a)).ear_status).toBe('contraindicated');
    expect(ear(a).ear_status).toBe('contraindicated');
  });

  it('file-system, storage-opaque and sourced-data are fed by no check (no claim is made)', () => {
    const fed = new Set(CHECK_CLAIMS.map((r) => r.claim));
    expect(TRUST_CLAIMS.filter((c) => !fed.has(c))).toEqual(['file-system', 'storage-opaque', 'sourced-data']);
  });

  it('an unknown check id is reported as unmapped, never silently folded into a claim', () => {
    expect(trustVector([check('future.check', 'fail')]).unmapped).toEqual(['future.check']);
    expect(ruleFor('future.check')).toBeUndefined();
  });
});

// ---- every check id the core emits has a rule ---------------------------------------------------

/** Runs the core over the fixtures (always) and the real vectors (when present) under strict and empty policies; returns every check id seen. */
function emittedIds(): Set<string> {
  const ids = new Set<string>();
  const run = (req: Partial<VerifyRequest> & Pick<VerifyRequest, 'evidence'>) => {
    try {
      for (const c of core.verify({ referenceTime: T0, ...req }).checks) ids.add(c.id);
    } catch {
      /* bad input for this combination: no checks */
    }
  };
  const strictSnp = { snp: { measurements: ['00'.repeat(48)], minimum_tcb: { boot_loader: 255 }, host_data: '00'.repeat(32), vmpl: 3, minimum_guest_svn: 9, minimum_build: 255, require_author_key: true, chip_id: '00'.repeat(64), family_id: '00'.repeat(16), image_id: '00'.repeat(16), report_data: '00'.repeat(64), trusted_id_key_hashes: ['00'.repeat(48)], minimum_launch_tcb: { microcode: 255 }, strict_crl: true } };
  for (const d of readdirSync(FIXTURES)) {
    if (!existsSync(join(FIXTURES, d, 'report.bin'))) continue;
    const ends = readdirSync(join(FIXTURES, d)).filter((x) => /\.(der|pem)$/.test(x)).map((x) => fx(d, x));
    for (const policy of [undefined, strictSnp]) run({ evidence: fx(d, 'report.bin'), endorsements: [...ends, fx('pki', 'cert_chain.pem'), fx('pki', 'crl-empty.der')], testAnchors: [fx('pki', 'ark.pem')], policy });
    run({ evidence: fx(d, 'report.bin'), endorsements: ends });
  }
  if (!HAVE_VECTORS) return ids;
  const V = (...p: string[]) => join(VECTORS, ...p);
  // Azure vTPM envelopes (the vTPM quote checks), with and without an expected nonce.
  for (const env of ['az-snp-vtpm', 'az-tdx-vtpm']) {
    const path = V('formats', 'trustee', env, 'evidence-v1.json');
    const e = existsSync(path) ? openEnvelope(file(path)) : null;
    if (e) for (const policy of [undefined, { vtpm: { nonce: '00' } }]) run({ evidence: e.evidence, endorsements: e.endorsements, policy });
  }
  const routex = (r: string) => file(V('snp', 'milan', 'routex-v3', r));
  for (const crl of [[], [file(V('snp', 'crl', 'milan_vcek_crl.der'))]]) run({ evidence: routex('report.bin'), endorsements: [routex('vcek.der'), routex('vcek_chain.pem'), ...crl], policy: strictSnp });
  if (existsSync(V('tdx', 'manifest.json'))) {
    const strictTdx = { tdx: { accepted_tcb_statuses: ['UpToDate', 'OutOfDate', 'SWHardeningNeeded'], mr_td: ['00'.repeat(48)], rtmr: { '0': '00'.repeat(48) }, max_collateral_age: 1, mr_seam: ['00'.repeat(48)], xfam: '00'.repeat(8), td_attributes: '00'.repeat(8), mr_config_id: '00'.repeat(48), mr_owner: '00'.repeat(48), mr_owner_config: '00'.repeat(48), report_data: '00'.repeat(64), minimum_tee_tcb_svn: 'ff'.repeat(16) } };
    const strictSgx = { tdx: { mr_enclave: ['00'.repeat(32)], mr_signer: ['00'.repeat(32)], isv_prod_id: 9, minimum_isv_svn: 9 } };
    for (const c of JSON.parse(readFileSync(V('tdx', 'manifest.json'), 'utf8')).cases as { id: string; quote: string; collateral: string; verify_at: string }[]) {
      const col = [c.collateral, ...(c.id.startsWith('tdx-08') ? ['quotes/azure_hcl_report_for_tdx_v4_00806f05.bin'] : [])].map((p) => file(V('tdx', p)));
      for (const policy of [undefined, strictTdx, strictSgx]) for (const at of [new Date(c.verify_at), new Date('2030-01-01T00:00:00Z')]) run({ evidence: file(V('tdx', c.quote)), endorsements: col, policy, referenceTime: at });
    }
  }
  if (existsSync(V('nvidia', 'manifest.json'))) {
    const rims = readdirSync(V('nvidia', 'rims'), { recursive: true }).map(String).filter((x) => /\.(swidtag|xml|json)$/.test(x)).map((x) => file(V('nvidia', 'rims', x)));
    for (const vec of JSON.parse(readFileSync(V('nvidia', 'manifest.json'), 'utf8')).vectors as { vector: string; report?: string; chain?: string; parse?: { request?: { nonce?: string } } }[]) {
      const d = V('nvidia', vec.vector);
      if (!vec.report || !existsSync(join(d, vec.report))) continue;
      const local = readdirSync(d).filter((x) => /swidtag|xml/.test(x)).map((x) => file(join(d, x)));
      const chain = vec.chain && existsSync(join(d, vec.chain)) ? [file(join(d, vec.chain))] : [];
      for (const policy of [{ nvidia: { nonce: vec.parse?.request?.nonce } }, { nvidia: { nonce: '00'.repeat(32), allowed_driver_versions: ['1'], allowed_vbios_versions: ['1'], ignore_measurement_indices: [7], require_ppcie: true, revocation: 'require' } }])
        for (const at of [new Date('2025-06-01T00:00:00Z'), new Date('2026-11-22T00:00:00Z')]) run({ evidence: file(join(d, vec.report)), endorsements: chain, rims: [...local, ...rims], policy, referenceTime: at });
    }
    const ej = (x: string) => file(V('nvidia', 'evidence-json', x));
    for (const x of readdirSync(V('nvidia', 'evidence-json'))) for (const policy of [undefined, { nvidia: { require_ppcie: true } }]) run({ evidence: ej(x), rims, policy });
    run({ evidence: ej('hopper-590.12-ppcie-8gpu-nonce-4760.json'), moreEvidence: [ej('ls10-ppcie-4switch-nonce-4760.json')], rims });
    for (const policy of [{ nvidia: { require_rims: false } }, { nvidia: { require_cpu_binding: true } }]) run({ evidence: routex('report.bin'), endorsements: [routex('vcek.der'), routex('vcek_chain.pem')], moreEvidence: [ej('hopper-590.12-single-nonce-e97b.json')], policy, rims });
  }
  return ids;
}

describe('coverage: every check id the core emits feeds a claim or is listed as feeding none', () => {
  const ids = emittedIds();

  it(`all ${ids.size} ids seen over the fixtures${HAVE_VECTORS ? ' and ../shared/vectors' : ' (vectors SKIPPED)'} have a rule`, () => {
    expect(ids.size).toBeGreaterThan(40);
    expect([...ids].filter((id) => !ruleFor(id))).toEqual([]);
  });

  it('the check tables of docs/verify.md name no id without a rule', () => {
    const section = readFileSync(join(FIXTURES, '..', '..', 'docs', 'verify.md'), 'utf8');
    const named = [...section.matchAll(/^\| `([^|]+)` \|/gm)].flatMap((m) => [...m[1]!.matchAll(/`?([a-z_][a-z0-9_.*]*)`?/g)].map((x) => x[1]!));
    const concrete = named.filter((id) => !id.includes('*') && id.includes('.') && !/^\.|\.$/.test(id));
    expect(concrete.length).toBeGreaterThan(20);
    expect(concrete.filter((id) => !ruleFor(id))).toEqual([]);
  });
});

describe('NVIDIA and composite submodules', () => {
  it.skipIf(!HAVE_VECTORS)('one submodule per device, cpu0 for the CPU, each with its own status', () => {
    const ej = file(join(VECTORS, 'nvidia', 'evidence-json', 'hopper-590.12-multi4-nonce-e97b.json'));
    const a = core.verify({ evidence: ej, policy: { nvidia: { require_rims: false } }, referenceTime: T0 });
    const e = ear(a);
    expect(Object.keys(e.submods as object)).toEqual(['gpu0', 'gpu1', 'gpu2', 'gpu3']);
    for (const g of ['gpu0', 'gpu1', 'gpu2', 'gpu3']) expect(['affirming', 'warning']).toContain(sub(e, g).ear_status);
  });
});

describe('signing and the key file', () => {
  it('signs ES256 for P-256 and ES384 for P-384; the JWT verifies and carries the same claims-set', async () => {
    const e = ear(fixture('valid'));
    for (const [crv, alg] of [['P-256', 'ES256'], ['P-384', 'ES384']] as const) {
      const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
      const jwk = (await exportJWK(privateKey)) as Record<string, unknown>;
      expect(jwk.crv).toBe(crv);
      const token = (await earText(e, jwk)).trim();
      expect(decodeProtectedHeader(token)).toMatchObject({ alg, typ: 'JWT' });
      const { payload } = await compactVerify(token, publicKey);
      expect(JSON.parse(Buffer.from(payload).toString())).toEqual(e);
    }
  });

  it('refuses keys it cannot sign with, naming the file and the field, never quoting the key', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const priv = JSON.stringify(await exportJWK(privateKey));
    expect(parseEarKey(Buffer.from(priv), 'k.jwk')).toMatchObject({ kty: 'EC', crv: 'P-256' });
    const bad = (text: string) => {
      try {
        parseEarKey(Buffer.from(text), 'k.jwk');
      } catch (e) {
        expect(e).toBeInstanceOf(InputError);
        return (e as Error).message;
      }
      throw new Error('accepted');
    };
    expect(bad(JSON.stringify(await exportJWK(publicKey)))).toBe('k.jwk: d: missing: a private JWK is needed to sign the EAR');
    expect(bad(priv.replace('P-256', 'P-521'))).toMatch(/^k\.jwk: crv: must be "P-256" or "P-384"/);
    expect(bad(JSON.stringify({ kty: 'oct', k: 'c2VjcmV0' }))).toMatch(/^k\.jwk: kty:/);
    const secret = priv.slice(0, -3);
    const msg = bad(secret);
    expect(msg).toBe('k.jwk: EAR key: not JSON (a private JWK is expected)');
    expect(msg).not.toContain(JSON.parse(priv).d);
  });
});

describe('console export (evidence:ear in main)', () => {
  it('builds the EAR of the inspector inputs, signs with the key file main reads, and names a bad key file', async () => {
    const { earOf } = await import('../../electron/evidence/inspect.ts');
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const files = ['valid/report.bin', 'valid/vcek.der', 'pki/cert_chain.pem', 'pki/crl-empty.der'].map((p) => fx(...p.split('/')));
    const req = { files, testAnchors: [fx('pki', 'ark.pem')], policy: null, referenceTime: T0.toISOString(), profile: 'ietf' as const, keyPath: null };
    const unsigned = await earOf(core, req);
    expect(unsigned.signed).toBe(false);
    expect(JSON.parse(unsigned.text)).toMatchObject({ ear_status: 'affirming', iat: T0.getTime() / 1000 });
    const dir = mkdtempSync(join(tmpdir(), 'ear-'));
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    writeFileSync(join(dir, 'k.jwk'), JSON.stringify(await exportJWK(privateKey)));
    const signed = await earOf(core, { ...req, keyPath: join(dir, 'k.jwk') });
    expect(signed.signed).toBe(true);
    const { payload } = await compactVerify(signed.text.trim(), publicKey);
    expect(JSON.parse(Buffer.from(payload).toString())).toEqual(JSON.parse(unsigned.text));
    writeFileSync(join(dir, 'pub.jwk'), JSON.stringify(await exportJWK(publicKey)));
    await expect(earOf(core, { ...req, keyPath: join(dir, 'pub.jwk') })).rejects.toThrow(/pub\.jwk: d: missing/);
  });
});
