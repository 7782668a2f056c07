/**
 * Pure security decisions for the Electron shell.
 *
 * Nothing here imports `electron`: these values and functions are wired up by
 * `electron/main/index.ts` and unit-tested in plain Node (test/unit/shell.test.ts).
 */
import path from 'node:path';

/** Custom scheme the renderer is served from (instead of `file://`). */
export const APP_SCHEME = 'app';

/** The single host used under {@link APP_SCHEME}; together they form the app origin. */
export const APP_HOST = 'custodian';

/** Origin of the renderer, e.g. `app://custodian`. */
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/** URL the main window loads. */
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/**
 * Privileges for `protocol.registerSchemesAsPrivileged`. `standard` + `secure`
 * give the scheme a real origin and a secure context; `bypassCSP` is
 * deliberately absent so the CSP below always applies.
 */
export const APP_SCHEME_PRIVILEGES = Object.freeze({
  standard: true,
  secure: true,
  supportFetchAPI: true,
  corsEnabled: true,
});

/** CSP directives, in order. Kept as data so tests can check each one. */
export const CSP_DIRECTIVES: Readonly<Record<string, string>> = Object.freeze({
  'default-src': "'none'",
  'script-src': "'self' 'wasm-unsafe-eval'",
  'style-src': "'self'",
  'img-src': "'self' data:",
  'font-src': "'self'",
  'connect-src': "'none'",
  'frame-ancestors': "'none'",
  'base-uri': "'none'",
  'form-action': "'none'",
});

/**
 * The Content-Security-Policy sent as a response header on every `app://`
 * response (and mirrored in the `<meta http-equiv>` of renderer/index.html).
 */
export const CONTENT_SECURITY_POLICY: string = Object.entries(CSP_DIRECTIVES)
  .map(([directive, value]) => `${directive} ${value}`)
  .join('; ');

/**
 * Hardened `webPreferences` for every BrowserWindow.
 *
 * Returns a fresh object each call; `index.ts` types it as Electron's
 * `WebPreferences`, so a misspelt key fails type-checking there.
 *
 * @param preloadPath absolute path of the built (CommonJS) preload script
 */
export function hardenedWebPreferences(preloadPath: string) {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    experimentalFeatures: false,
    navigateOnDragDrop: false,
    // The spellchecker downloads dictionaries over the network on Windows/Linux.
    spellcheck: false,
  } as const;
}

/**
 * True only for URLs on the app origin (`app://custodian/...`).
 * Anything unparsable, any other scheme (http, https, file, devtools, data,
 * ...) and any other `app://` host is rejected.
 */
export function isAppUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  // Node leaves hosts of non-special schemes as written; Chromium lower-cases
  // them for standard schemes. Compare case-insensitively to match both.
  return parsed.protocol === `${APP_SCHEME}:` && parsed.host.toLowerCase() === APP_HOST;
}

/**
 * True when an IPC call may be answered: it comes from the app origin's top-level frame, never from
 * a subframe, another origin, or a frame that has navigated away.
 *
 * @param frame the sender frame's URL and whether it is the top-level frame
 */
export function isTrustedSender(frame: { url: string; isTopLevel: boolean }): boolean {
  return frame.isTopLevel && isAppUrl(frame.url);
}

/**
 * True for requests the session lets through: app:// URLs and blob: URLs the app itself created
 * (exports are saved as blob downloads). Everything else — http(s), ws, file, data — is cancelled.
 */
export function isAllowedRequest(url: string): boolean {
  return isAppUrl(url) || (url.startsWith('blob:') && isAppUrl(url.slice('blob:'.length)));
}

/** Raw (un-normalised) path part of an app URL: after the origin, before `?`/`#`. */
const RAW_APP_PATH = new RegExp(`^${APP_SCHEME}://${APP_HOST}(/[^?#]*)?(?:[?#].*)?$`, 'i');

/**
 * Maps an `app://custodian/...` URL to a file inside `rootDir`, or `null` if
 * the request must be refused.
 *
 * The path is examined *before* URL normalisation, so `..`/`.` segments are
 * refused whether literal or percent-encoded (`%2e%2e`, `%2f`, `%5c`), as are
 * NUL bytes, backslashes and malformed escapes. As a last line of defence the
 * resolved path must still lie inside `rootDir`. `/` maps to `index.html`.
 *
 * @param url     the request URL (e.g. `request.url` in `protocol.handle`)
 * @param rootDir directory holding the built renderer (`out/renderer`)
 */
export function resolveAppPath(url: string, rootDir: string): string | null {
  if (!isAppUrl(url)) return null;
  const match = RAW_APP_PATH.exec(url);
  if (!match) return null;

  let decoded: string;
  try {
    decoded = decodeURIComponent(match[1] ?? '/');
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;

  const segments = decoded.split('/').filter((segment) => segment !== '');
  if (segments.some((segment) => segment === '..' || segment === '.')) return null;
  if (segments.length === 0) segments.push('index.html');

  const root = path.resolve(rootDir);
  const resolved = path.resolve(root, ...segments);
  if (!resolved.startsWith(root + path.sep)) return null;
  return resolved;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = Object.freeze({
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
});

/**
 * Content-Type for a served file, by extension; unknown types fall back to
 * `application/octet-stream` (served with `nosniff`, so never executed).
 */
export function contentTypeFor(filePath: string): string {
  return CONTENT_TYPES[path.extname(filePath).toLowerCase()] ?? 'application/octet-stream';
}

/** Headers added to every `app://` response, including errors. */
export function appResponseHeaders(contentType: string): Record<string, string> {
  return {
    'Content-Type': contentType,
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
  };
}
