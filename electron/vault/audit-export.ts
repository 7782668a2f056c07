/**
 * Exporting the audit log on one custodian's authority: their passphrase unlocks their own signing
 * key, which signs the checkpoint (audit.ts), so the checkpoint names who vouched for the log. A wrong
 * passphrase is itself logged.
 */
import { appendAudit, exportAudit, type AuditExport, type Checkpoint } from './audit.ts';
import { unlockCustodian, type TrustedRoster } from './custodians.ts';
import { tx, type Db } from './db.ts';
import { Refused } from './errors.ts';
import { unverifiedClaims } from './jws.ts';

/**
 * The signed export and the checkpoint's claims. Refused('authentication') (and an
 * `audit.export.refused` entry) for a wrong passphrase; InputError when `custodian` is not enrolled.
 */
export async function exportWithCustodian(db: Db, roster: TrustedRoster, custodian: string, passphrase: string, actor: string): Promise<{ export: AuditExport; checkpoint: Checkpoint }> {
  const keys = await unlockCustodian(db, roster, custodian, passphrase).catch((e: unknown) => {
    if (e instanceof Refused) tx(db, () => appendAudit(db, actor, 'audit.export.refused', { custodian, reason: e.reason, message: e.message }));
    throw e;
  });
  const exp = await exportAudit(db, roster, keys, actor);
  return { export: exp, checkpoint: unverifiedClaims<Checkpoint>(exp.checkpoint)! };
}
