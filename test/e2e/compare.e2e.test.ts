/**
 * Compare, end to end: two appraisals side by side; exactly the fields whose values differ are
 * highlighted. The expected set is computed here from the core's claims with an independent flattening.
 */
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
});
