/** The renderer's pure helpers: CSV quoting, HTML escaping, settings parsing, claims diff. */
import { describe, expect, it } from 'vitest';
import { rowsToCsv, countByVerdict, filterRows } from '../../renderer/src/lib/batch.ts';
import { createHash } from 'node:crypto';
import { appraisalHtml, appraisalJson, escapeHtml, exportName, recordOf } from '../../renderer/src/lib/report.ts';
import { parseSettings } from '../../renderer/src/lib/settings.ts';
import { diffClaims, flattenClaims } from '../../renderer/src/lib/claims.ts';
import type { BatchRow } from '../../electron/ipc/contract.ts';

const row = (over: Partial<BatchRow>): BatchRow => ({ path: 'a.bin', platform: 'sev-snp', verdict: 'affirming', failing: [], warnings: 0, detail: '', endorsements: [], at: '2025-12-01T00:00:00.000Z', policy: 'default', pairing: [], ...over });

describe('batch CSV', () => {
  it('quotes commas, quotes and newlines (RFC 4180) and joins lists with ;', () => {
    const csv = rowsToCsv([row({ path: 'x,y.bin', detail: 'say "no"\nnow', failing: ['a', 'b'] })]);
    expect(csv).toBe('path,platform,verdict,failing,warnings,detail,endorsements,at,policy,pairing\r\n"x,y.bin",sev-snp,affirming,a;b,0,"say ""no""\nnow",,2025-12-01T00:00:00.000Z,default,\r\n');
  });

  it('counts and filters by verdict and platform', () => {
    const rows = [row({}), row({ verdict: 'error', platform: null }), row({ verdict: 'contraindicated', platform: 'tdx' })];
    expect(countByVerdict(rows)).toEqual({ affirming: 1, warning: 0, contraindicated: 1, error: 1 });
    expect(filterRows(rows, 'all', 'unknown')).toHaveLength(1);
    expect(filterRows(rows, 'contraindicated', 'tdx')).toHaveLength(1);
    expect(filterRows(rows, 'affirming', 'tdx')).toHaveLength(0);
  });
});

describe('printable report', () => {
  it('escapes every value, so evidence cannot inject markup', () => {
    expect(escapeHtml(`<img src=x onerror="a('b')">&`)).toBe('&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt;&amp;');
    const record = { evidenceName: '<b>.bin', files: [{ name: '<u>.der', role: 'x', sha256: 'ab' }], anchors: [], policy: { snp: { '<s>': 1 } }, policySha256: 'cd', version: '<v>' };
    const html = appraisalHtml(record, { platform: 'sev-snp', verdict: 'warning', reference_time: 'T', trust_anchor: { kind: 'none', name: '', spki_sha256: '' }, checks: [{ id: 'x', status: 'warn', detail: '<script>alert(1)</script>' }], claims: { k: '<i>' } }, new Date(0));
    expect(html).not.toMatch(/<script>|<b>\.bin|<i>|<u>|<s>|<v>/);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('records every input with its SHA-256, the policy with its hash, the version; named after the evidence and the time', async () => {
    const bytes = new TextEncoder().encode('report');
    const r = await recordOf('report.bin', [{ name: 'report.bin', bytes }, { name: 'vcek.der', bytes: new Uint8Array([1]) }], new Map([['report.bin', 'evidence']]), [{ name: 'ark.pem', bytes: new Uint8Array() }], { snp: { allow_debug: false } }, '0.1.0');
    expect(r.files).toEqual([
      { name: 'report.bin', role: 'evidence', sha256: createHash('sha256').update('report').digest('hex') },
      { name: 'vcek.der', role: 'input', sha256: createHash('sha256').update(Buffer.from([1])).digest('hex') },
    ]);
    expect(r.anchors[0]!.sha256).toBe(createHash('sha256').digest('hex'));
    expect(r.policySha256).toBe(createHash('sha256').update('{"snp":{"allow_debug":false}}').digest('hex'));
    const a = { platform: 'sev-snp' as const, verdict: 'affirming' as const, reference_time: '2025-12-01T00:00:00Z', trust_anchor: { kind: 'pinned' as const, name: 'ARK', spki_sha256: 'x' }, checks: [], claims: {} };
    expect(exportName('captures/report.bin', a, 'html')).toBe('report-appraisal-20251201T000000Z.html');
    const html = appraisalHtml(r, a, new Date(0));
    for (const f of [...r.files, ...r.anchors]) expect(html).toContain(`<code>${f.sha256}</code>`);
    expect(html).toContain('by Custodian 0.1.0 (offline)');
    expect(html).toContain(r.policySha256!);
    expect(JSON.parse(appraisalJson(r, a)).inputs.files).toEqual(r.files);
  });
});

describe('settings', () => {
  it('accepts RFC 3339 instants and JSON objects; names what is wrong otherwise', () => {
    expect(parseSettings({ referenceTime: '2025-12-01T00:00:00Z', policyText: '' })).toEqual({ referenceTime: '2025-12-01T00:00:00Z', policy: null });
    expect(parseSettings({ referenceTime: '2025-12-01T01:00:00+01:00', policyText: '{"snp":{}}' })).toEqual({ referenceTime: '2025-12-01T00:00:00Z', policy: { snp: {} } });
    expect(parseSettings({ referenceTime: 'yesterday', policyText: '' })).toMatch(/^reference time: "yesterday"/);
    expect(parseSettings({ referenceTime: '2025-12-01', policyText: '' })).toMatch(/^reference time/);
    expect(parseSettings({ referenceTime: '2025-12-01T00:00:00Z', policyText: '[1]' })).toBe('policy: must be a JSON object');
    expect(parseSettings({ referenceTime: '2025-12-01T00:00:00Z', policyText: '{' })).toMatch(/^policy: not JSON/);
  });

  it('an expected GPU nonce sets nvidia.nonce over the policy JSON, keeping its other options; a bad one is named', () => {
    const n = 'AB'.repeat(32);
    expect(parseSettings({ referenceTime: '2025-12-01T00:00:00Z', policyText: '', nonce: n })).toEqual({ referenceTime: '2025-12-01T00:00:00Z', policy: { nvidia: { nonce: n.toLowerCase() } } });
    const withPolicy = parseSettings({ referenceTime: '2025-12-01T00:00:00Z', policyText: '{"nvidia":{"nonce":"00","require_rims":true},"snp":{}}', nonce: ` ${n} ` });
    expect(withPolicy).toEqual({ referenceTime: '2025-12-01T00:00:00Z', policy: { nvidia: { nonce: n.toLowerCase(), require_rims: true }, snp: {} } });
    expect(parseSettings({ referenceTime: '2025-12-01T00:00:00Z', policyText: '', nonce: 'abc' })).toBe('expected nonce: "abc" is not 32 bytes of hex (64 hex digits)');
    expect(parseSettings({ referenceTime: '2025-12-01T00:00:00Z', policyText: '', nonce: '' })).toEqual({ referenceTime: '2025-12-01T00:00:00Z', policy: null });
  });

  it('an expected vTPM nonce sets vtpm.nonce (1–64 bytes of hex) beside the GPU nonce; a bad one is named', () => {
    const at = '2025-12-01T00:00:00Z';
    expect(parseSettings({ referenceTime: at, policyText: '{"vtpm":{"nonce":"00"},"snp":{}}', vtpmNonce: '6368616C6C656E6765' })).toEqual({ referenceTime: at, policy: { vtpm: { nonce: '6368616c6c656e6765' }, snp: {} } });
    expect(parseSettings({ referenceTime: at, policyText: '', vtpmNonce: 'aa', nonce: 'bb'.repeat(32) })).toEqual({ referenceTime: at, policy: { nvidia: { nonce: 'bb'.repeat(32) }, vtpm: { nonce: 'aa' } } });
    for (const bad of ['abc', 'zz', '00'.repeat(65)]) expect(parseSettings({ referenceTime: at, policyText: '', vtpmNonce: bad })).toMatch(/^expected vTPM nonce: .* is not 1 to 64 bytes of hex$/);
  });
});

describe('claims diff', () => {
  it('flattens nested claims and marks exactly the differing leaves, including one-sided ones', () => {
    expect(flattenClaims({ a: { b: 1, c: [true] }, d: null, e: {} })).toEqual([['a.b', '1'], ['a.c.0', 'true'], ['d', 'null'], ['e', '{}']]);
    const d = diffClaims({ m: 'aa', t: { snp: 1 }, only: 'l' }, { m: 'aa', t: { snp: 2 } });
    expect(d.filter((x) => x.differs).map((x) => x.path)).toEqual(['only', 't.snp']);
    expect(d.find((x) => x.path === 'only')).toEqual({ path: 'only', left: 'l', right: undefined, differs: true });
  });
});
