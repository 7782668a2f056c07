/** File input and output for the CLI and the main process: errors name the file and its role; outputs are written atomically. */
import { randomBytes } from 'node:crypto';
import { closeSync, constants as C, fsyncSync, lstatSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import type { NamedBytes } from '../core/appraisal.ts';
import { InputError } from '../core/errors.ts';
import { checkJsonDepth, readLimited, type InputRole } from './limits.ts';

export { LIMITS, MAX_JSON_DEPTH, checkSize, type InputRole } from './limits.ts';

/**
 * Reads the regular file `path` as NamedBytes (name = path) within the size limit of `role`
 * ({@link LIMITS}). InputError naming the file and `role` when it is missing or unreadable, is not a
 * regular file (FIFO, device, socket, directory: refused without reading), or is over the limit
 * (size and limit in the message). See {@link readLimited}.
 */
export function readNamed(path: string, role: InputRole): NamedBytes & { bytes: Buffer } {
  return { name: path, bytes: readLimited(path, role) };
}

/** The most files one endorsement directory may hold (a KDS cache or snpguest `certs/` holds a handful). */
export const MAX_DIRECTORY_FILES = 256;

/**
 * The files an endorsement path stands for (`--chain`, `--crl`, `--collateral`, `--rim`, `--ocsp`,
 * `--test-anchor`, a batch manifest's endorsements): a file is itself (checked when read), a
 * directory is every regular file directly in it (snpguest's `certs/` layout, KDS cache folders), in
 * name order; dotfiles and subdirectories are skipped (not descended into). InputError naming the
 * directory when it cannot be listed, holds no regular file or more than {@link MAX_DIRECTORY_FILES}.
 */
export function endorsementPaths(path: string, role: InputRole): string[] {
  let isDir = false;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    // The reader names the missing or unreadable path.
  }
  if (!isDir) return [path];
  let entries;
  try {
    entries = readdirSync(path, { withFileTypes: true });
  } catch (e) {
    throw new InputError(path, role, `cannot list the directory (${(e as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
  const files = entries
    .filter((e) => !e.name.startsWith('.'))
    .map((e) => join(path, e.name))
    .filter((p) => statSync(p, { throwIfNoEntry: false })?.isFile())
    .sort();
  if (files.length === 0) throw new InputError(path, role, 'the directory holds no regular file');
  if (files.length > MAX_DIRECTORY_FILES) throw new InputError(path, role, `the directory holds ${files.length} files; at most ${MAX_DIRECTORY_FILES} are read as endorsements`);
  return files;
}

/** Reads an endorsement path ({@link endorsementPaths}): each file as {@link readNamed}, within `role`'s limit. */
export function readEndorsementPath(path: string, role: InputRole): (NamedBytes & { bytes: Buffer })[] {
  return endorsementPaths(path, role).map((p) => readNamed(p, role));
}

/**
 * Reads and parses a JSON file within `role`'s limits: size as {@link readNamed}, nesting at most
 * {@link MAX_JSON_DEPTH}. InputError naming the file and `role` when it is not JSON.
 */
export function readJson(path: string, role: InputRole): unknown {
  const text = readNamed(path, role).bytes.toString('utf8');
  checkJsonDepth(path, role, text);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputError(path, role, `not JSON: ${(e as Error).message}`);
  }
}

/**
 * Writes `data` to `path` atomically and durably: a temporary file `.<basename>.<16 random hex>.tmp`
 * beside it, opened with `O_CREAT|O_EXCL|O_WRONLY|O_NOFOLLOW` and `mode` (so a file or symlink another
 * local user planted at a guessed name is never opened or followed, and the name cannot be guessed),
 * written, fsynced, then renamed over `path` (rename replaces a symlink at `path`, never follows it).
 * On any failure the temporary file is closed and removed and `path` is left as it was.
 *
 * @param mode permission bits of the new file before the umask: 0644 by default; **0600 for secrets**
 *   (an unwrapped key, a release bundle, a TEE private key)
 * @throws InputError(path, 'output', "cannot write (ERRNO)") when the file cannot be created, written or renamed
 */
export function writeAtomic(path: string, data: Uint8Array | string, mode = 0o644): void {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(8).toString('hex')}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, C.O_CREAT | C.O_EXCL | C.O_WRONLY | C.O_NOFOLLOW, mode);
  } catch (e) {
    throw new InputError(path, 'output', `cannot write (${(e as NodeJS.ErrnoException).code})`);
  }
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        /* already closed */
      }
    }
    try {
      unlinkSync(tmp);
    } catch {
      /* not there */
    }
    throw new InputError(path, 'output', `cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** Matches the temporary names {@link writeAtomic} gives for `base`. */
const tempNameOf = (base: string) => {
  const escaped = base.replace(/[.*+?^$()|[\]{}\\]/g, '\\$&');
  return new RegExp('^\\.' + escaped + '\\.[0-9a-f]{16}\\.tmp$');
};

/**
 * Removes the temporary files that an interrupted {@link writeAtomic} of `path` left beside it
 * (`.<basename>.<16 hex>.tmp`): only regular files (lstat: never a symlink's target) owned by this
 * process's effective uid. Call it when no other writer of `path` can be running (e.g. under the vault's
 * write lock), since a concurrent writeAtomic's temporary file would be removed too.
 *
 * @returns how many files were removed (0 when the directory does not exist)
 * @throws InputError(directory, 'output directory', "cannot list (ERRNO)") when the directory cannot be read
 */
export function sweepTempFiles(path: string): number {
  const dir = dirname(path);
  const re = tempNameOf(basename(path));
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw new InputError(dir, 'output directory', `cannot list (${(e as NodeJS.ErrnoException).code})`);
  }
  let removed = 0;
  for (const name of names) {
    if (!re.test(name)) continue;
    const p = join(dir, name);
    try {
      const st = lstatSync(p);
      if (!st.isFile() || st.uid !== process.geteuid!()) continue;
      unlinkSync(p);
      removed++;
    } catch {
      /* vanished meanwhile */
    }
  }
  return removed;
}
