/**
 * Inspector, end to end in Chromium against the loopback host (real wasm core): open evidence with
 * its endorsements, read the verdict and checks, link fields and bytes both ways, change the
 * reference time and the policy, export JSON and the printable report; real vectors where present.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, HAVE_VECTORS, SNP, VECTORS, core, file, T0 } from '../helpers.ts';
import { applySettings, ARTIFACTS, clearInputs, openInputs, chooseFiles, downloadText, dropFiles, HAVE_CHROMIUM, openConsole, seriousViolations, type Console } from './harness.ts';
import type { Page } from 'playwright-core';

const fx = (...p: string[]) => join(FIXTURES, ...p);
const T0_TEXT = '2025-12-01T00:00:00Z';

const verdictOf = (page: Page) => page.getByRole('region', { name: 'Verdict' }).first();
/**
 * Opens the Fields and bytes tab from the Checks tab and returns how long (ms, in the page's clock)
 * until the field table's rows are shown (rendered and visible: the panel is prepared while hidden)
 * and a frame painted. Recorded, never asserted (timing).
 */
async function timeFieldsTab(page: Page, name: string): Promise<number> {
  await page.getByRole('tab', { name: 'Checks' }).click();
  const ms = await page.evaluate(async () => {
    const tab = Array.from(document.querySelectorAll<HTMLElement>('[role=tab]')).find((e) => e.textContent === 'Fields and bytes')!;
    const t0 = performance.now();
    tab.click();
    const frame = () => new Promise((r) => requestAnimationFrame(r));
    while (!document.querySelector<HTMLElement>('[aria-label="Decoded fields"] [role=row]:nth-child(2)')?.checkVisibility()) await frame();
    await frame();
    return performance.now() - t0;
  });
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, 'fields-tab-timing.json');
  let all: Record<string, number> = {};
  try {
    all = JSON.parse(readFileSync(path, 'utf8')) as Record<string, number>;
  } catch {
    /* first measurement */
  }
  writeFileSync(path, JSON.stringify({ ...all, [name]: Math.round(ms) }, null, 2));
  console.log(`Fields and bytes tab opened in ${ms.toFixed(0)} ms (${name})`);
  return ms;
}

/** The value lines (value, then one per named bit or component) of the field row labelled `label`. */
const valueLines = (page: Page, label: string | RegExp) => page.getByRole('grid', { name: 'Decoded fields' }).getByRole('row', { name: label }).first().locator('code.value').allTextContents();

const checkRow = (page: Page, id: string) => page.getByRole('grid', { name: 'Checks' }).getByRole('row').filter({ has: page.getByText(id, { exact: true }) });

describe.skipIf(!HAVE_CHROMIUM)('Inspector (fixtures)', () => {
  let c: Console;
  const panel = () => c.page.getByRole('tabpanel', { name: 'Inspect' });
  beforeAll(async () => {
    c = await openConsole();
    await applySettings(panel(), T0_TEXT);
    await chooseFiles(c.page, 'Inspect: open evidence and endorsements…', [fx('valid', 'report.bin'), fx('valid', 'vcek.der'), fx('pki', 'cert_chain.pem'), fx('pki', 'crl-empty.der')]);
    await chooseFiles(c.page, 'Inspect: add TEST anchor…', [fx('pki', 'ark.pem')]);
  });
  afterAll(async () => c?.close());

  it('shows the verdict, the TEST anchor, what each file was recognised as, and every check', async () => {
    await expect.poll(() => verdictOf(c.page).getAttribute('data-verdict')).toBe('affirming');
    await expect(verdictOf(c.page).textContent()).resolves.toContain('TEST anchor');
    // The inputs fold to one line once files are loaded; it names the evidence, the rest and the settings.
    expect(await panel().getByRole('region', { name: 'Inputs' }).textContent()).toBe('report.bin, vcek.der, cert_chain.pem, crl-empty.der · TEST anchor ark.pem · as of 2025-12-01T00:00:00Z · Default policyChange inputs and settings');
    await c.screenshot('inspector-inputs-folded');
    await openInputs(panel());
    await expect(panel().getByText('report.bin — sev-snp-report (evidence)')).toBeTruthy();
    expect(await panel().locator('.files').textContent()).toContain('crl-empty.der — crl (endorsement)');
    const expected = core.verify({ evidence: file(fx('valid', 'report.bin')), endorsements: [file(fx('valid', 'vcek.der')), file(fx('pki', 'cert_chain.pem')), file(fx('pki', 'crl-empty.der'))], testAnchors: [file(fx('pki', 'ark.pem'))], referenceTime: T0 });
    const rows = c.page.getByRole('grid', { name: 'Checks' }).getByRole('row');
    expect(await rows.count()).toBe(expected.checks.length + 1);
    expect(await checkRow(c.page, 'report.signature').getAttribute('data-status')).toBe('pass');
    await c.screenshot('inspector-checks');
  });

  it('selecting a field highlights exactly its bytes; selecting a byte selects its field', async () => {
    await c.page.getByRole('tab', { name: 'Fields and bytes' }).click();
    const fields = c.page.getByRole('grid', { name: 'Decoded fields' });
    await fields.getByRole('row', { name: /^MEASUREMENT/ }).click();
    const selected = c.page.locator('.hex-byte.sel');
    const offsets = await selected.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-offset'))));
    expect(offsets).toEqual(Array.from({ length: 48 }, (_, i) => 0x90 + i));
    const shown = (await selected.allTextContents()).join('');
    expect(shown).toBe('370feea0f7175c4296e8d8379b23b250216a948f5031dbd0e173c347753d7baf99afe0aeac90d8e1763c2f606a80a032');

    await c.page.locator('.hex-byte[data-offset="421"]').click(); // 0x1a5, inside CHIP_ID (0x1a0 + 64)
    await expect.poll(() => fields.getByRole('row', { name: /^CHIP_ID/ }).getAttribute('aria-selected')).toBe('true');
    expect(await c.page.locator('.hex-byte.sel').count()).toBe(64);

    // Keyboard: in the field list, the arrow keys move the selection and its bytes follow.
    await fields.getByRole('row', { name: 'CHIP_ID', exact: true }).focus();
    await c.page.keyboard.press('ArrowDown');
    await expect.poll(() => fields.getByRole('row', { name: 'COMMITTED_TCB', exact: true }).getAttribute('aria-selected')).toBe('true');
    expect(await c.page.locator('.hex-byte.sel').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-offset'))))).toEqual(Array.from({ length: 8 }, (_, i) => 0x1e0 + i));

    // Keyboard: the hex view moves its cursor with the arrow keys and selects the field under it.
    await c.page.getByRole('group', { name: /Evidence bytes/ }).focus();
    await c.page.keyboard.press('ArrowUp'); // 0x195: reserved bytes after CPUID_STEP
    await expect.poll(() => c.page.locator('.hex-byte.sel').first().getAttribute('data-offset')).toBe(String(0x18b));
    await c.screenshot('inspector-hex');
  });

  it('bit fields show their breakdown, the hex view has an ASCII column, a byte picked far down scrolls its field into view; usable at 900 px', async () => {
    await c.page.getByRole('tab', { name: 'Fields and bytes' }).click();
    const fields = c.page.getByRole('grid', { name: 'Decoded fields' });
    // The breakdown is the core's (wasm/src/snp/fields.rs): the value, then one line per named bit.
    const policy = await fields.getByRole('row', { name: /^POLICY/ }).locator('code.value').allTextContents();
    expect(policy[0]).toBe('0x30000');
    expect(policy).toContain('DEBUG = 0 · bit 19');
    expect(policy).toContain('SMT = 1 · bit 16');
    expect(policy).toContain('ABI_MAJOR = 0 · bits 15:8');
    const tcb = await fields.getByRole('row', { name: /^REPORTED_TCB/ }).locator('code.value').allTextContents();
    expect(tcb.slice(1).map((l) => l.replace(/= \d+ /, ''))).toEqual(['BOOT_LOADER · byte 0', 'TEE · byte 1', 'SNP · byte 6', 'MICROCODE · byte 7']);
    expect((await fields.getByRole('row', { name: /^KEY_INFO/ }).locator('code.value').allTextContents())).toContain('SIGNING_KEY = 0 (VCEK) · bits 4:2');
    // ASCII: one character per byte, printable bytes as themselves, the selected field's highlighted too.
    const bytes = readFileSync(fx('valid', 'report.bin'));
    const firstRow = await c.page.locator('.hex-row').first().locator('.hex-ascii').textContent();
    expect(firstRow).toBe([...bytes.subarray(0, 16)].map((b) => (b >= 0x20 && b <= 0x7e ? String.fromCharCode(b) : '.')).join(''));
    await fields.getByRole('row', { name: /^MEASUREMENT/ }).click();
    expect(await c.page.locator('.hex-ascii .sel').count()).toBe(48);
    await c.page.setViewportSize({ width: 900, height: 800 });
    // SIGNATURE.S is near the end: picking one of its bytes (0x2e8 + 10) brings its row into view.
    await c.page.locator('.hex-byte[data-offset="754"]').scrollIntoViewIfNeeded();
    await c.page.locator('.hex-byte[data-offset="754"]').click();
    const signature = fields.getByRole('row', { name: 'SIGNATURE.S', exact: true });
    await expect.poll(() => signature.getAttribute('aria-selected')).toBe('true');
    await expect.poll(() => signature.evaluate((e) => { const r = e.getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight; })).toBe(true);
    // At 900 px the table and the hex view stack: neither overlaps the other.
    const table = (await fields.boundingBox())!;
    const hex = (await c.page.getByRole('group', { name: /Evidence bytes/ }).boundingBox())!;
    expect(hex.y >= table.y + table.height || hex.x >= table.x + table.width).toBe(true);
    await c.screenshot('inspector-hex-900');
    await c.page.setViewportSize({ width: 1400, height: 900 });
  });

  it('shows the certificate chain with the anchor, validity at the reference time and VCEK extensions', async () => {
    await c.page.getByRole('tab', { name: 'Certificate chain' }).click();
    const leaf = c.page.getByRole('region', { name: /Report signing key/ });
    const text = (await leaf.textContent()) ?? '';
    expect(text).toContain('VCEK is valid at 2025-12-01T00:00:00Z');
    expect(text).toContain('product_name');
    expect(text).toContain('Milan-B0');
    expect(await c.page.getByRole('region', { name: /Root \(ARK\) — TEST anchor/ }).count()).toBe(1);
    const certs = c.page.getByRole('grid', { name: 'Certificates supplied' });
    const ark = certs.getByRole('row', { name: 'ark.pem', exact: true });
    expect(await ark.getAttribute('data-pin')).toBe('test anchor');
    expect(await ark.textContent()).toContain('38edec395a5c064976a414f7ccfffd04050359df376ddcea1ef87037473798b3');
    expect(await certs.getByRole('row', { name: 'vcek.der', exact: true }).getAttribute('data-valid')).toBe('true');
    await c.screenshot('inspector-chain');
  });

  it('changing the reference time re-runs the appraisal and the VCEK expiry check fails', async () => {
    await applySettings(panel(), '2032-01-01T00:00:00Z');
    await expect.poll(() => verdictOf(c.page).getAttribute('data-verdict')).toBe('contraindicated');
    expect(await c.page.getByRole('grid', { name: 'Certificates supplied' }).getByRole('row', { name: 'vcek.der', exact: true }).getAttribute('data-valid')).toBe('false');
    await c.page.getByRole('tab', { name: 'Checks' }).click();
    expect(await checkRow(c.page, 'chain.vek.validity').getAttribute('data-status')).toBe('fail');
    expect(await checkRow(c.page, 'chain.vek.validity').textContent()).toContain('2032-01-01');
    await applySettings(panel(), T0_TEXT);
    await expect.poll(() => verdictOf(c.page).getAttribute('data-verdict')).toBe('affirming');
  });

  it('exports the appraisal as JSON and as a printable HTML report', async () => {
    const json = await downloadText(c.page, 'Export JSON');
    expect(json.name).toBe('report-appraisal-20251201T000000Z.json');
    const a = JSON.parse(json.text);
    expect(a.verdict).toBe('affirming');
    expect(a.evidence).toBe('report.bin');
    expect(a.claims.measurement).toMatch(/^370feea0/);
    // Chain of custody: every input with its SHA-256 (computed here from the files), the version.
    const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
    expect(a.inputs.files).toEqual([
      { name: 'report.bin', role: 'evidence', sha256: sha(fx('valid', 'report.bin')) },
      { name: 'vcek.der', role: 'certificate (endorsement)', sha256: sha(fx('valid', 'vcek.der')) },
      { name: 'cert_chain.pem', role: 'certificate (endorsement)', sha256: sha(fx('pki', 'cert_chain.pem')) },
      { name: 'crl-empty.der', role: 'crl (endorsement)', sha256: sha(fx('pki', 'crl-empty.der')) },
    ]);
    expect(a.inputs.anchors).toEqual([{ name: 'ark.pem', sha256: sha(fx('pki', 'ark.pem')) }]);
    // The version and the build id of the core that appraised (the SHA-256 of the wasm module's bytes).
    expect(a.inputs.version).toBe(`${JSON.parse(readFileSync(join(FIXTURES, '..', '..', 'package.json'), 'utf8')).version} (core ${core.buildId})`);
    const html = await downloadText(c.page, 'Export printable report');
    expect(html.name).toBe('report-appraisal-20251201T000000Z.html');
    expect(html.text).toContain(`<code>${sha(fx('valid', 'report.bin'))}</code>`);
    expect(html.text).toContain('<td id="verdict"><strong>AFFIRMING</strong>');
    const ids = [...html.text.replaceAll('<wbr>', '').matchAll(/<tr class="(\w+)"><td>\w+<\/td><td><code class="id">([^<]+)<\/code>/g)].map((m) => [m[1], m[2]]);
    // Every check, problems first.
    expect(ids.map(([, id]) => id).sort()).toEqual(a.checks.map((c: { id: string }) => c.id).sort());
    const rank = { fail: 0, warn: 1, skip: 2, pass: 3 } as Record<string, number>;
    const ranks = ids.map(([status]) => rank[status!]!);
    expect(ranks).toEqual([...ranks].sort((x, y) => x - y));
    expect(ranks[0]).toBe(2); // affirming: no failure or warning, the skips lead
    expect(html.text).toContain('TEST anchor (not a vendor root)');
    expect(html.text).toContain(`(core ${core.buildId})`);
    expect(html.text).not.toMatch(/<script/i);
  });

  it('a policy preset chosen with the keyboard re-runs the appraisal (debug guest)', async () => {
    await clearInputs(panel());
    await chooseFiles(c.page, 'Inspect: open evidence and endorsements…', [fx('debug', 'report.bin'), fx('debug', 'vcek.der'), fx('pki', 'cert_chain.pem'), fx('pki', 'crl-empty.der')]);
    await chooseFiles(c.page, 'Inspect: add TEST anchor…', [fx('pki', 'ark.pem')]);
    await expect.poll(() => verdictOf(c.page).getAttribute('data-verdict')).toBe('contraindicated');
    expect(await checkRow(c.page, 'policy.debug').getAttribute('data-status')).toBe('fail');

    await openInputs(panel());
    const policy = panel().getByRole('button', { name: /Default policy/ });
    await policy.focus();
    await c.page.keyboard.press('Enter');
    await c.page.getByRole('option', { name: 'Allow debug guests' }).waitFor();
    await c.page.keyboard.press('ArrowDown');
    await c.page.keyboard.press('Enter');
    expect(await panel().getByLabel('Policy JSON (empty = default)').inputValue()).toContain('"allow_debug": true');
    await panel().getByRole('button', { name: 'Re-run appraisal' }).press('Enter');
    await expect.poll(() => verdictOf(c.page).getAttribute('data-verdict')).toBe('affirming');
    expect(await checkRow(c.page, 'policy.debug').getAttribute('data-status')).toBe('pass');
  });

  it('a policy with an unknown option is refused with the field named, and nothing is lost', async () => {
    await applySettings(panel(), T0_TEXT, '{"snp":{"allow_debugg":true}}');
    await expect.poll(() => panel().getByRole('alert').textContent()).toMatch(/allow_debugg/);
    expect(await panel().locator('.files').textContent()).toContain('report.bin');
  });

  it('files dropped on the drop area are opened like chosen ones', async () => {
    await clearInputs(panel());
    await applySettings(panel(), T0_TEXT, '');
    await dropFiles(c, 'Inspect: open evidence and endorsements…', [fx('valid', 'report.bin'), fx('valid', 'vcek.der'), fx('pki', 'cert_chain.pem'), fx('pki', 'crl-empty.der')]);
    await dropFiles(c, 'Inspect: add TEST anchor…', [fx('pki', 'ark.pem')]);
    await expect.poll(() => verdictOf(c.page).getAttribute('data-verdict')).toBe('affirming');
    await openInputs(panel());
    expect(await panel().locator('.files').textContent()).toContain('vcek.der — certificate (endorsement)');
  });

  it('made no request outside the loopback host and logged no CSP violation', () => {
    expect(c.requests.filter((u) => !u.startsWith(`${c.host.origin}/`) && !u.startsWith('blob:'))).toEqual([]);
    expect(c.escaped).toEqual([]);
    expect(c.errors).toEqual([]);
  });
});

describe.skipIf(!HAVE_CHROMIUM)('Inspector: the reason first (issue 15)', () => {
  let c: Console;
  const panel = () => c.page.getByRole('tabpanel', { name: 'Inspect' });
  beforeAll(async () => {
    c = await openConsole();
    await applySettings(panel(), T0_TEXT);
    // A debug guest with a chain that does not reach the TEST root: failing checks and a warning.
    await chooseFiles(c.page, 'Inspect: open evidence and endorsements…', [fx('debug', 'report.bin'), fx('debug', 'vcek.der'), fx('pki', 'cert_chain.pem')]);
    await chooseFiles(c.page, 'Inspect: add TEST anchor…', [fx('pki', 'ark.pem')]);
  });
  afterAll(async () => c?.close());

  it('the banner lists every failing and warning check with its sentence; a link shows its row', async () => {
    const expected = core.verify({ evidence: file(fx('debug', 'report.bin')), endorsements: [file(fx('debug', 'vcek.der')), file(fx('pki', 'cert_chain.pem'))], testAnchors: [file(fx('pki', 'ark.pem'))], referenceTime: T0 });
    const problems = expected.checks.filter((k) => k.status === 'fail' || k.status === 'warn');
    const fails = problems.filter((k) => k.status === 'fail').length;
    expect(fails).toBeGreaterThan(0);
    // The appraisal with the TEST anchor (an earlier one, without it, may still be on screen).
    await expect.poll(() => verdictOf(c.page).textContent()).toContain('TEST anchor');
    expect(await verdictOf(c.page).getAttribute('data-verdict')).toBe('contraindicated');
    const why = verdictOf(c.page).getByRole('list', { name: 'Why' }).getByRole('listitem');
    await expect.poll(() => why.count()).toBe(problems.length);
    // Failing first, then warnings, each with the core's sentence.
    const first = (await why.first().textContent())!;
    expect(first).toContain(problems.find((k) => k.status === 'fail')!.detail);
    const warns = problems.length - fails;
    expect(await verdictOf(c.page).textContent()).toContain(`${fails} failing${warns ? ` and ${warns} warning${warns === 1 ? '' : 's'}` : ''} of ${expected.checks.length} checks`);

    // The Fields tab is open; the link switches to Checks and focuses the row.
    await c.page.getByRole('tab', { name: 'Fields and bytes' }).click();
    await why.filter({ hasText: 'policy.debug' }).getByRole('button').click();
    await expect.poll(() => c.page.getByRole('tab', { name: 'Checks' }).getAttribute('aria-selected')).toBe('true');
    await expect.poll(() => c.page.evaluate(() => document.activeElement?.getAttribute('data-check'))).toBe('policy.debug');
    await c.screenshot('inspector-reason-first');
  });

  it('a failing check is marked on the field it judged and on its bytes (policy.debug → POLICY)', async () => {
    await c.page.getByRole('tab', { name: 'Fields and bytes' }).click();
    const policy = c.page.getByRole('grid', { name: 'Decoded fields' }).getByRole('row', { name: /^POLICY/ });
    await expect.poll(() => policy.getAttribute('class')).toContain('marked-fail');
    expect(await policy.locator('.field-mark').allTextContents()).toContain('✖ policy.debug');
    expect(await policy.locator('code.value').allTextContents()).toContain('DEBUG = 1 · bit 19');
    const bad = await c.page.locator('.hex-byte.bad').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-offset'))));
    expect(bad).toEqual(expect.arrayContaining(Array.from({ length: 8 }, (_, i) => 0x08 + i)));
    // Fields no failing check judged are not marked: MEASUREMENT's bytes stay plain.
    expect(bad).not.toContain(0x90);
    await c.screenshot('inspector-fields-marked');
    await c.page.getByRole('tab', { name: 'Checks' }).click();
  });

  it('"As of now" re-runs the appraisal at the present instant', async () => {
    await openInputs(panel());
    await panel().getByRole('button', { name: 'As of now' }).click();
    await openInputs(panel());
    await expect.poll(async () => Math.abs(Date.parse((await panel().getByLabel('As of (reference time, UTC)').inputValue())) - Date.now())).toBeLessThan(10 * 60_000);
    const typed = await panel().getByLabel('As of (reference time, UTC)').inputValue();
    await expect.poll(() => verdictOf(c.page).textContent()).toContain(`as of ${typed}`);
    await applySettings(panel(), T0_TEXT);
    await expect.poll(() => verdictOf(c.page).textContent()).toContain(`as of ${T0_TEXT}`);
  });

  it('the date-time picker sets the reference time by calendar and UTC time, and the appraisal re-runs at it', async () => {
    await applySettings(panel(), T0_TEXT);
    // Applying folded the inputs to one line that states the instant.
    await expect.poll(() => panel().getByRole('region', { name: 'Inputs' }).textContent()).toContain(`as of ${T0_TEXT}`);
    await openInputs(panel());
    await panel().getByRole('button', { name: 'Pick the reference date and time' }).click();
    const dialog = c.page.getByRole('dialog', { name: 'Reference date and time (UTC)' });
    // The picker opens on the field's instant (December 2025), not on today.
    await expect.poll(() => dialog.getByRole('heading').textContent()).toContain('December 2025');
    await dialog.getByRole('button', { name: 'Next month' }).click();
    await dialog.getByRole('gridcell', { name: /January 15, 2026/ }).getByRole('button').click();
    const time = dialog.getByRole('group', { name: 'Time (UTC)' });
    await time.getByRole('spinbutton', { name: /hour/i }).fill('13');
    await time.getByRole('spinbutton', { name: /minute/i }).fill('45');
    await time.getByRole('spinbutton', { name: /second/i }).fill('30');
    await c.screenshot('inspector-as-of-picker');
    await c.page.keyboard.press('Escape');
    expect(await panel().getByLabel('As of (reference time, UTC)').inputValue()).toBe('2026-01-15T13:45:30Z');
    await panel().getByRole('button', { name: 'Re-run appraisal' }).click();
    await expect.poll(() => verdictOf(c.page).textContent()).toContain('as of 2026-01-15T13:45:30Z');
    await applySettings(panel(), T0_TEXT);
    await expect.poll(() => verdictOf(c.page).textContent()).toContain(`as of ${T0_TEXT}`);
  });

  it('checks are listed problems first and filter by status', async () => {
    const rows = c.page.getByRole('grid', { name: 'Checks' }).locator('[data-status]');
    const statuses = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-status')));
    const rank = { fail: 0, warn: 1, skip: 2, pass: 3 } as Record<string, number>;
    expect(statuses).toEqual([...statuses].sort((x, y) => rank[x!]! - rank[y!]!));
    expect(statuses[0]).toBe('fail');
    await c.page.getByRole('button', { name: /Checks: show/ }).click();
    await c.page.getByRole('option', { name: 'fail' }).click();
    await expect.poll(async () => new Set(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-status'))))).toEqual(new Set(['fail']));
  });
});

describe.skipIf(!HAVE_CHROMIUM || !HAVE_VECTORS)('Inspector (real vectors)', () => {
  let c: Console;
  const panel = () => c.page.getByRole('tabpanel', { name: 'Inspect' });
  beforeAll(async () => {
    c = await openConsole();
  });
  afterAll(async () => c?.close());

  it('Milan routex-v3 with its chain and no CRL: no failing check, pinned AMD root, revocation a warning', async () => {
    await applySettings(panel(), T0_TEXT);
    const v = (p: string) => join(SNP, 'milan', 'routex-v3', p);
    await chooseFiles(c.page, 'Inspect: open evidence and endorsements…', [v('report.bin'), v('vcek_chain.pem'), v('vcek.der')]);
    await expect.poll(() => verdictOf(c.page).getAttribute('data-verdict')).toBe('warning');
    expect(await c.page.getByRole('grid', { name: 'Checks' }).locator('[data-status="fail"]').count()).toBe(0);
    // The summary card: what the report is and the values a policy judges, from the core's claims.
    const claims = core.verify({ evidence: file(v('report.bin')), endorsements: [file(v('vcek_chain.pem')), file(v('vcek.der'))], referenceTime: T0 }).claims;
    const card = c.page.getByRole('region', { name: 'Summary: SEV-SNP report' });
    const text = (await card.textContent()) ?? '';
    for (const expected of ['Signing keyVCEK', `measurement${claims.measurement}`, 'policy0x30000 (debug=false', 'reported_tcbbl=4 tee=0 snp=24 ucode=219']) expect(text).toContain(expected);
    await c.screenshot('inspector-real-snp-summary');
    await timeFieldsTab(c.page, 'snp-milan-routex-v3 (1184 B)');
    expect((await valueLines(c.page, /^REPORTED_TCB/)).slice(1)).toEqual(['BOOT_LOADER = 4 · byte 0', 'TEE = 0 · byte 1', 'SNP = 24 · byte 6', 'MICROCODE = 219 · byte 7']);
    expect(await valueLines(c.page, /^PLATFORM_INFO/)).toContain('SMT_EN = 1 · bit 0');
    await c.screenshot('inspector-real-snp-fields');
    await c.page.getByRole('tab', { name: 'Certificate chain' }).click();
    expect(await c.page.getByRole('region', { name: /Root \(ARK\) — pinned AMD root/ }).count()).toBe(1);
    const ark = c.page.getByRole('grid', { name: 'Certificates supplied' }).locator('[data-pin="pinned"]');
    expect(await ark.textContent()).toContain('pinned: AMD ARK-Milan');
    await c.screenshot('inspector-real-snp');
  });

  it('a TDX quote with its collateral: RTMR fields map to the claimed bytes', async () => {
    await clearInputs(panel());
    await applySettings(panel(), '2025-06-15T00:00:00Z');
    const q = join(VECTORS, 'tdx', 'quotes', 'tdx_v4_b0c06f_dcapqvl.bin');
    await chooseFiles(c.page, 'Inspect: open evidence and endorsements…', [q, join(VECTORS, 'tdx', 'collateral', 'dcapqvl_2025-06_B0C06F.json')]);
    await verdictOf(c.page).waitFor();
    const claims = core.verify({ evidence: file(q), endorsements: [file(join(VECTORS, 'tdx', 'collateral', 'dcapqvl_2025-06_B0C06F.json'))], referenceTime: new Date('2025-06-15T00:00:00Z') }).claims;
    const card = (await c.page.getByRole('region', { name: 'Summary: TDX quote' }).textContent()) ?? '';
    const advisories = (claims.advisory_ids as string[]).length ? (claims.advisory_ids as string[]).join(', ') : 'none';
    for (const expected of [`TCB status${claims.tcb_status}    advisories: ${advisories}`, `FMSPC ${claims.fmspc}`, `mr_td${claims.mr_td}`, `rtmr3${claims.rtmr3}`, `mr_seam${claims.mr_seam}`]) expect(card).toContain(expected);
    await timeFieldsTab(c.page, `tdx ${basename(q)} (${readFileSync(q).length} B)`);
    // The quote as a tree: header, body, signature data → QE certification data → QE report.
    const rows = await c.page.getByRole('grid', { name: 'Decoded fields' }).getByRole('row').allTextContents();
    for (const label of ['Header', 'Report Body (TD 1.0)', 'Signature Data', 'QE Report Certification Data', 'QE Report', 'Certification Data']) expect(rows.some((r) => r.startsWith(label)), label).toBe(true);
    expect(await valueLines(c.page, /^TDATTRIBUTES/)).toContain(`SEPT_VE_DISABLE = ${(BigInt('0x' + Buffer.from(claims.td_attributes as string, 'hex').reverse().toString('hex')) >> 28n) & 1n} · bit 28`);
    expect(await valueLines(c.page, /^XFAM/)).toContain('X87 = 1 · bit 0');
    // XFAM names 19 XSAVE components: its clear bits fold into one line naming them (the lines stay in
    // the DOM, hidden), behind a button a mouse or the grid's arrow keys reach without selecting the row.
    const xfam = c.page.getByRole('grid', { name: 'Decoded fields' }).getByRole('row', { name: /^XFAM/ });
    const xfamBits = BigInt('0x' + Buffer.from(claims.xfam as string, 'hex').reverse().toString('hex'));
    const lines = () => xfam.locator('code.value.part').evaluateAll((els) => els.map((e) => [e.textContent!, (e as HTMLElement).checkVisibility()] as const));
    const clear = (await lines()).filter(([t]) => / = 0 · bit \d+$/.test(t)).map(([t]) => t.split(' = ')[0]!);
    expect(clear.length).toBe(Array.from({ length: 19 }, (_, i) => (xfamBits >> BigInt(i)) & 1n).filter((b) => b === 0n).length);
    expect(clear.length).toBeGreaterThanOrEqual(8);
    expect((await lines()).filter(([, shown]) => shown).map(([t]) => t.split(' = ')[0])).toEqual((await lines()).map(([t]) => t.split(' = ')[0]).filter((n) => !clear.includes(n!)));
    expect(await xfam.locator('.parts-fold').textContent()).toBe(`Show ${clear.length} zero bits ${clear.join(', ')}`);
    expect(await xfam.getAttribute('aria-selected')).toBe('false');
    await xfam.getByRole('button', { name: `Show ${clear.length} zero bits` }).click();
    expect((await lines()).every(([, shown]) => shown)).toBe(true);
    expect(await xfam.getByRole('button', { name: `Hide ${clear.length} zero bits` }).getAttribute('aria-expanded')).toBe('true');
    expect(await xfam.getAttribute('aria-selected')).toBe('false'); // the button is not a row click
    expect(await seriousViolations(c)).toEqual([]);
    // Keyboard: from the row, the arrow keys walk its cells into the button; Enter folds the bits again.
    await xfam.focus();
    for (let i = 0; i < 3; i++) await c.page.keyboard.press('ArrowRight');
    expect(await c.page.evaluate(() => document.activeElement?.textContent)).toBe(`Hide ${clear.length} zero bits`);
    await c.page.keyboard.press('Enter');
    expect((await lines()).filter(([, shown]) => !shown).length).toBe(clear.length);
    await c.screenshot('inspector-real-tdx-fields');
    for (const [label, id] of [['RTMR1', 'rtmr1'], ['MRTD', 'mr_td']] as const) {
      await c.page.getByRole('grid', { name: 'Decoded fields' }).getByRole('row', { name: label, exact: true }).click();
      expect((await c.page.locator('.hex-byte.sel').allTextContents()).join('')).toBe(claims[id]);
    }
    // Certificates come from inside the quote (PCK chain) and the collateral; every root is the pinned Intel root.
    await c.page.getByRole('tab', { name: 'Certificate chain' }).click();
    const certs = c.page.getByRole('grid', { name: 'Certificates supplied' });
    expect(await certs.getByRole('row', { name: `${basename(q)}#1`, exact: true }).textContent()).toContain('Intel SGX PCK Certificate');
    const roots = await certs.locator('[data-pin="pinned"]').allTextContents();
    expect(roots.length).toBeGreaterThan(0);
    for (const r of roots) expect(r).toContain('pinned: Intel SGX Root CA');
    await c.screenshot('inspector-real-tdx');
  });

  it('an Azure SEV-SNP HCL report: header → SNP report → runtime data, each nested field on its bytes', async () => {
    await clearInputs(panel());
    await applySettings(panel(), T0_TEXT);
    const h = join(SNP, 'genoa', 'azure-v3', 'hcl_report.bin');
    await chooseFiles(c.page, 'Inspect: open evidence and endorsements…', [h]);
    await verdictOf(c.page).waitFor();
    await timeFieldsTab(c.page, `hcl-snp ${basename(h)} (${readFileSync(h).length} B)`);
    const grid = c.page.getByRole('grid', { name: 'Decoded fields' });
    const rows = await grid.getByRole('row').allTextContents();
    for (const label of ['HCL header', 'SEV-SNP report', 'MEASUREMENT', 'IGVM request data', 'Variable Data (runtime data)']) expect(rows.some((r) => r.startsWith(label)), label).toBe(true);
    const claims = core.verify({ evidence: file(h), referenceTime: T0 }).claims;
    await grid.getByRole('row', { name: /^MEASUREMENT/ }).click();
    expect((await c.page.locator('.hex-byte.sel').allTextContents()).join('')).toBe(claims.measurement);
    expect(await c.page.locator('.hex-byte.sel').first().getAttribute('data-offset')).toBe(String(0x20 + 0x90));
    await grid.getByRole("row", { name: /^Variable Data \(runtime/ }).click();
    const ascii = (await c.page.locator('.hex-ascii .sel').allTextContents()).join('');
    expect(ascii.startsWith('{"keys":[{"kid":"HCLAkPub"')).toBe(true);
    await c.screenshot('inspector-real-hcl-fields');
  });

  it('a TDX HCL report beside its TD quote gets its own view: the TDREPORT with MRTD at its own offset', async () => {
    await clearInputs(panel());
    await applySettings(panel(), T0_TEXT);
    const q = join(VECTORS, 'tdx', 'quotes', 'tdx_v4_00806f05_azure_vtpm.bin');
    const h = join(VECTORS, 'tdx', 'quotes', 'azure_hcl_report_for_tdx_v4_00806f05.bin');
    await chooseFiles(c.page, 'Inspect: open evidence and endorsements…', [q, h]);
    await verdictOf(c.page).waitFor();
    await c.page.getByRole('tab', { name: 'Fields and bytes' }).click();
    await panel().getByRole('button', { name: new RegExp(`^${basename(q).replace(/\./g, '\\.')}`) }).click();
    await c.page.getByRole('option', { name: `${basename(h)} (HCL report)` }).click();
    const grid = c.page.getByRole('grid', { name: 'Decoded fields' });
    await grid.getByRole('row', { name: /^TDREPORT/ }).waitFor();
    const claims = core.verify({ evidence: file(q), endorsements: [file(h)], referenceTime: T0 }).claims;
    await grid.getByRole('row', { name: /^MRTD/ }).click();
    expect((await c.page.locator('.hex-byte.sel').allTextContents()).join('')).toBe(claims.mr_td);
    await c.screenshot('inspector-real-hcl-tdx-fields');
  });
});
