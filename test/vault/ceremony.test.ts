/** The release ceremony through the services: the happy path and every refusal of issue 5 item 7. */
import { existsSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JWK } from 'jose';
import { core } from '../helpers.ts';
import { evidenceFor, newVault, passphraseOf, type TestVault } from './helpers.ts';
import { readAudit, verifyDbChain } from '../../electron/vault/audit.ts';
import { abort, approve, challenge, closeReleased, openCeremony, release, show, submitEvidence, type Ctx } from '../../electron/vault/ceremony.ts';
import { jcsHash } from '../../electron/vault/crypto.ts';
import { vaultInfo } from '../../electron/vault/custodians.ts';
import { Refused } from '../../electron/vault/errors.ts';
import { decryptBundle, verifyClaims, type ReceiptClaims } from '../../electron/vault/release.ts';
import { DEBUG_POLICY } from '../../fixtures/lib/profile.mjs';

/** Expects `p` to be refused for `reason`; returns the message. */
async function refused(p: Promise<unknown>, reason: Refused['reason']): Promise<string> {
  const e = await p.then(() => null, (x: unknown) => x);
  expect(e, 'expected a refusal').toBeInstanceOf(Refused);
  expect((e as Refused).reason).toBe(reason);
  return (e as Refused).message;
}

/** Opens and challenges a ceremony on the vault's key. */
async function started(v: TestVault, ctx: Ctx = v.ctx) {
  const cid = await openCeremony(ctx, v.key.id);
  return { cid, ch: await challenge(ctx, cid) };
}

/** A ceremony up to accepted evidence. */
async function appraised(v: TestVault) {
  const { cid, ch } = await started(v);
  const ev = evidenceFor(ch);
  await submitEvidence(v.ctx, core, cid, ev.input);
  return { cid, ch, ev };
}

const lastEvent = (v: TestVault) => readAudit(v.db).at(-1)!;

describe('a whole release (2 of 3)', () => {
  let v: TestVault;
  beforeAll(async () => {
    v = await newVault();
  });
  afterAll(() => v.db.close());

  it('releases only to the bound TEE key, with a receipt naming everything and TEST recorded everywhere', async () => {
    const { cid, ev } = await appraised(v);
    let c = show(v.ctx, cid);
    expect(c.state).toBe('appraised');
    expect(c.data.evidence!.appraisal.trust_anchor.kind).toBe('test');
    expect(lastEvent(v).payload.trust_anchor).toMatchObject({ kind: 'TEST' });

    await approve(v.ctx, cid, 'alice', passphraseOf('alice'));
    c = await approve(v.ctx, cid, 'carol', passphraseOf('carol'), { requestSha256: c.data.request_sha256 });
    expect(c.state).toBe('approved');
    expect(c.approvals.map((a) => a.custodian).sort()).toEqual(['alice', 'carol']);
    expect(c.approvals.every((a) => a.request_sha256 === jcsHash(c.data.request))).toBe(true);

    const { bundle, receipt } = await release(v.ctx, cid);
    const { plaintext } = await decryptBundle(bundle, ev.r.teePrivateJwk as JWK);
    expect(Buffer.from(plaintext).equals(v.keyBytes)).toBe(true);
    const other = evidenceFor({ nonce: 'x', 'extra-params': { 'selected-hash-algorithm': 'sha384', 'custodian-ceremony': '', 'expires-at': '' } });
    await expect(decryptBundle(bundle, other.r.teePrivateJwk as JWK)).rejects.toThrow();

    const claims = await verifyClaims<ReceiptClaims>(receipt, vaultInfo(v.db).signingPublicJwk as JWK);
    expect(claims).toMatchObject({
      ceremony_id: cid, key_id: v.key.id, key_fingerprint: v.key.meta.fingerprint, policy_sha256: jcsHash(v.key.policy),
      appraisal_sha256: jcsHash(c.data.evidence!.appraisal), bundle_sha256: jcsHash(bundle), trust_anchor: { kind: 'TEST' },
      reference_time: c.data.evidence!.appraisal.reference_time, request_sha256: c.data.request_sha256,
    });
    expect(claims.approvers.map((a) => a.custodian).sort()).toEqual(['alice', 'carol']);
    expect(claims.evidence.map((f) => f.role)).toEqual(['evidence', 'endorsement', 'test-anchor', 'tee-pubkey']);
    expect(lastEvent(v).payload).toMatchObject({ trust_anchor: { kind: 'TEST' }, bundle_sha256: jcsHash(bundle) });

    // A second release call (e.g. after a crash before the files were written) re-exports the same bundle, and logs the read.
    const again = await release(v.ctx, cid);
    expect(again.again).toBe(true);
    expect(again.bundle).toEqual(bundle);
    expect(lastEvent(v).event).toBe('ceremony.release.exported');
    await closeReleased(v.ctx, cid, { bundle: 'b', receipt: 'r' });
    expect(show(v.ctx, cid).state).toBe('closed');
    expect(verifyDbChain(v.db).ok).toBe(true);
  });

  it('refuses fewer than M approvals, the same custodian twice, a wrong passphrase and a non-participant', async () => {
    const cid = await openCeremony(v.ctx, v.key.id, { participants: ['alice', 'bob'] });
    const ch = await challenge(v.ctx, cid);
    await submitEvidence(v.ctx, core, cid, evidenceFor(ch).input);
    expect(await refused(release(v.ctx, cid), 'approvals')).toMatch(/0 of the 2 approvals/);
    await approve(v.ctx, cid, 'alice', passphraseOf('alice'));
    expect(await refused(approve(v.ctx, cid, 'alice', passphraseOf('alice')), 'approvals')).toMatch(/alice already approved.*distinct custodians/);
    expect(await refused(release(v.ctx, cid), 'approvals')).toMatch(/1 of the 2 approvals/);
    expect(await refused(approve(v.ctx, cid, 'bob', passphraseOf('alice')), 'authentication')).toMatch(/bob: wrong passphrase \(nothing was unsealed\)/);
    expect(lastEvent(v)).toMatchObject({ event: 'ceremony.step.refused', payload: { step: 'approve', reason: 'authentication' } });
    expect(await refused(approve(v.ctx, cid, 'carol', passphraseOf('carol')), 'approvals')).toMatch(/carol is not a participant/);
    expect(await refused(approve(v.ctx, cid, 'bob', passphraseOf('bob'), { requestSha256: 'ab'.repeat(32) }), 'approvals')).toMatch(/request hash given/);
    expect(show(v.ctx, cid).approvals).toHaveLength(1);
    await abort(v.ctx, cid);
    expect(show(v.ctx, cid).state).toBe('aborted');
    await refused(approve(v.ctx, cid, 'bob', passphraseOf('bob')), 'state');
  });

  it('allows one live ceremony per key: a second open is refused naming the first, and allowed after abort', async () => {
    const first = await openCeremony(v.ctx, v.key.id);
    expect(await refused(openCeremony(v.ctx, v.key.id), 'state')).toContain(`already has ceremony ${first} in progress`);
    // The unique index holds even if the check were raced: a direct insert is rejected by SQLite.
    expect(() => v.db.prepare("INSERT INTO ceremonies (id, key_id, state, data, escrow_id, opened_at, updated_at) VALUES ('c_x', ?, 'open', '{}', 'e', '', '')").run(v.key.id)).toThrow(/UNIQUE/);
    await abort(v.ctx, first, 'test');
    const second = await openCeremony(v.ctx, v.key.id);
    expect(second).not.toBe(first);
    // A live ceremony past its deadline does not block the key: opening another expires it.
    const later: Ctx = { ...v.ctx, now: () => new Date(Date.parse(show(v.ctx, second).data.expires_at) + 1) };
    const third = await openCeremony(later, v.key.id);
    expect(show(v.ctx, second).state).toBe('expired');
    await abort(v.ctx, third);
  });
});

describe('evidence refusals', () => {
  let v: TestVault;
  beforeAll(async () => {
    v = await newVault({ policy: { appraisal_policy: { snp: { minimum_guest_svn: 1 } } } });
  });
  afterAll(() => v.db.close());

  it('refuses evidence bound to another TEE key, then accepts the right one', async () => {
    const { cid, ch } = await started(v);
    const mine = evidenceFor(ch);
    const someoneElses = evidenceFor(ch).r.teePublicJwk;
    // The report binds `mine`'s key; presenting another public key (e.g. an attacker's) must fail.
    const wrong = evidenceFor(ch, { teePubkey: someoneElses });
    wrong.input.evidence = mine.input.evidence;
    expect(await refused(submitEvidence(v.ctx, core, cid, wrong.input), 'binding')).toMatch(/another nonce or another key/);
    expect(show(v.ctx, cid).state).toBe('challenged');
    await submitEvidence(v.ctx, core, cid, mine.input);
    expect(show(v.ctx, cid).state).toBe('appraised');
    await abort(v.ctx, cid);
  });

  it('refuses evidence for another nonce (a replay from an earlier ceremony) and a replay into the same ceremony', async () => {
    const a = await started(v);
    const evA = evidenceFor(a.ch);
    await submitEvidence(v.ctx, core, a.cid, evA.input);
    expect(await refused(submitEvidence(v.ctx, core, a.cid, evA.input), 'nonce')).toMatch(/already used.*replay/);
    await abort(v.ctx, a.cid);
    const b = await started(v);
    expect(await refused(submitEvidence(v.ctx, core, b.cid, evA.input), 'binding')).toMatch(/another nonce/);
    await abort(v.ctx, b.cid);
  });

  it('refuses an expired nonce and expires the ceremony', async () => {
    const { cid, ch } = await started(v);
    const later: Ctx = { ...v.ctx, now: () => new Date(Date.parse(ch['extra-params']['expires-at']) + 1000) };
    expect(await refused(submitEvidence(later, core, cid, evidenceFor(ch).input), 'nonce')).toMatch(/expired/);
    expect(show(v.ctx, cid).state).toBe('expired');
  });

  it('expires a ceremony past its deadline, whatever its state', async () => {
    const { cid } = await appraised(v);
    const later: Ctx = { ...v.ctx, now: () => new Date(Date.parse(show(v.ctx, cid).data.expires_at) + 1) };
    await refused(approve(later, cid, 'alice', passphraseOf('alice')), 'expired');
    expect(show(v.ctx, cid).state).toBe('expired');
  });

  it('stops at a contraindicated appraisal (debug guest) and records the verdict', async () => {
    const { cid, ch } = await started(v);
    const msg = await refused(submitEvidence(v.ctx, core, cid, evidenceFor(ch, { policy: DEBUG_POLICY }).input), 'policy');
    expect(msg).toMatch(/contraindicated.*policy\.debug/);
    const c = show(v.ctx, cid);
    expect(c.state).toBe('refused');
    expect(readAudit(v.db).find((e) => e.event === 'ceremony.refused' && e.payload.ceremony === cid && e.payload.state === 'refused')?.payload.verdict).toBe('contraindicated');
  });

  it('refuses evidence without the explicit TEST anchor (it does not chain to a pinned AMD root)', async () => {
    const { cid, ch } = await started(v);
    await refused(submitEvidence(v.ctx, core, cid, evidenceFor(ch, { testAnchor: false }).input), 'policy');
    expect(show(v.ctx, cid).state).toBe('refused');
  });
});

describe('release policy and escrow', () => {
  it('refuses TEST-anchored evidence for a key whose policy does not allow TEST anchors', async () => {
    const v = await newVault({ policy: { allow_test_anchor: false } });
    const { cid, ch } = await started(v);
    expect(await refused(submitEvidence(v.ctx, core, cid, evidenceFor(ch).input), 'policy')).toMatch(/TEST anchor.*does not allow/);
    expect(show(v.ctx, cid).state).toBe('challenged');
    v.db.close();
  });

  it.each([
    ['TDX evidence only', { tee: ['tdx'] }, /accepts tdx evidence; this is sev-snp evidence/],
    ['NVIDIA GPU evidence as well', { gpu: true }, /also requires NVIDIA GPU evidence/],
  ])('refuses SEV-SNP evidence when the policy requires %s', async (_w, policy, msg) => {
    const v = await newVault({ policy });
    const { cid, ch } = await started(v);
    expect(await refused(submitEvidence(v.ctx, core, cid, evidenceFor(ch).input), 'policy')).toMatch(msg);
    v.db.close();
  });

  it('wraps to an RSA TEE key with RSA-OAEP-256', async () => {
    const v = await newVault({ n: 2, m: 1 });
    const { cid, ch } = await started(v);
    const ev = evidenceFor(ch, { kty: 'RSA' });
    await submitEvidence(v.ctx, core, cid, ev.input);
    await approve(v.ctx, cid, 'bob', passphraseOf('bob'));
    const { bundle } = await release(v.ctx, cid);
    expect(JSON.parse(Buffer.from(bundle.protected!, 'base64url').toString())).toMatchObject({ alg: 'RSA-OAEP-256', enc: 'A256GCM' });
    expect(Buffer.from((await decryptBundle(bundle, ev.r.teePrivateJwk as JWK)).plaintext).equals(v.keyBytes)).toBe(true);
    v.db.close();
  });

  it('keeps approved shares only in the RAM escrow, wipes it at release, and asks for approvals again when it is lost', async () => {
    const v = await newVault();
    const { cid } = await appraised(v);
    await approve(v.ctx, cid, 'alice', passphraseOf('alice'));
    await approve(v.ctx, cid, 'bob', passphraseOf('bob'));
    const escrowDir = process.env.CUSTODIAN_ESCROW_DIR!;
    const escrowId = (v.db.prepare('SELECT escrow_id FROM ceremonies WHERE id = ?').get(cid) as { escrow_id: string }).escrow_id;
    expect(existsSync(`${escrowDir}/${escrowId}.key`)).toBe(true);
    // Simulate a reboot: the RAM-only escrow key is gone.
    rmSync(`${escrowDir}/${escrowId}.key`);
    expect(await refused(release(v.ctx, cid), 'approvals')).toMatch(/escrow.*gone.*approve again/);
    expect(show(v.ctx, cid)).toMatchObject({ state: 'appraised', approvals: [] });
    expect(readAudit(v.db).filter((e) => e.event === 'ceremony.approved')).toHaveLength(2); // the first approvals stay on record
    // Lost again between two approvals: the earlier approval no longer counts.
    await approve(v.ctx, cid, 'alice', passphraseOf('alice'));
    rmSync(`${escrowDir}/${escrowId}.key`);
    expect((await approve(v.ctx, cid, 'carol', passphraseOf('carol'))).approvals.map((a) => a.custodian)).toEqual(['carol']);
    expect(readAudit(v.db).filter((e) => e.event === 'ceremony.approvals.reset')).toHaveLength(2);
    await approve(v.ctx, cid, 'alice', passphraseOf('alice'));
    await release(v.ctx, cid);
    expect(existsSync(`${escrowDir}/${escrowId}.key`)).toBe(false);
    expect((v.db.prepare('SELECT COUNT(*) AS n FROM approvals WHERE escrowed_share IS NOT NULL').get() as { n: number }).n).toBe(0);
    v.db.close();
  });
});
