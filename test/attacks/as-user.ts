/**
 * The attacker of the attack tests: another local user. Runs commands as uid/gid 65534 (`nobody`) with
 * no supplementary groups through util-linux `setpriv`, which needs root and creates no account.
 * When that is not possible, {@link noOtherUser} says why and the tests that need it skip visibly.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** The attacker's uid and gid. */
export const OTHER_UID = 65534;

function whyNot(): string | null {
  if (process.geteuid?.() !== 0) return `not running as root (euid ${process.geteuid?.()}), so setpriv cannot switch to uid ${OTHER_UID}`;
  const r = spawnSync('setpriv', ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return `setpriv (util-linux) is not available: ${r.error?.message ?? r.stderr}`;
  return null;
}

/** Why the tests cannot act as another user here, or null when they can. */
export const noOtherUser: string | null = whyNot();

/** Prints, once per test file, why the other-user tests of `suite` are skipped. */
export function announceSkips(suite: string): void {
  if (noOtherUser) console.warn(`[attacks] ${suite}: SKIPPING the tests that act as another local user: ${noOtherUser}`);
}

/** Result of a command run as the other user. */
export interface AsUserResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `cmd args…` as uid/gid {@link OTHER_UID} with no supplementary groups (`setpriv --reuid=65534
 * --regid=65534 --clear-groups`), from `/`, with a minimal environment. Throws if the other user is not
 * available (callers skip with {@link noOtherUser} first).
 */
export function asOtherUser(cmd: string, ...args: string[]): AsUserResult {
  if (noOtherUser) throw new Error(noOtherUser);
  const r = spawnSync('setpriv', [`--reuid=${OTHER_UID}`, `--regid=${OTHER_UID}`, '--clear-groups', cmd, ...args], {
    cwd: '/',
    encoding: 'utf8',
    env: { PATH: '/usr/bin:/bin', LC_ALL: 'C' },
  });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Whether the other user can read `path` (`cat` succeeds and prints exactly `expected`, if given). */
export function otherUserCanRead(path: string): boolean {
  return asOtherUser('cat', path).status === 0;
}

/**
 * A fresh world-writable, sticky directory (mode 1777, like /tmp) under `parent` — where another local
 * user can plant files and directories. Remove it with {@link removeAll}.
 */
export function sharedStickyDir(parent: string, label: string): string {
  const d = mkdtempSync(join(parent, `custodian-attack-${label}-`));
  chmodSync(d, 0o1777);
  return d;
}

/**
 * A fresh directory that other users may enter but not write (0755), so a file's own mode is the only
 * thing that keeps another user from reading it.
 */
export function traversableDir(parent: string, label: string): string {
  const d = mkdtempSync(join(parent, `custodian-attack-${label}-`));
  chmodSync(d, 0o755);
  return d;
}

/** Removes each path recursively, whoever owns what is inside (root removes the other user's files too). */
export function removeAll(paths: string[]): void {
  for (const p of paths) rmSync(p, { recursive: true, force: true });
}
