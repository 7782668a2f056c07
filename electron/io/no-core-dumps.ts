/**
 * Core dumps off for a running process that handles passphrases, Shamir shares or keys (the Electron
 * main process, the loopback host, the CLI when not started through bin/custodian, which already runs
 * `ulimit -c 0`). A core file is a copy of the process memory written to disk, readable later by this
 * user or by a crash reporter.
 *
 * Node has no setrlimit/prctl. Without a native module (none maintained that offers prctl was found;
 * see the report), this uses what Linux offers from outside the process:
 * - RLIMIT_CORE soft and hard 0 via util-linux `prlimit --pid <this pid> --core=0:0` (the prlimit(2)
 *   syscall on another process of the same user; lowering is always allowed), read back from
 *   /proc/self/limits;
 * - `/proc/self/coredump_filter` = 0: even when a pipe handler in `core_pattern` ignores RLIMIT_CORE,
 *   no memory mapping (heap, stack, anonymous or file-backed) is written into the dump.
 * What it cannot do: PR_SET_DUMPABLE 0 (which would also stop same-user ptrace and /proc/PID/mem access).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

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
  detail: string;
}

/**
 * Sets this process's RLIMIT_CORE to 0 (soft and hard) and its coredump_filter to 0; idempotent and
 * cheap when already done (one /proc read, no child process). Never throws: returns what it achieved.
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
    writeFileSync('/proc/self/coredump_filter', '0');
    filterZero = parseInt(readFileSync('/proc/self/coredump_filter', 'utf8'), 16) === 0;
  } catch (e) {
    notes.push(`coredump_filter not set (${(e as Error).message})`);
  }
  const detail = `core dumps: RLIMIT_CORE ${rlimitZero ? '0' : `${limit?.soft ?? '?'}/${limit?.hard ?? '?'}`}, coredump_filter ${filterZero ? '0' : 'unchanged'}${notes.length ? `; ${notes.join('; ')}` : ''}`;
  return { rlimitZero, filterZero, detail };
}
