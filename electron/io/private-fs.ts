/**
 * Files and directories only their owner can read, checked rather than assumed: a local user may have
 * created the path first (a directory they own, a symlink to their file, a FIFO), or the owner may have
 * loosened its mode. Every function here refuses such a path with an {@link InputError} naming the path,
 * its role and what is wrong (owner uid, octal mode), and never follows a symlink at the last component.
 *
 * Used for the escrow directory and its key files (RAM only), the vault file and its `-wal`/`-shm`
 * journals. Linux semantics (statfs magic numbers, O_NOFOLLOW); uids are effective uids (`geteuid`).
 */
import { closeSync, constants as C, fchmodSync, fstatSync, lstatSync, mkdirSync, openSync, readSync, statfsSync, unlinkSync, fsyncSync, writeSync, type Stats } from 'node:fs';
import { InputError } from '../core/errors.ts';

/** statfs `f_type` of a tmpfs (linux/magic.h TMPFS_MAGIC). */
export const TMPFS_MAGIC = 0x01021994;
/** statfs `f_type` of a ramfs (linux/magic.h RAMFS_MAGIC). */
export const RAMFS_MAGIC = 0x858458f6;

const code = (e: unknown): string => (e as NodeJS.ErrnoException).code ?? 'unknown error';
const octal = (mode: number): string => `0${(mode & 0o777).toString(8).padStart(3, '0')}`;
const euid = (): number => process.geteuid!();

/** What kind of file `st` is, for messages ("a symlink", "a directory", ...). */
function kind(st: Stats): string {
  if (st.isSymbolicLink()) return 'a symlink';
  if (st.isDirectory()) return 'a directory';
  if (st.isFile()) return 'a regular file';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isBlockDevice() || st.isCharacterDevice()) return 'a device';
  return 'not a regular file';
}

/** The sentence for a file owned by `uid` rather than by this process's effective uid. */
const notYours = (uid: number, why: string) => `owned by uid ${uid}, not by you (uid ${euid()}): ${why}`;

/**
 * Makes sure `path` is a directory only this user can use, creating it if absent.
 *
 * Creates `path` with `mkdir(path, 0700)` — not recursive: the parent must exist — and then, whether it
 * was just created or already there, `lstat`s it and accepts it only if it is a directory (not a
 * symlink to one), owned by `geteuid()`, with permission bits exactly 0700, and, when `requireRam`, on
 * a tmpfs or ramfs (statfs `f_type` {@link TMPFS_MAGIC} / {@link RAMFS_MAGIC}), so what is put there
 * never reaches a disk.
 *
 * @param path the directory
 * @param opts.role what the directory is for, used as the InputError's field (e.g. "escrow directory")
 * @param opts.requireRam refuse a directory that is not on a RAM filesystem
 * @returns `path`
 * @throws InputError(path, role, reason) when it cannot be created (parent missing: ENOENT, ...) or fails
 *   a check, e.g. "owned by uid 65534, not by you (uid 0): another user may have created it to read what
 *   is put there", "mode 0755, not 0700: ...", "is a symlink: ...", "is on a disk filesystem ...".
 */
export function ensurePrivateDir(path: string, opts: { role: string; requireRam: boolean }): string {
  const refuse = (reason: string): never => {
    throw new InputError(path, opts.role, reason);
  };
  try {
    mkdirSync(path, { mode: 0o700 });
  } catch (e) {
    if (code(e) !== 'EEXIST') refuse(`cannot create (${code(e)}); its parent directory must exist and be writable by you`);
  }
  let st: Stats;
  try {
    st = lstatSync(path);
  } catch (e) {
    return refuse(`cannot inspect (${code(e)})`);
  }
  if (st.isSymbolicLink()) refuse('is a symlink: refusing to follow it (another user may have pointed it at a directory they can read)');
  if (!st.isDirectory()) refuse(`is ${kind(st)}, not a directory`);
  if (st.uid !== euid()) refuse(notYours(st.uid, 'another user may have created it to read what is put there'));
  if ((st.mode & 0o777) !== 0o700) refuse(`mode ${octal(st.mode)}, not 0700: others could list or enter it (chmod 700 ${path})`);
  if (opts.requireRam) {
    let type: number;
    try {
      type = Number(statfsSync(path).type) >>> 0;
    } catch (e) {
      return refuse(`cannot check its filesystem (${code(e)})`);
    }
    if (type !== TMPFS_MAGIC && type !== RAMFS_MAGIC) {
      refuse(`is on a disk filesystem (statfs type 0x${type.toString(16)}), not tmpfs or ramfs: what is put there could outlive a reboot`);
    }
  }
  return path;
}

/**
 * Creates `path` as a new file only this user can read (mode 0600) holding `data`, durably.
 *
 * Opens with `O_CREAT|O_EXCL|O_WRONLY|O_NOFOLLOW`, so an existing file, FIFO or symlink (dangling or
 * not) at `path` is never opened, followed or written; sets the mode to exactly 0600 on the open file
 * (whatever the umask), writes all of `data`, fsyncs and closes. If writing fails, the partial file is
 * removed.
 *
 * @param path the file to create
 * @param data the bytes to write
 * @param role what the file is, used as the InputError's field (e.g. "escrow key")
 * @returns true when created; false — having written nothing — when something already exists at `path`
 *   (EEXIST, or ELOOP for a symlink)
 * @throws InputError(path, role, reason) for any other failure (missing parent, no space, ...)
 */
export function createSecretFile(path: string, data: Uint8Array, role: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, C.O_CREAT | C.O_EXCL | C.O_WRONLY | C.O_NOFOLLOW, 0o600);
  } catch (e) {
    if (code(e) === 'EEXIST' || code(e) === 'ELOOP') return false;
    throw new InputError(path, role, `cannot create (${code(e)})`);
  }
  try {
    fchmodSync(fd, 0o600);
    for (let off = 0; off < data.length; ) off += writeSync(fd, data, off, data.length - off);
    fsyncSync(fd);
  } catch (e) {
    closeQuietly(fd);
    unlinkQuietly(path);
    throw new InputError(path, role, `cannot write (${code(e)})`);
  }
  closeSync(fd);
  return true;
}

/**
 * Reads a file that {@link createSecretFile} made: exactly `opts.size` bytes, a regular file owned by
 * this user with mode 0600.
 *
 * Opens with `O_RDONLY|O_NOFOLLOW|O_NONBLOCK` (a planted FIFO cannot block the open), checks the open
 * descriptor with `fstat` (so the file checked is the file read) and reads from that descriptor.
 *
 * @param path the file
 * @param opts.role what the file is, used as the InputError's field
 * @param opts.size the exact expected size in bytes
 * @returns its bytes, or null when there is no file at `path` (ENOENT)
 * @throws InputError(path, role, reason) for a symlink, a non-regular file, a file owned by another uid
 *   ("owned by uid N, not by you (uid M): ..."), a mode other than 0600, a size other than `opts.size`,
 *   or an I/O error
 */
export function readSecretFile(path: string, opts: { role: string; size: number }): Buffer | null {
  const refuse = (reason: string): never => {
    throw new InputError(path, opts.role, reason);
  };
  let fd: number;
  try {
    fd = openSync(path, C.O_RDONLY | C.O_NOFOLLOW | C.O_NONBLOCK);
  } catch (e) {
    if (code(e) === 'ENOENT') return null;
    if (code(e) === 'ELOOP') refuse('is a symlink: refusing to follow it (another user may have planted it)');
    return refuse(`cannot open (${code(e)})`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) refuse(`is ${kind(st)}, not a regular file`);
    if (st.uid !== euid()) refuse(notYours(st.uid, 'you did not create it; another user may have planted it'));
    if ((st.mode & 0o777) !== 0o600) refuse(`mode ${octal(st.mode)}, not 0600: not a file this program created, or others could read it`);
    if (st.size !== opts.size) refuse(`${st.size} bytes, not ${opts.size}`);
    const buf = Buffer.alloc(opts.size);
    let off = 0;
    while (off < opts.size) {
      const n = readSync(fd, buf, off, opts.size - off, off);
      if (n === 0) refuse(`shorter than ${opts.size} bytes while reading`);
      off += n;
    }
    return buf;
  } catch (e) {
    if (e instanceof InputError) throw e;
    return refuse(`cannot read (${code(e)})`);
  } finally {
    closeQuietly(fd);
  }
}

/**
 * Checks that `path` (the vault file, or its `-wal`/`-shm`) is a regular file only its owner — this
 * user — can read or write, as ssh checks a private key.
 *
 * Uses `lstat`. A symlink or non-regular file is always refused. A file owned by another uid, or with
 * any group/other permission bit (`mode & 0o077`), is refused — or, with `allowShared`, accepted with a
 * warning sentence returned for the caller to show.
 *
 * @param path the file
 * @param opts.role what the file is, used as the InputError's field (e.g. "vault")
 * @param opts.allowShared accept a shared or foreign-owned file, returning a warning instead of throwing
 * @returns null when the file is private to this user; otherwise (only with `allowShared`) a warning
 *   sentence naming the file and its octal mode or owner
 * @throws InputError(path, role, reason): "no such file" (ENOENT), "is a symlink", "is a directory",
 *   "mode 0644 lets other users read it ... (chmod 600 FILE, or --allow-shared-vault)", "owned by uid N, ..."
 */
export function checkPrivateFile(path: string, opts: { role: string; allowShared?: boolean }): string | null {
  const refuse = (reason: string): never => {
    throw new InputError(path, opts.role, reason);
  };
  let st: Stats;
  try {
    st = lstatSync(path);
  } catch (e) {
    return refuse(code(e) === 'ENOENT' ? 'no such file' : `cannot inspect (${code(e)})`);
  }
  if (st.isSymbolicLink()) refuse('is a symlink: refusing to follow it; give the path of the file itself');
  if (!st.isFile()) refuse(`is ${kind(st)}, not a regular file`);
  let problem: string | null = null;
  if (st.uid !== euid()) {
    problem = `owned by uid ${st.uid}, not by you (uid ${euid()}): its owner can read and rewrite it`;
  } else if ((st.mode & 0o077) !== 0) {
    const who = [st.mode & 0o070 ? 'group' : '', st.mode & 0o007 ? 'other users' : ''].filter(Boolean).join(' and ');
    const what = [st.mode & 0o044 ? 'read' : '', st.mode & 0o022 ? 'write' : '', st.mode & 0o011 ? 'execute' : ''].filter(Boolean).join('/');
    problem = `mode ${octal(st.mode)} lets ${who} ${what} it; a vault file must be private to you (chmod 600 ${path})`;
  }
  if (problem === null) return null;
  if (!opts.allowShared) refuse(`${problem}, or pass --allow-shared-vault to open it anyway`);
  return `${path}: ${opts.role}: ${problem}; opened anyway because of --allow-shared-vault`;
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    /* already closed */
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* gone already */
  }
}
