/**
 * The loopback host: serves the built renderer to a browser and implements the preload API over
 * HTTP with the same dispatcher and handlers as the Electron main process. For machines without
 * Electron and for the end-to-end tests.
 *
 * - binds 127.0.0.1 only (never 0.0.0.0 or ::);
 * - a random 256-bit token is made per start; every `/ipc/*` call must carry it in the
 *   `X-Custodian-Token` header (a header, not a cookie, so another page cannot ride on it);
 * - the `Host` header must be this exact loopback address (defeats DNS rebinding);
 * - static files carry the app's CSP, except `connect-src 'self'` so the bridge can reach `/ipc`;
 * - a request URL with a malformed percent-encoding is 400 (never a 500 or a crash);
 * - path-taking channels are confined to the folders chosen at start: see ./roots.ts (the caller
 *   passes a confined dispatcher).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { APP_ORIGIN, CSP_DIRECTIVES, contentTypeFor, resolveAppPath } from '../main/security.ts';
import { decode, encode } from '../ipc/codec.ts';
import type { Dispatch } from '../ipc/dispatch.ts';

/** Header carrying the per-start token. */
export const TOKEN_HEADER = 'x-custodian-token';
/** Largest accepted `/ipc` request body, in bytes (64 evidence files of a few hundred KiB). */
const MAX_BODY = 64 * 1024 * 1024;
/** Path of the browser bridge in the built renderer (electron.vite.config.ts). */
export const BRIDGE_PATH = '/loopback-bridge.js';

/** The loopback CSP: the app's, with `connect-src 'self'` for the bridge. */
export const LOOPBACK_CSP = Object.entries({ ...CSP_DIRECTIVES, 'connect-src': "'self'" })
  .map(([d, v]) => `${d} ${v}`)
  .join('; ');

export interface LoopbackHost {
  /** `http://127.0.0.1:PORT` */
  origin: string;
  /** The per-start token. */
  token: string;
  /** The URL a user opens: the token travels in the fragment, which browsers never send. */
  url: string;
  close(): Promise<void>;
}

function sameToken(given: string | string[] | undefined, token: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Error('request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** True when `url` decodes (every `%` starts a valid escape of UTF-8). */
function decodable(url: string): boolean {
  try {
    decodeURIComponent(url);
    return true;
  } catch {
    return false;
  }
}

function send(res: ServerResponse, status: number, type: string, data: string | Buffer): void {
  res.writeHead(status, {
    'Content-Type': type,
    'Content-Security-Policy': LOOPBACK_CSP,
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-store',
    'Referrer-Policy': 'no-referrer',
  });
  res.end(data);
}

/**
 * Starts the host on 127.0.0.1 (port 0 = any free port) serving `rendererDir` (out/renderer).
 */
export async function startLoopbackHost(options: { rendererDir: string; dispatch: Dispatch; port?: number }): Promise<LoopbackHost> {
  const token = randomBytes(32).toString('hex');
  let origin = '';

  async function serveStatic(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const file = resolveAppPath(`${APP_ORIGIN}${req.url ?? '/'}`, options.rendererDir); // the same path rules as app://
    if (file === null) return send(res, 403, 'text/plain', 'forbidden');
    let data: Buffer;
    try {
      data = await readFile(file);
    } catch {
      return send(res, 404, 'text/plain', 'not found');
    }
    if (file.endsWith('.html')) {
      // The bridge must define window.custodian before the app's module runs: modules run in order.
      const html = data.toString('utf8').replace(/connect-src 'none'/, "connect-src 'self'").replace('<script type="module"', `<script type="module" src="${BRIDGE_PATH}"></script>\n    <script type="module"`);
      return send(res, 200, contentTypeFor(file), html);
    }
    send(res, 200, contentTypeFor(file), data);
  }

  async function serveIpc(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') return send(res, 405, 'text/plain', 'POST only');
    if (!sameToken(req.headers[TOKEN_HEADER], token)) return send(res, 401, 'text/plain', 'missing or wrong token');
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) return send(res, 415, 'text/plain', 'JSON only');
    const channel = decodeURIComponent((req.url ?? '').slice('/ipc/'.length));
    let payload: unknown;
    try {
      payload = decode(await body(req));
    } catch (e) {
      return send(res, 400, 'application/json', encode({ ok: false, error: { file: channel, field: 'request', message: (e as Error).message } }));
    }
    send(res, 200, 'application/json', encode(await options.dispatch(channel, payload)));
  }

  const server: Server = createServer((req, res) => {
    if (req.headers.host !== origin.slice('http://'.length)) return send(res, 421, 'text/plain', 'wrong Host');
    if (!decodable(req.url ?? '/')) return send(res, 400, 'text/plain', 'malformed percent-encoding in the request URL');
    const isIpc = (req.url ?? '/').startsWith('/ipc/');
    if (!isIpc && req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'method not allowed');
    (isIpc ? serveIpc(req, res) : serveStatic(req, res)).catch((e: unknown) => {
      if (!res.headersSent) send(res, 500, 'text/plain', (e as Error).message);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    token,
    url: `${origin}/#token=${token}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
