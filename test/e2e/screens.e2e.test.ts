/**
 * Every screen at the sizes and themes a custodian or responder uses (1280×800 and 900×800, light and
 * dark): nothing overflows the window sideways, axe finds no serious violation, and a screenshot of each
 * is saved to look at. The printable report, printed to PDF on A4 by Chromium: no column is clipped.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, HAVE_VECTORS, VECTORS } from '../helpers.ts';
import { ARTIFACTS, applySettings, chooseFiles, downloadText, HAVE_CHROMIUM, openConsole, seriousViolations, type Console } from './harness.ts';
import { writeFileSync } from 'node:fs';

const fx = (...p: string[]) => join(FIXTURES, ...p);
const SCREENS = ['Inspect', 'Compare', 'Batch', 'Vault', 'Ceremony', 'Audit'] as const;
const SIZES = [
  { width: 1280, height: 800 },
  { width: 900, height: 800 },
] as const;

/** Page elements whose right edge passes the window's: what a user would have to scroll sideways for. */
const overflowing = (c: Console) =>
  c.page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const out: string[] = [];
    for (const el of Array.from(document.querySelectorAll('[role="tabpanel"]:not([hidden]) *, header *'))) {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.right > width + 1 && getComputedStyle(el).position !== 'fixed' && !el.closest('.scroll-x, .hex, .table-scroll')) out.push(`${el.tagName.toLowerCase()}.${el.className}: right ${Math.round(r.right)} > ${width}`);
    }
    return out.slice(0, 5);
  });

describe.skipIf(!HAVE_CHROMIUM)('every screen at 1280×800 and 900×800, light and dark', () => {
  for (const theme of ['light', 'dark'] as const) {
    for (const size of SIZES) {
      describe(`${size.width}×${size.height} ${theme}`, () => {
        let c: Console;
        beforeAll(async () => {
          c = await openConsole({ colorScheme: theme, viewport: size });
          await c.page.evaluate(`document.documentElement.dataset.theme = '${theme}'`);
          const inspect = c.page.getByRole('tabpanel', { name: 'Inspect' });
          await applySettings(inspect, '2025-12-01T00:00:00Z');
          await chooseFiles(c.page, 'Inspect: open evidence and endorsements…', [fx('debug', 'report.bin'), fx('debug', 'vcek.der'), fx('pki', 'cert_chain.pem'), fx('pki', 'crl-empty.der')]);
          await chooseFiles(c.page, 'Inspect: add TEST anchor…', [fx('pki', 'ark.pem')]);
          await c.page.getByRole('region', { name: 'Verdict' }).first().waitFor();
        });
        afterAll(async () => c?.close());

        it.each(SCREENS)('%s: fits the window, axe finds no serious violation', async (screen) => {
          await c.page.getByRole('tab', { name: screen, exact: true }).click();
          await c.page.getByRole('tabpanel', { name: screen }).waitFor();
          expect(await overflowing(c)).toEqual([]);
          expect(await seriousViolations(c)).toEqual([]);
          await c.screenshot(`screen-${screen.toLowerCase()}-${size.width}x${size.height}-${theme}`);
        });

        it("Inspect's Fields and bytes tab (a table beside or above the hex view): fits the window, axe finds no serious violation", async () => {
          await c.page.getByRole('tab', { name: 'Inspect', exact: true }).click();
          await c.page.getByRole('tab', { name: 'Fields and bytes' }).click();
          await c.page.getByRole('grid', { name: 'Decoded fields' }).getByRole('row', { name: /^POLICY/ }).click();
          expect(await overflowing(c)).toEqual([]);
          expect(await seriousViolations(c)).toEqual([]);
          await c.screenshot(`screen-inspect-fields-${size.width}x${size.height}-${theme}`);
          await c.page.getByRole('tab', { name: 'Checks' }).click();
        });
      });
    }
  }
});

describe.skipIf(!HAVE_CHROMIUM)('the printable report on A4', () => {
  let c: Console;
  beforeAll(async () => {
    c = await openConsole();
  });
  afterAll(async () => c?.close());

  /** Exports the printable report of the Inspector's files, prints it to A4, and returns what was clipped. */
  const print = async (name: string, files: string[], at: string, anchors: string[] = []) => {
    const inspect = c.page.getByRole('tabpanel', { name: 'Inspect' });
    await applySettings(inspect, at);
    await chooseFiles(c.page, 'Inspect: open evidence and endorsements…', files);
    if (anchors.length) await chooseFiles(c.page, 'Inspect: add TEST anchor…', anchors);
    await c.page.getByRole('region', { name: 'Verdict' }).first().waitFor();
    const html = await downloadText(c.page, 'Export printable report');
    const report = await c.context.newPage();
    await report.setContent(html.text);
    await report.emulateMedia({ media: 'print' });
    // A4 less the report's 12 mm @page margins: 186 mm = 703 CSS px.
    await report.setViewportSize({ width: 703, height: 1000 });
    const clipped = await report.evaluate(() => {
      const width = document.documentElement.clientWidth;
      return Array.from(document.querySelectorAll('body *'))
        .filter((el) => el.getBoundingClientRect().right > width + 1)
        .map((el) => `${el.tagName.toLowerCase()} "${(el.textContent ?? '').slice(0, 40)}"`)
        .slice(0, 5);
    });
    const pdf = await report.pdf({ format: 'A4', preferCSSPageSize: true });
    writeFileSync(join(ARTIFACTS, `${name}.pdf`), pdf);
    writeFileSync(join(ARTIFACTS, `${name}.html`), html.text);
    await report.screenshot({ path: join(ARTIFACTS, `${name}-print-first-page.png`), clip: { x: 0, y: 0, width: 703, height: 1000 } });
    await report.close();
    await c.page.getByRole('button', { name: 'Change inputs and settings' }).click();
    await c.page.getByRole('tabpanel', { name: 'Inspect' }).getByRole('button', { name: 'Clear' }).click();
    return { clipped, pdf, html: html.text };
  };

  it('an SEV-SNP report prints on A4 with no column clipped', async () => {
    const { clipped, pdf } = await print('report-print-snp', [fx('debug', 'report.bin'), fx('debug', 'vcek.der'), fx('pki', 'cert_chain.pem'), fx('pki', 'crl-empty.der')], '2025-12-01T00:00:00Z', [fx('pki', 'ark.pem')]);
    expect(clipped).toEqual([]);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
  });

  it.skipIf(!HAVE_VECTORS)('an H100 report with its RIMs (the widest table: measurements) prints on A4 with no column clipped', async () => {
    const nv = (p: string) => join(VECTORS, 'nvidia', p);
    const ref = 'gpu-hopper/h100-545.00-nonce4cff';
    const { clipped, html } = await print('report-print-nvidia', [nv(`${ref}/report.hex`), nv(`${ref}/cert-chain.pem`), nv(`${ref}/rim-driver-545.00.swidtag`), nv('rims/vbios/1010_0200_882_96005E0001_PROD.swidtag')], '2025-06-01T00:00:00Z');
    expect(clipped).toEqual([]);
    // The measurement comparison is part of the record, as on screen: the PROD VBIOS RIM mismatches this test VBIOS.
    expect(html).toContain('<h2>GPU measurements</h2>');
    expect(html).toMatch(/golden values: \d+ match, 4 MISMATCH at RIM indices 1, 2, 3, 9\./);
  });
});
