/**
 * The release ceremony: a state machine persisted in the vault, one transaction per step, every step
 * (and every refusal) in the audit log.
 *
 * ```
 * open ─challenge─► challenged ─evidence─► appraised ─approve×M─► approved ─release─► released ─export─► closed
 *   any live state ─abort─► aborted;  deadline or challenge expiry ─► expired
 * ```
 * The vault file is not trusted: every step first authenticates the key record under the pinned
 * roster (keys.ts `getKey`) and takes the policy only from it; the ceremony's own row is re-checked
 * against the signed request at approval and at release.
 * - open: key, participants (default: every custodian), approvals required (the key's signed policy).
 * - challenge: a fresh 32-byte nonce (base64, as Trustee's KBS) with an expiry and the binding hash.
 * - evidence: appraised by the wasm core under the key's appraisal policy **as of the vault's own
 *   clock** (never a time the submitter chose); accepted only as acceptance.ts says. A refusal
 *   (contraindicated, binding, anchor, untolerated warning) leaves the ceremony waiting for evidence;
 *   missing endorsements are bad input. Accepted evidence consumes the nonce; the evidence files are
 *   kept in the vault; the ceremony's escrow key (escrow.ts) and its receipt-signing key are created.
 * - approve: the custodian has compared the request hash (required); their passphrase unlocks their
 *   keys; they sign the request hash (their approval), and their share of **this key's** KEK waits for
 *   the release sealed under the ceremony's RAM-only escrow key.
 * - release: verifies every approval signature under the roster and counts distinct approvers against
 *   the signed policy; rebuilds the KEK; opens the key and checks its fingerprint; **re-appraises the
 *   stored evidence** under the signed policy at the approved reference time and re-applies the
 *   acceptance rule; only then encrypts the key to the TEE key and signs the receipt (receipt.ts).
 *
 * Concurrency: at most one live ceremony per key (a unique index). Racing steps on one ceremony
 * re-check the state inside their transaction.
 */
import { generateKeyPairSync, createPrivateKey } from 'node:crypto';
import type { Core } from '../core/core.ts';
import type { Appraisal, NamedBytes } from '../core/appraisal.ts';
import { calculateJwkThumbprint, type FlattenedJWE, type JWK } from 'jose';
import { sweepTempFiles, writeAtomic } from '../io/files.ts';
import { bindingFormOf, missingInputs, objections, toleratedWarnings } from './acceptance.ts';
import { appendAudit, auditHead } from './audit.ts';
import { deviceNonce, type BindingForm, type HashAlg, type TeePublicJwk, type Challenge } from './binding.ts';
import { isSomePassphrase, unlockCustodian, type TrustedRoster } from './custodians.ts';
import { jcs, jcsHash, open, random, seal, sha256Hex } from './crypto.ts';
import { tx, type Db } from './db.ts';
import { createEscrowKey, dropEscrow, escrowKey, newEscrowId } from './escrow.ts';
import { InputError, Refused } from './errors.ts';
import { publicJwk, signStatement, verifyStatement } from './jws.ts';
import { getKey, openShare, unsealKey, type KeyRecord } from './keys.ts';
import type { ReleasePolicy } from './policy.ts';
import { encryptToTee, responseText } from './release.ts';
import { compositeRequest, cpuView, deviceObjections, firstObjection, nvidiaDevicesOf } from './composite.ts';
import { buildEar } from '../core/ear.ts';
import type { ApprovalClaims, ReceiptClaims } from './receipt.ts';

export type CeremonyState = 'open' | 'challenged' | 'appraised' | 'approved' | 'released' | 'closed' | 'aborted' | 'expired' | 'refused';
export const TERMINAL: CeremonyState[] = ['closed', 'aborted', 'expired', 'refused'];

/** Who acts and when, on which vault (its roster authenticated when the vault was opened); `now` is injectable for tests. */
export interface Ctx {
  db: Db;
  roster: TrustedRoster;
  actor: string;
  now?: () => Date;
}

/** A file taken into the ceremony: its name (as given), role and SHA-256 (hex). */
export interface FileDigest {
  name: string;
  role: 'evidence' | 'endorsement' | 'test-anchor' | 'tee-pubkey' | 'additional-evidence' | 'attestation';
  sha256: string;
}

/** `TEST` for an explicit TEST anchor (as recorded in receipts and the audit log), else the core's kind. */
export const anchorLabel = (a: Appraisal['trust_anchor']) => ({ ...a, kind: a.kind === 'test' ? 'TEST' : a.kind });

/** The object custodians approve; its JCS SHA-256 is the request hash each approval signs. */
export interface ReleaseRequest {
  type: 'custodian-release-request';
  version: 2;
  vault_id: string;
  vault_key_thumbprint: string;
  ceremony_id: string;
  key_id: string;
  key_name: string;
  key_fingerprint: string;
  /** The release policy in force (from the signed key record) and its JCS SHA-256. */
  policy: ReleasePolicy;
  policy_sha256: string;
  approvals_required: number;
  nonce: string;
  hash_alg: HashAlg;
  tee_pubkey: TeePublicJwk;
  tee_pubkey_thumbprint: string;
  evidence: FileDigest[];
  appraisal_sha256: string;
  verdict: string;
  /** `warn` checks tolerated by the policy's accept_warnings. */
  tolerated_warnings: string[];
  trust_anchor: { kind: string; name: string; spki_sha256: string };
  /** The vault machine's clock when the evidence was taken (RFC 3339 UTC). */
  reference_time: string;
  /** Public JWK of this ceremony's receipt-signing key (its private half waits in the escrow). */
  receipt_key: JWK;
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
  /** `gpu_uuids`: a composite ceremony's GPU uuids as the guest named them (from the additional evidence). */
  evidence?: { gpu_uuids?: string[]; files: FileDigest[]; binding: { hash_alg: HashAlg; report_data: string; form?: BindingForm }; appraisal: Appraisal; appraisal_sha256: string };
  request?: ReleaseRequest;
  request_sha256?: string;
  /** Where the bundle and receipt are being written (so leftovers of a crash can be swept). */
  outputs?: { bundle: string; receipt: string };
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
  escrow_check: string | null;
  receipt_key_sealed: Buffer | null;
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

interface ApprovalRow {
  custodian: string;
  approved_at: string;
  request_sha256: string;
  signature: string;
  escrowed_share: Buffer | null;
}

const nowOf = (ctx: Ctx) => (ctx.now ?? (() => new Date()))();

function row(db: Db, cid: string): Row {
  const r = db.prepare('SELECT * FROM ceremonies WHERE id = ?').get(cid) as Row | undefined;
  if (!r) throw new InputError('CID', 'ceremony', `no ceremony "${cid}" in this vault`);
  return r;
}

function approvalsOf(db: Db, cid: string): ApprovalRow[] {
  return db.prepare('SELECT custodian, approved_at, request_hash AS request_sha256, signature, escrowed_share FROM approvals WHERE ceremony_id = ? ORDER BY approved_at, custodian').all(cid) as ApprovalRow[];
}

/** Writes state + data and the audit entry for it; call inside a transaction. */
function save(ctx: Ctx, cid: string, state: CeremonyState, data: CeremonyData, event: string, payload: Record<string, unknown>, extra: { bundle?: string; receipt?: string } = {}): void {
  const now = nowOf(ctx);
  ctx.db.prepare('UPDATE ceremonies SET state = ?, data = ?, updated_at = ?, bundle = COALESCE(?, bundle), receipt = COALESCE(?, receipt) WHERE id = ?')
    .run(state, jcs(data), now.toISOString(), extra.bundle ?? null, extra.receipt ?? null, cid);
  appendAudit(ctx.db, ctx.actor, event, { ceremony: cid, state, ...payload }, now);
}

/** Ends a ceremony (aborted / expired / refused): state, reason, escrowed secrets wiped, escrow key dropped. */
function end(ctx: Ctx, cid: string, state: 'aborted' | 'expired' | 'refused', reason: string, payload: Record<string, unknown> = {}): void {
  const r = tx(ctx.db, () => {
    const r = row(ctx.db, cid);
    if (TERMINAL.includes(r.state)) return r;
    const data = JSON.parse(r.data) as CeremonyData;
    data.end = { at: nowOf(ctx).toISOString(), reason };
    ctx.db.prepare('UPDATE approvals SET escrowed_share = NULL WHERE ceremony_id = ?').run(cid);
    ctx.db.prepare('UPDATE ceremonies SET receipt_key_sealed = NULL WHERE id = ?').run(cid);
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

/**
 * The ceremony's key, authenticated, and checked against what the ceremony row says about it (the
 * row is not trusted: a fingerprint or policy hash edited there is refused).
 */
async function keyOf(ctx: Ctx, cid: string, data: CeremonyData): Promise<KeyRecord> {
  const key = await getKey(ctx.db, ctx.roster, data.key_id);
  if (key.meta.fingerprint !== data.key_fingerprint || jcsHash(key.policy) !== data.policy_sha256 || key.policy.approvals !== data.approvals_required) {
    throw new Refused('authentication', `${ctx.db.name}: ceremonies.data of ${cid} does not match the signed record of key ${key.id} (fingerprint, policy or approvals edited in the file)`);
  }
  return key;
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
 * at least as many as the approvals the key's signed policy requires. `ttlSeconds` may shorten the
 * policy's ceremony deadline. Refused('state') when the key already has a live ceremony.
 */
export function openCeremony(ctx: Ctx, keyId: string, opts: { participants?: string[]; ttlSeconds?: number } = {}): Promise<string> {
  return step(ctx, null, 'open', async () => {
    const key = await getKey(ctx.db, ctx.roster, keyId);
    const enrolled = ctx.roster.custodians.map((c) => c.name);
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
      appendAudit(ctx.db, ctx.actor, 'ceremony.opened', {
        ceremony: cid, key_id: key.id, participants, approvals_required: data.approvals_required, policy_sha256: data.policy_sha256, expires_at: data.expires_at,
        ...(key.policy.no_reference_values ? { no_reference_values: true } : {}),
      }, now);
    });
    return cid;
  });
}

/**
 * Issues the challenge (or re-exports the one already issued). `hashAlg` selects the binding hash
 * (default sha384, Trustee's default); `ttlSeconds` may shorten the policy's nonce lifetime.
 */
export function challenge(ctx: Ctx, cid: string, opts: { hashAlg?: HashAlg; ttlSeconds?: number } = {}): Promise<Challenge> {
  return step(ctx, cid, 'challenge', async () => {
    const { r, data } = live(ctx, cid);
    const asFile = (c: NonNullable<CeremonyData['challenge']>): Challenge => ({
      nonce: c.nonce, 'extra-params': { 'selected-hash-algorithm': c.hash_alg, 'custodian-ceremony': cid, 'expires-at': c.expires_at },
    });
    if (r.state === 'challenged' && data.challenge) {
      tx(ctx.db, () => appendAudit(ctx.db, ctx.actor, 'ceremony.challenge.exported', { ceremony: cid, nonce: data.challenge!.nonce, again: true }, nowOf(ctx)));
      return asFile(data.challenge);
    }
    if (r.state !== 'open') throw new Refused('state', `ceremony ${cid} is ${r.state}; a challenge is issued once, right after open`);
    const key = await keyOf(ctx, cid, data);
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

/** Evidence for {@link submitEvidence}: the files as read and the TEE public key. No reference time: the vault's clock is used. */
export interface EvidenceInput {
  evidence: NamedBytes;
  endorsements: NamedBytes[];
  testAnchors: NamedBytes[];
  teePubkey: { file: NamedBytes; jwk: TeePublicJwk };
  /**
   * The guest's additional-evidence string (Trustee Attestation `tee-evidence.additional_evidence`),
   * part of the REPORT_DATA hash since Trustee 0.14; `""` or absent when none. Stored with the
   * ceremony's files (role `additional-evidence`) so the release re-appraises against the same string.
   */
  additionalEvidence?: string;
  /** The Trustee Attestation file the evidence was taken from (trustee.ts), kept for the record (role `attestation`); not re-read. */
  attestation?: NamedBytes;
  /** The Attestation's `runtime-data.nonce`: must be the ceremony's challenge nonce (else Refused 'nonce'). */
  attestationNonce?: string;
}

/** The files of an evidence input in the order they are digested and stored. */
function filesOf(input: EvidenceInput): (NamedBytes & { role: FileDigest['role'] })[] {
  return [
    { ...input.evidence, role: 'evidence' },
    ...input.endorsements.map((f) => ({ ...f, role: 'endorsement' as const })),
    ...input.testAnchors.map((f) => ({ ...f, role: 'test-anchor' as const })),
    { ...input.teePubkey.file, role: 'tee-pubkey' as const },
    ...(input.additionalEvidence ? [{ name: 'additional-evidence', bytes: Buffer.from(input.additionalEvidence, 'utf8'), role: 'additional-evidence' as const }] : []),
    ...(input.attestation ? [{ ...input.attestation, role: 'attestation' as const }] : []),
  ];
}

/**
 * The core's appraisal of `input` under `policy` as of `at`, for the challenge `ch`: composite (the
 * GPUs of the additional evidence, each expected to answer Trustee's device nonce) for a `gpu` key.
 */
function appraise(core: Core, input: EvidenceInput, policy: ReleasePolicy, at: Date, ch: { nonce: string; hashAlg: HashAlg }): Appraisal {
  return core.verify(compositeRequest(input, policy, deviceNonce(ch.nonce, input.teePubkey.jwk, ch.hashAlg).toString('hex'), at));
}

/** Every reason not to release, in the order a refusal explains them (composite.ts firstObjection). */
function refusal(a: Appraisal, policy: ReleasePolicy, b: { nonce: string; hashAlg: HashAlg; tee: TeePublicJwk; additionalEvidence?: string }) {
  const uuids = policy.gpu ? (nvidiaDevicesOf(b.additionalEvidence ?? '')?.uuids ?? []) : [];
  return firstObjection(objections(a, policy, b), deviceObjections(a, policy, uuids));
}

/**
 * Takes the workload's evidence, appraised as of the vault's clock. Returns the accepted ceremony.
 * InputError (nothing changes) when a file cannot be parsed or an endorsement is missing; Refused
 * `nonce` (already used / expired), `binding`, `policy` (contraindicated, TEST anchor, untolerated
 * warning, evidence type) — the ceremony then keeps waiting for evidence.
 */
export function submitEvidence(ctx: Ctx, core: Core, cid: string, input: EvidenceInput): Promise<Ceremony> {
  return step(ctx, cid, 'evidence', async () => {
    const { r, data } = live(ctx, cid);
    if (r.state === 'open') throw new Refused('state', `ceremony ${cid} has no challenge yet`);
    if (r.state !== 'challenged') throw new Refused('nonce', `the nonce of ceremony ${cid} was already used by evidence accepted earlier (${r.state}): a replay is refused`);
    const ch = data.challenge!;
    const now = nowOf(ctx);
    if (now > new Date(ch.expires_at)) {
      end(ctx, cid, 'expired', `challenge nonce expired at ${ch.expires_at}`);
      throw new Refused('nonce', `the challenge nonce of ceremony ${cid} expired at ${ch.expires_at}`);
    }
    if (input.attestationNonce !== undefined && input.attestationNonce !== ch.nonce) {
      throw new Refused('nonce', `the attestation answers nonce ${input.attestationNonce.slice(0, 12)}…, not ceremony ${cid}'s challenge nonce ${ch.nonce.slice(0, 12)}…: evidence made for another challenge (or a replay); ceremony ${cid} keeps waiting`);
    }
    const key = await keyOf(ctx, cid, data);
    const stored = filesOf(input);
    const files: FileDigest[] = stored.map((f) => ({ name: f.name, role: f.role, sha256: sha256Hex(f.bytes) }));
    const appraisal = appraise(core, input, key.policy, now, { nonce: ch.nonce, hashAlg: ch.hash_alg });
    const missing = missingInputs(appraisal);
    if (missing.length > 0) throw new InputError(input.evidence.name, missing[0]!.id, `${missing.map((m) => m.detail).join('; ')} (nothing was recorded; give the endorsement and submit again)`);
    const facts = { evidence: files, appraisal_sha256: jcsHash(appraisal), verdict: appraisal.verdict, trust_anchor: anchorLabel(appraisal.trust_anchor), reference_time: appraisal.reference_time };
    const bindingInput = { nonce: ch.nonce, hashAlg: ch.hash_alg, tee: input.teePubkey.jwk, additionalEvidence: input.additionalEvidence ?? '' };
    const objection = refusal(appraisal, key.policy, bindingInput);
    if (objection) throw new Refused(objection.reason, `${objection.message}; ceremony ${cid} keeps waiting for acceptable evidence`);
    const form = bindingFormOf(appraisal, bindingInput)!;
    const receiptKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const request: ReleaseRequest = {
      type: 'custodian-release-request', version: 2, vault_id: ctx.roster.vault_id, vault_key_thumbprint: ctx.roster.vault_key_thumbprint,
      ceremony_id: cid, key_id: key.id, key_name: key.name, key_fingerprint: key.meta.fingerprint, policy: key.policy, policy_sha256: jcsHash(key.policy),
      approvals_required: key.policy.approvals, nonce: ch.nonce, hash_alg: ch.hash_alg, tee_pubkey: input.teePubkey.jwk,
      tee_pubkey_thumbprint: await calculateJwkThumbprint(input.teePubkey.jwk as JWK), ...facts,
      tolerated_warnings: toleratedWarnings(appraisal, key.policy), receipt_key: publicJwk(receiptKey.publicKey),
    };
    const gpuUuids = key.policy.gpu ? nvidiaDevicesOf(input.additionalEvidence ?? '')?.uuids : undefined;
    data.evidence = { ...(gpuUuids ? { gpu_uuids: gpuUuids } : {}), files, binding: { hash_alg: ch.hash_alg, report_data: String(cpuView(appraisal).claims.report_data ?? ''), form }, appraisal, appraisal_sha256: facts.appraisal_sha256 };
    data.request = request;
    data.request_sha256 = jcsHash(request);
    // A fresh escrow id for each attempt: a key file left by an attempt that crashed before its commit
    // is never adopted, and never blocks this one (it holds nothing: nothing was sealed under it).
    const escrowId = newEscrowId();
    const escrow = createEscrowKey(escrowId, cid);
    const receiptKeySealed = seal(escrow.key, receiptKey.privateKey.export({ type: 'pkcs8', format: 'der' }), receiptKeyAad(cid, data.request_sha256));
    escrow.key.fill(0);
    try {
      tx(ctx.db, () => {
        if (row(ctx.db, cid).state !== 'challenged') throw new Refused('nonce', `the nonce of ceremony ${cid} was used concurrently`);
        const ins = ctx.db.prepare('INSERT INTO ceremony_files (ceremony_id, seq, role, name, bytes) VALUES (?, ?, ?, ?, ?)');
        for (const [i, f] of stored.entries()) ins.run(cid, i, f.role, f.name, Buffer.from(f.bytes));
        ctx.db.prepare('UPDATE ceremonies SET escrow_id = ?, escrow_check = ?, receipt_key_sealed = ? WHERE id = ?').run(escrowId, escrow.check, receiptKeySealed, cid);
        save(ctx, cid, 'appraised', data, 'ceremony.appraised', {
          ...facts, binding: `REPORT_DATA binds nonce, TEE key${input.additionalEvidence ? ' and additional evidence' : ''} (${ch.hash_alg}, ${form} form)`, reference_time_source: 'vault clock',
          tolerated_warnings: request.tolerated_warnings, tee_pubkey_thumbprint: request.tee_pubkey_thumbprint, request_sha256: data.request_sha256,
        });
      });
    } catch (e) {
      dropEscrow(escrowId);
      throw e;
    }
    return show(ctx, cid);
  });
}

/** Associated data of the sealed receipt key: this ceremony, this request. */
const receiptKeyAad = (cid: string, requestSha256: string) => jcs({ purpose: 'ceremony-receipt-key', ceremony: cid, request_sha256: requestSha256 });

/**
 * Associated data of an escrowed share: it binds the share to the ceremony, the custodian and the
 * request hash they approved, so editing the stored request after the approvals makes it unusable.
 */
const escrowAad = (cid: string, custodian: string, requestSha256: string) => jcs({ purpose: 'approval-escrow', ceremony: cid, custodian, request_sha256: requestSha256 });

/** The ceremony's escrow key; when it is gone (a reboot) the ceremony cannot finish: it is ended. */
function liveEscrow(ctx: Ctx, cid: string, r: Row): Buffer {
  const key = r.escrow_check ? escrowKey(r.escrow_id, cid, r.escrow_check) : null;
  if (!key) {
    end(ctx, cid, 'aborted', 'the approval escrow (RAM only) is gone: was the machine restarted? Open a new ceremony');
    throw new Refused('approvals', `the approval escrow of ceremony ${cid} is gone (it lives in RAM only: was the machine restarted?); the ceremony is ended: open a new one`);
  }
  return key;
}

/**
 * Checks the ceremony's stored request against the signed key record and its own hash; returns the
 * request hash. Refused('authentication') when the row was edited.
 */
function checkedRequest(ctx: Ctx, cid: string, data: CeremonyData, key: KeyRecord): string {
  const req = data.request;
  const h = req ? jcsHash(req) : '';
  if (!req || h !== data.request_sha256 || req.ceremony_id !== cid || req.key_id !== key.id || req.key_fingerprint !== key.meta.fingerprint
    || req.policy_sha256 !== jcsHash(key.policy) || jcsHash(req.policy) !== req.policy_sha256 || req.approvals_required !== key.policy.approvals
    || req.vault_id !== ctx.roster.vault_id) {
    throw new Refused('authentication', `${ctx.db.name}: the release request of ${cid} is not consistent with itself or with the signed key record (the vault file was altered)`);
  }
  return h;
}

/**
 * One custodian's approval. `requestSha256` is the request hash the custodian compared and must equal
 * the ceremony's; the passphrase unlocks their keys (Argon2id; refused and logged when wrong); they
 * sign the approval, and their share of this key's KEK waits sealed under the RAM-only escrow key.
 */
export function approve(ctx: Ctx, cid: string, custodian: string, passphrase: string, opts: { requestSha256: string }): Promise<Ceremony> {
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
    if (!/^[0-9a-fA-F]{64}$/.test(opts.requestSha256 ?? '')) throw new InputError('--request-hash', 'request hash', 'give the 64-hex-digit request hash you compared (ceremony show)');
    if (opts.requestSha256.toLowerCase() !== data.request_sha256) {
      throw new Refused('approvals', `the request hash given (${opts.requestSha256}) is not ceremony ${cid}'s (${data.request_sha256})`);
    }
    const key = await keyOf(ctx, cid, data);
    const requestSha256 = checkedRequest(ctx, cid, data, key);
    const keys = await unlockCustodian(ctx.db, ctx.roster, custodian, passphrase);
    const escrow = liveEscrow(ctx, cid, r);
    const share = await openShare(ctx.db, key, ctx.roster, keys);
    const sealed = seal(escrow, share, escrowAad(cid, custodian, requestSha256));
    share.fill(0);
    escrow.fill(0);
    const approvedAt = nowOf(ctx).toISOString();
    const claims: ApprovalClaims = { type: 'custodian-approval', version: 1, vault_id: ctx.roster.vault_id, ceremony_id: cid, key_id: key.id, custodian, request_sha256: requestSha256, approved_at: approvedAt };
    const signature = await signStatement(claims, keys.signing, keys.entry.signing_jwk, 'custodian-approval+jws');
    tx(ctx.db, () => {
      check();
      ctx.db.prepare('INSERT INTO approvals (ceremony_id, custodian, approved_at, request_hash, signature, escrowed_share) VALUES (?, ?, ?, ?, ?, ?)').run(cid, custodian, approvedAt, requestSha256, signature, sealed);
      const count = approvalsOf(ctx.db, cid).length;
      const state = count >= key.policy.approvals ? 'approved' : 'appraised';
      save({ ...ctx, actor: custodian }, cid, state, data, 'ceremony.approved', { custodian, request_sha256: requestSha256, approvals: count, required: key.policy.approvals, signature_sha256: sha256Hex(signature) });
    });
    return show(ctx, cid);
  });
}

/**
 * The approvals that count: each signature verifies under the roster key of the custodian it names,
 * for this vault, ceremony, key and request, from a participant, at most one per custodian.
 * Refused('authentication') for any approval row that does not verify (the file was altered).
 */
async function verifiedApprovals(ctx: Ctx, cid: string, data: CeremonyData, requestSha256: string, keyId: string): Promise<ApprovalRow[]> {
  const rows = approvalsOf(ctx.db, cid);
  const seen = new Set<string>();
  for (const a of rows) {
    const entry = ctx.roster.custodians.find((c) => c.name === a.custodian);
    const claims = entry && await verifyStatement<ApprovalClaims>(a.signature, entry.signing_jwk, 'custodian-approval+jws');
    if (!claims || claims.type !== 'custodian-approval' || claims.custodian !== a.custodian || claims.ceremony_id !== cid || claims.key_id !== keyId
      || claims.vault_id !== ctx.roster.vault_id || claims.request_sha256 !== requestSha256 || a.request_sha256 !== requestSha256) {
      throw new Refused('authentication', `${ctx.db.name}: the approval of ${a.custodian} for ${cid} is not signed by ${a.custodian}'s key for this request (the vault file was altered)`);
    }
    if (!data.participants.includes(a.custodian) || seen.has(a.custodian)) throw new Refused('approvals', `the approval of ${a.custodian} does not count (not a participant, or twice)`);
    seen.add(a.custodian);
  }
  return rows;
}

/** The stored evidence files of a ceremony, checked against the request's digests. */
function storedEvidence(ctx: Ctx, cid: string, req: ReleaseRequest): EvidenceInput {
  const rows = ctx.db.prepare('SELECT role, name, bytes FROM ceremony_files WHERE ceremony_id = ? ORDER BY seq').all(cid) as { role: FileDigest['role']; name: string; bytes: Buffer }[];
  const same = rows.length === req.evidence.length && rows.every((f, i) => f.role === req.evidence[i]!.role && f.name === req.evidence[i]!.name && sha256Hex(f.bytes) === req.evidence[i]!.sha256);
  if (!same) throw new Refused('authentication', `${ctx.db.name}: the stored evidence of ${cid} is not the evidence the custodians approved (ceremony_files altered)`);
  const of = (role: FileDigest['role']) => rows.filter((f) => f.role === role).map((f) => ({ name: f.name, bytes: f.bytes }));
  const pub = of('tee-pubkey')[0]!;
  const additional = of('additional-evidence')[0];
  return {
    evidence: of('evidence')[0]!, endorsements: of('endorsement'), testAnchors: of('test-anchor'), teePubkey: { file: pub, jwk: req.tee_pubkey },
    additionalEvidence: additional ? Buffer.from(additional.bytes).toString('utf8') : '', attestation: of('attestation')[0],
  };
}

/**
 * Releases the key: returns the bundle (flattened JWE to the TEE key) and the signed receipt, both
 * also stored. For a ceremony already `released` (a crash before the files were written) it returns
 * the stored ones again and logs the read. Refused: `approvals` (too few verified approvals, or the
 * RAM escrow lost), `authentication` (anything in the file that does not verify), `policy`/`binding`
 * (the stored evidence no longer passes the signed policy).
 */
export function release(ctx: Ctx, core: Core, cid: string): Promise<{ bundle: FlattenedJWE; receipt: string; again: boolean }> {
  return step(ctx, cid, 'release', async () => {
    const { r, data } = live(ctx, cid);
    if (r.state === 'released') {
      tx(ctx.db, () => appendAudit(ctx.db, ctx.actor, 'ceremony.release.exported', { ceremony: cid, bundle_sha256: data.released!.bundle_sha256, again: true }, nowOf(ctx)));
      return { bundle: JSON.parse(r.bundle!) as FlattenedJWE, receipt: r.receipt!, again: true };
    }
    if (r.state === 'appraised') throw new Refused('approvals', `ceremony ${cid} has ${approvalsOf(ctx.db, cid).length} of the ${data.approvals_required} approvals required`);
    if (r.state !== 'approved') throw new Refused('state', `ceremony ${cid} is ${r.state}; release follows the approvals`);
    const key = await keyOf(ctx, cid, data);
    const requestSha256 = checkedRequest(ctx, cid, data, key);
    const req = data.request!;
    const approvals = await verifiedApprovals(ctx, cid, data, requestSha256, key.id);
    if (approvals.length < key.policy.approvals) throw new Refused('approvals', `ceremony ${cid} has ${approvals.length} verified approvals; key ${key.id}'s signed policy requires ${key.policy.approvals}`);
    // Re-appraise exactly the approved evidence under the signed policy, as of the approved vault time.
    const input = storedEvidence(ctx, cid, req);
    const appraisal = appraise(core, input, key.policy, new Date(req.reference_time), { nonce: req.nonce, hashAlg: req.hash_alg });
    const objection = refusal(appraisal, key.policy, { nonce: req.nonce, hashAlg: req.hash_alg, tee: req.tee_pubkey, additionalEvidence: input.additionalEvidence ?? '' });
    if (objection) throw new Refused(objection.reason, `re-appraisal at release: ${objection.message}`);
    if (jcsHash(appraisal) !== req.appraisal_sha256) throw new Refused('authentication', `re-appraisal at release differs from the approved appraisal (${appraisal.verdict} vs ${req.verdict}): not released`);
    const escrow = liveEscrow(ctx, cid, r);
    let bundle: FlattenedJWE;
    let receipt: string;
    const releasedAt = nowOf(ctx).toISOString();
    try {
      const shares = approvals.map((a) => {
        const s = a.escrowed_share && open(escrow, a.escrowed_share, escrowAad(cid, a.custodian, requestSha256));
        if (!s) throw new Refused('authentication', `${ctx.db.name}: approvals.escrowed_share of ${a.custodian}: AES-GCM authentication failed (altered)`);
        return s;
      });
      const material = await unsealKey(ctx.db, key, shares);
      for (const s of shares) s.fill(0);
      bundle = await encryptToTee(material.bytes, req.tee_pubkey, key.id, material.format);
      material.bytes.fill(0);
      const der = r.receipt_key_sealed && open(escrow, r.receipt_key_sealed, receiptKeyAad(cid, requestSha256));
      if (!der) throw new Refused('authentication', `${ctx.db.name}: ceremonies.receipt_key_sealed of ${cid}: AES-GCM authentication failed (altered)`);
      const signer = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
      der.fill(0);
      const head = auditHead(ctx.db);
      const claims: ReceiptClaims = {
        type: 'custodian-release-receipt', version: 2, vault_id: ctx.roster.vault_id, vault_key_jwk: ctx.roster.vault_key_jwk, roster_jws: ctx.roster.roster_jws,
        key_record_jws: (ctx.db.prepare('SELECT record_jws FROM keys WHERE id = ?').get(key.id) as { record_jws: string }).record_jws,
        ceremony_id: cid, request: req, request_sha256: requestSha256, approvals: approvals.map((a) => ({ custodian: a.custodian, signature: a.signature })),
        bundle_sha256: jcsHash(bundle), released_at: releasedAt, audit: head,
        // The EAR of the evidence released to (unsigned claims-set; the receipt's signature covers it).
        ear: buildEar(appraisal, { policy: key.policy.appraisal_policy, evidence: [{ role: 'evidence', bytes: input.evidence.bytes }] }),
      };
      receipt = await signStatement(claims, signer, req.receipt_key, 'custodian-receipt+jws');
    } finally {
      escrow.fill(0);
    }
    data.released = { at: releasedAt, bundle_sha256: jcsHash(bundle), receipt_sha256: sha256Hex(receipt) };
    tx(ctx.db, () => {
      const now = row(ctx.db, cid);
      if (now.state !== 'approved') throw new Refused('state', `ceremony ${cid} changed state concurrently`);
      ctx.db.prepare('UPDATE approvals SET escrowed_share = NULL WHERE ceremony_id = ?').run(cid);
      ctx.db.prepare('UPDATE ceremonies SET receipt_key_sealed = NULL WHERE id = ?').run(cid);
      save(ctx, cid, 'released', data, 'ceremony.released', {
        key_id: key.id, bundle_sha256: data.released!.bundle_sha256, receipt_sha256: data.released!.receipt_sha256,
        approvers: approvals.map((a) => a.custodian), trust_anchor: req.trust_anchor, tee_pubkey_thumbprint: req.tee_pubkey_thumbprint,
      }, { bundle: jcs(bundle), receipt });
      // The automatic checkpoint: the head the receipt signed, recorded in the log it covers.
      const signed = (JSON.parse(Buffer.from(receipt.split('.')[1]!, 'base64url').toString('utf8')) as ReceiptClaims).audit;
      appendAudit(ctx.db, ctx.actor, 'audit.checkpoint', { source: 'release receipt', ceremony: cid, receipt_sha256: data.released!.receipt_sha256, size: signed.size, head_sha256: signed.head_sha256 }, nowOf(ctx));
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
 * {@link release}, then writes the bundle (a Trustee `Response`: flattened JWE JSON, mode 0600: it is only useful to the
 * TEE, but nobody else needs it) and the receipt (compact JWS) to the given paths atomically and
 * closes the ceremony. `again`: the stored bundle was re-exported.
 */
export async function releaseToFiles(ctx: Ctx, core: Core, cid: string, files: { bundle: string; receipt: string }): Promise<{ again: boolean }> {
  tx(ctx.db, () => {
    const r = row(ctx.db, cid);
    const data = JSON.parse(r.data) as CeremonyData;
    if (TERMINAL.includes(r.state)) return;
    data.outputs = files;
    ctx.db.prepare('UPDATE ceremonies SET data = ? WHERE id = ?').run(jcs(data), cid);
  });
  const r = await release(ctx, core, cid);
  writeAtomic(files.bundle, responseText(r.bundle), 0o600);
  writeAtomic(files.receipt, `${r.receipt}\n`, 0o600);
  await closeReleased(ctx, cid, files);
  return { again: r.again };
}

/**
 * Aborts a live ceremony (any state before closed); the escrowed secrets are wiped. A reason that is
 * some custodian's passphrase (typed into the wrong field) is refused, never logged.
 */
export function abort(ctx: Ctx, cid: string, reason = 'aborted by the operator'): Promise<void> {
  return step(ctx, cid, 'abort', async () => {
    const r = row(ctx.db, cid);
    if (TERMINAL.includes(r.state)) throw new Refused('state', `ceremony ${cid} has already ended (${r.state})`);
    if (await isSomePassphrase(ctx.db, reason.trim())) throw new InputError('--reason', 'reason', 'is a custodian\'s passphrase: it was not recorded, and the ceremony was not aborted. Give another reason (and consider changing that passphrase)');
    end(ctx, cid, 'aborted', reason);
  });
}

/** The ceremony as stored (no secrets: escrowed shares and keys are not returned). */
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

/**
 * Sweeps what a crash may have left (run on every vault open): escrow keys of ceremonies that can no
 * longer use them (ended, released, closed), escrowed secrets still in their rows, and leftover
 * temporary files of bundle/receipt writes. Returns what was removed, for the caller to report.
 */
export function sweep(db: Db): { escrowKeys: number; tempFiles: number } {
  const rows = db.prepare(`SELECT id, state, data, escrow_id FROM ceremonies WHERE state IN (${[...TERMINAL, 'released'].map(() => '?').join(',')})`).all(...TERMINAL, 'released') as { id: string; state: string; data: string; escrow_id: string }[];
  let escrowKeys = 0;
  let tempFiles = 0;
  for (const c of rows) {
    try {
      if (dropEscrow(c.escrow_id)) escrowKeys++;
    } catch {
      /* an unusable escrow directory is reported by the step that needs it */
    }
    const out = (JSON.parse(c.data) as CeremonyData).outputs;
    if (out) tempFiles += sweepTempFiles(out.bundle) + sweepTempFiles(out.receipt);
  }
  const ended = rows.map((c) => c.id);
  if (ended.length > 0) {
    tx(db, () => {
      const marks = ended.map(() => '?').join(',');
      db.prepare(`UPDATE approvals SET escrowed_share = NULL WHERE escrowed_share IS NOT NULL AND ceremony_id IN (${marks})`).run(...ended);
      db.prepare(`UPDATE ceremonies SET receipt_key_sealed = NULL WHERE receipt_key_sealed IS NOT NULL AND id IN (${marks})`).run(...ended);
    });
  }
  return { escrowKeys, tempFiles };
}
