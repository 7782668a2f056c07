/** File input and output for the CLI and the main process: errors name the file and its role; outputs are written atomically. */
import { closeSync, fsyncSync, lstatSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import type { NamedBytes } from '../core/appraisal.ts';
import { InputError } from '../core/errors.ts';

/** Reads `path` as NamedBytes (name = path); InputError naming `role` when it cannot be read. */
export function readNamed(path: string, role: string): NamedBytes & { bytes: Buffer } {
  try {
    return { name: path, bytes: readFileSync(path) };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new InputError(path, role, code === 'ENOENT' ? 'no such file' : `cannot read (${code})`);
  }
}

/** Reads and parses a JSON file; InputError naming `role` when it is not JSON. */
export function readJson(path: string, role: string): unknown {
  try {
    return JSON.parse(readNamed(path, role).bytes.toString('utf8'));
  } catch (e) {
    if (e instanceof InputError) throw e;
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

/** Provisional (replaced by the issue-files branch): removes leftover temp files of writes to `path`; returns how many. */
export function sweepTempFiles(path: string): number {
  const dir = dirname(path);
  const prefix = `.${basename(path)}.`;
  let n = 0;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    const p = join(dir, name);
    const st = lstatSync(p);
    if (st.isFile() && st.uid === (process.geteuid?.() ?? 0)) {
      rmSync(p, { force: true });
      n++;
    }
  }
  return n;
}
