/**
 * The main-process implementation of every channel in the contract, with no Electron imports: the
 * Electron main process and the loopback host wire these same handlers to their transports.
 */
import type { Core } from '../core/core.ts';
import type { BatchJobs } from '../batch/jobs.ts';
import { earOf, inspect } from '../evidence/inspect.ts';
import { VAULT_CONTRACT } from './contract-vault.ts';
import type { Handlers } from './dispatch.ts';
import type { createVaultHandlers } from './vault-handlers.ts';

type VaultRoom = ReturnType<typeof createVaultHandlers>;
type VaultChannel = keyof VaultRoom['handlers'];

/**
 * Loads the vault room on its first call. Its SQLite binding is a native module: under Electron it
 * must have been rebuilt for Electron's ABI, and when it was not, only the vault screens fail (with
 * how to fix it) while the verifier screens keep working.
 */
function lazyVaultRoom(core: Core, actor: string): VaultRoom {
  let room: Promise<VaultRoom> | null = null;
  const load = () =>
    (room ??= import('./vault-handlers.ts').then(
      (m) => m.createVaultHandlers({ core, actor }),
      (e: unknown) => {
        room = null;
        throw new Error(`the vault store (better-sqlite3) cannot be loaded: ${(e as Error).message}. Under Electron, rebuild it for Electron's ABI once: npx @electron/rebuild -w better-sqlite3`);
      },
    ));
  const handlers = Object.fromEntries(
    (Object.keys(VAULT_CONTRACT) as VaultChannel[]).map((ch) => [ch, async (request: unknown) => ((await load()).handlers[ch] as (r: unknown) => Promise<unknown>)(request)]),
  ) as VaultRoom['handlers'];
  return { handlers, close: () => void room?.then((r) => r.close(), () => undefined) };
}

export interface HandlerDeps {
  core: Core;
  batch: BatchJobs;
  version: string;
  shell: 'electron' | 'loopback';
  /** The system folder dialog (Electron's main process); absent in the loopback host. */
  chooseFolder?: (title: string) => Promise<string | null>;
  /** The system file dialog, for an existing file or a new one (`save`); absent in the loopback host. */
  chooseFile?: (title: string, save: boolean) => Promise<string | null>;
  /** The audit log's actor for operator steps (the OS user). */
  actor: string;
}

/** The handlers for {@link CONTRACT}'s channels, and `close()` to release what they hold (the open vault). */
export function createHandlers({ core, batch, version, shell, chooseFolder, chooseFile, actor }: HandlerDeps): { handlers: Handlers; close(): void } {
  const vault = lazyVaultRoom(core, actor);
  const handlers: Handlers = {
    ...vault.handlers,
    'app:info': async () => ({ version, coreBuild: core.buildId, pinnedRoots: core.pinnedRoots(), shell }),
    'evidence:inspect': async (request) => inspect(core, request),
    'evidence:ear': (request) => earOf(core, request),
    'dialog:chooseFolder': async ({ title }) => ({ path: chooseFolder ? await chooseFolder(title) : null }),
    'dialog:chooseFile': async ({ title, save }) => ({ path: chooseFile ? await chooseFile(title, save) : null }),
    'batch:start': (request) => batch.start(request),
    'batch:poll': async (request) => batch.poll(request),
    'batch:cancel': (request) => batch.cancel(request),
  };
  return { handlers, close: vault.close };
}
