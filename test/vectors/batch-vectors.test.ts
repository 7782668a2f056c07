/**
 * `custodian batch MANIFEST` over every real vector of ../shared/vectors (issue 16): a manifest
 * written here from the sets' manifest.json files (each case at each of its reference times, with its
 * policy) must give, row by row, the verdict and failing checks of the single-file appraisal of the
 * same inputs; and for the TDX/SGX set, the TCB outcome that set's manifest states (no TCB level:
 * `tcb.level` and `tcb.status` fail; any stated status under a permissive policy: nothing fails).
 * Threat: a batch that pairs, times or polices a row differently from what was asked gives a
 * responder a verdict about other inputs than the ones named in the row.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { VerifyRequest } from '../../electron/core/appraisal.ts';
import type { BatchRow } from '../../electron/ipc/contract.ts';
import { classify } from '../../electron/evidence/classify.ts';
import { openEnvelope } from '../../electron/evidence/envelopes.ts';
import { core, ROOT, VECTORS } from '../helpers.ts';
import { vectorCases } from './cases.ts';

interface Row {
  label: string;
  req: VerifyRequest;
  /** The TDX manifest's statement for this row, when it has one. */
  tcb?: { noLevel: boolean };
}

const TDX = join(VECTORS, 'tdx');
const ALL_STATUSES = ['UpToDate', 'SWHardeningNeeded', 'ConfigurationNeeded', 'ConfigurationAndSWHardeningNeeded', 'OutOfDate', 'OutOfDateConfigurationNeeded', 'TDRelaunchAdvised', 'TDRelaunchAdvisedConfigurationNeeded'];
const PERMISSIVE = { tdx: { accepted_tcb_statuses: ALL_STATUSES, allow_debug: true, allow_service_td: true, require_sept_ve_disable: false } };

function rows(): Row[] {
  const out: Row[] = vectorCases().flatMap((c) => c.at.map((t): Row => ({ label: `${c.label} @ ${t.toISOString()}`, req: { ...c.req, referenceTime: t } })));
  let tdx: { cases: { id: string; quote: string; collateral: string; verify_at: string; expected: { advisory_ids_set: string[] | null } }[] } | undefined;
  try {
    tdx = JSON.parse(readFileSync(join(TDX, 'manifest.json'), 'utf8'));
  } catch {
    tdx = undefined;
  }
  for (const c of tdx?.cases ?? []) {
    const endorsements = [c.collateral, ...(c.id.startsWith('tdx-08') ? ['quotes/azure_hcl_report_for_tdx_v4_00806f05.bin'] : [])];
    const named = (p: string) => ({ name: join(TDX, p), bytes: readFileSync(join(TDX, p)) });
    out.push({ label: `tdx ${c.id} (permissive, manifest outcome)`, req: { evidence: named(c.quote), endorsements: endorsements.map(named), policy: PERMISSIVE, referenceTime: new Date(c.verify_at) }, tcb: { noLevel: c.expected.advisory_ids_set === null } });
  }
  return out;
}

const ROWS = rows();

/**
 * Verdict and failing check ids of the single-file appraisal, or `error` when the inputs are refused.
 * An envelope (Trustee JSON) is opened first, as `custodian verify` does, and further NVIDIA
 * serialized evidence listed beside the evidence goes where `--more-evidence` puts it.
 */
function single(req: VerifyRequest): { verdict: string; failing: string[] } {
  try {
    const env = openEnvelope(req.evidence);
    const ends = [...(req.endorsements ?? []), ...(env?.endorsements ?? [])];
    const more = ends.filter((e) => classify(e.bytes) === 'nvidia-evidence');
    const a = core.verify({
      ...req,
      evidence: env?.evidence ?? req.evidence,
      endorsements: ends.filter((e) => !more.includes(e)),
      moreEvidence: [...(req.moreEvidence ?? []), ...(env?.moreEvidence ?? []), ...more],
    });
    return { verdict: a.verdict, failing: a.checks.filter((c) => c.status === 'fail').map((c) => c.id) };
  } catch {
    return { verdict: 'error', failing: [] };
  }
}

describe.skipIf(ROWS.length === 0)('custodian batch over ../shared/vectors through a manifest', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'custodian-batch-vectors-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it(`gives every one of ${ROWS.length} rows the single-file verdict, and the TDX manifest's outcomes`, () => {
    const manifest = join(tmp, 'vectors.json');
    const names = (xs?: { name: string }[]) => (xs ?? []).map((x) => x.name);
    writeFileSync(manifest, JSON.stringify(ROWS.map(({ req }) => ({
      evidence: req.evidence.name,
      endorsements: [...names(req.endorsements), ...names(req.rims), ...names(req.ocsp), ...names(req.moreEvidence)],
      at: req.referenceTime.toISOString(),
      ...(req.policy ? { policy: req.policy } : {}),
    }))));
    const r = spawnSync(join(ROOT, 'bin', 'custodian'), ['batch', manifest, '--json'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    expect(r.stderr).toBe('');
    const got = (JSON.parse(r.stdout) as { rows: BatchRow[] }).rows;
    expect(got).toHaveLength(ROWS.length);
    const diffs = ROWS.flatMap((row, i) => {
      const want = single(row.req);
      const have = { verdict: got[i]!.verdict, failing: got[i]!.failing };
      if (have.verdict === 'error' && want.verdict === 'error') return [];
      return JSON.stringify(have) === JSON.stringify(want) ? [] : [{ row: row.label, batch: have, single: want, detail: got[i]!.detail }];
    });
    expect(diffs).toEqual([]);
    const tcb = ROWS.flatMap((row, i) => (row.tcb ? [{ row: row.label, failing: got[i]!.failing, want: row.tcb.noLevel ? ['tcb.level', 'tcb.status'] : [] }] : []));
    expect(tcb.length).toBeGreaterThan(0);
    expect(tcb.filter((t) => JSON.stringify(t.failing) !== JSON.stringify(t.want))).toEqual([]);
    // The formats set's statements for its envelopes (formats/manifest.json "expected.verdict").
    const row = (label: string) => got[ROWS.findIndex((x) => x.label.startsWith(label))];
    if (row('formats fmt-01')) expect(row('formats fmt-01')!.verdict).toBe('warning'); // no CRL: ASK revocation unchecked
    if (row('formats fmt-04')) {
      // RIMs missing: the default policy requires them, so fail closed; nothing else fails.
      expect(row('formats fmt-04')!.verdict).toBe('contraindicated');
      expect(row('formats fmt-04')!.failing.every((id) => /\.rim\.[a-z]+\.available$/.test(id))).toBe(true);
    }
  });
});

/** A file the vectors' PROVENANCE names as negative: tampered, truncated, mismatched or wrongly signed. */
const NEGATIVE = /TAMPERED|negative|mismatch|missing-|root-only|invalid-signature|badsig|wrong-/i;

describe.skipIf(ROWS.length === 0)('custodian batch ../shared/vectors, pairing by identity alone', () => {
  // Threat: a folder holding a genuine and a planted look-alike (a tampered RIM, a truncated chain) must
  // not lend the look-alike to evidence the genuine one fits, nor merge the two.
  const run = () => {
    const r = spawnSync(join(ROOT, 'bin', 'custodian'), ['batch', VECTORS, '--json', '--at', '2025-09-01T00:00:00Z'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    expect(r.stderr).toBe('');
    return (JSON.parse(r.stdout) as { rows: BatchRow[] }).rows;
  };
  const rows = run();
  const row = (path: string) => rows.find((r) => r.path === path)!;

  it('uses a negative file only where no genuine one fits, and says so whenever several fit', () => {
    const ambiguous = rows.flatMap((r) => r.pairing.filter((n) => n.level === 'warning').map((n) => ({ row: r.path, text: n.text })));
    expect(ambiguous.length).toBeGreaterThan(0);
    const bad = ambiguous.filter(({ text }) => {
      const m = /: used (\S+) \(.*?\); not used: (.*)$/.exec(text)!;
      const others = m[2]!.split(/\), /).map((s) => s.split(' (')[0]!);
      return NEGATIVE.test(m[1]!) && others.some((o) => !NEGATIVE.test(o));
    });
    expect(bad).toEqual([]);
    // Rows that do use a negative file: exactly the ones whose only candidate is negative.
    expect(rows.filter((r) => r.endorsements.some((e) => NEGATIVE.test(e))).map((r) => [r.path, r.endorsements.filter((e) => NEGATIVE.test(e))])).toEqual([
      ['nvidia/gpu-hopper/h100-535.86.09/report.hex', ['nvidia/gpu-hopper/h100-535.86.09/rim-driver-535.86.09-TAMPERED-mismatch.xml']],
      ['nvidia/gpu-hopper/h100-570.124.03/report.hex', ['nvidia/gpu-hopper/h100-570.124.03/rim-driver-570.124.03-EXPIRED-TAMPERED.xml']],
    ]);
  });

  it('pairs across folders by identity: RIMs from rims/, the TD quote with its collateral and HCL report, the right chain of two', () => {
    const ls10 = 'nvidia/switch-ls10/ls10-96.10.55.00.01';
    expect(row(`${ls10}/report.hex`).endorsements.sort()).toEqual([`${ls10}/cert-chain.pem`, `${ls10}/rim-NV_SWITCH_BIOS_5612_0002_890_9610550001.xml`]);
    expect(row('nvidia/gpu-hopper/h100-545.00-nonce4cff/report.hex').endorsements.filter((e) => e.endsWith('.pem'))).toEqual(['nvidia/gpu-hopper/h100-545.00-nonce4cff/cert-chain.pem']);
    expect(row('nvidia/gpu-hopper/h100-570.124.03/report.hex').endorsements).toContain('nvidia/rims/vbios/1010_0205_862_96005E0004_PROD.swidtag');
    expect(row('tdx/quotes/tdx_v4_00806f05_azure_vtpm.bin').endorsements.sort()).toEqual(['tdx/collateral/assembled_2025-06_00806F050000.json', 'tdx/quotes/azure_hcl_report_for_tdx_v4_00806f05.bin']);
    expect(row('snp/milan/routex-v3/report.bin').endorsements).toEqual(['snp/milan/routex-v3/vcek.der', 'snp/milan/routex-v3/vcek_chain.pem', 'snp/crl/milan_vcek_crl.der']);
    // A v2 report names no product: its VCEK decides it, so the Milan ASK and CRL follow without a guess.
    expect(row('snp/milan/trustee-v2-provisional/report.bin').pairing.filter((n) => n.level === 'warning')).toEqual([]);
    // Each TD quote gets one TCB Info: the FMSPC of its own PCK certificate.
    for (const r of rows.filter((x) => x.path.startsWith('tdx/quotes/tdx_'))) expect(r.endorsements.filter((e) => /tcbinfo|assembled|dcapqvl/i.test(e))).toHaveLength(1);
  });
});
