/** The release ceremony through the services: the happy path and every refusal (issue 5 item 7, issue 11). */
import { existsSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JWK } from 'jose';
import { core } from '../helpers.ts';
import { approveAs, evidenceFor, newVault, passphraseOf, type TestVault } from './helpers.ts';
import { readAudit, verifyDbChain } from '../../electron/vault/audit.ts';
import { abort, approve, challenge, closeReleased, openCeremony, release, show, submitEvidence, type Ctx } from '../../electron/vault/ceremony.ts';
import { jcsHash } from '../../electron/vault/crypto.ts';
import { InputError, Refused } from '../../electron/vault/errors.ts';
import { earProblems, verifyReceipt } from '../../electron/vault/receipt.ts';
import { decryptBundle } from '../../electron/vault/release.ts';
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
  const ev = await evidenceFor(ch);
  await submitEvidence(v.ctx, core, cid, ev.input);
  return { cid, ch, ev };
}

const lastEvent = (v: TestVault) => readAudit(v.db).at(-1)!;

/** MEASUREMENT of the rehearsal reports (fixtures/lib/profile.mjs). */
const REHEARSAL_MEASUREMENT = '370feea0f7175c4296e8d8379b23b250216a948f5031dbd0e173c347753d7baf99afe0aeac90d8e1763c2f606a80a032';

describe('a whole release (2 of 3)', () => {
  let v: TestVault;
  beforeAll(async () => {
    v = await newVault();
  });
  afterAll(() => v.db.close());

  it('releases only to the bound TEE key, with a receipt that proves the quorum and TEST recorded everywhere', async () => {
    const { cid, ev } = await appraised(v);
    let c = show(v.ctx, cid);
    expect(c.state).toBe('appraised');
    expect(c.data.evidence!.appraisal.trust_anchor.kind).toBe('test');
    expect(c.data.evidence!.appraisal.verdict).toBe('affirming');
    expect(lastEvent(v).payload).toMatchObject({ trust_anchor: { kind: 'TEST' }, reference_time_source: 'vault clock' });

    await approveAs(v.ctx, cid, 'alice');
    c = await approveAs(v.ctx, cid, 'carol');
    expect(c.state).toBe('approved');
    expect(c.approvals.map((a) => a.custodian).sort()).toEqual(['alice', 'carol']);
    expect(c.approvals.every((a) => a.request_sha256 === jcsHash(c.data.request))).toBe(true);

    const { bundle, receipt } = await release(v.ctx, core, cid);
    const { plaintext } = await decryptBundle(bundle, ev.r.teePrivateJwk as JWK);
    expect(Buffer.from(plaintext).equals(v.keyBytes)).toBe(true);
    const other = await evidenceFor({ nonce: 'x', 'extra-params': { 'selected-hash-algorithm': 'sha384', 'custodian-ceremony': '', 'expires-at': '' } });
    await expect(decryptBundle(bundle, other.r.teePrivateJwk as JWK)).rejects.toThrow();

    const verified = await verifyReceipt(receipt, v.roster.vault_key_thumbprint);
    expect(verified.checks.filter((x) => x.status === 'fail')).toEqual([]);
    expect(verified.ok).toBe(true);
    const claims = verified.claims!;
    expect(claims).toMatchObject({ ceremony_id: cid, bundle_sha256: jcsHash(bundle), request_sha256: c.data.request_sha256 });
    expect(claims.request).toMatchObject({
      key_id: v.key.id, key_fingerprint: v.key.meta.fingerprint, policy_sha256: jcsHash(v.key.policy), appraisal_sha256: jcsHash(c.data.evidence!.appraisal),
      trust_anchor: { kind: 'TEST' }, reference_time: c.data.evidence!.appraisal.reference_time,
    });
    expect(claims.approvals.map((a) => a.custodian).sort()).toEqual(['alice', 'carol']);
    expect(claims.request.evidence.map((f) => f.role)).toEqual(['evidence', 'endorsement', 'endorsement', 'test-anchor', 'tee-pubkey']);
    // The receipt embeds the EAR of the evidence released to (issue 12 item 7), checked against the request.
    expect(verified.checks.find((x) => x.id === 'ear.request')).toMatchObject({ status: 'pass' });
    expect(claims.ear).toMatchObject({ eat_profile: 'tag:ietf.org,2026:rats/ear#04', ear_status: 'affirming', submods: { cpu0: { ear_status: 'affirming' } } });
    expect((claims.ear!.custodian_evidence as { sha256: string }[])[0]!.sha256).toBe(claims.request.evidence[0]!.sha256);
    // Threat: a receipt whose EAR speaks of other evidence, a better verdict, another policy or time.
    const evil = (ear: Record<string, unknown>) => earProblems({ ...claims, ear: { ...claims.ear!, ...ear } });
    expect(evil({})).toEqual([]);
    expect(evil({ custodian_evidence: [{ role: 'evidence', sha256: '00'.repeat(32) }] })).toEqual([expect.stringMatching(/evidence digest/)]);
    expect(evil({ ear_status: 'warning' })).toEqual([expect.stringMatching(/not the approved verdict/)]);
    expect(evil({ iat: (claims.ear!.iat as number) - 1 })).toEqual([expect.stringMatching(/reference time/)]);
    expect(evil({ submods: { cpu0: { ear_status: 'affirming', ear_appraisal_policy_ids: ['policy:sha256:' + '0'.repeat(64)] } } })).toEqual([expect.stringMatching(/cpu0: appraisal policy/)]);
    // The receipt's audit head is logged right after the release as the automatic checkpoint.
    expect(lastEvent(v)).toMatchObject({ event: 'audit.checkpoint', payload: { ceremony: cid, size: claims.audit.size, head_sha256: claims.audit.head_sha256 } });
    expect(readAudit(v.db)[claims.audit.size - 1]!.hash).toBe(claims.audit.head_sha256);
    // Against another vault key the same receipt is not verified.
    expect((await verifyReceipt(receipt, 'A'.repeat(43))).ok).toBe(false);

    // A second release call (e.g. after a crash before the files were written) re-exports the same bundle, and logs the read.
    const again = await release(v.ctx, core, cid);
    expect(again.again).toBe(true);
    expect(again.bundle).toEqual(bundle);
    expect(lastEvent(v).event).toBe('ceremony.release.exported');
    await closeReleased(v.ctx, cid, { bundle: 'b', receipt: 'r' });
    expect(show(v.ctx, cid).state).toBe('closed');
    expect(verifyDbChain(v.db).ok).toBe(true);
  });

  it('refuses fewer than M approvals, the same custodian twice, a wrong passphrase, a non-participant and a missing request hash', async () => {
    const cid = await openCeremony(v.ctx, v.key.id, { participants: ['alice', 'bob'] });
    const ch = await challenge(v.ctx, cid);
    await submitEvidence(v.ctx, core, cid, (await evidenceFor(ch)).input);
    expect(await refused(release(v.ctx, core, cid), 'approvals')).toMatch(/0 of the 2 approvals/);
    await approveAs(v.ctx, cid, 'alice');
    expect(await refused(approveAs(v.ctx, cid, 'alice'), 'approvals')).toMatch(/alice already approved.*distinct custodians/);
    expect(await refused(release(v.ctx, core, cid), 'approvals')).toMatch(/1 of the 2 approvals/);
    expect(await refused(approveAs(v.ctx, cid, 'bob', passphraseOf('alice')), 'authentication')).toMatch(/bob: wrong passphrase \(nothing was unsealed\)/);
    expect(lastEvent(v)).toMatchObject({ event: 'ceremony.step.refused', payload: { step: 'approve', reason: 'authentication' } });
    expect(await refused(approveAs(v.ctx, cid, 'carol'), 'approvals')).toMatch(/carol is not a participant/);
    expect(await refused(approve(v.ctx, cid, 'bob', passphraseOf('bob'), { requestSha256: 'ab'.repeat(32) }), 'approvals')).toMatch(/request hash given/);
    // The custodian must have compared the request: no hash, no approval (before any passphrase work).
    await expect(approve(v.ctx, cid, 'bob', passphraseOf('bob'), { requestSha256: '' })).rejects.toThrow(InputError);
    expect(show(v.ctx, cid).approvals).toHaveLength(1);
    await abort(v.ctx, cid);
    expect(show(v.ctx, cid).state).toBe('aborted');
    await refused(approveAs(v.ctx, cid, 'bob'), 'state');
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
    const mine = await evidenceFor(ch);
    const someoneElses = (await evidenceFor(ch)).r.teePublicJwk;
    // The report binds `mine`'s key; presenting another public key (e.g. an attacker's) must fail.
    const wrong = await evidenceFor(ch, { teePubkey: someoneElses });
    wrong.input.evidence = mine.input.evidence;
    expect(await refused(submitEvidence(v.ctx, core, cid, wrong.input), 'binding')).toMatch(/another nonce or another key/);
    expect(show(v.ctx, cid).state).toBe('challenged');
    await submitEvidence(v.ctx, core, cid, mine.input);
    expect(show(v.ctx, cid).state).toBe('appraised');
    await abort(v.ctx, cid);
  });

  it('refuses evidence for another nonce (a replay from an earlier ceremony) and a replay into the same ceremony', async () => {
    const a = await started(v);
    const evA = await evidenceFor(a.ch);
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
    expect(await refused(submitEvidence(later, core, cid, (await evidenceFor(ch)).input), 'nonce')).toMatch(/expired/);
    expect(show(v.ctx, cid).state).toBe('expired');
  });

  it('expires a ceremony past its deadline, whatever its state', async () => {
    const { cid } = await appraised(v);
    const later: Ctx = { ...v.ctx, now: () => new Date(Date.parse(show(v.ctx, cid).data.expires_at) + 1) };
    await refused(approveAs(later, cid, 'alice'), 'expired');
    expect(show(v.ctx, cid).state).toBe('expired');
  });

  it('refuses a contraindicated appraisal (debug guest) without ending the ceremony: good evidence is still accepted', async () => {
    const { cid, ch } = await started(v);
    const msg = await refused(submitEvidence(v.ctx, core, cid, (await evidenceFor(ch, { policy: DEBUG_POLICY })).input), 'policy');
    expect(msg).toMatch(/contraindicated.*policy\.debug.*keeps waiting/);
    expect(show(v.ctx, cid).state).toBe('challenged');
    expect(lastEvent(v)).toMatchObject({ event: 'ceremony.step.refused', payload: { step: 'evidence', reason: 'policy' } });
    await submitEvidence(v.ctx, core, cid, (await evidenceFor(ch)).input);
    expect(show(v.ctx, cid).state).toBe('appraised');
    await abort(v.ctx, cid);
  });

  it('refuses evidence without the explicit TEST anchor (it does not chain to a pinned AMD root), and the ceremony waits', async () => {
    const { cid, ch } = await started(v);
    await refused(submitEvidence(v.ctx, core, cid, (await evidenceFor(ch, { testAnchor: false })).input), 'policy');
    expect(show(v.ctx, cid).state).toBe('challenged');
    await abort(v.ctx, cid);
  });

  it('a missing endorsement is bad input naming the check, and changes nothing', async () => {
    const { cid, ch } = await started(v);
    const ev = await evidenceFor(ch);
    ev.input.endorsements = [];
    const before = readAudit(v.db).length;
    await expect(submitEvidence(v.ctx, core, cid, ev.input)).rejects.toThrow(/report\.bin: chain\.vek\.present: no VCEK was supplied/);
    expect(show(v.ctx, cid).state).toBe('challenged');
    expect(readAudit(v.db)).toHaveLength(before);
    await abort(v.ctx, cid);
  });

  it('accepts only affirming evidence by default; a warning is accepted only when its check id is tolerated by the policy', async () => {
    const { cid, ch } = await started(v);
    const ev = await evidenceFor(ch);
    ev.input.endorsements = ev.input.endorsements.filter((f) => f.name !== 'crl.der'); // no CRL: revocation not checked (warn)
    expect(await refused(submitEvidence(v.ctx, core, cid, ev.input), 'policy')).toMatch(/verdict is warning.*affirming.*crl\.revocation/);
    await abort(v.ctx, cid);
    const tolerant = await newVault({ policy: { accept_warnings: ['crl.revocation'] } });
    const t = await started(tolerant);
    const ev2 = await evidenceFor(t.ch);
    ev2.input.endorsements = ev2.input.endorsements.filter((f) => f.name !== 'crl.der');
    const c = await submitEvidence(tolerant.ctx, core, t.cid, ev2.input);
    expect(c.data.request).toMatchObject({ verdict: 'warning', tolerated_warnings: ['crl.revocation'] });
    tolerant.db.close();
  });
});

describe('release policy and escrow', () => {
  it('refuses TEST-anchored evidence for a key whose policy does not allow TEST anchors', async () => {
    // A production key must pin a reference value: the rehearsal report's MEASUREMENT.
    const v = await newVault({ policy: { allow_test_anchor: false, appraisal_policy: { snp: { measurements: [REHEARSAL_MEASUREMENT] } } } });
    const { cid, ch } = await started(v);
    expect(await refused(submitEvidence(v.ctx, core, cid, (await evidenceFor(ch)).input), 'policy')).toMatch(/TEST anchor.*does not allow/);
    expect(show(v.ctx, cid).state).toBe('challenged');
    v.db.close();
  });

  it.each([
    ['TDX evidence only', { tee: ['tdx'] }, /accepts tdx evidence; this is sev-snp evidence/],
    ['NVIDIA GPU evidence as well', { gpu: true }, /the key requires NVIDIA GPU evidence \(1 GPU at least\) bound in the additional evidence, and this evidence has none/],
  ])('refuses SEV-SNP evidence when the policy requires %s', async (_w, policy, msg) => {
    const v = await newVault({ policy });
    const { cid, ch } = await started(v);
    expect(await refused(submitEvidence(v.ctx, core, cid, (await evidenceFor(ch)).input), 'policy')).toMatch(msg);
    v.db.close();
  });

  it('wraps to an RSA TEE key with RSA-OAEP-256', async () => {
    const v = await newVault({ n: 2, m: 1 });
    const { cid, ch } = await started(v);
    const ev = await evidenceFor(ch, { kty: 'RSA' });
    await submitEvidence(v.ctx, core, cid, ev.input);
    await approveAs(v.ctx, cid, 'bob');
    const { bundle } = await release(v.ctx, core, cid);
    expect(JSON.parse(Buffer.from(bundle.protected!, 'base64url').toString())).toMatchObject({ alg: 'RSA-OAEP-256', enc: 'A256GCM' });
    expect(Buffer.from((await decryptBundle(bundle, ev.r.teePrivateJwk as JWK)).plaintext).equals(v.keyBytes)).toBe(true);
    v.db.close();
  });

  it('keeps approved shares only in the RAM escrow, wipes it at release, and ends the ceremony when it is lost', async () => {
    const v = await newVault();
    const { cid } = await appraised(v);
    await approveAs(v.ctx, cid, 'alice');
    await approveAs(v.ctx, cid, 'bob');
    const escrowDir = process.env.CUSTODIAN_ESCROW_DIR!;
    const escrowId = (v.db.prepare('SELECT escrow_id FROM ceremonies WHERE id = ?').get(cid) as { escrow_id: string }).escrow_id;
    expect(existsSync(`${escrowDir}/${escrowId}.key`)).toBe(true);
    const second = await appraised({ ...v, key: v.key }).catch((e: unknown) => e); // one live ceremony per key
    expect(second).toBeInstanceOf(Refused);
    await release(v.ctx, core, cid);
    await closeReleased(v.ctx, cid, { bundle: 'b', receipt: 'r' });
    expect(existsSync(`${escrowDir}/${escrowId}.key`)).toBe(false);
    expect((v.db.prepare('SELECT COUNT(*) AS n FROM approvals WHERE escrowed_share IS NOT NULL').get() as { n: number }).n).toBe(0);
    expect((v.db.prepare('SELECT COUNT(*) AS n FROM ceremonies WHERE receipt_key_sealed IS NOT NULL').get() as { n: number }).n).toBe(0);

    // Simulate a reboot between approvals: the RAM-only escrow key is gone; the ceremony cannot finish and is ended.
    const { cid: c2 } = await appraised(v);
    await approveAs(v.ctx, c2, 'alice');
    const e2 = (v.db.prepare('SELECT escrow_id FROM ceremonies WHERE id = ?').get(c2) as { escrow_id: string }).escrow_id;
    rmSync(`${escrowDir}/${e2}.key`);
    expect(await refused(approveAs(v.ctx, c2, 'bob'), 'approvals')).toMatch(/escrow.*gone.*open a new one/);
    expect(show(v.ctx, c2).state).toBe('aborted');
    expect((v.db.prepare('SELECT COUNT(*) AS n FROM approvals WHERE escrowed_share IS NOT NULL').get() as { n: number }).n).toBe(0);
    expect(readAudit(v.db).filter((e) => e.event === 'ceremony.approved' && e.payload.ceremony === c2)).toHaveLength(1); // the approval stays on record
    v.db.close();
  });
});
