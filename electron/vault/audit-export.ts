/**
 * Exporting the audit log on one custodian's authority: their passphrase unseals the vault signing
 * key (custodians.ts), which signs the checkpoint (audit.ts). A wrong passphrase is itself logged.
 */
import type { JWK } from 'jose';
import { appendAudit, exportAudit, type AuditExport, type Checkpoint } from './audit.ts';
import { signingKeyFromCustodian, vaultInfo } from './custodians.ts';
import { tx, type Db } from './db.ts';
import { Refused } from './errors.ts';

/**
 * The signed export (every entry, the public JWK, the checkpoint as compact JWS) and the checkpoint's
 * claims. Refused('authentication') (and an `audit.export.refused` entry) for a wrong passphrase;
 * InputError when `custodian` is not enrolled.
 */
export async function exportWithCustodian(db: Db, custodian: string, passphrase: string, actor: string): Promise<{ export: AuditExport; checkpoint: Checkpoint }> {
  const key = await signingKeyFromCustodian(db, custodian, passphrase).catch((e: unknown) => {
    if (e instanceof Refused) tx(db, () => appendAudit(db, actor, 'audit.export.refused', { custodian, reason: e.reason, message: e.message }));
    throw e;
  });
  const v = vaultInfo(db);
  const exp = await exportAudit(db, key, v.signingPublicJwk as JWK, v.vaultId, actor);
  const checkpoint = JSON.parse(Buffer.from(exp.checkpoint.split('.')[1]!, 'base64url').toString('utf8')) as Checkpoint;
  return { export: exp, checkpoint };
}
