/**
 * The project's synthetic fixtures (fixtures/snp, made by fixtures/generate.mjs with a TEST PKI)
 * through the wasm core: each case's expect.json outcome, the TEST anchor labelling, and policy options.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, file, failing, status, verify, warnings } from './helpers.ts';
import type { NamedBytes } from '../electron/core/appraisal.ts';

const pki = (name: string) => file(join(FIXTURES, 'pki', name));
const anchor = [pki('ark.pem')];

/** The endorsements a user passes for fixture case `c`. */
function endorsements(c: string, crl = 'crl-empty.der'): NamedBytes[] {
  const dir = join(FIXTURES, c);
  const out = [existsSync(join(dir, 'crl.der')) ? file(join(dir, 'crl.der')) : pki(crl)];
  if (existsSync(join(dir, 'vcek.der'))) out.push(file(join(dir, 'vcek.der')), pki('cert_chain.pem'));
  return out;
}

const cases = readdirSync(FIXTURES).filter((c) => existsSync(join(FIXTURES, c, 'expect.json')));

describe('synthetic SEV-SNP fixtures with the TEST anchor', () => {
  it('has the seven generated cases', () => {
    expect(cases.sort()).toEqual(['debug', 'expired-vcek', 'extended-report', 'hwid-octet-string', 'revoked-ask', 'valid', 'wrong-chip-id']);
  });

  it.each(cases)('%s gives the outcome in its expect.json', (c) => {
    const expected = JSON.parse(readFileSync(join(FIXTURES, c, 'expect.json'), 'utf8'));
    const a = verify({ evidence: file(join(FIXTURES, c, 'report.bin')), endorsements: endorsements(c), testAnchors: anchor });
    expect(a.verdict).toBe(expected.verdict);
    expect(failing(a)).toEqual(expected.failing_check ? [expected.failing_check] : []);
    expect(a.trust_anchor.kind).toBe('test');
    expect(a.trust_anchor.name).toContain('TEST');
  });

  it('reads the chain from the extended report certificate table', () => {
    const a = verify({ evidence: file(join(FIXTURES, 'extended-report', 'report.bin')), endorsements: [pki('crl-empty.der')], testAnchors: anchor });
    expect(a.claims.evidence_form).toBe('report with extended-report certificate table');
    expect(a.checks.find((k) => k.id === 'chain.vek.present')?.detail).toContain('certificate table entry 0 (VCEK)');
  });

  it('does not trust the TEST root unless it is passed as a test anchor', () => {
    const a = verify({ evidence: file(join(FIXTURES, 'valid', 'report.bin')), endorsements: [...endorsements('valid'), pki('ark.pem')] });
    expect(status(a, 'chain.ark.pin')).toBe('fail');
    expect(a.trust_anchor.kind).toBe('pinned');
    expect(a.verdict).toBe('contraindicated');
  });

  it('warns on a stale CRL and fails under strict_crl', () => {
    const evidence = file(join(FIXTURES, 'valid', 'report.bin'));
    const stale = endorsements('valid', 'crl-stale.der');
    const lax = verify({ evidence, endorsements: stale, testAnchors: anchor });
    expect(warnings(lax)).toEqual(['crl.freshness']);
    expect(lax.verdict).toBe('warning');
    const strict = verify({ evidence, endorsements: stale, testAnchors: anchor, policy: { snp: { strict_crl: true } } });
    expect(failing(strict)).toEqual(['crl.freshness']);
  });

  it('reports missing revocation data as a warning, never a pass', () => {
    const a = verify({ evidence: file(join(FIXTURES, 'valid', 'report.bin')), endorsements: endorsements('valid').slice(1), testAnchors: anchor });
    expect(status(a, 'crl.revocation')).toBe('warn');
    expect(a.verdict).toBe('warning');
  });
});

describe('SEV-SNP policy options', () => {
  const evidence = file(join(FIXTURES, 'valid', 'report.bin'));
  const base = { evidence, endorsements: endorsements('valid'), testAnchors: anchor };
  const manifest = JSON.parse(readFileSync(join(FIXTURES, 'manifest.json'), 'utf8'));
  const valid = verify(base);
  const claim = (k: string) => valid.claims[k] as string;

  it.each([
    ['measurements', { measurements: ['00'.repeat(48)] }, 'policy.measurement'],
    ['report_data', { report_data: '11'.repeat(64) }, 'policy.report_data'],
    ['host_data', { host_data: '22'.repeat(32) }, 'policy.host_data'],
    ['chip_id', { chip_id: '33'.repeat(64) }, 'policy.chip_id'],
    ['family_id', { family_id: '44'.repeat(16) }, 'policy.family_id'],
    ['image_id', { image_id: '55'.repeat(16) }, 'policy.image_id'],
    ['vmpl', { vmpl: 2 }, 'policy.vmpl'],
    ['minimum_guest_svn', { minimum_guest_svn: 99 }, 'policy.minimum_guest_svn'],
    ['minimum_build', { minimum_build: 200 }, 'policy.minimum_build'],
    ['minimum_tcb', { minimum_tcb: { boot_loader: 4, tee: 0, snp: 25, microcode: 0 } }, 'policy.minimum_tcb'],
    ['minimum_launch_tcb', { minimum_launch_tcb: { microcode: 220 } }, 'policy.minimum_launch_tcb'],
    ['require_author_key', { require_author_key: true }, 'policy.author_key'],
    ['trusted_id_key_hashes', { trusted_id_key_hashes: ['66'.repeat(48)] }, 'policy.id_key'],
  ])('%s that the report does not meet fails only its own check', (_name, snp, id) => {
    const a = verify({ ...base, policy: { snp } });
    expect(failing(a)).toEqual([id]);
  });

  it('passes when the policy values are the report values', () => {
    const snp = {
      measurements: ['ab'.repeat(48), claim('measurement')],
      report_data: claim('report_data'),
      host_data: claim('host_data'),
      chip_id: claim('chip_id'),
      vmpl: 0,
      minimum_tcb: { boot_loader: 4, tee: 0, snp: 24, microcode: 219 },
      minimum_guest_svn: 1,
      minimum_build: 29,
    };
    const a = verify({ ...base, policy: { snp } });
    expect(a.verdict).toBe('affirming');
    for (const id of ['policy.measurement', 'policy.report_data', 'policy.host_data', 'policy.chip_id', 'policy.vmpl', 'policy.minimum_tcb']) {
      expect(status(a, id)).toBe('pass');
    }
  });

  it('decodes the fields the generator wrote', () => {
    expect(claim('measurement')).toBe(manifest.report.measurement);
    expect(claim('report_data')).toBe(manifest.report.report_data);
    expect(claim('host_data')).toBe(manifest.report.host_data);
    expect(claim('chip_id')).toBe(manifest.chip_ids_by_case.valid);
    expect((valid.claims.reported_tcb as { microcode: number }).microcode).toBe(manifest.report.tcb.ucode);
  });

  it('allow_debug admits the debug fixture', () => {
    const a = verify({ evidence: file(join(FIXTURES, 'debug', 'report.bin')), endorsements: endorsements('debug'), testAnchors: anchor, policy: { snp: { allow_debug: true } } });
    expect(failing(a)).toEqual([]);
  });

  it.each([
    [{ snp: { alow_debug: true } }, 'alow_debug'],
    [{ snp: { report_data: 'abcd' } }, 'report_data'],
    [{ amd: {} }, 'amd'],
    [{ snp: { vmpl: 7 } }, 'vmpl'],
  ])('rejects a bad policy %j as an input error naming %s', (policy, name) => {
    expect(() => verify({ ...base, policy })).toThrow(name);
  });
});
