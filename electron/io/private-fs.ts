/** Provisional: replaced by the issue-files branch (same API). */
import { closeSync, constants as C, fstatSync, lstatSync, mkdirSync, openSync, readSync, statfsSync, writeSync, fsyncSync } from 'node:fs';
import { InputError } from '../core/errors.ts';

const RAM = [0x01021994, 0x858458f6];
const euid = () => process.geteuid?.() ?? 0;
const oct = (m: number) => (m & 0o777).toString(8).padStart(4, '0');

export function ensurePrivateDir(path: string, opts: { role: string; requireRam: boolean }): string {
  try {
    mkdirSync(path, { mode: 0o700 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new InputError(path, opts.role, `cannot create (${(e as NodeJS.ErrnoException).code})`);
  }
  const st = lstatSync(path);
  if (st.isSymbolicLink() || !st.isDirectory()) throw new InputError(path, opts.role, 'is not a directory (or is a symbolic link)');
  if (st.uid !== euid()) throw new InputError(path, opts.role, `owned by uid ${st.uid}, not by you (uid ${euid()}): another user may have created it to read what is put there`);
  if ((st.mode & 0o777) !== 0o700) throw new InputError(path, opts.role, `has mode ${oct(st.mode)}; it must be 0700`);
  if (opts.requireRam && !RAM.includes(statfsSync(path).type)) throw new InputError(path, opts.role, 'is not on a RAM filesystem (tmpfs/ramfs)');
  return path;
}

export function createSecretFile(path: string, data: Uint8Array, role: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, C.O_CREAT | C.O_EXCL | C.O_WRONLY | C.O_NOFOLLOW, 0o600);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ELOOP') return false;
    throw new InputError(path, role, `cannot create (${code})`);
  }
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return true;
}

export function readSecretFile(path: string, opts: { role: string; size: number }): Buffer | null {
  let fd: number;
  try {
    fd = openSync(path, C.O_RDONLY | C.O_NOFOLLOW);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    throw new InputError(path, opts.role, code === 'ELOOP' ? 'is a symbolic link' : `cannot open (${code})`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new InputError(path, opts.role, 'is not a regular file');
    if (st.uid !== euid()) throw new InputError(path, opts.role, `owned by uid ${st.uid}, not by you`);
    if ((st.mode & 0o777) !== 0o600) throw new InputError(path, opts.role, `has mode ${oct(st.mode)}, not 0600`);
    if (st.size !== opts.size) throw new InputError(path, opts.role, `is ${st.size} bytes, not ${opts.size}`);
    const buf = Buffer.alloc(opts.size);
    if (readSync(fd, buf, 0, opts.size, 0) !== opts.size) throw new InputError(path, opts.role, 'short read');
    return buf;
  } finally {
    closeSync(fd);
  }
}

export function checkPrivateFile(path: string, opts: { role: string; allowShared?: boolean }): string | null {
  const st = lstatSync(path);
  if (st.isSymbolicLink() || !st.isFile()) throw new InputError(path, opts.role, 'is not a regular file');
  let why: string | null = null;
  if (st.uid !== euid()) why = `is owned by uid ${st.uid}, not by you (uid ${euid()})`;
  else if (st.mode & 0o077) why = `has mode ${oct(st.mode)}: others can read or write it; run chmod 600 ${path}`;
  if (why && !opts.allowShared) throw new InputError(path, opts.role, why);
  return why;
}
