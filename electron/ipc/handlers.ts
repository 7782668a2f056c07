/**
 * The main-process implementation of every channel in the contract, with no Electron imports: the
 * Electron main process and the loopback host wire these same handlers to their transports.
 */
import type { Core } from '../core/core.ts';
import type { BatchJobs } from '../batch/jobs.ts';
import { inspect } from '../evidence/inspect.ts';
import type { Handlers } from './dispatch.ts';

export interface HandlerDeps {
  core: Core;
  batch: BatchJobs;
  version: string;
  shell: 'electron' | 'loopback';
  /** The system folder dialog (Electron's main process); absent in the loopback host. */
  chooseFolder?: (title: string) => Promise<string | null>;
}

/** The handlers for {@link CONTRACT}'s channels. */
export function createHandlers({ core, batch, version, shell, chooseFolder }: HandlerDeps): Handlers {
  return {
    'app:info': async () => ({ version, pinnedRoots: core.pinnedRoots(), shell }),
    'evidence:inspect': async (request) => inspect(core, request),
    'dialog:chooseFolder': async ({ title }) => ({ path: chooseFolder ? await chooseFolder(title) : null }),
    'batch:start': (request) => batch.start(request),
    'batch:poll': async (request) => batch.poll(request),
    'batch:cancel': (request) => batch.cancel(request),
  };
}
