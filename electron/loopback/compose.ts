/**
 * Composition root of the loopback host: the real wasm core, batch workers, the vault room and the same handlers
 * and dispatcher as Electron's main process. Used by `loopback/main.ts` and the end-to-end tests.
 */
import { readFileSync } from 'node:fs';
import { loadCore } from '../core/core.ts';
import { BatchJobs } from '../batch/jobs.ts';
import { createDispatcher } from '../ipc/dispatch.ts';
import { createHandlers } from '../ipc/handlers.ts';
import { defaultActor } from '../io/actor.ts';
import { startLoopbackHost, type LoopbackHost } from './host.ts';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/** Starts a loopback console host serving `rendererDir` (the built out/renderer). */
export async function startConsoleHost(options: { rendererDir: string; port?: number; threads?: number }): Promise<LoopbackHost> {
  const core = await loadCore();
  const batch = new BatchJobs({ workerUrl: new URL('../batch/worker.ts', import.meta.url), threads: options.threads });
  const handlers = createHandlers({ core, batch, version: pkg.version, shell: 'loopback', actor: defaultActor() });
  const host = await startLoopbackHost({ rendererDir: options.rendererDir, dispatch: createDispatcher(handlers.handlers), port: options.port });
  return { ...host, close: () => host.close().finally(handlers.close) };
}
