/**
 * The release ceremony: a state machine persisted in the vault, one transaction per step, every step
 * (and every refusal) in the audit log.
 *
 * ```
 * open ─challenge─► challenged ─evidence─► appraised ─approve×M─► approved ─release─► released ─export─► closed
 *   any live state ─abort─► aborted;  deadline or challenge expiry ─► expired;  contraindicated ─► refused
 * ```
 * - open: key, participants (default: every custodian), approvals required (the key's policy), deadline.
 * - challenge: a fresh 32-byte nonce (base64, as Trustee's KBS) with an expiry and the hash algorithm
 *   for the binding; exported as a Trustee-shaped challenge file for the workload operator. Re-running
 *   it re-exports the same challenge.
 * - evidence: files hashed (SHA-256) and appraised by the wasm core under the key's appraisal policy;
 *   REPORT_DATA must bind the nonce and the TEE key (binding.ts). A contraindicated verdict ends the
 *   ceremony (`refused`); a binding mismatch or a TEST anchor the policy does not allow is refused and
 *   the ceremony keeps waiting for evidence. Accepted evidence consumes the nonce.
 * - approve: a participant's passphrase unseals their share in memory; the share waits for the release
 *   sealed under the ceremony's RAM-only escrow key (escrow.ts). Each approval names the custodian, the
 *   time and the SHA-256 of the exact release request (the JCS object `request`) approved.
 * - release: shares → master key (check value) → model key → JWE to the TEE key + signed receipt, both
 *   stored, so that after a crash the same bundle is re-exported rather than a new one made.
 *
 * Concurrency: at most one live ceremony per key (a unique index; a second `open` is refused naming
 * the live one). Racing steps on one ceremony re-check the state inside their transaction.
 */
import type { Core } from '../core/core.ts';
import type { Appraisal, NamedBytes } from '../core/appraisal.ts';
import { calculateJwkThumbprint, type FlattenedJWE, type JWK } from 'jose';
import { writeAtomic } from '../io/files.ts';
import { appendAudit } from './audit.ts';
import { expectedReportData, type Challenge, type HashAlg, type TeePublicJwk } from './binding.ts';
import { recoverMaster, unsealShare, vaultInfo, vaultPrivateKey } from './custodians.ts';
import { jcs, jcsHash, open, random, seal, sha256Hex } from './crypto.ts';
import { getMeta, tx, type Db } from './db.ts';
import { dropEscrow, escrowKey, existingEscrowKey, newEscrowId } from './escrow.ts';
import { InputError, Refused } from './errors.ts';
import { getKey, unwrapKey } from './keys.ts';
import { encryptToTee, signClaims, type ReceiptClaims } from './release.ts';

export type CeremonyState = 'open' | 'challenged' | 'appraised' | 'approved' | 'released' | 'closed' | 'aborted' | 'expired' | 'refused';
export const TERMINAL: CeremonyState[] = ['closed', 'aborted', 'expired', 'refused'];

/** Who acts and when; `now` is injectable for tests. */
export interface Ctx {
  db: Db;
  actor: string;
  now?: () => Date;
}

/** A file taken into the ceremony: its name (as given), role and SHA-256 (hex). */
export interface FileDigest {
  name: string;
  role: 'evidence' | 'endorsement' | 'test-anchor' | 'tee-pubkey';
  sha256: string;
}

/** `TEST` for an explicit TEST anchor (as recorded in receipts and the audit log), else the core's kind. */
export const anchorLabel = (a: Appraisal['trust_anchor']) => ({ ...a, kind: a.kind === 'test' ? 'TEST' : a.kind });

/** The object custodians approve; its JCS SHA-256 is the request hash. */
export interface ReleaseRequest {
  type: 'custodian-release-request';
  vault_id: string;
  ceremony_id: string;
  key_id: string;
  key_name: string;
  key_fingerprint: string;
  policy_sha256: string;
  nonce: string;
  tee_pubkey: TeePublicJwk;
  tee_pubkey_thumbprint: string;
  evidence: FileDigest[];
  appraisal_sha256: string;
  verdict: string;
  trust_anchor: { kind: string; name: string; spki_sha256: string };
  reference_time: string;
}

/** Everything public about a ceremony (the `ceremonies.data` JSON). Times are RFC 3339 UTC. */
export interface CeremonyData {
  key_id: string;
  key_name: string;
  key_fingerprint: string;
  policy_sha256: string;
  approvals_required: number;
  participants: string[];
  expires_at: string;
  challenge?: { nonce: string; hash_alg: HashAlg; issued_at: string; expires_at: string };
  evidence?: { files: FileDigest[]; binding: { hash_alg: HashAlg; report_data: string }; appraisal: Appraisal; appraisal_sha256: string };
  request?: ReleaseRequest;
  request_sha256?: string;
  released?: { at: string; bundle_sha256: string; receipt_sha256: string };
  end?: { at: string; reason: string };
}

interface Row {
  id: string;
  key_id: string;
  state: CeremonyState;
  data: string;
  bundle: string | null;
  receipt: string | null;
  escrow_id: string;
  opened_at: string;
  updated_at: string;
}

export interface Ceremony {
  id: string;
  state: CeremonyState;
  data: CeremonyData;
  approvals: { custodian: string; approved_at: string; request_sha256: string }[];
  opened_at: string;
  updated_at: string;
}

const nowOf = (ctx: Ctx) => (ctx.now ?? (() => new Date()))();

function row(db: Db, cid: string): Row {
  const r = db.prepare('SELECT * FROM ceremonies WHERE id = ?').get(cid) as Row | undefined;
  if (!r) throw new InputError('CID', 'ceremony', `no ceremony "${cid}" in this vault`);
  return r;
}

function approvalsOf(db: Db, cid: string) {
  return db.prepare('SELECT custodian, approved_at, request_hash AS request_sha256, escrowed_share FROM approvals WHERE ceremony_id = ? ORDER BY approved_at, custodian').all(cid) as {
    custodian: string; approved_at: string; request_sha256: string; escrowed_share: Buffer | null;
  }[];
}

/** Writes state + data and the audit entry for it; call inside a transaction. */
function save(ctx: Ctx, cid: string, state: CeremonyState, data: CeremonyData, event: string, payload: Record<string, unknown>, extra: { bundle?: string; receipt?: string } = {}): void {
  const now = nowOf(ctx);
  ctx.db.prepare('UPDATE ceremonies SET state = ?, data = ?, updated_at = ?, bundle = COALESCE(?, bundle), receipt = COALESCE(?, receipt) WHERE id = ?')
    .run(state, jcs(data), now.toISOString(), extra.bundle ?? null, extra.receipt ?? null, cid);
  appendAudit(ctx.db, ctx.actor, event, { ceremony: cid, state, ...payload }, now);
}

/** Ends a ceremony (aborted / expired / refused): state, reason, escrowed shares wiped, escrow key dropped. */
function end(ctx: Ctx, cid: string, state: 'aborted' | 'expired' | 'refused', reason: string, payload: Record<string, unknown> = {}): void {
  const r = tx(ctx.db, () => {
    const r = row(ctx.db, cid);
    if (TERMINAL.includes(r.state)) return r;
    const data = JSON.parse(r.data) as CeremonyData;
    data.end = { at: nowOf(ctx).toISOString(), reason };
    ctx.db.prepare('UPDATE approvals SET escrowed_share = NULL WHERE ceremony_id = ?').run(cid);
    save(ctx, cid, state, data, `ceremony.${state}`, { reason, ...payload });
    return r;
  });
  dropEscrow(r.escrow_id);
}

/**
 * Loads a ceremony that may still act: refused ('state') when it has ended; moved to `expired`
 * (committed, audited) and refused ('expired') when its deadline has passed.
 */
function live(ctx: Ctx, cid: string): { r: Row; data: CeremonyData } {
  const r = row(ctx.db, cid);
  const data = JSON.parse(r.data) as CeremonyData;
  if (TERMINAL.includes(r.state)) throw new Refused('state', `ceremony ${cid} has ended (${r.state}${data.end ? `: ${data.end.reason}` : ''})`);
  if (nowOf(ctx) > new Date(data.expires_at) && r.state !== 'released') {
    end(ctx, cid, 'expired', `deadline ${data.expires_at} passed`);
    throw new Refused('expired', `ceremony ${cid} expired at ${data.expires_at}`);
  }
  return { r, data };
}

/** Runs a step; a refusal is appended to the audit log in its own transaction, then rethrown. */
async function step<T>(ctx: Ctx, cid: string | null, name: string, fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof Refused) tx(ctx.db, () => appendAudit(ctx.db, ctx.actor, 'ceremony.step.refused', { ceremony: cid, step: name, reason: e.reason, message: e.message }, nowOf(ctx)));
    throw e;
  }
}

const addSeconds = (d: Date, s: number) => new Date(d.getTime() + s * 1000);
const earliest = (...d: Date[]) => new Date(Math.min(...d.map((x) => x.getTime())));

/**
 * Opens a ceremony for `keyId` (id or name). `participants` defaults to every custodian; there must be
 * at least as many as the approvals the key's policy requires. `ttlSeconds` may shorten the policy's
 * ceremony deadline. Refused('state') when the key already has a live ceremony.
 */
export function openCeremony(ctx: Ctx, keyId: string, opts: { participants?: string[]; ttlSeconds?: number } = {}): Promise<string> {
  return step(ctx, null, 'open', () => {
    const key = getKey(ctx.db, keyId);
    const enrolled = vaultInfo(ctx.db).custodians.map((c) => c.name);
    const participants = [...new Set(opts.participants ?? enrolled)];
    for (const p of participants) if (!enrolled.includes(p)) throw new InputError('--participant', 'participant', `"${p}" is not an enrolled custodian`);
    if (participants.length < key.policy.approvals) throw new InputError('--participant', 'participants', `${participants.length} participant(s) cannot give the ${key.policy.approvals} approvals key ${key.id} requires`);
    const now = nowOf(ctx);
    const ttl = Math.min(opts.ttlSeconds ?? Infinity, key.policy.ceremony_ttl_seconds);
    const cid = `c_${random(8).toString('hex')}`;
    const data: CeremonyData = {
      key_id: key.id, key_name: key.name, key_fingerprint: key.meta.fingerprint, policy_sha256: jcsHash(key.policy),
      approvals_required: key.policy.approvals, participants, expires_at: addSeconds(now, ttl).toISOString(),
    };
    const liveOn = () => ctx.db.prepare(`SELECT id, state, data FROM ceremonies WHERE key_id = ? AND state NOT IN (${TERMINAL.map(() => '?').join(',')})`).get(key.id, ...TERMINAL) as { id: string; state: string; data: string } | undefined;
    // A live ceremony past its deadline no longer blocks the key: it is expired first.
    const stale = liveOn();
    if (stale && stale.state !== 'released' && now > new Date((JSON.parse(stale.data) as CeremonyData).expires_at)) end(ctx, stale.id, 'expired', 'deadline passed (found when opening another ceremony)');
    tx(ctx.db, () => {
      const other = liveOn();
      if (other) throw new Refused('state', `key ${key.id} already has ceremony ${other.id} in progress (${other.state}); finish or abort it first`);
      ctx.db.prepare('INSERT INTO ceremonies (id, key_id, state, data, escrow_id, opened_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(cid, key.id, 'open', jcs(data), newEscrowId(), now.toISOString(), now.toISOString());
      appendAudit(ctx.db, ctx.actor, 'ceremony.opened', { ceremony: cid, key_id: key.id, participants, approvals_required: data.approvals_required, policy_sha256: data.policy_sha256, expires_at: data.expires_at }, now);
    });
    return cid;
  });
}

/**
 * Issues the challenge (or re-exports the one already issued). `hashAlg` selects the binding hash
 * (default sha384, Trustee's default); `ttlSeconds` may shorten the policy's nonce lifetime.
 */
export function challenge(ctx: Ctx, cid: string, opts: { hashAlg?: HashAlg; ttlSeconds?: number } = {}): Promise<Challenge> {
  return step(ctx, cid, 'challenge', () => {
    const { r, data } = live(ctx, cid);
    const asFile = (c: NonNullable<CeremonyData['challenge']>): Challenge => ({
      nonce: c.nonce, 'extra-params': { 'selected-hash-algorithm': c.hash_alg, 'custodian-ceremony': cid, 'expires-at': c.expires_at },
    });
    if (r.state === 'challenged' && data.challenge) {
      tx(ctx.db, () => appendAudit(ctx.db, ctx.actor, 'ceremony.challenge.exported', { ceremony: cid, nonce: data.challenge!.nonce, again: true }, nowOf(ctx)));
      return asFile(data.challenge);
    }
    if (r.state !== 'open') throw new Refused('state', `ceremony ${cid} is ${r.state}; a challenge is issued once, right after open`);
    const key = getKey(ctx.db, data.key_id);
    const now = nowOf(ctx);
    const ttl = Math.min(opts.ttlSeconds ?? Infinity, key.policy.nonce_ttl_seconds);
    data.challenge = {
      nonce: random(32).toString('base64'), hash_alg: opts.hashAlg ?? 'sha384', issued_at: now.toISOString(),
      expires_at: earliest(addSeconds(now, ttl), new Date(data.expires_at)).toISOString(),
    };
    tx(ctx.db, () => {
      if (row(ctx.db, cid).state !== 'open') throw new Refused('state', `ceremony ${cid} changed state concurrently`);
      save(ctx, cid, 'challenged', data, 'ceremony.challenged', { nonce: data.challenge!.nonce, hash_alg: data.challenge!.hash_alg, expires_at: data.challenge!.expires_at });
    });
    return asFile(data.challenge);
  });
}

/** Evidence for {@link submitEvidence}: the files as read, the TEE public key, the reference time. */
export interface EvidenceInput {
  evidence: NamedBytes;
  endorsements: NamedBytes[];
  testAnchors: NamedBytes[];
  teePubkey: { file: NamedBytes; jwk: TeePublicJwk };
  referenceTime: Date;
}

/**
 * Takes the workload's evidence: appraisal by the core, REPORT_DATA binding, trust anchor and verdict
 * against the key's release policy. Returns the accepted ceremony. InputError (nothing changes) when a
 * file cannot be parsed; Refused with reason `nonce` (already used / expired), `binding`, `policy`.
 */
export function submitEvidence(ctx: Ctx, core: Core, cid: string, input: EvidenceInput): Promise<Ceremony> {
  return step(ctx, cid, 'evidence', async () => {
    const { r, data } = live(ctx, cid);
    if (r.state === 'open') throw new Refused('state', `ceremony ${cid} has no challenge yet`);
    if (r.state !== 'challenged') throw new Refused('nonce', `the nonce of ceremony ${cid} was already used by evidence accepted earlier (${r.state}): a replay is refused`);
    const ch = data.challenge!;
    if (nowOf(ctx) > new Date(ch.expires_at)) {
      end(ctx, cid, 'expired', `challenge nonce expired at ${ch.expires_at}`);
      throw new Refused('nonce', `the challenge nonce of ceremony ${cid} expired at ${ch.expires_at}`);
    }
    const key = getKey(ctx.db, data.key_id);
    if (key.policy.gpu) throw new Refused('policy', `key ${key.id} also requires NVIDIA GPU evidence, which the ceremony does not take yet (composite evidence)`);
    const files: FileDigest[] = [
      { name: input.evidence.name, role: 'evidence', sha256: sha256Hex(input.evidence.bytes) },
      ...input.endorsements.map((f) => ({ name: f.name, role: 'endorsement' as const, sha256: sha256Hex(f.bytes) })),
      ...input.testAnchors.map((f) => ({ name: f.name, role: 'test-anchor' as const, sha256: sha256Hex(f.bytes) })),
      { name: input.teePubkey.file.name, role: 'tee-pubkey', sha256: sha256Hex(input.teePubkey.file.bytes) },
    ];
    const appraisal = core.verify({
      evidence: input.evidence, endorsements: input.endorsements, testAnchors: input.testAnchors,
      policy: key.policy.appraisal_policy, referenceTime: input.referenceTime,
    });
    if (!(key.policy.tee as string[]).includes(appraisal.platform)) {
      throw new Refused('policy', `key ${key.id} accepts ${key.policy.tee.join(' or ')} evidence; this is ${appraisal.platform} evidence`);
    }
    const appraisalSha = jcsHash(appraisal);
    const reportData = String(appraisal.claims.report_data ?? '');
    const expected = expectedReportData(ch.nonce, input.teePubkey.jwk, ch.hash_alg).toString('hex');
    const facts = { evidence: files, appraisal_sha256: appraisalSha, verdict: appraisal.verdict, trust_anchor: anchorLabel(appraisal.trust_anchor) };
    if (reportData !== expected) {
      throw new Refused('binding', `REPORT_DATA ${reportData.slice(0, 16)}… does not bind ceremony ${cid}'s nonce and this TEE key (${ch.hash_alg}, expected ${expected.slice(0, 16)}…): evidence made for another nonce or another key`);
    }
    if (appraisal.trust_anchor.kind === 'test' && !key.policy.allow_test_anchor) {
      throw new Refused('policy', `the evidence chains to a TEST anchor (${appraisal.trust_anchor.name}) and key ${key.id}'s release policy does not allow TEST anchors`);
    }
    if (appraisal.verdict === 'contraindicated') {
      const failed = appraisal.checks.filter((c) => c.status === 'fail').map((c) => c.id);
      end(ctx, cid, 'refused', `appraisal contraindicated (${failed.join(', ')})`, facts);
      throw new Refused('policy', `the appraisal is contraindicated (failing: ${failed.join(', ')}); ceremony ${cid} stops here`);
    }
    const thumb = await calculateJwkThumbprint(input.teePubkey.jwk as JWK);
    const request: ReleaseRequest = {
      type: 'custodian-release-request', vault_id: getMeta(ctx.db, 'vault_id'), ceremony_id: cid, key_id: key.id, key_name: key.name,
      key_fingerprint: key.meta.fingerprint, policy_sha256: data.policy_sha256, nonce: ch.nonce, tee_pubkey: input.teePubkey.jwk,
      tee_pubkey_thumbprint: thumb, ...facts, reference_time: appraisal.reference_time,
    };
    data.evidence = { files, binding: { hash_alg: ch.hash_alg, report_data: reportData }, appraisal, appraisal_sha256: appraisalSha };
    data.request = request;
    data.request_sha256 = jcsHash(request);
    tx(ctx.db, () => {
      if (row(ctx.db, cid).state !== 'challenged') throw new Refused('nonce', `the nonce of ceremony ${cid} was used concurrently`);
      save(ctx, cid, 'appraised', data, 'ceremony.appraised', { ...facts, binding: `REPORT_DATA binds nonce and TEE key (${ch.hash_alg})`, tee_pubkey_thumbprint: thumb, request_sha256: data.request_sha256 });
    });
    return show(ctx, cid);
  });
}

/**
 * Associated data of an escrowed share: it binds the share to the ceremony, the custodian and the
 * request hash they approved, so editing the stored request (e.g. swapping the TEE key) after the
 * approvals makes the shares unusable.
 */
const escrowAad = (cid: string, custodian: string, requestSha256: string) => jcs({ purpose: 'approval-escrow', ceremony: cid, custodian, request_sha256: requestSha256 });

/**
 * Forgets the approvals of a ceremony whose RAM escrow key was lost (their shares cannot be opened);
 * the approvals stay in the audit log, and the custodians approve again.
 */
function resetApprovals(ctx: Ctx, cid: string, data: CeremonyData): void {
  tx(ctx.db, () => {
    const gone = approvalsOf(ctx.db, cid).map((a) => a.custodian);
    ctx.db.prepare('DELETE FROM approvals WHERE ceremony_id = ?').run(cid);
    save(ctx, cid, 'appraised', data, 'ceremony.approvals.reset', { reason: 'the approval escrow key (RAM only) is gone', custodians: gone });
  });
}

/**
 * One custodian's approval. The passphrase unseals their share (Argon2id; refused and logged when
 * wrong); the share is kept only sealed under the RAM-only escrow key. `requestSha256`, when given,
 * must equal the ceremony's request hash (the custodian approves exactly what they reviewed).
 */
export function approve(ctx: Ctx, cid: string, custodian: string, passphrase: string, opts: { requestSha256?: string } = {}): Promise<Ceremony> {
  return step(ctx, cid, 'approve', async () => {
    const { r, data } = live(ctx, cid);
    const check = () => {
      const cur = row(ctx.db, cid);
      if (cur.state !== 'appraised' && cur.state !== 'approved') throw new Refused('state', `ceremony ${cid} is ${cur.state}; approvals follow an accepted appraisal`);
      const prior = approvalsOf(ctx.db, cid).find((a) => a.custodian === custodian);
      if (prior) throw new Refused('approvals', `${custodian} already approved ceremony ${cid} at ${prior.approved_at}; approvals must come from distinct custodians`);
    };
    check();
    if (!data.participants.includes(custodian)) throw new Refused('approvals', `${custodian} is not a participant of ceremony ${cid} (${data.participants.join(', ')})`);
    if (opts.requestSha256 !== undefined && opts.requestSha256.toLowerCase() !== data.request_sha256) {
      throw new Refused('approvals', `the request hash given (${opts.requestSha256}) is not ceremony ${cid}'s (${data.request_sha256})`);
    }
    const share = await unsealShare(ctx.db, custodian, passphrase);
    // Earlier approvals whose escrow key is gone (a reboot) cannot count: they must be given again.
    if (!existingEscrowKey(r.escrow_id) && approvalsOf(ctx.db, cid).length > 0) resetApprovals(ctx, cid, data);
    const sealed = seal(escrowKey(r.escrow_id), share, escrowAad(cid, custodian, data.request_sha256!));
    share.fill(0);
    tx(ctx.db, () => {
      check();
      const now = nowOf(ctx).toISOString();
      ctx.db.prepare('INSERT INTO approvals (ceremony_id, custodian, approved_at, request_hash, escrowed_share) VALUES (?, ?, ?, ?, ?)').run(cid, custodian, now, data.request_sha256, sealed);
      const count = approvalsOf(ctx.db, cid).length;
      const state = count >= data.approvals_required ? 'approved' : 'appraised';
      save({ ...ctx, actor: custodian }, cid, state, data, 'ceremony.approved', { custodian, request_sha256: data.request_sha256, approvals: count, required: data.approvals_required });
    });
    return show(ctx, cid);
  });
}

/**
 * Releases the key: returns the bundle (flattened JWE to the TEE key) and the signed receipt, both
 * also stored. For a ceremony already `released` (a crash before the files were written) it returns
 * the stored ones again and logs the read. Refused: `approvals` (fewer than required, or the RAM
 * escrow lost), `authentication` (an escrowed share, the check value or the wrapped key altered).
 */
export function release(ctx: Ctx, cid: string): Promise<{ bundle: FlattenedJWE; receipt: string; again: boolean }> {
  return step(ctx, cid, 'release', async () => {
    const { r, data } = live(ctx, cid);
    if (r.state === 'released') {
      tx(ctx.db, () => appendAudit(ctx.db, ctx.actor, 'ceremony.release.exported', { ceremony: cid, bundle_sha256: data.released!.bundle_sha256, again: true }, nowOf(ctx)));
      return { bundle: JSON.parse(r.bundle!) as FlattenedJWE, receipt: r.receipt!, again: true };
    }
    const approvals = approvalsOf(ctx.db, cid);
    if (r.state === 'appraised') throw new Refused('approvals', `ceremony ${cid} has ${approvals.length} of the ${data.approvals_required} approvals required`);
    if (r.state !== 'approved') throw new Refused('state', `ceremony ${cid} is ${r.state}; release follows the approvals`);
    const escrow = existingEscrowKey(r.escrow_id);
    if (!escrow || approvals.some((a) => a.escrowed_share === null)) {
      resetApprovals(ctx, cid, data);
      throw new Refused('approvals', `the approval escrow of ceremony ${cid} is gone (it lives in RAM only: was the machine restarted?); the custodians must approve again`);
    }
    // The request as stored now must be the one every custodian approved.
    const requestSha256 = jcsHash(data.request);
    const changed = approvals.find((a) => a.request_sha256 !== requestSha256);
    if (requestSha256 !== data.request_sha256 || changed) {
      throw new Refused('authentication', `${ctx.db.name}: ceremonies.data of ${cid}: the release request (${requestSha256.slice(0, 16)}…) is not the one approved${changed ? ` by ${changed.custodian}` : ''} (${(changed?.request_sha256 ?? data.request_sha256 ?? '').slice(0, 16)}…): the vault file was altered`);
    }
    const shares = approvals.map((a) => {
      const s = open(escrow, a.escrowed_share!, escrowAad(cid, a.custodian, requestSha256));
      if (!s) throw new Refused('authentication', `${ctx.db.name}: approvals.escrowed_share of ${a.custodian}: AES-GCM authentication failed (altered)`);
      return s;
    });
    const master = await recoverMaster(ctx.db, shares);
    for (const s of shares) s.fill(0);
    let bundle: FlattenedJWE;
    let receipt: string;
    const releasedAt = nowOf(ctx).toISOString();
    try {
      const material = await unwrapKey(ctx.db, master, data.key_id);
      bundle = await encryptToTee(material.bytes, data.request!.tee_pubkey, data.key_id, material.format);
      material.bytes.fill(0);
      const req = data.request!;
      const claims: ReceiptClaims = {
        type: 'custodian-release-receipt', version: 1, vault_id: req.vault_id, ceremony_id: cid, key_id: req.key_id, key_fingerprint: req.key_fingerprint,
        policy_sha256: req.policy_sha256, evidence: req.evidence, appraisal_sha256: req.appraisal_sha256, verdict: req.verdict, trust_anchor: req.trust_anchor,
        reference_time: req.reference_time, nonce: req.nonce, tee_pubkey_thumbprint: req.tee_pubkey_thumbprint, request_sha256: data.request_sha256!,
        approvers: approvals.map((a) => ({ custodian: a.custodian, approved_at: a.approved_at, request_sha256: a.request_sha256 })),
        bundle_sha256: jcsHash(bundle), released_at: releasedAt,
      };
      receipt = await signClaims(claims, vaultPrivateKey(ctx.db, master, 'signing'), vaultInfo(ctx.db).signingPublicJwk as JWK, 'custodian-receipt+jws');
    } finally {
      master.fill(0);
    }
    data.released = { at: releasedAt, bundle_sha256: jcsHash(bundle), receipt_sha256: sha256Hex(receipt) };
    tx(ctx.db, () => {
      if (row(ctx.db, cid).state !== 'approved') throw new Refused('state', `ceremony ${cid} changed state concurrently`);
      ctx.db.prepare('UPDATE approvals SET escrowed_share = NULL WHERE ceremony_id = ?').run(cid);
      save(ctx, cid, 'released', data, 'ceremony.released', {
        key_id: data.key_id, bundle_sha256: data.released!.bundle_sha256, receipt_sha256: data.released!.receipt_sha256,
        approvers: approvals.map((a) => a.custodian), trust_anchor: data.request!.trust_anchor, tee_pubkey_thumbprint: data.request!.tee_pubkey_thumbprint,
      }, { bundle: jcs(bundle), receipt });
    });
    dropEscrow(r.escrow_id);
    return { bundle, receipt, again: false };
  });
}

/** Records that the bundle and receipt were written to `files` (released → closed). */
export function closeReleased(ctx: Ctx, cid: string, files: { bundle: string; receipt: string }): Promise<void> {
  return step(ctx, cid, 'close', () => {
    tx(ctx.db, () => {
      const r = row(ctx.db, cid);
      if (r.state !== 'released') throw new Refused('state', `ceremony ${cid} is ${r.state}, not released`);
      save(ctx, cid, 'closed', JSON.parse(r.data) as CeremonyData, 'ceremony.closed', { bundle_file: files.bundle, receipt_file: files.receipt });
    });
  });
}

/**
 * {@link release}, then writes the bundle (flattened JWE, JSON) and the receipt (compact JWS) to the
 * given paths atomically and closes the ceremony. `again`: the stored bundle was re-exported.
 */
export async function releaseToFiles(ctx: Ctx, cid: string, files: { bundle: string; receipt: string }): Promise<{ again: boolean }> {
  const r = await release(ctx, cid);
  writeAtomic(files.bundle, `${JSON.stringify(r.bundle)}\n`);
  writeAtomic(files.receipt, `${r.receipt}\n`);
  await closeReleased(ctx, cid, files);
  return { again: r.again };
}

/** Aborts a live ceremony (any state before closed); the escrowed shares are wiped. */
export function abort(ctx: Ctx, cid: string, reason = 'aborted by the operator'): Promise<void> {
  return step(ctx, cid, 'abort', () => {
    const r = row(ctx.db, cid);
    if (TERMINAL.includes(r.state)) throw new Refused('state', `ceremony ${cid} has already ended (${r.state})`);
    end(ctx, cid, 'aborted', reason);
  });
}

/** The ceremony as stored (no secrets: the escrowed shares are not returned). */
export function show(ctx: Ctx, cid: string): Ceremony {
  const r = row(ctx.db, cid);
  return {
    id: r.id, state: r.state, data: JSON.parse(r.data) as CeremonyData, opened_at: r.opened_at, updated_at: r.updated_at,
    approvals: approvalsOf(ctx.db, cid).map(({ custodian, approved_at, request_sha256 }) => ({ custodian, approved_at, request_sha256 })),
  };
}

/** Ids and states of all ceremonies, newest first. */
export function listCeremonies(db: Db): { id: string; key_id: string; state: CeremonyState; opened_at: string }[] {
  return db.prepare('SELECT id, key_id, state, opened_at FROM ceremonies ORDER BY opened_at DESC, id').all() as { id: string; key_id: string; state: CeremonyState; opened_at: string }[];
}
