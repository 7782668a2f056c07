/** File input and output for the CLI and the main process: errors name the file and its role; outputs are written atomically. */
import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
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
 * Writes `data` to `path` atomically and durably: a temporary file beside it, fsync, rename. `mode`
 * defaults to 0644 (0600 for secrets).
 */
export function writeAtomic(path: string, data: Uint8Array | string, mode = 0o644): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  let fd: number;
  try {
    fd = openSync(tmp, 'w', mode);
  } catch (e) {
    throw new InputError(path, 'output', `cannot write (${(e as NodeJS.ErrnoException).code})`);
  }
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}
