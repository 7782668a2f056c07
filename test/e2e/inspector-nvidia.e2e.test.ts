/**
 * Inspector with NVIDIA evidence, end to end in Chromium against the loopback host (real wasm core):
 * the H100 reference set with each of its RIM variants from ../shared/vectors/nvidia/manifest.json
 * (verdict, and the measurement table's golden-value count and mismatching RIM indices as the
 * manifest states them), the SPDM fields linked to their bytes, the device chain with extensions of a
 * non-leaf certificate, a multi-GPU serialized-evidence file device by device, composite SEV-SNP + GPU
 * evidence, a truncated report, and axe-core. Vectors are read at run time, never copied.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { core, file, SNP, VECTORS } from '../helpers.ts';
import { applySettings, clearInputs, openInputs, chooseFiles, HAVE_CHROMIUM, openConsole, seriousViolations, type Console } from './harness.ts';

const NV = join(VECTORS, 'nvidia');
const HAVE_NV = existsSync(join(NV, 'manifest.json'));
if (!HAVE_NV) console.warn(`\n*** ${NV} not found: NVIDIA inspector end-to-end tests are SKIPPED ***\n`);
const REF = 'gpu-hopper/h100-545.00-nonce4cff';
const T_GPU = '2025-06-01T00:00:00Z';
const OPEN = 'Inspect: open evidence and endorsements…';

interface ManifestVector {
  vector: string;
  report: string;
  rims_used?: string[];
  variant?: string;
  measurements?: { golden_active: number; mismatched_rim_indices: [number, string][] };
}
const manifest = HAVE_NV ? (JSON.parse(readFileSync(join(NV, 'manifest.json'), 'utf8')) as { vectors: ManifestVector[] }) : { vectors: [] };
/** The reference set's variants that carry a measurement outcome (test VBIOS RIM; PROD VBIOS RIM). */
const variants = manifest.vectors.filter((v) => v.vector === REF && v.measurements && v.rims_used);

const nv = (rel: string) => join(NV, rel);
const verdictOf = (page: Page) => page.getByRole('region', { name: 'Verdict' }).first();
const measurementRows = (page: Page) => page.getByRole('grid', { name: 'Measurement comparison' }).locator('[data-status]');

describe.skipIf(!HAVE_CHROMIUM || !HAVE_NV)('Inspector with NVIDIA evidence (real vectors)', () => {
  let c: Console;
  const panel = () => c.page.getByRole('tabpanel', { name: 'Inspect' });
  const open = async (paths: string[], at = T_GPU) => {
    await openInputs(panel());
    const clear = panel().getByRole('button', { name: 'Clear' });
    if ((await clear.count()) > 0) await clear.click();
    await applySettings(panel(), at);
    await chooseFiles(c.page, OPEN, paths);
    await verdictOf(c.page).waitFor();
  };
  beforeAll(async () => {
    c = await openConsole();
  });
  afterAll(async () => c?.close());

  it('the manifest lists both RIM variants of the reference set', () => {
    expect(variants.map((v) => v.measurements!.mismatched_rim_indices.map(([i]) => i))).toEqual([[], [1, 2, 3, 9]]);
  });

  it.each(variants.map((v) => [v.variant ?? 'reference RIMs', v] as const))('%s: verdict and measurement table as the manifest states', async (_, v) => {
    const files = [nv(`${v.vector}/${v.report}`), nv(`${v.vector}/cert-chain.pem`), ...v.rims_used!.map(nv)];
    await open(files);
    // One summary card per device, as the CLI's Devices block: model, driver, VBIOS, measurement result.
    const card = (await c.page.getByRole('region', { name: /^Summary: GPU-0: GH100/ }).textContent()) ?? '';
    expect(card).toMatch(/driver545\.00/);
    expect(card).toMatch(/firmware96\.00\.5E\.00\.01/);
    expect(card).toMatch(v.measurements!.mismatched_rim_indices.length ? /measresfail$/ : /measressuccess$/);
    const expected = core.verify({ evidence: file(files[0]!), endorsements: [file(files[1]!)], rims: v.rims_used!.map((r) => file(nv(r))), referenceTime: new Date(T_GPU) });
    await expect.poll(() => verdictOf(c.page).getAttribute('data-verdict')).toBe(expected.verdict);
    const mismatched = v.measurements!.mismatched_rim_indices.map(([i]) => i);
    expect(expected.verdict).toBe(mismatched.length ? 'contraindicated' : 'warning');
    await openInputs(panel());
    expect(await panel().locator('.files').textContent()).toContain('report.hex — nvidia-report (evidence)');
    expect(await panel().locator('.files').textContent()).toContain('rim-driver-545.00.swidtag — nvidia-rim (endorsement)');
    const check = c.page.getByRole('grid', { name: 'Checks' }).getByRole('row').filter({ has: c.page.getByText('gpu0.measurements', { exact: true }) });
    expect(await check.getAttribute('data-status')).toBe(mismatched.length ? 'fail' : 'pass');

    await c.page.getByRole('tab', { name: 'GPU measurements' }).click();
    await expect.poll(() => measurementRows(c.page).count()).toBe(v.measurements!.golden_active);
    const bad = await c.page.getByRole('grid', { name: 'Measurement comparison' }).locator('[data-status="mismatch"]').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-index'))));
    expect(bad).toEqual(mismatched);
    expect(await c.page.getByRole('grid', { name: 'Measurement comparison' }).locator('[data-status="match"]').count()).toBe(v.measurements!.golden_active - mismatched.length);
    const summary = await c.page.getByTestId('measurement-summary').textContent();
    expect(summary).toBe(mismatched.length ? `33 golden values: 29 match, 4 MISMATCH at RIM indices 1, 2, 3, 9.` : '33 golden values: 33 match.');
    if (mismatched.length) {
      // The row shows both values: the device's measurement (SPDM block 2) and the RIM's golden one.
      const row = c.page.getByRole('grid', { name: 'Measurement comparison' }).locator('[data-index="1"]');
      const record = ((expected.claims.devices as Record<string, Record<string, unknown>>)['GPU-0']!['x-nvidia-mismatch-measurement-records'] as { index: number; runtime_value: string; golden_values: string[] }[])[0]!;
      expect(await row.textContent()).toContain(record.runtime_value);
      expect(await row.textContent()).toContain(record.golden_values[0]);
      await c.screenshot('inspector-nvidia-mismatch');
    } else {
      await c.screenshot('inspector-nvidia-measurements');
    }
    await c.page.getByRole('tab', { name: 'Checks' }).click();
  });

  it('the SPDM fields link to their bytes: request nonce at 4..35, a measurement block, the signature', async () => {
    await open([nv(`${REF}/report.hex`), nv(`${REF}/cert-chain.pem`), nv(`${REF}/rim-driver-545.00.swidtag`), nv(`${REF}/rim-vbios-1010_0200_882_96005E0001-test.swidtag`)]);
    await c.page.getByRole('tab', { name: 'Fields and bytes' }).click();
    const fields = c.page.getByRole('grid', { name: 'Decoded fields' });
    await fields.getByRole('row', { name: /^Nonce/ }).first().click();
    const selected = c.page.locator('.hex-byte.sel');
    expect(await selected.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-offset'))))).toEqual(Array.from({ length: 32 }, (_, i) => 4 + i));
    expect((await selected.allTextContents()).join('')).toBe('4cff7f5380ead8fad8ec2c531c110aca4302a88f603792801a8ca29ee151af2e');
    await fields.getByRole('row', { name: /^VBIOS_VERSION/ }).click();
    expect(await fields.getByRole('row', { name: /^VBIOS_VERSION/ }).textContent()).toContain('96.00.5E.00.01');
    // A byte inside the last 96 selects the signature.
    await c.page.locator('.hex-byte[data-offset="4000"]').click();
    await expect.poll(() => fields.getByRole('row', { name: /^Signature/ }).getAttribute('aria-selected')).toBe('true');
    expect(await c.page.locator('.hex-byte.sel').count()).toBe(96);
    await c.screenshot('inspector-nvidia-hex');
  });

  it('the chain view: device chain card, and decoded extensions of the leaf and of a non-leaf certificate', async () => {
    await c.page.getByRole('tab', { name: 'Certificate chain' }).click();
    const card = c.page.getByRole('region', { name: /GPU-0 device chain \(GH100 A01 GSP BROM\)/ });
    expect(await card.textContent()).toContain('gpu0.chain.path');
    const certs = c.page.getByRole('grid', { name: 'Certificates supplied' });
    const leaf = certs.getByRole('row', { name: 'cert-chain.pem#1', exact: true });
    expect(await leaf.textContent()).toContain('DICE FWID (SHA-384)');
    expect(await leaf.textContent()).toContain('NVIDIA:GH100:48B02DB73E52137E');
    const ica = certs.getByRole('row', { name: 'cert-chain.pem#3', exact: true }); // NVIDIA GH100 Provisioner ICA 1
    expect(await ica.textContent()).toContain('NVIDIA GH100 Provisioner ICA 1');
    expect(await ica.locator('[data-oid="2.5.29.31"]').textContent()).toContain('http://crl.ndis.nvidia.com/crl/l2-gh100.crl');
    expect(await ica.locator('[data-oid="1.3.6.1.5.5.7.1.1"]').textContent()).toContain('http://ocsp.ndis.nvidia.com');
    expect(await certs.locator('[data-pin="pinned"]').textContent()).toContain('pinned: NVIDIA Device Identity CA');
    await c.screenshot('inspector-nvidia-chain');
  });

  it('multi-GPU serialized evidence: each device has its own report view and measurement card', async () => {
    const json = nv('evidence-json/hopper-590.12-multi4-nonce-e97b.json');
    await open([json], '2026-11-22T00:00:00Z');
    const expected = core.verify({ evidence: file(json), referenceTime: new Date('2026-11-22T00:00:00Z') });
    await expect.poll(() => verdictOf(c.page).getAttribute('data-verdict')).toBe(expected.verdict);
    await c.page.getByRole('tab', { name: 'Fields and bytes' }).click();
    const picker = panel().getByRole('button', { name: /GPU-0 — hopper-590\.12-multi4-nonce-e97b\.json\[0\]/ });
    await picker.click();
    const options = await c.page.getByRole('option').allTextContents();
    expect(options).toEqual([0, 1, 2, 3].map((i) => `GPU-${i} — hopper-590.12-multi4-nonce-e97b.json[${i}]`));
    await c.page.getByRole('option', { name: /GPU-2/ }).click();
    const fields = c.page.getByRole('grid', { name: 'Decoded fields' });
    await fields.getByRole('row', { name: /^Nonce/ }).first().click();
    expect((await c.page.locator('.hex-byte.sel').allTextContents()).join('')).toBe('e97b23a1718095a0e9e35edca810768c70a6a5a389b705e753b197912bc11576');
    const gpu2 = (expected.claims.devices as Record<string, Record<string, unknown>>)['GPU-2']!;
    await fields.getByRole('row', { name: /^Nonce/ }).nth(1).click();
    expect((await c.page.locator('.hex-byte.sel').allTextContents()).join('')).toBe(gpu2.responder_nonce);
    await c.page.getByRole('tab', { name: 'GPU measurements' }).click();
    await panel().getByRole('button', { name: /^GPU-0/ }).click();
    await c.page.getByRole('option', { name: 'GPU-3' }).click();
    expect(await panel().getByRole('region', { name: 'Measurements of GPU-3' }).textContent()).toContain(String((expected.claims.devices as Record<string, Record<string, unknown>>)['GPU-3']!.ueid));
    // Four chains from inside the JSON, each ending at the pinned root.
    await c.page.getByRole('tab', { name: 'Certificate chain' }).click();
    expect(await c.page.getByRole('grid', { name: 'Certificates supplied' }).locator('[data-pin="pinned"]').count()).toBe(4);
    await c.screenshot('inspector-nvidia-multi-gpu');
  });

  it.skipIf(!existsSync(join(SNP, 'milan', 'routex-v3')))('composite: an SEV-SNP report with GPU serialized evidence is one appraisal with a CPU and a GPU view', async () => {
    const v = (p: string) => join(SNP, 'milan', 'routex-v3', p);
    const gpu = nv('evidence-json/hopper-590.12-single-nonce-e97b.json');
    await open([v('report.bin'), v('vcek_chain.pem'), v('vcek.der'), gpu], '2025-12-01T00:00:00Z');
    expect(await verdictOf(c.page).textContent()).toContain('composite');
    await c.page.getByRole('tab', { name: 'Fields and bytes' }).click();
    await panel().getByRole('button', { name: /^report\.bin/ }).click();
    expect(await c.page.getByRole('option').allTextContents()).toEqual(['report.bin', 'gpu0 — hopper-590.12-single-nonce-e97b.json[0]']);
    await c.page.keyboard.press('Escape');
    await c.page.getByRole('tab', { name: 'Certificate chain' }).click();
    expect(await c.page.getByRole('region', { name: /Root \(ARK\) — pinned AMD root/ }).count()).toBe(1);
    expect(await c.page.getByRole('region', { name: /gpu0 device chain/ }).count()).toBe(1);
  });

  it('GPU evidence shows an expected-nonce field: the nonce the report answers passes, another fails (threat: a replayed report)', async () => {
    await open([nv(`${REF}/report.hex`), nv(`${REF}/cert-chain.pem`)]);
    await c.page.getByRole('tab', { name: 'Checks' }).click();
    // The report's own request nonce (SPDM request bytes 4..35), read from the file, not typed in.
    const nonce = readFileSync(nv(`${REF}/report.hex`), 'utf8').replace(/\s+/g, '').slice(8, 72);
    const nonceCheck = () => panel().getByRole('grid').getByRole('row').filter({ has: c.page.getByText('gpu0.nonce', { exact: true }) }).first();
    expect(await nonceCheck().textContent()).toMatch(/^WARN/);
    await openInputs(panel());
    const field = panel().getByLabel('Expected GPU nonce (64 hex digits)');
    await field.fill(nonce);
    await panel().getByRole('button', { name: 'Re-run appraisal' }).click();
    await expect.poll(async () => nonceCheck().textContent()).toMatch(/^PASS/);
    await expect.poll(() => panel().getByRole('region', { name: 'Inputs' }).textContent()).toContain('expected GPU nonce set');
    await openInputs(panel());
    await field.fill('00'.repeat(32));
    await panel().getByRole('button', { name: 'Re-run appraisal' }).click();
    await expect.poll(async () => nonceCheck().textContent()).toMatch(/^FAIL/);
    await c.screenshot('inspector-nvidia-nonce');
    await openInputs(panel());
    await field.fill('');
    await panel().getByRole('button', { name: 'Re-run appraisal' }).click();
  });

  it('a switch report dropped with a genuine and two tampered RIMs of its version: the genuine one is appraised, the others set aside and named (threat: a planted look-alike)', async () => {
    const ls10 = (p: string) => nv(`switch-ls10/ls10-96.10.55.00.01/${p}`);
    const rim = 'rim-NV_SWITCH_BIOS_5612_0002_890_9610550001';
    await open([ls10('report.hex'), ls10('cert-chain.pem'), ls10(`${rim}-TAMPERED-sig.xml`), ls10(`${rim}.xml`), ls10(`${rim}-TAMPERED-mismatch.xml`)], '2025-09-01T00:00:00Z');
    const note = (await panel().getByRole('note').filter({ hasText: 'different files fit' }).textContent()) ?? '';
    expect(note).toContain(`3 different files fit the firmware RIM for report.hex (96.10.55.00.01): used ${rim}.xml (1 failing: switch0.rim.bios.chain.validity`);
    expect(note).toContain(`${rim}-TAMPERED-sig.xml (1 failing: switch0.rim.bios.signature`);
    expect(note).toContain(`${rim}-TAMPERED-mismatch.xml (1 failing: switch0.rim.bios.signature`);
    // The appraisal is the one with the genuine RIM alone: its signature verifies.
    await c.page.getByRole('tab', { name: 'Checks' }).click();
    expect(await panel().getByRole('row').filter({ hasText: 'switch0.rim.bios.signature' }).first().textContent()).toMatch(/pass/i);
    await c.screenshot('inspector-nvidia-ambiguous-rims');
  });

  it('a truncated report is refused with the file and the field named', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'custodian-nv-e2e-'));
    const cut = join(dir, 'cut.hex');
    writeFileSync(cut, readFileSync(nv(`${REF}/report.hex`), 'utf8').trim().slice(0, 2000));
    await clearInputs(panel());
    await chooseFiles(c.page, OPEN, [cut, nv(`${REF}/cert-chain.pem`)]);
    await expect.poll(() => panel().getByRole('alert').textContent()).toMatch(/^cut\.hex: response\.MeasurementRecord: /);
  });

  it('axe-core finds no serious or critical violation on the NVIDIA views, light and dark', async () => {
    await open([nv(`${REF}/report.hex`), nv(`${REF}/cert-chain.pem`), nv(`${REF}/rim-driver-545.00.swidtag`), nv('rims/vbios/1010_0200_882_96005E0001_PROD.swidtag')]);
    for (const theme of ['light', 'dark'] as const) {
      await c.page.evaluate(`document.documentElement.dataset.theme = '${theme}'`);
      for (const view of ['Checks', 'Fields and bytes', 'GPU measurements', 'Certificate chain']) {
        await c.page.getByRole('tab', { name: view }).click();
        expect(await seriousViolations(c), `${theme} ${view}`).toEqual([]);
      }
    }
    await c.page.evaluate(`document.documentElement.dataset.theme = 'light'`);
  });

  it('made no request outside the loopback host', () => {
    expect(c.requests.filter((u) => !u.startsWith(`${c.host.origin}/`) && !u.startsWith('blob:'))).toEqual([]);
    expect(c.escaped).toEqual([]);
  });
});
