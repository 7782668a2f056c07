/**
 * Composition root of the loopback host: the real wasm core, batch workers, the vault room and the same handlers
 * and dispatcher as Electron's main process. Used by `loopback/main.ts` and the end-to-end tests.
 */
import { readFileSync } from 'node:fs';
import { loadCore } from '../core/core.ts';
import { BatchJobs } from '../batch/jobs.ts';
import { createDispatcher } from '../ipc/dispatch.ts';
import { createHandlers } from '../ipc/handlers.ts';
import { auditActor } from '../io/actor.ts';
import { startLoopbackHost, type LoopbackHost } from './host.ts';
import { confineDispatch, confinePath, resolveRoots } from './roots.ts';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/**
 * Starts a loopback console host serving `rendererDir` (the built out/renderer). `roots`: the folders
 * whose files the console may open or write (./roots.ts; default: the working directory); InputError
 * when one does not exist. `actorLabel`: an optional unverified label beside the OS user in the audit log.
 */
export async function startConsoleHost(options: { rendererDir: string; port?: number; threads?: number; roots?: string[]; actorLabel?: string }): Promise<LoopbackHost & { roots: string[] }> {
  const roots = resolveRoots(options.roots ?? [process.cwd()]);
  const actor = auditActor(options.actorLabel);
  const core = await loadCore();
  // A manifest's rows name files too: they stay inside the roots, as the manifest's own path does.
  const batch = new BatchJobs({ workerUrl: new URL('../batch/worker.ts', import.meta.url), threads: options.threads, confine: (p) => confinePath(p, roots) });
  const handlers = createHandlers({ core, batch, version: pkg.version, shell: 'loopback', actor });
  const host = await startLoopbackHost({ rendererDir: options.rendererDir, dispatch: confineDispatch(createDispatcher(handlers.handlers), roots), port: options.port });
  return { ...host, roots, close: () => host.close().finally(handlers.close) };
}
