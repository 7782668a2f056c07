/**
 * The approval escrow: a per-ceremony 256-bit AES key kept **only in RAM**, so that what an approval
 * hands to the later release step — the custodian's share of **this ceremony's key's** KEK (never a
 * long-term secret: it opens that one key and nothing else, keys.ts) and the ceremony's
 * receipt-signing key — can wait in the vault file sealed under it, across the separate processes of a
 * scripted ceremony and across a crash, without ever reaching a disk in a form that opens anything.
 * After a reboot the escrow key is gone and the ceremony cannot be completed: it is ended and the
 * custodians start again.
 *
 * Where: a directory only this user can enter, on a RAM filesystem (tmpfs/ramfs):
 * `$CUSTODIAN_ESCROW_DIR` if set, else `$XDG_RUNTIME_DIR/custodian-escrow` (or
 * `/run/user/$UID/custodian-escrow`) when that runtime directory exists, else
 * `/dev/shm/custodian-escrow-$UID`. Whichever it is, it is created without `recursive` and refused
 * unless owned by this user, mode 0700, not a symlink and RAM-backed (private-fs.ts), so another local
 * user cannot pre-create it, plant a key in it or read from it.
 *
 * Key files are created with O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600, and read back with O_NOFOLLOW and
 * an fstat of the open file (owner, mode, size). A key file is used only if it matches the check
 * value this ceremony recorded when it created the key: a file that was already there is never used.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createSecretFile, ensurePrivateDir, readSecretFile } from '../io/private-fs.ts';
import { equalBytes, hkdf, random } from './crypto.ts';
import { InputError, Refused } from './errors.ts';

const ROLE = 'escrow directory';

/** The escrow directory (checked every time: it may have been replaced since). */
export function escrowDir(): string {
  const uid = process.geteuid?.() ?? 0;
  const explicit = process.env.CUSTODIAN_ESCROW_DIR;
  if (explicit) return ensurePrivateDir(explicit, { role: ROLE, requireRam: true });
  const runtime = process.env.XDG_RUNTIME_DIR || `/run/user/${uid}`;
  if (existsSync(runtime)) {
    ensurePrivateDir(runtime, { role: 'XDG runtime directory', requireRam: true });
    return ensurePrivateDir(join(runtime, 'custodian-escrow'), { role: ROLE, requireRam: true });
  }
  return ensurePrivateDir(`/dev/shm/custodian-escrow-${uid}`, { role: ROLE, requireRam: true });
}

const keyPath = (escrowId: string) => {
  if (!/^e_[0-9a-f]{32}$/.test(escrowId)) throw new InputError('vault', 'ceremonies.escrow_id', `"${escrowId}" is not an escrow id`);
  return join(escrowDir(), `${escrowId}.key`);
};

/** A new escrow id (names the key file; not secret). */
export const newEscrowId = (): string => `e_${random(16).toString('hex')}`;

/** The check value a ceremony records for its escrow key: HKDF-SHA256(key, salt = ceremony id), hex. */
const checkOf = (key: Uint8Array, cid: string) => hkdf(key, cid, 'custodian/v1/escrow-check').toString('hex');

/**
 * Creates the escrow key of ceremony `cid` under `escrowId`; returns it and its check value (to be
 * stored with the ceremony). Refused('state') when a file of that name already exists: a key this
 * ceremony did not make is never adopted.
 */
export function createEscrowKey(escrowId: string, cid: string): { key: Buffer; check: string } {
  const key = random(32);
  const p = keyPath(escrowId);
  if (!createSecretFile(p, key, 'escrow key')) {
    key.fill(0);
    throw new Refused('state', `${p}: an escrow key file already exists that ceremony ${cid} did not create; refusing to use it`);
  }
  return { key, check: checkOf(key, cid) };
}

/**
 * The escrow key of ceremony `cid`, or null when it is gone (a reboot, or dropped). Refused
 * ('authentication') when the file there is not the key this ceremony created (its check value).
 */
export function escrowKey(escrowId: string, cid: string, check: string): Buffer | null {
  const p = keyPath(escrowId);
  const key = readSecretFile(p, { role: 'escrow key', size: 32 });
  if (!key) return null;
  if (!equalBytes(Buffer.from(checkOf(key, cid), 'hex'), Buffer.from(check, 'hex'))) {
    key.fill(0);
    throw new Refused('authentication', `${p}: the escrow key file is not the one ceremony ${cid} created (check value differs); it is not used`);
  }
  return key;
}

/** Deletes an escrow key (idempotent); true when there was one. */
export function dropEscrow(escrowId: string): boolean {
  const p = keyPath(escrowId);
  const had = existsSync(p);
  rmSync(p, { force: true });
  return had;
}
