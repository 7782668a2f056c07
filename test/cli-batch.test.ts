/**
 * `custodian batch DIR|MANIFEST` (issue 16): manifests give each row its own endorsements, reference
 * time and policy; JSON and CSV manifests agree; every row equals the single-file appraisal of the
 * same inputs; bad manifests fail naming the manifest, the row and the field. On ../shared/vectors, a
 * manifest written from the sets' manifest.json gives the outcome each case states.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';
import { core, file, FIXTURES, ROOT, T0 } from './helpers.ts';
import type { BatchRow } from '../electron/ipc/contract.ts';
import { vectorCases } from './vectors/cases.ts';
import { sevReportFromBytes } from '../electron/vault/trustee-snp.ts';

function custodian(...args: string[]) {
  const r = spawnSync(join(ROOT, 'bin', 'custodian'), args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const tmp = mkdtempSync(join(tmpdir(), 'custodian-batch-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const fx = (...p: string[]) => join(FIXTURES, ...p);
const anchor = fx('pki', 'ark.pem');
const pki = [fx('pki', 'cert_chain.pem'), fx('pki', 'crl-empty.der')];

/** The fixture rows: one evidence at two times, a debug guest under the default and a permissive policy. */
const ROWS = [
  { evidence: 'valid/report.bin', endorsements: ['valid/vcek.der', 'pki/cert_chain.pem', 'pki/crl-empty.der'], at: '2025-12-01T00:00:00Z' },
  { evidence: 'valid/report.bin', endorsements: ['valid/vcek.der', 'pki'], at: '2019-01-01T00:00:00Z' },
  { evidence: 'debug/report.bin', endorsements: ['debug/vcek.der', 'pki/cert_chain.pem', 'pki/crl-empty.der'], at: '2025-12-01T00:00:00Z' },
  { evidence: 'debug/report.bin', endorsements: ['debug/vcek.der', 'pki/cert_chain.pem', 'pki/crl-empty.der'], at: '2025-12-01T00:00:00Z', policy: { snp: { allow_debug: true } } },
];

describe('custodian batch MANIFEST (fixtures)', () => {
  const manifest = join(tmp, 'rows.json');
  writeFileSync(manifest, JSON.stringify(ROWS.map((r) => ({ ...r, evidence: fx(r.evidence), endorsements: r.endorsements.map((e) => fx(e)) }))));

  it('appraises each row with its own endorsements, time and policy; each row equals `verify` of the same inputs', () => {
    const r = custodian('batch', manifest, '--json', '--test-anchor', anchor);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1); // a contraindicated row
    const out = JSON.parse(r.stdout) as { rows: BatchRow[]; counts: Record<string, number> };
    expect(out.rows.map((x) => [x.verdict, x.at, x.policy])).toEqual([
      ['affirming', '2025-12-01T00:00:00.000Z', 'default'],
      ['contraindicated', '2019-01-01T00:00:00.000Z', 'default'],
      ['contraindicated', '2025-12-01T00:00:00.000Z', 'default'],
      ['affirming', '2025-12-01T00:00:00.000Z', 'inline'],
    ]);
    expect(out.rows[1]!.path).toBe(`${fx('valid/report.bin')} (row 2)`); // listed twice: named apart
    expect(out.rows[2]!.failing).toEqual(['policy.debug']);
    expect(out.counts).toEqual({ affirming: 2, warning: 0, contraindicated: 2, error: 0 });
    // The single-file path gives the same verdict and failing checks for every row.
    out.rows.forEach((row, i) => {
      const spec = ROWS[i]!;
      const ends = spec.endorsements.flatMap((e) => (e === 'pki' ? pki : [fx(e)]));
      const a = core.verify({ evidence: file(fx(spec.evidence)), endorsements: ends.map(file), testAnchors: [file(anchor)], policy: spec.policy, referenceTime: new Date(spec.at) });
      expect({ row: i + 1, verdict: row.verdict, failing: row.failing }).toEqual({ row: i + 1, verdict: a.verdict, failing: a.checks.filter((c) => c.status === 'fail').map((c) => c.id) });
    });
  });

  it('a CSV manifest (paths relative to its folder) gives the same rows as the JSON one; --csv prints the console export', () => {
    const csv = join(tmp, 'rows.csv');
    const policyFile = join(tmp, 'allow-debug.json');
    writeFileSync(policyFile, JSON.stringify({ snp: { allow_debug: true } }));
    const rel = (p: string) => relative(tmp, fx(p));
    const lines = ROWS.map((r) => [rel(r.evidence), r.endorsements.map(rel).join(';'), r.at, r.policy ? 'allow-debug.json' : ''].map((c) => `"${c}"`).join(','));
    writeFileSync(csv, ['evidence,endorsements,at,policy', ...lines].join('\r\n'));
    const r = custodian('batch', csv, '--csv', '--test-anchor', anchor);
    expect(r.code).toBe(1);
    const rows = parseCsv(r.stdout, { columns: true }) as Record<string, string>[];
    expect(rows.map((x) => [x.verdict, x.at, x.policy])).toEqual([
      ['affirming', '2025-12-01T00:00:00.000Z', 'default'],
      ['contraindicated', '2019-01-01T00:00:00.000Z', 'default'],
      ['contraindicated', '2025-12-01T00:00:00.000Z', 'default'],
      ['affirming', '2025-12-01T00:00:00.000Z', 'allow-debug.json'],
    ]);
    expect(rows[0]!.endorsements).toBe('vcek.der;cert_chain.pem;crl-empty.der');
  });

  it('the text table gives each row its verdict and reason, and a summary line', () => {
    const r = custodian('batch', manifest, '--test-anchor', anchor);
    expect(r.stdout).toMatch(/^AFFIRMING +sev-snp +\S+valid\/report\.bin$/m);
    expect(r.stdout).toMatch(/^CONTRAINDICATED +sev-snp +\S+debug\/report\.bin\n +failing: policy\.debug — /m);
    expect(r.stdout).toContain('4 files: 2 affirming, 0 warning, 2 contraindicated, 0 error (per manifest row)');
  });

  it('a folder: every evidence file under it, --at and --policy for all rows', () => {
    const policy = join(tmp, 'allow-debug.json');
    writeFileSync(policy, JSON.stringify({ snp: { allow_debug: true } }));
    const strict = JSON.parse(custodian('batch', fx('debug'), '--json', '--at', '2025-12-01T00:00:00Z', '--test-anchor', anchor).stdout) as { rows: BatchRow[] };
    expect(strict.rows.map((x) => [x.path, x.verdict, x.at, x.policy])).toEqual([['report.bin', 'contraindicated', T0.toISOString(), 'default']]);
    const r = custodian('batch', fx('debug'), '--json', '--at', '2025-12-01T00:00:00Z', '--policy', policy, '--test-anchor', anchor);
    const out = JSON.parse(r.stdout) as { rows: BatchRow[] };
    // The folder holds no CA chain: the embedded AMD ASK does not chain to the TEST root, so not affirming; but debug is allowed.
    expect(out.rows.map((x) => [x.path, x.at, x.policy])).toEqual([['report.bin', T0.toISOString(), 'the batch policy']]);
    expect(out.rows[0]!.failing).not.toContain('policy.debug');
    // vcek.der and vcek.pem hold one certificate: paired by identity, it is used once (never merged twice).
    expect(out.rows[0]!.endorsements).toEqual(['vcek.der']);
    expect(out.rows[0]!.pairing).toEqual([{ level: 'info', text: expect.stringMatching(/^vcek\.der: VCEK \(Milan, .*\), for the VCEK for CHIP_ID /) }]);
  });

  // Threat: a manifest is input like any other file; it can be malformed or point anywhere.
  it.each([
    ['unknown field', [{ evidence: fx('valid/report.bin'), colour: 'red' }], 'row 1: colour: unknown field (fields: evidence, endorsements, at, policy)'],
    ['missing evidence', [{ evidence: 'nope.bin' }], 'row 1: evidence: nope.bin: no such file'],
    ['time without offset', [{ evidence: fx('valid/report.bin'), at: '2025-12-01 00:00' }], 'row 1: at: not an RFC 3339 date-time with an offset: "2025-12-01 00:00"'],
    ['endorsements not a list', [{ evidence: fx('valid/report.bin'), endorsements: 'vcek.der' }], 'row 1: endorsements: expected a list of paths'],
    ['not rows', { evidence: 'x' }, 'batch manifest: expected a JSON array of rows or {"rows": [...]} (or a .csv file)'],
  ])('a manifest with %s exits 2 naming the manifest, the row and the field', (_what, rows, message) => {
    const p = join(tmp, 'bad.json');
    writeFileSync(p, JSON.stringify(rows));
    const r = custodian('batch', p);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`custodian: error: ${p}: ${message}\n`);
    expect(r.stdout).toBe('');
  });

  it('a FIFO as a row\'s evidence is refused without blocking', () => {
    const fifo = join(tmp, 'evidence.fifo');
    execFileSync('mkfifo', [fifo]);
    const p = join(tmp, 'fifo.json');
    writeFileSync(p, JSON.stringify([{ evidence: fifo }]));
    const r = custodian('batch', p);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('row 1: evidence: ');
    expect(r.stderr).toContain('empty, or not a regular file');
  });
});

describe('custodian batch DIR: envelopes other tools write are rows of their own (issue 16)', () => {
  it('go-sev-guest protobuf (binary and text) and a Trustee JSON envelope each give a row equal to `verify` of the file; none is taken as an endorsement', () => {
    const dir = mkdtempSync(join(tmp, 'envelopes-'));
    const go = fx('go-sev-guest');
    for (const f of ['valid.pb', 'debug.textproto']) writeFileSync(join(dir, f), readFileSync(join(go, f)));
    // A Trustee SEV-SNP evidence JSON (attestation_report struct + cert_chain) around the valid fixture report.
    const trustee = join(dir, 'trustee-snp.json');
    writeFileSync(trustee, JSON.stringify({ attestation_report: sevReportFromBytes(readFileSync(fx('valid', 'report.bin'))), cert_chain: [{ cert_type: 'vcek', data: [...readFileSync(fx('valid', 'vcek.der'))] }] }));
    writeFileSync(join(dir, 'crl-empty.der'), readFileSync(fx('pki', 'crl-empty.der')));
    const r = custodian('batch', dir, '--json', '--test-anchor', anchor, '--at', '2025-12-01T00:00:00Z');
    expect(r.stderr).toBe('');
    const rows = (JSON.parse(r.stdout) as { rows: BatchRow[] }).rows;
    expect(rows.map((x) => x.path)).toEqual(['debug.textproto', 'trustee-snp.json', 'valid.pb']);
    for (const row of rows) {
      expect(row.endorsements.filter((e) => /\.(pb|textproto|json)$/.test(e))).toEqual([]);
      const single = custodian('verify', join(dir, row.path), '--json', '--test-anchor', anchor, '--at', '2025-12-01T00:00:00Z');
      expect(row.verdict, row.path).toBe((JSON.parse(single.stdout) as { verdict: string }).verdict);
    }
    expect(rows.find((x) => x.path === 'debug.textproto')!.failing).toContain('policy.debug');
  });
});
