/**
 * The shell, end to end: trust and offline status always visible; the renderer issues no network
 * request (and cannot: CSP); the loopback host answers only 127.0.0.1 with the per-start token;
 * keyboard operation; axe-core finds no serious or critical violation in light or dark.
 */
import { request } from 'node:http';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, core } from '../helpers.ts';
import { chooseFiles, HAVE_CHROMIUM, openConsole, seriousViolations, type Console } from './harness.ts';
import { TOKEN_HEADER } from '../../electron/loopback/host.ts';

/** A raw HTTP call to the host (as another local process would make it). */
function raw(origin: string, path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; body: string }> {
  const url = new URL(origin);
  return new Promise((resolve, reject) => {
    // `path` goes out as written (no URL normalisation), as a hostile client would send it.
    const req = request({ host: url.hostname, port: url.port, path, method: init.method ?? 'GET', headers: init.headers }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

describe.skipIf(!HAVE_CHROMIUM)('Shell: trust, offline, loopback host, keyboard, accessibility', () => {
  let c: Console;
  beforeAll(async () => {
    c = await openConsole();
  });
  afterAll(async () => c?.close());

  it('shows the offline status and the core\'s pinned roots with their fingerprints (keyboard only)', async () => {
    expect(await c.page.getByTestId('offline').textContent()).toContain('no network requests');
    await c.page.getByRole('button', { name: /Pinned roots/ }).focus();
    await c.page.keyboard.press('Enter');
    const dialog = c.page.getByRole('dialog', { name: 'Pinned vendor roots' });
    await dialog.waitFor();
    const text = (await dialog.textContent()) ?? '';
    const pins = core.pinnedRoots();
    expect(pins.length).toBeGreaterThanOrEqual(4);
    for (const r of pins) {
      expect(text).toContain(r.name);
      expect(text).toContain(r.spki_sha256);
    }
    await c.screenshot('shell-pinned-roots');
    await c.page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
  });

  it('the renderer cannot reach the network: fetch, images and beacons are blocked and never leave', async () => {
    const attempts = await c.page.evaluate(async () => {
      const out: string[] = [];
      try {
        await fetch('http://example.com/');
        out.push('fetch went through');
      } catch {
        out.push('fetch blocked');
      }
      const img = new Image();
      img.src = 'http://example.com/pixel.png';
      await new Promise((r) => {
        img.onerror = r;
        img.onload = r;
      });
      out.push(navigator.sendBeacon('http://example.com/beacon', 'x') ? 'beacon queued' : 'beacon refused');
      return out;
    });
    expect(attempts[0]).toBe('fetch blocked');
    await c.page.waitForTimeout(300);
    // Chromium reports the attempts it blocked; none reached the network layer (the route sees all that would).
    const foreign = c.requests.filter((u) => !u.startsWith(`${c.host.origin}/`));
    for (const u of foreign) expect(c.failed.get(u), u).toMatch(/csp|ERR_BLOCKED_BY_CSP/i);
    expect(c.escaped).toEqual([]);
    // And what did go out is only the app itself and its own /ipc calls.
    expect(c.requests.filter((u) => !foreign.includes(u)).every((u) => /^\/(|index\.html|loopback-bridge\.js|assets\/[\w.-]+|ipc\/[\w%.-]+)$/.test(new URL(u).pathname))).toBe(true);
  });

  it('the loopback host listens on 127.0.0.1 and refuses calls without the per-start token', async () => {
    expect(c.host.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    // Not reachable on this machine's other addresses (where other machines could reach it).
    const port = Number(new URL(c.host.origin).port);
    const external = Object.values(networkInterfaces()).flat().filter((i) => i && !i.internal && i.family === 'IPv4').map((i) => i!.address);
    for (const address of external) {
      const outcome = await new Promise<string>((resolve) => {
        const sock = connect({ host: address, port }, () => (sock.destroy(), resolve('connected')));
        sock.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      });
      expect(outcome, address).toBe('ECONNREFUSED');
    }
    expect(c.host.token).toMatch(/^[0-9a-f]{64}$/);
    const json = { 'content-type': 'application/json', host: new URL(c.host.origin).host };
    const call = (headers: Record<string, string>) => raw(c.host.origin, '/ipc/app%3Ainfo', { method: 'POST', headers: { ...json, ...headers }, body: '{}' });
    expect((await call({})).status).toBe(401);
    expect((await call({ [TOKEN_HEADER]: '0'.repeat(64) })).status).toBe(401);
    expect((await call({ [TOKEN_HEADER]: c.host.token.slice(1) })).status).toBe(401);
    const ok = await call({ [TOKEN_HEADER]: c.host.token });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body).ok).toBe(true);
    // A DNS-rebinding page reaches the port under another name: refused by the Host check.
    expect((await call({ [TOKEN_HEADER]: c.host.token, host: `evil.example:${new URL(c.host.origin).port}` })).status).toBe(421);
    // A page in the browser that lacks the token (another tab, another site) is refused too.
    const fromPage = await c.page.evaluate(() => fetch('/ipc/app%3Ainfo', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' }).then((r) => r.status));
    expect(fromPage).toBe(401);
    // Malformed names and methods get an HTTP error, never a crash of the host.
    expect((await raw(c.host.origin, '/ipc/%E0%A4%A', { method: 'POST', headers: { ...json, [TOKEN_HEADER]: c.host.token }, body: '{}' })).status).toBe(400);
    expect((await raw(c.host.origin, '/ipc/app%3Ainfo', { headers: { host: json.host, [TOKEN_HEADER]: c.host.token } })).status).toBe(405);
    expect((await raw(c.host.origin, '/index.html', { method: 'PUT', headers: { host: json.host } })).status).toBe(405);
    expect((await raw(c.host.origin, '/%2e%2e/package.json', { headers: { host: json.host } })).status).toBe(403);
    // Invalid payloads are refused by the contract, naming the field.
    const bad = await raw(c.host.origin, '/ipc/evidence%3Ainspect', { method: 'POST', headers: { ...json, [TOKEN_HEADER]: c.host.token }, body: '{"files":[],"testAnchors":[],"policy":null,"referenceTime":"yesterday"}' });
    const err = JSON.parse(bad.body);
    expect(err.ok).toBe(false);
    expect(err.error.message).toMatch(/files/);
    expect(err.error.message).toMatch(/referenceTime/);
  });

  it('opened without its #token, the console says to open the full URL printed in the terminal (not a dead UI with "HTTP 401")', async () => {
    const page = await c.context.newPage(); // a new tab: its own sessionStorage, so no token
    try {
      await page.goto(`${c.host.origin}/`);
      const note = page.getByTestId('no-token');
      await note.waitFor();
      expect(await note.textContent()).toMatch(/^Open the full URL printed in the terminal/);
      expect(await page.getByRole('tab').count()).toBe(0);
      expect(await page.textContent('body')).not.toMatch(/HTTP 401/);
    } finally {
      await page.close();
    }
  });

  it('is keyboard operable: the screens switch with the arrow keys', async () => {
    await c.page.getByRole('tab', { name: 'Inspect' }).focus();
    await c.page.keyboard.press('ArrowRight');
    expect(await c.page.getByRole('tab', { name: 'Compare' }).getAttribute('aria-selected')).toBe('true');
    await c.page.keyboard.press('ArrowRight');
    expect(await c.page.getByRole('tab', { name: 'Batch' }).getAttribute('aria-selected')).toBe('true');
    await c.page.keyboard.press('Home');
    expect(await c.page.getByRole('tab', { name: 'Inspect' }).getAttribute('aria-selected')).toBe('true');
  });

  it('the theme chosen is remembered across a reload (issue 15)', async () => {
    const toggle = c.page.getByRole('button', { name: 'Dark theme' });
    const theme = () => c.page.evaluate(() => document.documentElement.dataset.theme);
    expect(await theme()).toBe('light');
    await toggle.click();
    await c.page.reload();
    await c.page.getByRole('button', { name: 'Dark theme' }).waitFor();
    expect(await theme()).toBe('dark');
    expect(await toggle.getAttribute('aria-pressed')).toBe('true');
    await toggle.click();
    await c.page.reload();
    await c.page.getByRole('button', { name: 'Dark theme' }).waitFor();
    expect(await theme()).toBe('light');
  });

  it('axe-core finds no serious or critical violation on any screen, in light and in dark', async () => {
    const fx = (...p: string[]) => join(FIXTURES, ...p);
    await chooseFiles(c.page, 'Inspect: open evidence and endorsements…', [fx('debug', 'report.bin'), fx('debug', 'vcek.der'), fx('pki', 'cert_chain.pem'), fx('pki', 'crl-empty.der')]);
    await c.page.getByRole('region', { name: 'Verdict' }).first().waitFor();
    for (const theme of ['light', 'dark'] as const) {
      if (theme === 'dark') {
        const toggle = c.page.getByRole('button', { name: 'Dark theme' });
        expect(await toggle.getAttribute('aria-pressed')).toBe('false');
        await toggle.click();
        expect(await toggle.getAttribute('aria-pressed')).toBe('true');
        expect(await c.page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
        expect(await c.page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(13, 17, 23)');
      }
      for (const screen of ['Inspect', 'Compare', 'Batch']) {
        await c.page.getByRole('tab', { name: screen, exact: true }).click();
        if (screen === 'Inspect') {
          for (const view of ['Checks', 'Fields and bytes', 'Certificate chain']) {
            await c.page.getByRole('tab', { name: view }).click();
            expect(await seriousViolations(c), `${theme} ${screen} ${view}`).toEqual([]);
          }
          await c.screenshot(`shell-${theme}-inspect`);
        } else {
          expect(await seriousViolations(c), `${theme} ${screen}`).toEqual([]);
        }
      }
    }
    // The check can fail: an unlabelled button (a critical violation) is found at once.
    await c.page.evaluate(`document.querySelector('main').append(Object.assign(document.createElement('button'), { id: 'unlabelled' }))`);
    expect((await seriousViolations(c)).join()).toMatch(/^button-name: #unlabelled/);
    await c.page.evaluate(`document.getElementById('unlabelled').remove()`);
  });
});
