/**
 * End-to-end harness: the loopback host (real wasm core, real handlers, batch worker threads)
 * serving the built renderer, driven in Debian's Chromium through playwright-core. Records every
 * request the page issues and every console error, and saves screenshots to test-artifacts/.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { startConsoleHost } from '../../electron/loopback/compose.ts';
import type { LoopbackHost } from '../../electron/loopback/host.ts';
import { ROOT } from '../helpers.ts';

export const CHROMIUM = process.env.CUSTODIAN_CHROMIUM ?? '/usr/bin/chromium';
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM) console.warn(`\n*** Chromium not found at ${CHROMIUM}: end-to-end tests are SKIPPED (apt-get install -y chromium) ***\n`);

export const ARTIFACTS = join(ROOT, 'test-artifacts');
const RENDERER = join(ROOT, 'out', 'renderer');

/** Flags from ../shared/TOOLCHAIN.md: headless, no sandbox (root), nothing that phones home. */
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export interface Console {
  host: LoopbackHost;
  /** The host's private XDG_CONFIG_HOME (known-vaults pins) and escrow directory, removed at close. */
  env: { configHome: string; escrowDir: string };
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Every request URL the page issued, in order (including ones the browser then blocked). */
  requests: string[];
  /** Requests that reached the network layer for anywhere but the host (aborted there): must stay empty. */
  escaped: string[];
  /** Failed requests with Chromium's reason, e.g. `csp` for what the page's CSP blocked. */
  failed: Map<string, string>;
  /** Console errors and uncaught page errors (CSP violations show up here), but the meta frame-ancestors notice. */
  errors: string[];
  /** Saves a full-page screenshot as test-artifacts/<name>.png. */
  screenshot(name: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Private directories for the host's vault services, so a test never reads or writes the user's own:
 * `XDG_CONFIG_HOME` (the known-vaults pin file, electron/vault/pins.ts) in a fresh temporary dir, and
 * `CUSTODIAN_ESCROW_DIR` (electron/vault/escrow.ts), which must be a 0700 dir owned by this user on a
 * RAM filesystem: a fresh dir under /dev/shm. The host runs in this process, so they are set in
 * `process.env` while it runs; `restore()` puts the previous values back and removes both dirs.
 */
export function privateVaultEnv(): { configHome: string; escrowDir: string; restore(): void } {
  const configHome = mkdtempSync(join(tmpdir(), 'custodian-e2e-config-'));
  const escrowDir = mkdtempSync('/dev/shm/custodian-e2e-escrow-');
  chmodSync(configHome, 0o700);
  chmodSync(escrowDir, 0o700);
  const before = { XDG_CONFIG_HOME: process.env.XDG_CONFIG_HOME, CUSTODIAN_ESCROW_DIR: process.env.CUSTODIAN_ESCROW_DIR };
  process.env.XDG_CONFIG_HOME = configHome;
  process.env.CUSTODIAN_ESCROW_DIR = escrowDir;
  return {
    configHome,
    escrowDir,
    restore() {
      for (const [k, v] of Object.entries(before)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      rmSync(configHome, { recursive: true, force: true });
      rmSync(escrowDir, { recursive: true, force: true });
    },
  };
}

/** Starts a host and a browser page on it, with the API ready (status bar filled in). */
export async function openConsole(options: { colorScheme?: 'light' | 'dark'; viewport?: { width: number; height: number } } = {}): Promise<Console> {
  if (!existsSync(join(RENDERER, 'loopback-bridge.js'))) throw new Error('out/renderer is not built: run `npx electron-vite build` (npm test does)');
  mkdirSync(ARTIFACTS, { recursive: true });
  const env = privateVaultEnv();
  // The folders the tests' paths live in: temporary dirs, the checkout (fixtures) and ../shared (vectors).
  const roots = [tmpdir(), ROOT, join(ROOT, '..', 'shared')].filter((d) => existsSync(d));
  const host = await startConsoleHost({ rendererDir: RENDERER, threads: 2, roots });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  const context = await browser.newContext({ acceptDownloads: true, viewport: options.viewport ?? { width: 1400, height: 900 }, colorScheme: options.colorScheme ?? 'light' });
  const page = await context.newPage();
  const requests: string[] = [];
  const escaped: string[] = [];
  const failed = new Map<string, string>();
  const errors: string[] = [];
  await context.route((url) => url.origin !== host.origin, (route) => {
    escaped.push(route.request().url());
    return route.abort('blockedbyclient');
  });
  page.on('request', (r) => requests.push(r.url()));
  page.on('requestfailed', (r) => failed.set(r.url(), r.failure()?.errorText ?? ''));
  // Chromium notes that a <meta> CSP cannot carry frame-ancestors; the HTTP header carries it too.
  page.on('console', (m) => m.type() === 'error' && !m.text().includes("'frame-ancestors' is ignored when delivered via a <meta>") && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(host.url);
  await page.getByRole('button', { name: /Pinned roots \([1-9]/ }).waitFor();
  return {
    host,
    env: { configHome: env.configHome, escrowDir: env.escrowDir },
    browser,
    context,
    page,
    requests,
    escaped,
    failed,
    errors,
    screenshot: async (name) => {
      await page.evaluate('window.scrollTo(0, 0)'); // else the sticky status bar is drawn mid-page in a full-page shot
      await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
    },
    close: async () => {
      await browser.close();
      await host.close();
      env.restore();
    },
  };
}

/** Opens files through the file chooser of the button named `button` (as a user clicking it). */
export async function chooseFiles(page: Page, button: string | RegExp, paths: string[]): Promise<void> {
  await openInputs(page);
  const chooser = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: button, exact: true }).click();
  await (await chooser).setFiles(paths);
  await inspectorListed(page, button, paths);
}

/**
 * After the Inspector's own drop areas took `paths`: waits until each file's name is shown, so the next
 * step does not race the fold of the input panel (which happens once the files are read).
 */
async function inspectorListed(page: Page, button: string | RegExp, paths: string[]): Promise<void> {
  if (typeof button !== 'string' || !button.startsWith('Inspect: ')) return;
  const names = paths.map((p) => p.replace(/^.*[\\/]/, ''));
  await page.waitForFunction((n) => {
    const tab = Array.from(document.querySelectorAll('[role="tab"]')).find((t) => t.textContent === 'Inspect');
    const text = (tab && document.querySelector(`[aria-labelledby="${tab.id}"]`)?.textContent) ?? '';
    return n.every((name) => text.includes(name));
  }, names);
}

/** Unfolds the Inspector's input line (it folds once files are loaded), as a user would, when it is folded. */
export async function openInputs(scope: Page | Locator): Promise<void> {
  const open = scope.getByRole('button', { name: 'Change inputs and settings' });
  if (await open.isVisible()) await open.click();
}

/** Unfolds the Inspector's inputs and clears every file, ready for the next set (settings stay). */
export async function clearInputs(scope: Locator): Promise<void> {
  await openInputs(scope);
  await scope.getByRole('button', { name: 'Clear' }).click();
}

/**
 * Drops files from "the desktop" onto the drop area holding the button named `button`: a real
 * browser drag (devtools Input.dispatchDragEvent with file paths), not a synthetic DOM event.
 */
export async function dropFiles(c: Console, button: string, paths: string[]): Promise<void> {
  await openInputs(c.page);
  const zone = c.page.locator('.drop', { has: c.page.getByRole('button', { name: button, exact: true }) });
  await zone.scrollIntoViewIfNeeded();
  const box = await zone.boundingBox();
  if (!box) throw new Error(`no drop area around "${button}"`);
  const cdp = await c.context.newCDPSession(c.page);
  const data = { items: [], files: paths, dragOperationsMask: 1 };
  const [x, y] = [box.x + box.width / 2, box.y + box.height - 4];
  for (const type of ['dragEnter', 'dragOver', 'drop'] as const) await cdp.send('Input.dispatchDragEvent', { type, x, y, data });
  await cdp.detach();
  await inspectorListed(c.page, button, paths);
}

/** Text of a download triggered by clicking `button`. */
export async function downloadText(page: Page, button: string | RegExp): Promise<{ name: string; text: string }> {
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: button }).click();
  const d = await download;
  const path = await d.path();
  const { readFileSync } = await import('node:fs');
  return { name: d.suggestedFilename(), text: readFileSync(path, 'utf8') };
}

/**
 * Starts recording the gaps between animation frames inside the page (its main thread's
 * responsiveness, independent of this process). A string, so no bundler helper leaks into the page.
 */
export async function startFrameGaps(page: Page): Promise<void> {
  await page.evaluate(`(() => { const w = window; w.__gaps = []; w.__stop = false; let last = performance.now();
    const tick = (t) => { w.__gaps.push(t - last); last = t; if (!w.__stop) requestAnimationFrame(tick); }; requestAnimationFrame(tick); })()`);
}

/** Stops the recording; returns frame count and the max, 99th and 50th percentile gaps in ms. */
export async function stopFrameGaps(page: Page): Promise<{ frames: number; maxFrameGapMs: number; p99FrameGapMs: number; p50FrameGapMs: number }> {
  const gaps = ((await page.evaluate('(() => { window.__stop = true; return window.__gaps; })()')) as number[]).sort((a, b) => a - b);
  const at = (q: number) => Math.round(gaps[Math.min(gaps.length - 1, Math.floor(gaps.length * q))] ?? 0);
  return { frames: gaps.length, maxFrameGapMs: at(1), p99FrameGapMs: at(0.99), p50FrameGapMs: at(0.5) };
}

/**
 * Fills the "As of" field (and the policy JSON when given) inside `scope` (a screen's tab panel)
 * and presses its apply button ("Re-run appraisal", or the batch's "Use for the next batch").
 */
export async function applySettings(scope: Locator, at: string, policy?: string, button = 'Re-run appraisal'): Promise<void> {
  await openInputs(scope);
  await scope.getByLabel('As of (reference time, UTC)').fill(at);
  if (policy !== undefined) await scope.getByLabel('Policy JSON (empty = default)').fill(policy);
  await scope.getByRole('button', { name: button }).click();
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core violations of impact serious or critical on the current page, as `id: first targets`. */
export async function seriousViolations(c: Console): Promise<string[]> {
  await c.page.evaluate(AXE_SOURCE); // evaluated over the devtools protocol: not subject to the page's CSP
  const result = await c.page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(o: object): Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }).axe;
    return axe.run({ resultTypes: ['violations'] });
  });
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
}
