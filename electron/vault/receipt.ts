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
import { EAR_PROFILES, policyId, type EarClaims } from '../core/ear.ts';

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
  /**
   * The EAR attestation result (electron/core/ear.ts, `ietf` profile, unsigned claims-set) of the
   * re-appraisal the key was released on. Absent in receipts written before EARs.
   */
  ear?: EarClaims;
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
  earCheck(claims, add);
  add('approvals.quorum', valid.length >= needed, `${valid.length} distinct custodians approved (${valid.join(', ')}); ${needed} required`, `${valid.length} verified approvals (${valid.join(', ') || 'none'}); ${Number.isFinite(needed) ? needed : 'a quorum'} required`);
  return done(claims);
}

/**
 * `ear.request`: the embedded EAR is the result of the approved request — same reference time (iat),
 * overall status = the approved verdict, appraisal policy id = the hash of the request's appraisal
 * policy, evidence digest = the request's evidence file. The receipt signature covers it, so this
 * catches a receipt whose EAR describes other evidence or another appraisal than the one approved.
 */
function earCheck(claims: ReceiptClaims, add: (id: string, ok: boolean, pass: string, fail: string) => void): void {
  const ear = claims.ear as Record<string, unknown> | undefined;
  if (ear === undefined) {
    add('ear.request', true, 'no EAR in this receipt (written before Custodian embedded EARs)', '');
    return;
  }
  const problems = earProblems(claims);
  const names = Object.keys((ear.submods ?? {}) as object).join(', ');
  add('ear.request', problems.length === 0, `the EAR (${String(ear.ear_status)}: ${names}) is the result of the approved evidence, policy and time`, `the EAR does not match the approved request: ${problems.join('; ')}`);
}

/** Why a receipt's EAR is not the result of its request (empty: it is). Shapes as {@link earCheck}. */
export function earProblems(claims: ReceiptClaims): string[] {
  const ear = (claims.ear ?? {}) as Record<string, unknown>;
  const req = claims.request;
  const problems: string[] = [];
  if (ear.eat_profile !== EAR_PROFILES.ietf) problems.push(`eat_profile ${String(ear.eat_profile)}`);
  if (ear.iat !== Math.floor(Date.parse(req.reference_time) / 1000)) problems.push(`iat ${String(ear.iat)} is not the request's reference time ${req.reference_time}`);
  if (ear.ear_status !== req.verdict) problems.push(`ear_status ${String(ear.ear_status)} is not the approved verdict ${req.verdict}`);
  const pid = policyId(req.policy?.appraisal_policy);
  const submods = Object.entries((ear.submods ?? {}) as Record<string, Record<string, unknown>>);
  if (submods.length === 0) problems.push('no submods');
  for (const [name, s] of submods) {
    const ids = s.ear_appraisal_policy_ids;
    if (!Array.isArray(ids) || ids.length !== 1 || ids[0] !== pid) problems.push(`${name}: appraisal policy ${JSON.stringify(ids)} is not ${pid}`);
  }
  const evidence = req.evidence.find((f) => f.role === 'evidence')?.sha256;
  const digests = Array.isArray(ear.custodian_evidence) ? (ear.custodian_evidence as { role?: string; sha256?: string }[]) : [];
  if (!evidence || digests.find((d) => d.role === 'evidence')?.sha256 !== evidence) problems.push(`evidence digest is not the request's evidence ${evidence ?? '(none)'}`);
  return problems;
}
