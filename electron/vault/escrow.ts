/**
 * The approval escrow: a per-ceremony 256-bit AES key kept **only in RAM** (a file on a tmpfs such as
 * /dev/shm, mode 0600), so an approved share can wait for the release in the vault file, sealed under
 * it, across the separate processes of a scripted ceremony and across a crash or kill of any of them —
 * without a share or a key that opens one ever reaching the disk. After a reboot the escrow key is
 * gone: the release then refuses and the custodians approve again (their first approvals stay in the
 * audit log). The key is deleted when the ceremony is released, aborted or expires.
 *
 * The directory is `$CUSTODIAN_ESCROW_DIR` if set (the operator vouches that it is RAM-backed), else
 * `/dev/shm/custodian-escrow`, which must be a tmpfs (checked with statfs).
 */
import { mkdirSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { random } from './crypto.ts';
import { InputError } from './errors.ts';

const TMPFS_MAGIC = 0x01021994;

function escrowDir(): string {
  const explicit = process.env.CUSTODIAN_ESCROW_DIR;
  const dir = explicit || '/dev/shm/custodian-escrow';
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new InputError(dir, 'escrow directory', `cannot create (${(e as NodeJS.ErrnoException).code}); set CUSTODIAN_ESCROW_DIR to a RAM-backed directory`);
  }
  if (!explicit && statfsSync(dir).type !== TMPFS_MAGIC) {
    throw new InputError(dir, 'escrow directory', 'is not a tmpfs (RAM); set CUSTODIAN_ESCROW_DIR to a RAM-backed directory');
  }
  return dir;
}

const path = (escrowId: string) => {
  if (!/^e_[0-9a-f]{32}$/.test(escrowId)) throw new Error(`bad escrow id ${escrowId}`);
  return join(escrowDir(), `${escrowId}.key`);
};

/** A new escrow id (names the key; not secret). */
export const newEscrowId = (): string => `e_${random(16).toString('hex')}`;

/** The escrow key for `escrowId`, created on first use (atomically: concurrent creators agree). */
export function escrowKey(escrowId: string): Buffer {
  const p = path(escrowId);
  try {
    writeFileSync(p, random(32), { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  return existingEscrowKey(escrowId)!;
}

/** The escrow key if it still exists (null after a reboot or once dropped). */
export function existingEscrowKey(escrowId: string): Buffer | null {
  try {
    const k = readFileSync(path(escrowId));
    return k.length === 32 ? k : null;
  } catch {
    return null;
  }
}

/** Deletes the escrow key (idempotent). */
export function dropEscrow(escrowId: string): void {
  rmSync(path(escrowId), { force: true });
}
