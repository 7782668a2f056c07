/**
 * Who the audit log names for operator steps: the operating-system account running the process, as
 * the OS reports it (`os.userInfo()` name and uid). A command-line label (`--actor LABEL`) can be added
 * for context but never replaces the account and is marked unverified: anyone can type any label,
 * while the uid is what the OS vouches for.
 */
import { userInfo } from 'node:os';

/** A label as the CLI accepts it: letters, digits, space and `._@+-`, 1..64 characters (no control characters, quotes or brackets to forge with). */
const LABEL = /^[\p{L}\p{N} ._@+-]{1,64}$/u;

/**
 * The OS account: `name (uid N)`, e.g. `alice (uid 1000)`; `uid N` alone when the system has no
 * name for it (e.g. a container uid without a passwd entry).
 */
export function osUser(): string {
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  let name: string | undefined;
  try {
    name = userInfo().username;
  } catch {
    name = undefined;
  }
  if (name && uid !== undefined) return `${name} (uid ${uid})`;
  if (name) return name;
  return uid !== undefined ? `uid ${uid}` : 'unknown user';
}

/**
 * The audit actor: {@link osUser}, plus ` (label: LABEL, unverified)` when a label is given, e.g.
 * `alice (uid 1000) (label: night shift, unverified)`. Throws RangeError naming the rule when the
 * label has characters outside letters, digits, space and `._@+-` or is longer than 64 characters
 * (the CLI turns it into a usage error).
 */
export function auditActor(label?: string): string {
  const user = osUser();
  if (label === undefined) return user;
  if (!LABEL.test(label)) throw new RangeError('--actor: the label may hold only letters, digits, spaces and . _ @ + - (1 to 64 characters)');
  return `${user} (label: ${label}, unverified)`;
}

/** The default audit actor of the console and the CLI: the OS account ({@link osUser}). */
export const defaultActor = (): string => auditActor();
