/** The `custodian` CLI as a user runs it: exit codes, one-line errors, JSON and text output. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, HAVE_VECTORS, ROOT, SNP } from './helpers.ts';

function custodian(...args: string[]) {
  const r = spawnSync(join(ROOT, 'bin', 'custodian'), args, { cwd: ROOT, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const tmp = mkdtempSync(join(tmpdir(), 'custodian-cli-'));
const fx = (...p: string[]) => join(FIXTURES, ...p);
const testArgs = ['--chain', fx('pki', 'cert_chain.pem'), '--crl', fx('pki', 'crl-empty.der'), '--test-anchor', fx('pki', 'ark.pem'), '--at', '2025-12-01T00:00:00Z'];

describe('custodian verify (fixtures)', () => {
  it('prints a readable checklist and exits 0 for an affirming report', () => {
    const r = custodian('verify', fx('valid', 'report.bin'), '--chain', fx('valid', 'vcek.der'), ...testArgs, '--all');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^AFFIRMING — /);
    expect(r.stdout).toContain('TEST ANCHOR');
    expect(r.stdout).toMatch(/PASS\s+report\.signature/);
  });

  it('exits 1 and names the failing check for a contraindicated report', () => {
    const r = custodian('verify', fx('debug', 'report.bin'), '--chain', fx('debug', 'vcek.der'), ...testArgs, '--json');
    expect(r.code).toBe(1);
    const a = JSON.parse(r.stdout);
    expect(a.verdict).toBe('contraindicated');
    expect(a.checks.filter((c: { status: string }) => c.status === 'fail').map((c: { id: string }) => c.id)).toEqual(['policy.debug']);
  });

  it.each([
    ['a truncated report', () => [writeTmp('cut.bin', readFileSync(fx('valid', 'report.bin')).subarray(0, 1183))], /cut\.bin: ATTESTATION_REPORT: truncated: 1183 bytes/],
    ['a missing file', () => [join(tmp, 'nope.bin')], /nope\.bin: evidence: no such file/],
    ['a bad --at', () => [fx('valid', 'report.bin'), '--at', 'yesterday'], /--at: "yesterday" is not an RFC 3339/],
    ['a policy with an unknown option', () => [fx('valid', 'report.bin'), '--policy', writeTmp('p.json', '{"snp":{"allow_debugg":true}}')], /unknown field `allow_debugg`/],
    ['a policy that is not JSON', () => [fx('valid', 'report.bin'), '--policy', writeTmp('q.json', '{')], /q\.json: policy: not JSON/],
    ['a garbage certificate', () => [fx('valid', 'report.bin'), '--chain', writeTmp('g.der', 'garbage')], /g\.der: --chain: this is a text file, not an endorsement of an SEV-SNP report/],
    // Hostile inputs (issue 13): refused before reading, naming the file, role, size and limit.
    ['/dev/zero as evidence', () => ['/dev/zero'], /\/dev\/zero: evidence: is a character device, not a regular file/],
    ['a directory as evidence', () => [tmp], /: evidence: is a directory, not a regular file/],
    ['an empty directory as a CRL', () => [fx('valid', 'report.bin'), '--crl', mkdtempSync(join(tmp, 'empty-'))], /: CRL: the directory holds no regular file/],
    // Issue 16: JSON that is no known evidence form is named as such, not parsed as a binary report.
    ['JSON that is no evidence form', () => [writeTmp('other.json', '{"foo": 1, "bar": [1, 2]}')], /other\.json: evidence: unrecognised JSON evidence: expected one of NVIDIA serialized evidence .*Trustee SNP evidence .*or a binary or hex SEV-SNP report/],
    ['a JSON array that is no evidence form', () => [writeTmp('list.json', ' [{"x": 1}]')], /list\.json: evidence: unrecognised JSON evidence: expected one of/],
    ['a RIM over its limit', () => [fx('valid', 'report.bin'), '--rim', writeTmp('big.xml', Buffer.alloc(4 * 1024 * 1024 + 1, 0x20))], /big\.xml: RIM: is 4194305 bytes \(4\.0 MiB\), over the RIM limit of 4194304 bytes/],
  ])('exits 2 with one line and no stack trace for %s', (_what, args, message) => {
    const r = custodian('verify', ...args());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
  });

  it('exits 2 for a wrong command line and prints usage on --help', () => {
    const r = custodian('verify');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('verify takes exactly one EVIDENCE file');
    const help = custodian('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('usage: custodian verify');
  });
});

function writeTmp(name: string, data: string | Uint8Array): string {
  const p = join(tmp, name);
  writeFileSync(p, data);
  return p;
}

describe.skipIf(!HAVE_VECTORS)('custodian verify (real vectors, the issue\'s acceptance commands)', () => {
  const v = (...p: string[]) => join(SNP, ...p);

  it('Milan routex-v3 with its chain exits 0 and shows the measurement', () => {
    const r = custodian('verify', v('milan/routex-v3/report.bin'), '--chain', v('milan/routex-v3/vcek_chain.pem'), '--chain', v('milan/routex-v3/vcek.der'), '--at', '2025-12-01T00:00:00Z', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).claims.measurement).toBe('195b01b74976a1faba13bd85eaf787958f0a46e6dddd45c5bdbf8673522777842b8057ae5d866b75416efb62012deaa3');
  });

  it('the gsg-v2-debug report exits 1 naming the debug check', () => {
    const r = custodian('verify', v('milan/gsg-v2-debug/report.bin'), '--chain', v('milan/gsg-v2-debug/vcek.der'), '--at', '2025-12-01T00:00:00Z');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL\s+policy\.debug\s+POLICY\.DEBUG is 1/);
  });

  it('a real report cut to 1183 bytes exits 2', () => {
    const cut = writeTmp('real-cut.bin', readFileSync(v('milan/routex-v3/report.bin')).subarray(0, 1183));
    const r = custodian('verify', cut, '--chain', v('milan/routex-v3/vcek.der'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('truncated: 1183 bytes');
  });
});
