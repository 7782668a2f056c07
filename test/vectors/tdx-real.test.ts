/**
 * The real Intel TDX and SGX DCAP vectors of ../shared/vectors/tdx through the wasm core and the
 * CLI. Expected TCB statuses, advisory sets and field values come from manifest.json (computed there
 * independently of this project); the vectors are read at test time and never copied.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { core, file, failing, status, ROOT, VECTORS } from '../helpers.ts';
import type { Appraisal } from '../../electron/core/appraisal.ts';

const TDX = join(VECTORS, 'tdx');
const HAVE_TDX = existsSync(join(TDX, 'manifest.json'));
if (!HAVE_TDX) console.warn(`\n*** ${TDX} not found: TDX/SGX real-vector tests are SKIPPED ***\n`);

interface Case {
  id: string;
  quote: string;
  collateral: string;
  verify_at: string;
  quote_fields: Record<string, string | number | boolean>;
  expected: { tcb_status: string; advisory_ids_set: string[] | null; td_debug?: boolean; enclave_debug?: boolean };
}
const CASES: Case[] = HAVE_TDX ? JSON.parse(readFileSync(join(TDX, 'manifest.json'), 'utf8')).cases : [];
const HCL = 'quotes/azure_hcl_report_for_tdx_v4_00806f05.bin';
const collateralOf = (c: Case) => [c.collateral, ...(c.id.startsWith('tdx-08') ? [HCL] : [])].map((p) => join(TDX, p));

const ALL_STATUSES = ['UpToDate', 'SWHardeningNeeded', 'ConfigurationNeeded', 'ConfigurationAndSWHardeningNeeded', 'OutOfDate', 'OutOfDateConfigurationNeeded', 'TDRelaunchAdvised', 'TDRelaunchAdvisedConfigurationNeeded'];
const PERMISSIVE = { tdx: { accepted_tcb_statuses: ALL_STATUSES, allow_debug: true, allow_service_td: true, require_sept_ve_disable: false } };

function appraise(c: Case, policy?: unknown, at = new Date(c.verify_at)): Appraisal {
  return core.verify({ evidence: file(join(TDX, c.quote)), endorsements: collateralOf(c).map(file), policy, referenceTime: at });
}

function custodian(...args: string[]) {
  const r = spawnSync(join(ROOT, 'bin', 'custodian'), args, { cwd: ROOT, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The manifest's quote field names mapped to claim names (`body.x` → `x`, `qe.x` → `qe.x`, `pck.x` → pck claims). */
function claimFor(a: Appraisal, field: string): unknown {
  const c = a.claims as Record<string, Record<string, unknown>>;
  if (field.startsWith('body.')) return c[field.slice(5)];
  if (field === 'pck.fmspc') return c.fmspc;
  if (field === 'pck.pceid') return c.pceid;
  if (field.startsWith('pck.') && ['cpusvn', 'ppid', 'sgx_type', 'pcesvn'].includes(field.slice(4))) return c.pck?.[field.slice(4)];
  if (field.startsWith('qe.') && field !== 'qe.report_data') return c.qe?.[field.slice(3)];
  if (['qe_vendor_id', 'user_data', 'attestation_key', 'trailing_bytes'].includes(field)) return c[field];
  return undefined;
}

describe.skipIf(!HAVE_TDX)('TDX/SGX vectors through the wasm core', () => {
  it.each(CASES.map((c) => [c.id, c] as const))('%s: TCB status and advisories as stated, every signature valid', (_id, c) => {
    const a = appraise(c, PERMISSIVE);
    expect(a.platform).toBe(c.id.startsWith('sgx') ? 'sgx' : 'tdx');
    expect(a.trust_anchor.kind).toBe('pinned');
    expect(a.claims.tcb_status).toBe(c.expected.tcb_status);
    if (c.expected.advisory_ids_set === null) {
      expect(failing(a)).toEqual(['tcb.level', 'tcb.status']);
    } else {
      expect(failing(a)).toEqual([]);
      expect(new Set(a.claims.advisory_ids as string[])).toEqual(new Set(c.expected.advisory_ids_set));
    }
  });

  it.each(CASES.map((c) => [c.id, c] as const))('%s: claims equal the independently parsed fields', (_id, c) => {
    const a = appraise(c, PERMISSIVE);
    let compared = 0;
    for (const [field, want] of Object.entries(c.quote_fields)) {
      const got = claimFor(a, field);
      if (got === undefined) continue;
      const norm = (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : v);
      const leU16 = (h: string) => Buffer.from(h, 'hex').readUInt16LE(0);
      const wantValue =
        field === 'pck.pcesvn' || field.startsWith('qe.isv') ? Number(want) : field === 'body.isv_prod_id' || field === 'body.isv_svn' ? leU16(String(want)) : want;
      expect({ field, value: norm(got) }).toEqual({ field, value: norm(wantValue) });
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(c.id.startsWith('sgx') ? 15 : 22);
  });

  it.each(CASES.map((c) => [c.id, c] as const))('%s: the default policy accepts only UpToDate and no debug', (_id, c) => {
    const a = appraise(c);
    expect(status(a, 'tcb.status')).toBe(c.expected.tcb_status === 'UpToDate' ? 'pass' : 'fail');
    expect(status(a, 'policy.debug')).toBe(c.expected.td_debug || c.expected.enclave_debug ? 'fail' : 'pass');
  });

  it('a flipped byte in the signed region fails the quote signature and nothing else', () => {
    const c = CASES.find((k) => k.id.startsWith('tdx-03'))!;
    const bytes = Buffer.from(readFileSync(join(TDX, c.quote)));
    bytes[48 + 136] = bytes[48 + 136]! ^ 1; // MR_TD[0]
    const a = core.verify({ evidence: { name: 'flipped.bin', bytes }, endorsements: collateralOf(c).map(file), policy: PERMISSIVE, referenceTime: new Date(c.verify_at) });
    expect(failing(a)).toEqual(['quote.signature']);
  });
});

describe.skipIf(!HAVE_TDX)('custodian verify with TDX/SGX quotes', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'custodian-tdx-'));
  const byId = (prefix: string) => CASES.find((k) => k.id.startsWith(prefix))!;
  const cli = (c: Case, ...extra: string[]) => custodian('verify', join(TDX, c.quote), ...collateralOf(c).flatMap((p) => ['--collateral', p]), '--at', c.verify_at, ...extra);

  it('exits 0 for an up-to-date TD and prints the TCB status', () => {
    const r = cli(byId('tdx-03'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Intel TDX appraisal/);
    expect(r.stdout).toMatch(/^AFFIRMING — /);
    expect(r.stdout).toMatch(/TCB status:\s+UpToDate/);
  });

  it('exits 1 for a quote whose platform is below every TCB level, naming tcb.level', () => {
    const r = cli(byId('tdx-02'));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL\s+tcb\.level\s+no TCB level matches \(TCB_NOT_SUPPORTED\)/);
  });

  it('exits 1 one second after the collateral window, naming the earliest expiry', () => {
    const r = cli(byId('tdx-01'), '--at', '2025-07-19T10:00:36Z', '--json');
    expect(r.code).toBe(1);
    const a = JSON.parse(r.stdout) as Appraisal;
    expect(a.checks.find((k) => k.id === 'collateral.window')?.detail).toMatch(/EXPIRED.*PCK CRL.*2025-07-19T10:00:35Z/);
  });

  it('reads a hex quote and an SGX quote, and --type must agree with the header', () => {
    const sgx = byId('sgx-02');
    const hexQuote = join(tmp, 'quote.hex');
    writeFileSync(hexQuote, readFileSync(join(TDX, sgx.quote)).toString('hex').replace(/(.{64})/g, '$1\n'));
    const r = custodian('verify', hexQuote, '--collateral', join(TDX, sgx.collateral), '--at', sgx.verify_at, '--type', 'sgx', '--policy', writeJson('p.json', { tdx: { accepted_tcb_statuses: ['UpToDate', 'SWHardeningNeeded'] } }));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Intel SGX appraisal/);
    expect(r.stdout).toMatch(/^WARNING — /);
    const wrong = custodian('verify', hexQuote, '--collateral', join(TDX, sgx.collateral), '--type', 'tdx');
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/quote\.hex: header\.tee_type: --type tdx, but this is an SGX quote/);
  });

  it.each([
    ['truncated after the body', 632],
    ['truncated inside the signature data', 1000],
  ])('exits 2 with one line for a quote %s', (_what, cut) => {
    const path = join(tmp, `cut-${cut}.bin`);
    writeFileSync(path, readFileSync(join(TDX, byId('tdx-01').quote)).subarray(0, cut));
    const r = custodian('verify', path, '--collateral', join(TDX, byId('tdx-01').collateral));
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(new RegExp(`cut-${cut}\\.bin: signature data`));
  });

  it('exits 2 naming the file for collateral that is not collateral', () => {
    const r = custodian('verify', join(TDX, byId('tdx-01').quote), '--collateral', writeJson('x.json', { hello: 1 }));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/x\.json: JSON: neither a QuoteCollateralV3 bundle/);
  });

  function writeJson(name: string, value: unknown): string {
    const p = join(tmp, name);
    writeFileSync(p, JSON.stringify(value));
    return p;
  }
});
