/**
 * Compare, end to end: two appraisals side by side; exactly the fields whose values differ are
 * highlighted. The expected set is computed here from the core's claims with an independent flattening.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, HAVE_VECTORS, SNP, VECTORS, core, file as namedByPath, T0 } from '../helpers.ts';
import { applySettings, chooseFiles, HAVE_CHROMIUM, openConsole, type Console } from './harness.ts';
import type { Appraisal } from '../../electron/core/appraisal.ts';

const fx = (...p: string[]) => join(FIXTURES, ...p);
/** As the browser names them: by base name. */
const file = (path: string) => ({ ...namedByPath(path), name: basename(path) });

/** Leaf paths of a claims object whose values differ between `a` and `b` (written apart from the renderer's). */
function expectedDiffs(a: Appraisal['claims'], b: Appraisal['claims']): string[] {
  const leaves = (v: unknown, p: string, out: Map<string, string>): Map<string, string> => {
    if (v !== null && typeof v === 'object' && Object.keys(v).length > 0) for (const [k, x] of Object.entries(v)) leaves(x, p ? `${p}.${k}` : k, out);
    else out.set(p, JSON.stringify(v));
    return out;
  };
  const la = leaves(a, '', new Map());
  const lb = leaves(b, '', new Map());
  return [...new Set([...la.keys(), ...lb.keys()])].filter((k) => la.get(k) !== lb.get(k)).sort();
}

async function differingRows(c: Console): Promise<string[]> {
  const rows = c.page.getByRole('grid', { name: 'Compared fields' }).locator('[data-differs="true"]');
  return (await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-path') ?? ''))).sort();
}

async function openSide(c: Console, side: 'Left' | 'Right', files: string[], anchors: string[]): Promise<void> {
  await chooseFiles(c.page, `${side}: open evidence and endorsements…`, files);
  if (anchors.length > 0) await chooseFiles(c.page, `${side}: add TEST anchor…`, anchors);
}

describe.skipIf(!HAVE_CHROMIUM)('Compare', () => {
  let c: Console;
  const panel = () => c.page.getByRole('tabpanel', { name: 'Compare' });
  beforeAll(async () => {
    c = await openConsole();
    await c.page.getByRole('tab', { name: 'Compare' }).click();
    await applySettings(panel(), '2025-12-01T00:00:00Z');
  });
  afterAll(async () => c?.close());

  it('a debug guest against a good one: exactly the differing fields are highlighted (policy bits, signature)', async () => {
    const endorse = (dir: string) => [fx(dir, 'report.bin'), fx(dir, 'vcek.der'), fx('pki', 'cert_chain.pem'), fx('pki', 'crl-empty.der')];
    await openSide(c, 'Left', endorse('valid'), [fx('pki', 'ark.pem')]);
    await openSide(c, 'Right', endorse('debug'), [fx('pki', 'ark.pem')]);
    await panel().getByTestId('diff-summary').waitFor();
    const verify = (dir: string) => core.verify({ evidence: file(fx(dir, 'report.bin')), endorsements: endorse(dir).slice(1).map(file), testAnchors: [file(fx('pki', 'ark.pem'))], referenceTime: T0 });
    const expected = expectedDiffs(verify('valid').claims, verify('debug').claims);
    expect(expected).toContain('policy.debug');
    expect(expected).not.toContain('measurement');
    expect(await differingRows(c)).toEqual(expected);
    // Reason first: the checks that differ, the status change first, as the core's two appraisals give it.
    const checks = c.page.getByRole('grid', { name: 'Compared checks' });
    const statusChanged = verify('valid').checks.filter((k) => verify('debug').checks.find((x) => x.id === k.id)?.status !== k.status).map((k) => k.id);
    expect(statusChanged).toContain('policy.debug');
    expect(await checks.locator('[data-kind="status"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-check')))).toEqual(statusChanged);
    expect(await checks.locator('[data-check="policy.debug"]').textContent()).toContain('pass → fail');
    // Both are report.bin: each side is named with its SHA-256 prefix.
    const sha = (dir: string) => createHash('sha256').update(readFileSync(fx(dir, 'report.bin'))).digest('hex').slice(0, 12);
    await expect.poll(() => panel().getByRole('region', { name: 'Verdict' }).first().textContent()).toContain(`Left: report.bin · SHA-256 ${sha('valid')}…`);
    expect(await panel().getByRole('region', { name: 'Verdict' }).nth(1).textContent()).toContain(`Right: report.bin · SHA-256 ${sha('debug')}…`);
    await c.screenshot('compare-fixtures');

    await panel().getByText('Show only differing fields').click();
    expect(await panel().getByRole('grid', { name: 'Compared fields' }).locator('[data-differs="false"]').count()).toBe(0);
    expect(await differingRows(c)).toEqual(expected);
    await c.screenshot('compare-only-differences');
  });

  it.skipIf(!HAVE_VECTORS)('two real SNP reports (Milan, Genoa): measurement and TCB differ and are highlighted', async () => {
    await panel().getByRole('button', { name: 'Clear' }).first().click();
    await panel().getByRole('button', { name: 'Clear' }).first().click();
    const v = (...p: string[]) => join(SNP, ...p);
    const left = [v('milan', 'routex-v3', 'report.bin'), v('milan', 'routex-v3', 'vcek_chain.pem'), v('milan', 'routex-v3', 'vcek.der')];
    const right = [v('genoa', 'routex-v3', 'report.bin'), v('genoa', 'routex-v3', 'vcek_chain.pem'), v('genoa', 'routex-v3', 'vcek.der')];
    await openSide(c, 'Left', left, []);
    await openSide(c, 'Right', right, []);
    await panel().getByTestId('diff-summary').waitFor();
    const verify = (files: string[]) => core.verify({ evidence: file(files[0]!), endorsements: files.slice(1).map(file), referenceTime: T0 });
    const expected = expectedDiffs(verify(left).claims, verify(right).claims);
    expect(expected).toEqual(expect.arrayContaining(['measurement', 'reported_tcb.raw', 'chip_id']));
    expect(await differingRows(c)).toEqual(expected);
    await c.screenshot('compare-real-snp');
  });

  it.skipIf(!HAVE_VECTORS)('two real TDX quotes: MRTD and RTMRs differ and are highlighted', async () => {
    await panel().getByRole('button', { name: 'Clear' }).first().click();
    await panel().getByRole('button', { name: 'Clear' }).first().click();
    await applySettings(panel(), '2025-06-15T00:00:00Z');
    const q = (n: string) => join(VECTORS, 'tdx', 'quotes', n);
    const col = join(VECTORS, 'tdx', 'collateral', 'assembled_2023-06_50806F.json');
    const left = [q('tdx_v4_50806f_gotdx_spr_e4.bin'), col];
    const right = [q('tdx_v4_50806f_trustee_debug.bin'), col];
    await openSide(c, 'Left', left, []);
    await openSide(c, 'Right', right, []);
    await panel().getByTestId('diff-summary').waitFor();
    const verify = (files: string[]) => core.verify({ evidence: file(files[0]!), endorsements: [file(files[1]!)], referenceTime: new Date('2025-06-15T00:00:00Z') });
    const expected = expectedDiffs(verify(left).claims, verify(right).claims);
    expect(expected).toEqual(expect.arrayContaining(['mr_td', 'rtmr0']));
    expect(await differingRows(c)).toEqual(expected);
    await c.screenshot('compare-real-tdx');
  });

  it.skipIf(!HAVE_VECTORS)('an SNP report against a TDX quote says the platforms differ', async () => {
    await panel().getByRole('button', { name: 'Clear' }).first().click();
    await panel().getByRole('button', { name: 'Clear' }).first().click();
    await openSide(c, 'Left', [join(SNP, 'milan', 'routex-v3', 'report.bin'), join(SNP, 'milan', 'routex-v3', 'vcek_chain.pem')], []);
    await openSide(c, 'Right', [join(VECTORS, 'tdx', 'quotes', 'tdx_v4_50806f_trustee_debug.bin'), join(VECTORS, 'tdx', 'collateral', 'assembled_2023-06_50806F.json')], []);
    await expect.poll(() => panel().getByTestId('platforms-differ').textContent()).toContain('Different platforms (sev-snp and tdx)');
  });
});
