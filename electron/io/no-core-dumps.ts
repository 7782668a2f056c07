/**
 * Core dumps off for a running process that handles passphrases, Shamir shares or keys (the Electron
 * main process, the loopback host, the CLI when not started through bin/custodian, which already runs
 * `ulimit -c 0`). A core file is a copy of the process memory written to disk, readable later by this
 * user or by a crash reporter.
 *
 * Node has no setrlimit/prctl, and no maintained npm module wraps prctl. This uses what Linux offers
 * from outside the process, plus a generic FFI module for prctl when it is installed:
 * - RLIMIT_CORE soft and hard 0 via util-linux `prlimit --pid <this pid> --core=0:0` (the prlimit(2)
 *   syscall on another process of the same user; lowering is always allowed), read back from
 *   /proc/self/limits;
 * - `/proc/self/coredump_filter` = 0: even when a pipe handler in `core_pattern` ignores RLIMIT_CORE,
 *   no memory mapping (heap, stack, anonymous or file-backed) is written into the dump.
 * - when the optional FFI module `koffi` is installed (MIT, N-API so the same build serves Node and
 *   Electron): `prctl(PR_SET_DUMPABLE, 0)` from libc, which also stops other processes of the same user
 *   from ptrace-attaching or reading /proc/PID/mem, environ and fds. Without it, that part is skipped
 *   and reported (`dumpable: 'unavailable'`).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const PR_GET_DUMPABLE = 3;
const PR_SET_DUMPABLE = 4;

/**
 * `prctl(PR_SET_DUMPABLE, 0)` through `koffi` when it can be loaded; returns the dumpable flag read
 * back with PR_GET_DUMPABLE (0 = not dumpable), or null when koffi or libc is unavailable.
 */
export function setNotDumpable(): number | null {
  if (process.platform !== 'linux') return null;
  try {
    const koffi = createRequire(import.meta.url)('koffi') as { load(lib: string): { func(signature: string): (...args: number[]) => number } };
    const prctl = koffi.load('libc.so.6').func('int prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5)');
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    return prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
  } catch {
    return null;
  }
}

/** RLIMIT_CORE of a process as /proc/PID/limits shows it (`'0'`, a byte count, or `'unlimited'`); null off Linux. */
export function coreLimit(pid: number | 'self' = 'self'): { soft: string; hard: string } | null {
  try {
    const m = /^Max core file size\s+(\S+)\s+(\S+)/m.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'));
    return m ? { soft: m[1]!, hard: m[2]! } : null;
  } catch {
    return null;
  }
}

/** What {@link disableCoreDumps} achieved; `detail` is one line for a log or a warning. */
export interface CoreDumpStatus {
  /** RLIMIT_CORE is now 0/0 (`true`), or could not be set (`false`, see detail). */
  rlimitZero: boolean;
  /** /proc/self/coredump_filter is now 0. */
  filterZero: boolean;
  /** PR_SET_DUMPABLE: 'off' (prctl done), or 'unavailable' (koffi not installed, or not Linux). */
  dumpable: 'off' | 'unavailable';
  detail: string;
}

/**
 * Sets this process's RLIMIT_CORE to 0 (soft and hard), its coredump_filter to 0 and, with koffi,
 * PR_SET_DUMPABLE 0; idempotent and cheap when already done (one /proc read, no child process).
 * Never throws: returns what it achieved.
 */
export function disableCoreDumps(): CoreDumpStatus {
  const notes: string[] = [];
  let limit = coreLimit();
  if (limit && !(limit.soft === '0' && limit.hard === '0')) {
    const r = spawnSync('prlimit', ['--pid', String(process.pid), '--core=0:0'], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
    if (r.error || r.status !== 0) notes.push(`prlimit failed (${r.error?.message ?? r.stderr.trim()})`);
    limit = coreLimit();
  }
  const rlimitZero = limit !== null && limit.soft === '0' && limit.hard === '0';
  if (!limit) notes.push('no /proc/self/limits (not Linux?)');
  let filterZero = false;
  try {
    // Read first: once the process is not dumpable its /proc files belong to root (writes would fail).
    if (parseInt(readFileSync('/proc/self/coredump_filter', 'utf8'), 16) !== 0) writeFileSync('/proc/self/coredump_filter', '0');
    filterZero = parseInt(readFileSync('/proc/self/coredump_filter', 'utf8'), 16) === 0;
  } catch (e) {
    notes.push(`coredump_filter not set (${(e as Error).message})`);
  }
  const dumpable = setNotDumpable() === 0 ? 'off' : 'unavailable';
  const detail = `core dumps: RLIMIT_CORE ${rlimitZero ? '0' : `${limit?.soft ?? '?'}/${limit?.hard ?? '?'}`}, coredump_filter ${filterZero ? '0' : 'unchanged'}, PR_SET_DUMPABLE ${dumpable === 'off' ? '0' : 'not available (optional module koffi not installed)'}${notes.length ? `; ${notes.join('; ')}` : ''}`;
  return { rlimitZero, filterZero, dumpable, detail };
}
