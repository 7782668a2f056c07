/**
 * The release receipt and its verification.
 *
 * A receipt is a compact JWS (RFC 7515, ES256, `typ` `custodian-receipt+jws`) over the RFC 8785 JSON
 * of {@link ReceiptClaims}, signed by the ceremony's own receipt key. It proves, to anyone holding
 * only the vault key thumbprint written down at `vault init`:
 * 1. the roster it carries is signed by that vault key (whose private half was destroyed at init);
 * 2. the key record (signed by the custodian who imported the key) names the released key and the
 *    policy the request applied; the release request carries the receipt key, and M distinct
 *    custodians of that roster each signed the request's hash with their own key (M ≥ the signed
 *    policy's approvals, the request's and the roster's threshold) — one custodian alone cannot produce
 *    a receipt naming others;
 * 3. the receipt key signed what was released (bundle hash, time) and the audit head at release, so
 *    a later truncation or rewrite of the log is detectable from the receipt alone (`audit verify
 *    --receipt`).
 */
import type { JWK } from 'jose';
import { jcsHash } from './crypto.ts';
import type { Roster } from './custodians.ts';
import type { ReleaseRequest } from './ceremony.ts';
import type { KeyRecord } from './keys.ts';
import { thumbprint, unverifiedClaims, verifyStatement } from './jws.ts';

/** One custodian's approval (compact JWS `custodian-approval+jws` by their own signing key). */
export interface ApprovalClaims {
  type: 'custodian-approval';
  version: 1;
  vault_id: string;
  ceremony_id: string;
  key_id: string;
  custodian: string;
  request_sha256: string;
  approved_at: string;
}

/** Everything a receipt attests. Digests are lowercase hex SHA-256; times RFC 3339 UTC. */
export interface ReceiptClaims {
  type: 'custodian-release-receipt';
  version: 2;
  vault_id: string;
  vault_key_jwk: JWK;
  roster_jws: string;
  /** The key record as its importing custodian signed it (its policy's approvals bound the quorum). */
  key_record_jws: string;
  ceremony_id: string;
  request: ReleaseRequest;
  request_sha256: string;
  approvals: { custodian: string; signature: string }[];
  bundle_sha256: string;
  released_at: string;
  /** The audit log's size and head hash when the key was released (before the release entry). */
  audit: { size: number; head_sha256: string };
}

/** One line of a receipt verification. */
export interface ReceiptCheck {
  id: string;
  status: 'pass' | 'fail';
  detail: string;
}

/**
 * Verifies a receipt against `vaultKeyThumbprint` (RFC 7638, base64url, obtained outside the receipt).
 * Every check is reported; `ok` only when all pass. `claims` is set when the payload could be read.
 */
export async function verifyReceipt(jws: string, vaultKeyThumbprint: string): Promise<{ ok: boolean; checks: ReceiptCheck[]; claims?: ReceiptClaims }> {
  const checks: ReceiptCheck[] = [];
  const add = (id: string, ok: boolean, pass: string, fail: string) => checks.push({ id, status: ok ? 'pass' : 'fail', detail: ok ? pass : fail });
  const done = (claims?: ReceiptClaims) => ({ ok: checks.every((c) => c.status === 'pass'), checks, claims });
  const claims = unverifiedClaims<ReceiptClaims>(jws.trim());
  if (!claims || claims.type !== 'custodian-release-receipt' || claims.version !== 2 || !claims.request) {
    add('receipt.type', false, '', 'not a Custodian release receipt (version 2)');
    return done();
  }
  const tp = claims.vault_key_jwk ? await thumbprint(claims.vault_key_jwk) : '';
  add('vault_key.pin', tp === vaultKeyThumbprint, `the vault key is ${tp}, the one given`, `the receipt's vault key is ${tp || '(none)'}, not ${vaultKeyThumbprint}`);
  const roster = tp === vaultKeyThumbprint ? await verifyStatement<Roster>(claims.roster_jws, claims.vault_key_jwk, 'custodian-roster+jws') : null;
  add('roster.signature', !!roster && roster.vault_id === claims.vault_id, `the roster of vault ${claims.vault_id} is signed by the vault key`, 'the roster does not verify under the vault key');
  const req = claims.request;
  const reqHash = jcsHash(req);
  add('request.hash', reqHash === claims.request_sha256 && req.ceremony_id === claims.ceremony_id && req.vault_id === claims.vault_id,
    `request ${reqHash} of ceremony ${claims.ceremony_id}`, `the request hashes to ${reqHash}, not ${claims.request_sha256}, or names another ceremony or vault`);
  const signed = await verifyStatement<ReceiptClaims>(jws.trim(), req.receipt_key, 'custodian-receipt+jws');
  add('receipt.signature', !!signed && jcsHash(signed) === jcsHash(claims), 'signed by the receipt key the approved request names', 'not signed by the receipt key the approved request names');
  const recClaims = unverifiedClaims<KeyRecord>(claims.key_record_jws ?? '');
  const importer = recClaims && roster?.custodians.find((c) => c.name === recClaims.imported_by);
  const rec = importer ? await verifyStatement<KeyRecord>(claims.key_record_jws, importer.signing_jwk, 'custodian-key-record+jws') : null;
  add('key_record.signature', !!rec && rec.vault_id === claims.vault_id && rec.id === req.key_id && rec.meta.fingerprint === req.key_fingerprint && jcsHash(rec.policy) === req.policy_sha256,
    `key ${req.key_id} and its policy ${req.policy_sha256.slice(0, 16)}… as signed by ${rec?.imported_by} at import`, 'the key record is not signed by a custodian of this vault for this key and policy');
  const valid: string[] = [];
  for (const a of claims.approvals ?? []) {
    const entry = roster?.custodians.find((c) => c.name === a.custodian);
    const ap = entry ? await verifyStatement<ApprovalClaims>(a.signature, entry.signing_jwk, 'custodian-approval+jws') : null;
    const ok = !!ap && ap.type === 'custodian-approval' && ap.custodian === a.custodian && ap.request_sha256 === reqHash && ap.ceremony_id === claims.ceremony_id
      && ap.vault_id === claims.vault_id && ap.key_id === req.key_id && !valid.includes(a.custodian);
    add(`approval.${a.custodian}`, ok, `${a.custodian} signed request ${reqHash.slice(0, 16)}… at ${ap?.approved_at}`, `the approval of ${a.custodian} is not ${a.custodian}'s signature over this request (or a duplicate)`);
    if (ok) valid.push(a.custodian);
  }
  const needed = Math.max(req.approvals_required ?? Infinity, roster?.threshold ?? Infinity, rec?.policy.approvals ?? Infinity);
  add('approvals.quorum', valid.length >= needed, `${valid.length} distinct custodians approved (${valid.join(', ')}); ${needed} required`, `${valid.length} verified approvals (${valid.join(', ') || 'none'}); ${Number.isFinite(needed) ? needed : 'a quorum'} required`);
  return done(claims);
}
