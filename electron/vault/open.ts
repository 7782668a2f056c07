/**
 * Opening a vault for use: the file (owner-only permissions unless allowed, db.ts), its roster
 * authenticated against the vault key pinned on this machine (custodians.ts), and the sweep of what
 * a crash may have left (ceremony.ts). Every CLI command and the console go through here.
 */
import { sweep } from './ceremony.ts';
import { trustedRoster, type TrustedRoster } from './custodians.ts';
import { openDb, type Db } from './db.ts';

export interface OpenVault {
  db: Db;
  roster: TrustedRoster;
  /** Sentences to show the user (a shared vault file allowed by `allowShared`, what the sweep removed). */
  warnings: string[];
}

/**
 * Opens the vault at `path`. `vaultKey`: a thumbprint to trust (and pin) for a vault not yet known
 * here. InputError / Refused as {@link openDb} and {@link trustedRoster} say; the file is closed again
 * on any refusal.
 */
export async function openVault(path: string, opts: { allowShared?: boolean; vaultKey?: string } = {}): Promise<OpenVault> {
  const db = openDb(path, { allowShared: opts.allowShared });
  try {
    const warnings: string[] = [...((db as Db & { custodianWarnings?: string[] }).custodianWarnings ?? [])];
    const roster = await trustedRoster(db, { vaultKey: opts.vaultKey });
    const swept = sweep(db);
    if (swept.escrowKeys + swept.tempFiles > 0) warnings.push(`removed what an interrupted ceremony left: ${swept.escrowKeys} escrow key(s), ${swept.tempFiles} temporary file(s)`);
    return { db, roster, warnings };
  } catch (e) {
    db.close();
    throw e;
  }
}
