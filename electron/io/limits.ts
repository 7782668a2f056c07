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
 * The limits, chosen from the largest real artefacts in ../shared/vectors (measured 2026-05) with
 * generous headroom, because a limit that refuses a genuine file is worse than a slow one:
 * - attestation 8 MiB (a Trustee Attestation JSON: the evidence and its certificates as JSON — SNP
 *   byte arrays take about 4 characters per byte, NVIDIA evidence is base64 inside a JSON string):
 *   twice the evidence limit;
 * - additional evidence 8 MiB (the guest's additional-evidence string, e.g. its GPUs' evidence as
 *   base64 in JSON): as an attestation;
 * - evidence 4 MiB: the largest real evidence is NVIDIA PPCIe 8-GPU evidence JSON at 97 KiB (TDX
 *   quotes 5 KiB, SNP reports 1.2 KiB, hex text 8.3 KiB): 40× headroom for bigger systems;
 * - endorsement 8 MiB (a certificate chain, CRL or collateral, recognised by content): the largest of
 *   the three limits below, since the role is only known after reading;
 * - certificate 1 MiB: the largest real chain is a 6.4 KiB PEM;
 * - CRL 8 MiB: real AMD/Intel CRLs are ≤ 3 KiB, but a public CA's CRL can reach megabytes;
 * - collateral 4 MiB: the largest real Intel collateral bundle is 21 KiB;
 * - RIM 4 MiB: the largest real RIM is 25 KiB (NVSwitch BIOS); the core's XML limits bound the rest;
 * - OCSP response 1 MiB: real responses are ~2 KiB;
 * - event log 16 MiB: the real TDX CCEL area is 1 MiB;
 * - policy, release policy 1 MiB: hand-written JSON of a few KiB;
 * - key file, JWK, TEE public key, TEE key, challenge, passphrase file 64 KiB: an RSA-4096 PKCS#8
 *   PEM is 3.3 KiB;
 * - bundle 16 MiB: a JWE carries one wrapped key (KiB) — headroom for future payloads;
 * - audit export 64 MiB: grows with the audit log (about 1 KiB per entry);
 * - receipt 1 MiB: a release receipt (roster, request, approvals) is about 10 KiB.
 */
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { InputError } from '../core/errors.ts';

const KiB = 1024;
const MiB = 1024 * KiB;

/** The largest accepted size in bytes of each kind of input file. See the module docstring for why. */
export const LIMITS = {
  evidence: 4 * MiB,
  attestation: 8 * MiB,
  'additional evidence': 8 * MiB,
  endorsement: 8 * MiB,
  'test anchor': 1 * MiB,
  certificate: 1 * MiB,
  CRL: 8 * MiB,
  collateral: 4 * MiB,
  RIM: 4 * MiB,
  'OCSP response': 1 * MiB,
  'event log': 16 * MiB,
  policy: 1 * MiB,
  'release policy': 1 * MiB,
  'key file': 64 * KiB,
  JWK: 64 * KiB,
  'tee-pubkey': 64 * KiB,
  'tee-key': 64 * KiB,
  challenge: 64 * KiB,
  'passphrase file': 64 * KiB,
  bundle: 16 * MiB,
  'audit export': 64 * MiB,
  receipt: 1 * MiB,
} as const satisfies Record<string, number>;

/** What a file is read as; picks its limit in {@link LIMITS} and names it in errors. */
export type InputRole = keyof typeof LIMITS;

/** Deepest JSON nesting accepted in any JSON input file (policies, JWKs, bundles nest ≤ 4). */
export const MAX_JSON_DEPTH = 64;

/** `n` bytes for messages: "209715200 bytes (200.0 MiB)". */
export function formatSize(n: number): string {
  const unit = n >= MiB ? `${(n / MiB).toFixed(1)} MiB` : n >= KiB ? `${(n / KiB).toFixed(1)} KiB` : null;
  return unit ? `${n} bytes (${unit})` : `${n} bytes`;
}

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
  return new InputError(path, role, `${what} ${formatSize(size)}, over the ${role} limit of ${formatSize(LIMITS[role])}: refused`);
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
