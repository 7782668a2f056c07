/**
 * Size and kind limits for every file the verifier and the vault read: one table, one reader.
 *
 * Threat: any path that reads "a file" can be pointed at a FIFO (blocks forever), a device
 * (`/dev/zero` grew the CLI to 12 GB), a directory, or a huge file (a 200 MB random file as evidence
 * peaked at 2.2 GB RSS before a misleading error). {@link readLimited} refuses anything that is not a
 * regular file before reading a byte (stat, then open with O_NONBLOCK so a FIFO cannot block the open,
 * then fstat on the opened descriptor so a swap between the two is caught), refuses a file whose size
 * is over its role's limit, and enforces the limit while reading (a file that grows). Peak memory for
 * any refused input is at most twice the limit plus a constant (the read buffer grows by doubling).
 *
 * The limits themselves and why: `size-limits.ts`.
 */
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { InputError } from '../core/errors.ts';
import { LIMITS, MAX_JSON_DEPTH, sizeRefusal, type InputRole } from './size-limits.ts';

export { LIMITS, MAX_JSON_DEPTH, type InputRole } from './size-limits.ts';

function kindOf(s: Stats): string {
  if (s.isDirectory()) return 'a directory';
  if (s.isFIFO()) return 'a FIFO (named pipe)';
  if (s.isCharacterDevice()) return 'a character device';
  if (s.isBlockDevice()) return 'a block device';
  if (s.isSocket()) return 'a socket';
  return 'not a regular file';
}

function notRegular(path: string, role: InputRole, s: Stats): InputError {
  return new InputError(path, role, `is ${kindOf(s)}, not a regular file: refused without reading it`);
}

function tooLarge(path: string, role: InputRole, size: number, what = 'is'): InputError {
  return new InputError(path, role, sizeRefusal(role, size, what));
}

/**
 * Throws {@link InputError} naming `name`, `role`, the size and the limit when `length` bytes is over
 * the role's limit. For inputs that arrive as bytes (console IPC, loopback uploads).
 */
export function checkSize(name: string, role: InputRole, length: number): void {
  if (length > LIMITS[role]) throw tooLarge(name, role, length);
}

function openError(path: string, role: InputRole, e: unknown): InputError {
  const code = (e as NodeJS.ErrnoException).code ?? 'unreadable';
  if (code === 'ENOENT') return new InputError(path, role, 'no such file');
  if (code === 'ENXIO') return new InputError(path, role, 'is a socket or a device without a reader, not a regular file: refused without reading it');
  return new InputError(path, role, `cannot read (${code})`);
}

/**
 * Reads the regular file `path` as the input `role`, enforcing {@link LIMITS}[role] before and while
 * reading. Throws {@link InputError} (file = `path`, field = `role`) when the file is missing or
 * unreadable, is not a regular file (FIFO, device, socket, directory — refused without reading), is
 * larger than the limit, or grows past it while being read. Memory: at most about 2 × limit.
 */
export function readLimited(path: string, role: InputRole): Buffer {
  const limit = LIMITS[role];
  // Refuse a non-regular file without opening it (opening some devices has side effects) ...
  let before: Stats;
  try {
    before = statSync(path);
  } catch (e) {
    throw openError(path, role, e);
  }
  if (!before.isFile()) throw notRegular(path, role, before);
  if (before.size > limit) throw tooLarge(path, role, before.size);
  // ... and check again on the descriptor actually opened: the path may have been swapped meanwhile.
  // O_NONBLOCK: a FIFO swapped in opens at once instead of waiting for a writer.
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0));
  } catch (e) {
    throw openError(path, role, e);
  }
  try {
    const s = fstatSync(fd);
    if (!s.isFile()) throw notRegular(path, role, s);
    if (s.size > limit) throw tooLarge(path, role, s.size);
    // One byte more than the limit, so a file that grew past it is detected without reading further.
    let buf = Buffer.allocUnsafe(Math.min(s.size, limit) + 1);
    let used = 0;
    for (;;) {
      if (used === buf.length) {
        if (used > limit) throw tooLarge(path, role, used, 'grew while being read to more than');
        const grown = Buffer.allocUnsafe(Math.min(buf.length * 2, limit + 1));
        buf.copy(grown, 0, 0, used);
        buf = grown;
      }
      let n: number;
      try {
        n = readSync(fd, buf, used, buf.length - used, null);
      } catch (e) {
        throw new InputError(path, role, `cannot read (${(e as NodeJS.ErrnoException).code ?? 'unreadable'})`);
      }
      if (n === 0) break;
      used += n;
    }
    if (used > limit) throw tooLarge(path, role, used, 'grew while being read to more than');
    return buf.subarray(0, used);
  } finally {
    closeSync(fd);
  }
}

/**
 * The deepest nesting of arrays and objects in JSON `text` (strings skipped), by one linear scan
 * without recursion. Used to refuse deep JSON before `JSON.parse` and recursive walks (JCS,
 * revivers) meet it.
 */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) max = Math.max(max, ++depth);
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}

/** Throws {@link InputError} when JSON `text` from `name` nests deeper than {@link MAX_JSON_DEPTH}. */
export function checkJsonDepth(name: string, role: InputRole, text: string): void {
  const d = jsonDepth(text);
  if (d > MAX_JSON_DEPTH) throw new InputError(name, role, `JSON nesting deeper than ${MAX_JSON_DEPTH} (${d} levels): refused`);
}

/** The role whose limit applies to a file in each request slot of the evidence planner (select.ts). */
export const SLOT_ROLE = {
  evidence: 'evidence',
  moreEvidence: 'evidence',
  endorsements: 'endorsement',
  rims: 'RIM',
  ocsp: 'OCSP response',
} as const satisfies Record<string, InputRole>;

/**
 * {@link checkSize} for files that arrived as bytes, by their planned slot (`null` = unused, not
 * checked: it is not sent to the core). Throws the InputError of the first file over its limit.
 */
export function checkSlots(files: readonly { name: string; bytes: Uint8Array }[], slots: readonly (keyof typeof SLOT_ROLE | null)[]): void {
  files.forEach((f, i) => {
    const slot = slots[i];
    if (slot) checkSize(f.name, SLOT_ROLE[slot], f.bytes.length);
  });
}
