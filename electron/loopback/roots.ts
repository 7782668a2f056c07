/**
 * The folders the loopback console may touch. Unlike Electron, the loopback host has no system file
 * dialog: the page sends paths as text, and anything that can reach the page (a compromised renderer,
 * an XSS, a local user who obtained the token) could otherwise make main read or write any file this
 * user can (`vault:create` at ~/.bashrc, a key imported from ~/.ssh/id_ed25519, a bundle written into
 * ~/.config/autostart). So every path-taking channel is confined to folders chosen when the host
 * starts (`--root DIR`, repeatable, default the working directory):
 *
 * - paths are made absolute (against the working directory) and resolved with `realpath`, so `..`
 *   and symbolic links cannot lead outside a root; a path that does not exist yet (a new vault file)
 *   is resolved through its parent folder, which must exist, and a dangling symbolic link is refused;
 * - the handler then receives the resolved path (not the text sent), so what was checked is what is used;
 * - a refusal is an ordinary IPC error naming the path and the roots.
 *
 * Residual risk: a local user who can write inside a root can still swap a component for a symbolic
 * link between this check and the handler's open (TOCTOU); roots should be folders only this user writes.
 */
import { lstatSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { InputError } from '../core/errors.ts';
import { toIpcError, type Dispatch } from '../ipc/dispatch.ts';
import type { Channel } from '../ipc/contract.ts';

/**
 * Resolves the `--root` folders: each made absolute against `cwd` and `realpath`ed. InputError naming
 * the folder (field `--root`) when it does not exist or is not a folder. Duplicates are dropped.
 */
export function resolveRoots(dirs: string[], cwd = process.cwd()): string[] {
  const out: string[] = [];
  for (const dir of dirs) {
    let real: string;
    try {
      real = realpathSync(resolve(cwd, dir));
    } catch {
      throw new InputError(dir, '--root', 'no such folder');
    }
    if (!statSync(real).isDirectory()) throw new InputError(dir, '--root', 'is not a folder');
    if (!out.includes(real)) out.push(real);
  }
  if (out.length === 0) throw new InputError('--root', '--root', 'at least one folder is needed');
  return out;
}

/** True when the real path `p` is `root` itself or inside it. */
const within = (p: string, root: string) => p === root || p.startsWith(root.endsWith(sep) ? root : root + sep);

/**
 * The real, absolute path of `path` if it lies under one of `roots` (already resolved by
 * {@link resolveRoots}); throws InputError(path, 'path', …) naming the roots otherwise. A path that
 * does not exist is resolved through its parent (which must exist); a dangling symbolic link is refused.
 */
export function confinePath(path: string, roots: string[], cwd = process.cwd()): string {
  const outside = (real: string) =>
    new InputError(path, 'path', `is outside the folders this console may use${real !== path ? ` (it resolves to ${real})` : ''}: ${roots.join(', ')}; start the console with --root DIR to allow another folder`);
  if (path.includes('\0')) throw new InputError('(path)', 'path', 'contains a NUL character');
  const absolute = isAbsolute(path) ? path : resolve(cwd, path);
  let real: string;
  try {
    real = realpathSync(absolute);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new InputError(path, 'path', `cannot be resolved (${(e as NodeJS.ErrnoException).code})`);
    let isLink = false;
    try {
      isLink = lstatSync(absolute).isSymbolicLink();
    } catch {
      /* nothing there: a new file */
    }
    if (isLink) throw new InputError(path, 'path', 'is a symbolic link to nothing: refused (it could create a file elsewhere)');
    const name = basename(absolute);
    let parent: string;
    try {
      parent = realpathSync(dirname(absolute));
    } catch {
      throw new InputError(path, 'path', 'its folder does not exist');
    }
    real = join(parent, name);
  }
  if (!roots.some((root) => within(real, root))) throw outside(real);
  return real;
}

/** Where each path-taking channel carries its path: read it from, and write it back into, a request. */
export const PATH_FIELDS: Partial<Record<Channel, { get(req: Record<string, unknown>): unknown; set(req: Record<string, unknown>, real: string): Record<string, unknown> }>> = {
  'vault:open': { get: (r) => r.path, set: (r, p) => ({ ...r, path: p }) },
  'vault:create': { get: (r) => r.path, set: (r, p) => ({ ...r, path: p }) },
  'key:add': {
    get: (r) => (typeof r.source === 'object' && r.source !== null ? (r.source as Record<string, unknown>).importPath : undefined),
    set: (r, p) => ({ ...r, source: { ...(r.source as Record<string, unknown>), importPath: p } }),
  },
  'ceremony:challenge': { get: (r) => r.folder, set: (r, p) => ({ ...r, folder: p }) },
  'ceremony:release': { get: (r) => r.folder, set: (r, p) => ({ ...r, folder: p }) },
  'audit:export': { get: (r) => r.folder, set: (r, p) => ({ ...r, folder: p }) },
  'batch:start': { get: (r) => r.folder, set: (r, p) => ({ ...r, folder: p }) },
  'evidence:ear': { get: (r) => r.keyPath, set: (r, p) => ({ ...r, keyPath: p }) },
};

/**
 * Wraps `dispatch` so that every path in {@link PATH_FIELDS} is confined to `roots` (see
 * {@link confinePath}) and replaced by its real path before the contract and the handler see it;
 * a path outside is `{ ok: false, error: { file: path, field: 'path', message } }`. Requests whose
 * path field is missing or not text go through unchanged, for the contract to refuse.
 */
export function confineDispatch(dispatch: Dispatch, roots: string[], cwd = process.cwd()): Dispatch {
  return (async (channel: string, payload: unknown) => {
    const field = Object.hasOwn(PATH_FIELDS, channel) ? PATH_FIELDS[channel as Channel] : undefined;
    if (field && typeof payload === 'object' && payload !== null && !Array.isArray(payload)) {
      const path = field.get(payload as Record<string, unknown>);
      if (typeof path === 'string' && path.length > 0) {
        let real: string;
        try {
          real = confinePath(path, roots, cwd);
        } catch (e) {
          return { ok: false, error: toIpcError(e, channel) };
        }
        return dispatch(channel, field.set(payload as Record<string, unknown>, real));
      }
    }
    return dispatch(channel, payload);
  }) as Dispatch;
}
