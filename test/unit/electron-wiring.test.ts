/**
 * The Electron wiring with Electron's IPC objects replaced by recorders (the binary cannot run
 * here; the core and handlers are real): main registers every contract channel and answers only
 * the app's top-level frame; the preload exposes only `{version, call}` and only contract channels.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { CHANNELS } from '../../electron/ipc/contract.ts';
import { createDispatcher } from '../../electron/ipc/dispatch.ts';
import { createHandlers } from '../../electron/ipc/handlers.ts';
import { BatchJobs } from '../../electron/batch/jobs.ts';
import { core } from '../helpers.ts';

type Listener = (event: unknown, payload: unknown) => unknown;
const registered = new Map<string, Listener>();
const exposed = new Map<string, unknown>();
const invoked: string[] = [];

vi.mock('electron', () => ({
  ipcMain: { handle: (channel: string, listener: Listener) => registered.set(channel, listener) },
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => exposed.set(key, api) },
  ipcRenderer: { invoke: async (channel: string) => (invoked.push(channel), { ok: true, value: { channel } }) },
}));

const frame = (url: string, top = true) => ({ senderFrame: { url, parent: top ? null : {} } });

describe('main: registerIpc', () => {
  beforeAll(async () => {
    const { registerIpc } = await import('../../electron/main/ipc.ts');
    const batch = new BatchJobs({ workerUrl: new URL('../../electron/batch/worker.ts', import.meta.url), threads: 1 });
    registerIpc(createDispatcher(createHandlers({ core, batch, version: '1', shell: 'electron', actor: 'test' }).handlers));
  });

  it('registers exactly the contract channels', () => {
    expect([...registered.keys()].sort()).toEqual([...CHANNELS].sort());
  });

  it('answers the app origin\'s top-level frame and refuses subframes, other origins and destroyed frames', async () => {
    const info = registered.get('app:info')!;
    expect(await info(frame('app://custodian/index.html'), {})).toMatchObject({ ok: true, value: { shell: 'electron' } });
    for (const event of [frame('app://custodian/index.html', false), frame('https://evil.example/'), frame('file:///tmp/x.html'), { senderFrame: null }]) {
      expect(await info(event, {})).toMatchObject({ ok: false, error: { field: 'sender' } });
    }
  });

  it('validates payloads from the trusted frame too', async () => {
    const r = await registered.get('batch:poll')!(frame('app://custodian/'), { jobId: 7 });
    expect(r).toMatchObject({ ok: false, error: { field: 'request' } });
  });
});

describe('preload', () => {
  beforeAll(async () => {
    vi.stubGlobal('__CUSTODIAN_VERSION__', '0.0.0-test');
    await import('../../electron/preload/index.ts');
  });

  it('exposes only a frozen {version, call} as window.custodian', () => {
    const api = exposed.get('custodian') as Record<string, unknown>;
    expect([...exposed.keys()]).toEqual(['custodian']);
    expect(Object.keys(api).sort()).toEqual(['call', 'version']);
    expect(api.version).toBe('0.0.0-test');
    expect(Object.isFrozen(api)).toBe(true);
  });

  it('forwards contract channels to ipcRenderer.invoke and refuses any other', async () => {
    const api = exposed.get('custodian') as { call(c: string, r: unknown): Promise<unknown> };
    await expect(api.call('app:info', {})).resolves.toEqual({ channel: 'app:info' });
    await expect(api.call('vault:unwrap', {})).rejects.toMatchObject({ field: 'channel' });
    expect(invoked).toEqual(['app:info']);
  });
});
