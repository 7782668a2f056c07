/**
 * Preload script (sandboxed, built as CommonJS): exposes the narrow {@link CustodianApi} — version
 * and `call(channel, request)` over the typed contract — to the isolated renderer world. Nothing else.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { createApi, CUSTODIAN_API_KEY, type Invoke } from '../ipc/client';
import { isChannel } from '../ipc/contract';

/** Injected by electron.vite.config.ts (`define`) from package.json. */
declare const __CUSTODIAN_VERSION__: string;

const invoke: Invoke = (channel, request) => {
  // Only the contract's channels, so the renderer cannot reach any other ipcMain listener.
  if (!isChannel(channel)) return Promise.resolve({ ok: false, error: { file: 'ipc', field: 'channel', message: `unknown channel "${channel}"` } });
  return ipcRenderer.invoke(channel, request);
};

contextBridge.exposeInMainWorld(CUSTODIAN_API_KEY, createApi(__CUSTODIAN_VERSION__, invoke));
