import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it, expect } from 'vitest';
import {
  APP_ENTRY_URL,
  APP_SCHEME_PRIVILEGES,
  CONTENT_SECURITY_POLICY,
  appResponseHeaders,
  contentTypeFor,
  hardenedWebPreferences,
  isAppUrl,
  resolveAppPath,
} from '../../electron/main/security';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const RENDERER_DIR = path.join(repoRoot, 'out', 'renderer');
const BUILT_HTML = path.join(RENDERER_DIR, 'index.html');
const SOURCE_HTML = path.join(repoRoot, 'renderer', 'index.html');

/** Extracts the content of `<meta http-equiv="Content-Security-Policy">`. */
function cspMeta(html: string): string | undefined {
  const tag = /<meta\b[^>]*http-equiv=["']Content-Security-Policy["'][^>]*>/i.exec(html)?.[0];
  return tag ? /\bcontent="([^"]*)"/i.exec(tag)?.[1] : undefined;
}

describe('webPreferences', () => {
  const prefs = hardenedWebPreferences('/abs/preload/index.cjs');

  it('is hardened', () => {
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
    });
    expect(prefs).not.toHaveProperty('enableBlinkFeatures');
    expect(prefs.preload).toBe('/abs/preload/index.cjs');
  });

  it('registers app:// without bypassing CSP', () => {
    expect(APP_SCHEME_PRIVILEGES).toMatchObject({ standard: true, secure: true });
    expect(APP_SCHEME_PRIVILEGES).not.toHaveProperty('bypassCSP');
  });
});

describe('Content-Security-Policy', () => {
  const directives = CONTENT_SECURITY_POLICY.split(';').map((d) => d.trim());

  it('denies by default and forbids any network connection', () => {
    expect(directives).toContain("default-src 'none'");
    expect(directives).toContain("connect-src 'none'");
  });

  it('allows only self scripts plus WebAssembly compilation (no unsafe-eval / unsafe-inline)', () => {
    expect(directives).toContain("script-src 'self' 'wasm-unsafe-eval'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/'unsafe-eval'|'unsafe-inline'/);
  });

  it('is exactly the policy from the brief', () => {
    expect(CONTENT_SECURITY_POLICY).toBe(
      "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; " +
        "font-src 'self'; connect-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    );
  });

  it('is sent on every app:// response, with nosniff', () => {
    const headers = appResponseHeaders(contentTypeFor('x.wasm'));
    expect(headers['Content-Security-Policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(headers['X-Content-Type-Options']).toBe('nosniff');
    expect(headers['Content-Type']).toBe('application/wasm');
  });

  it('is mirrored in the source renderer/index.html meta tag', () => {
    expect(cspMeta(readFileSync(SOURCE_HTML, 'utf8'))).toBe(CONTENT_SECURITY_POLICY);
  });

  it.skipIf(!existsSync(BUILT_HTML))('is in the built out/renderer/index.html (skipped: run `npx electron-vite build` first)', () => {
    const html = readFileSync(BUILT_HTML, 'utf8');
    expect(cspMeta(html)).toBe(CONTENT_SECURITY_POLICY);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i); // no inline scripts
    expect(html).not.toMatch(/<style\b|\sstyle=/i); // no inline styles
  });
});

describe('isAppUrl', () => {
  it.each([
    'http://localhost:5173/',
    'https://example.com/',
    'file:///etc/passwd',
    'devtools://devtools/bundled/inspector.html',
    'data:text/html,hi',
    'ws://localhost/',
    'app://evil/index.html',
    'app://custodian.evil/index.html',
    'app:custodian/index.html',
    'not a url',
    '',
  ])('rejects %j', (url) => {
    expect(isAppUrl(url)).toBe(false);
  });

  it.each([APP_ENTRY_URL, 'app://custodian/', 'app://custodian/assets/index-abc.js', 'APP://CUSTODIAN/index.html'])(
    'accepts %j',
    (url) => {
      expect(isAppUrl(url)).toBe(true);
    },
  );
});

describe('resolveAppPath', () => {
  const root = path.resolve('/srv/custodian/renderer');

  it('maps app URLs to files inside the renderer directory', () => {
    expect(resolveAppPath('app://custodian/index.html', root)).toBe(path.join(root, 'index.html'));
    expect(resolveAppPath('app://custodian/', root)).toBe(path.join(root, 'index.html'));
    expect(resolveAppPath('app://custodian', root)).toBe(path.join(root, 'index.html'));
    expect(resolveAppPath('app://custodian/assets/a%20b.js?v=1#x', root)).toBe(path.join(root, 'assets', 'a b.js'));
  });

  it.each([
    'app://custodian/../../etc/passwd',
    'app://custodian/assets/../../../etc/passwd',
    'app://custodian/%2e%2e/%2e%2e/etc/passwd',
    'app://custodian/%2E%2E/etc/passwd',
    'app://custodian/..%2f..%2fetc%2fpasswd',
    'app://custodian/.%2e/etc/passwd',
    'app://custodian/..%5c..%5cetc%5cpasswd',
    'app://custodian/%252e%252e/%00',
    'app://custodian/index.html%00.js',
    'app://custodian/%E0%A4%A', // malformed escape
    'app://evil/index.html',
    'file:///etc/passwd',
    'https://custodian/index.html',
  ])('rejects %j', (url) => {
    expect(resolveAppPath(url, root)).toBeNull();
  });
});
