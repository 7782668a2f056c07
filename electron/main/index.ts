/**
 * Electron main process: wires the pure decisions in ./security.ts to Electron.
 *
 * The renderer is served from the privileged `app://custodian/` origin (never
 * file://), every app:// response carries the CSP, and every request that is
 * not app:// is cancelled: the shell is offline by construction.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, protocol, session, type WebContents, type WebPreferences } from 'electron';
import {
  APP_ENTRY_URL,
  APP_SCHEME,
  APP_SCHEME_PRIVILEGES,
  appResponseHeaders,
  contentTypeFor,
  hardenedWebPreferences,
  isAllowedRequest,
  isAppUrl,
  resolveAppPath,
} from './security';
import { loadCore } from '../core/core';
import { BatchJobs } from '../batch/jobs';
import { createDispatcher } from '../ipc/dispatch';
import { createHandlers } from '../ipc/handlers';
import { defaultActor } from '../io/actor';
import { disableCoreDumps } from '../io/no-core-dumps';
import { registerIpc } from './ipc';

const here = path.dirname(fileURLToPath(import.meta.url));
/** Built renderer (out/renderer) and preload (out/preload), relative to out/main. */
const RENDERER_DIR = path.join(here, '../renderer');
const PRELOAD_PATH = path.join(here, '../preload/index.cjs');

// The main process unseals shares with custodians' passphrases: no core file may hold them.
const coreDumps = disableCoreDumps();
if (!coreDumps.rlimitZero) console.warn(`Custodian: ${coreDumps.detail}`);

// Both must happen before `ready`.
app.enableSandbox();
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { ...APP_SCHEME_PRIVILEGES } }]);

/** Serves files from RENDERER_DIR for app:// requests; CSP on every response. */
async function serveAppRequest(request: Request): Promise<Response> {
  const textError = (status: number): Response =>
    new Response(null, { status, headers: appResponseHeaders('text/plain; charset=utf-8') });

  if (request.method !== 'GET' && request.method !== 'HEAD') return textError(405);
  const filePath = resolveAppPath(request.url, RENDERER_DIR);
  if (filePath === null) return textError(403);
  try {
    const body = await readFile(filePath);
    return new Response(request.method === 'HEAD' ? null : body, {
      status: 200,
      headers: appResponseHeaders(contentTypeFor(filePath)),
    });
  } catch {
    return textError(404);
  }
}

/** Session-wide policy: app:// handler, no network, no permissions. */
function hardenSession(): void {
  const ses = session.defaultSession;
  protocol.handle(APP_SCHEME, serveAppRequest);
  ses.webRequest.onBeforeRequest((details, callback) => callback({ cancel: !isAllowedRequest(details.url) }));
  ses.setPermissionRequestHandler((_webContents, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
}

/** Per-webContents policy: no navigation off the app origin, no popups, no <webview>. */
function hardenWebContents(contents: WebContents): void {
  const denyForeign = (event: { url: string; preventDefault(): void }): void => {
    if (!isAppUrl(event.url)) event.preventDefault();
  };
  contents.on('will-navigate', denyForeign);
  contents.on('will-redirect', denyForeign);
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

/** Creates the single application window. */
function createMainWindow(): BrowserWindow {
  const webPreferences: WebPreferences = hardenedWebPreferences(PRELOAD_PATH);
  const window = new BrowserWindow({
    title: 'Custodian',
    width: 1100,
    height: 760,
    show: false,
    webPreferences,
  });
  window.once('ready-to-show', () => window.show());
  void window.loadURL(APP_ENTRY_URL);
  return window;
}

app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

/** The same handlers the loopback host uses, behind Electron IPC. */
async function startServices(): Promise<void> {
  const core = await loadCore();
  const batch = new BatchJobs({ workerUrl: new URL('./batch-worker.js', import.meta.url) });
  const chooseFolder = async (title: string) => {
    const owner = BrowserWindow.getFocusedWindow();
    const options = { title, properties: ['openDirectory' as const] };
    const r = owner ? await dialog.showOpenDialog(owner, options) : await dialog.showOpenDialog(options);
    return r.canceled ? null : (r.filePaths[0] ?? null);
  };
  const chooseFile = async (title: string, save: boolean) => {
    const owner = BrowserWindow.getFocusedWindow() ?? undefined;
    if (save) {
      const r = owner ? await dialog.showSaveDialog(owner, { title }) : await dialog.showSaveDialog({ title });
      return r.canceled ? null : (r.filePath ?? null);
    }
    const options = { title, properties: ['openFile' as const] };
    const r = owner ? await dialog.showOpenDialog(owner, options) : await dialog.showOpenDialog(options);
    return r.canceled ? null : (r.filePaths[0] ?? null);
  };
  const handlers = createHandlers({ core, batch, version: app.getVersion(), shell: 'electron', chooseFolder, chooseFile, actor: defaultActor() });
  app.on('will-quit', handlers.close);
  registerIpc(createDispatcher(handlers.handlers));
}

void app.whenReady().then(async () => {
  hardenSession();
  try {
    await startServices();
  } catch (e) {
    // E.g. the wasm core is not built: say so and stop, rather than show a console that cannot verify.
    dialog.showErrorBox('Custodian cannot start', (e as Error).message);
    app.quit();
    return;
  }
  createMainWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createMainWindow();
  });
});
