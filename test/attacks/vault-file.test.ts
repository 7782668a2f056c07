/**
 * Attacks by someone who can WRITE THE VAULT FILE between steps (shared storage, a backup restored
 * over it, malware running as another process) but holds no custodian passphrase. Each edit is made
 * with a direct SQL statement on the file, as such an attacker would; each test shows the edit
 * refused with a clear message, or detected by `audit verify`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import Database from 'better-sqlite3';
import { core } from '../helpers.ts';
import { approveAs, evidenceFor, newVault, type TestVault } from '../vault/helpers.ts';
import { readAudit, unexplainedState, checkHead } from '../../electron/vault/audit.ts';
import { abort, challenge, openCeremony, release, show, submitEvidence } from '../../electron/vault/ceremony.ts';
import { jcs, jcsHash } from '../../electron/vault/crypto.ts';
import { trustedRoster, unlockCustodian } from '../../electron/vault/custodians.ts';
import { Refused } from '../../electron/vault/errors.ts';
import { getKey, storeKey, type KeyRecord } from '../../electron/vault/keys.ts';
import { publicJwk, signStatement, thumbprint } from '../../electron/vault/jws.ts';
import { openVault } from '../../electron/vault/open.ts';
import { parseReleasePolicy } from '../../electron/vault/policy.ts';
import { verifyReceipt, type ReceiptClaims } from '../../electron/vault/receipt.ts';
import { decryptBundle } from '../../electron/vault/release.ts';
import { random } from '../../electron/vault/crypto.ts';
import type { JWK } from 'jose';

/** MEASUREMENT of the rehearsal reports (fixtures/lib/profile.mjs). */
const MEASUREMENT = '370feea0f7175c4296e8d8379b23b250216a948f5031dbd0e173c347753d7baf99afe0aeac90d8e1763c2f606a80a032';

async function refusal(p: Promise<unknown>): Promise<Refused> {
  const e = await p.then(() => null, (x: unknown) => x);
  expect(e, 'expected a refusal').toBeInstanceOf(Refused);
  return e as Refused;
}

const keyRow = (v: TestVault, id = v.key.id) => v.db.prepare('SELECT record, record_jws, sealed FROM keys WHERE id = ?').get(id) as { record: string; record_jws: string; sealed: Buffer };
/** Rewrites the stored key record (as the attacker sees it: readable JSON) and returns a restore function. */
function editRecord(v: TestVault, edit: (r: KeyRecord) => void): () => void {
  const before = keyRow(v).record;
  const r = JSON.parse(before) as KeyRecord;
  edit(r);
  v.db.prepare('UPDATE keys SET record = ? WHERE id = ?').run(jcs(r), v.key.id);
  return () => v.db.prepare('UPDATE keys SET record = ? WHERE id = ?').run(before, v.key.id);
}

async function challenged(v: TestVault) {
  const cid = await openCeremony(v.ctx, v.key.id);
  return { cid, ch: await challenge(v.ctx, cid) };
}

describe('the key\'s policy is authenticated at every step (a production key pinned to one MEASUREMENT)', () => {
  let v: TestVault;
  beforeAll(async () => {
    v = await newVault({ policy: { allow_test_anchor: false, appraisal_policy: { snp: { measurements: ['ab'.repeat(48)] } } } });
  });
  afterAll(() => v.db.close());

  it('flipping allow_test_anchor in the file just for the evidence step is refused (TEST evidence, whose keys are public, never passes)', async () => {
    const { cid, ch } = await challenged(v);
    const restore = editRecord(v, (r) => {
      r.policy.allow_test_anchor = true;
      r.policy.appraisal_policy = {};
    });
    const e = await refusal(submitEvidence(v.ctx, core, cid, (await evidenceFor(ch)).input));
    expect(e.reason).toBe('authentication');
    expect(e.message).toMatch(/keys\.record differs from the signed record.*not used/);
    restore();
    // With the genuine policy restored, the same TEST evidence is refused by the policy itself.
    expect((await refusal(submitEvidence(v.ctx, core, cid, (await evidenceFor(ch)).input))).message).toMatch(/TEST anchor/);
    await abort(v.ctx, cid);
  });

  it('removing the MEASUREMENT pin, or re-signing the record with a key of the attacker\'s, is refused at open', async () => {
    const genuine = keyRow(v);
    const restore = editRecord(v, (r) => {
      r.policy.appraisal_policy = {};
    });
    expect((await refusal(openCeremony(v.ctx, v.key.id))).message).toMatch(/keys\.record differs/);
    restore();
    const attacker = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const forged = { ...(JSON.parse(keyRow(v).record) as KeyRecord), policy: { ...v.key.policy, appraisal_policy: {} } };
    const jws = await signStatement(forged, attacker.privateKey, publicJwk(attacker.publicKey), 'custodian-key-record+jws');
    v.db.prepare('UPDATE keys SET record = ?, record_jws = ? WHERE id = ?').run(jcs(forged), jws, v.key.id);
    expect((await refusal(getKey(v.db, v.roster, v.key.id))).message).toMatch(/record_jws does not verify under alice's key/);
    const row = JSON.parse(Buffer.from(jws.split('.')[1]!, 'base64url').toString()) as KeyRecord;
    row.imported_by = 'mallory';
    const jws2 = await signStatement(row, attacker.privateKey, publicJwk(attacker.publicKey), 'custodian-key-record+jws');
    v.db.prepare('UPDATE keys SET record = ?, record_jws = ? WHERE id = ?').run(jcs(row), jws2, v.key.id);
    expect((await refusal(getKey(v.db, v.roster, v.key.id))).message).toMatch(/does not name an enrolled custodian/);
    v.db.prepare('UPDATE keys SET record = ?, record_jws = ? WHERE id = ?').run(genuine.record, genuine.record_jws, v.key.id);
    await expect(getKey(v.db, v.roster, v.key.id)).resolves.toMatchObject({ id: v.key.id });
  });

  it('lowering the approvals below the vault threshold in the ceremony row is refused at the next step', async () => {
    const cid = await openCeremony(v.ctx, v.key.id);
    const data = show(v.ctx, cid).data;
    v.db.prepare('UPDATE ceremonies SET data = ? WHERE id = ?').run(jcs({ ...data, approvals_required: 1 }), cid);
    expect((await refusal(challenge(v.ctx, cid))).message).toMatch(/does not match the signed record/);
    v.db.prepare('UPDATE ceremonies SET data = ? WHERE id = ?').run(jcs(data), cid);
    await abort(v.ctx, cid);
  });
});

describe('the release re-checks everything after the approvals', () => {
  let v: TestVault;
  beforeAll(async () => {
    v = await newVault({ policy: { appraisal_policy: { snp: { measurements: [MEASUREMENT] } } } });
  });
  afterAll(() => v.db.close());

  async function approved() {
    const { cid, ch } = await challenged(v);
    const ev = await evidenceFor(ch);
    await submitEvidence(v.ctx, core, cid, ev.input);
    await approveAs(v.ctx, cid, 'alice');
    await approveAs(v.ctx, cid, 'bob');
    return { cid, ev };
  }

  it('a swapped keys.sealed (attacker-chosen key bytes) is refused; the genuine one is released and the receipt names the applied policy', async () => {
    const { cid, ev } = await approved();
    const genuine = keyRow(v).sealed;
    v.db.prepare('UPDATE keys SET sealed = ? WHERE id = ?').run(random(genuine.length), v.key.id);
    expect((await refusal(release(v.ctx, core, cid))).message).toMatch(/keys\.sealed is not the sealed key the record names/);
    v.db.prepare('UPDATE keys SET sealed = ? WHERE id = ?').run(genuine, v.key.id);
    const { bundle, receipt } = await release(v.ctx, core, cid);
    expect(Buffer.from((await decryptBundle(bundle, ev.r.teePrivateJwk as JWK)).plaintext).equals(v.keyBytes)).toBe(true);
    const r = await verifyReceipt(receipt, v.roster.vault_key_thumbprint);
    expect(r.claims!.request.policy_sha256).toBe(jcsHash((await getKey(v.db, v.roster, v.key.id)).policy));
    expect(r.claims!.request.policy).toEqual(v.key.policy);
    v.db.prepare("UPDATE ceremonies SET state = 'closed' WHERE id = ?").run(cid); // (the test skips writing files)
  });

  it('evidence swapped in the file after the approvals, or the request\'s reference time backdated, is refused', async () => {
    const { cid } = await approved();
    const files = v.db.prepare('SELECT seq, bytes FROM ceremony_files WHERE ceremony_id = ? AND role = ?').get(cid, 'evidence') as { seq: number; bytes: Buffer };
    const other = Buffer.from(files.bytes);
    other.writeUInt8(other.readUInt8(0x50) ^ 1, 0x50);
    v.db.prepare('UPDATE ceremony_files SET bytes = ? WHERE ceremony_id = ? AND seq = ?').run(other, cid, files.seq);
    expect((await refusal(release(v.ctx, core, cid))).message).toMatch(/stored evidence of .* is not the evidence the custodians approved/);
    v.db.prepare('UPDATE ceremony_files SET bytes = ? WHERE ceremony_id = ? AND seq = ?').run(files.bytes, cid, files.seq);
    const data = show(v.ctx, cid).data;
    const backdated = { ...data, request: { ...data.request!, reference_time: '2020-06-01T00:00:00.000Z' } };
    v.db.prepare('UPDATE ceremonies SET data = ? WHERE id = ?').run(jcs(backdated), cid);
    expect((await refusal(release(v.ctx, core, cid))).message).toMatch(/release request .* not consistent/);
    // Even with the request hash rewritten to match, the custodians' signatures are over the original.
    v.db.prepare('UPDATE ceremonies SET data = ? WHERE id = ?').run(jcs({ ...backdated, request_sha256: jcsHash(backdated.request) }), cid);
    v.db.prepare('UPDATE approvals SET request_hash = ? WHERE ceremony_id = ?').run(jcsHash(backdated.request), cid);
    expect((await refusal(release(v.ctx, core, cid))).message).toMatch(/approval of (alice|bob) .* not signed by .* for this request/);
    await abort(v.ctx, cid);
  });

  it('one custodian cannot make a quorum: an approval row forged with alice\'s own key in bob\'s name is refused', async () => {
    const { cid, ch } = await challenged(v);
    await submitEvidence(v.ctx, core, cid, (await evidenceFor(ch)).input);
    await approveAs(v.ctx, cid, 'alice');
    const alice = await unlockCustodian(v.db, v.roster, 'alice', 'correct horse battery alice');
    const c = show(v.ctx, cid);
    const fake = await signStatement({ type: 'custodian-approval', version: 1, vault_id: v.roster.vault_id, ceremony_id: cid, key_id: v.key.id, custodian: 'bob', request_sha256: c.data.request_sha256, approved_at: new Date().toISOString() }, alice.signing, alice.entry.signing_jwk, 'custodian-approval+jws');
    const row = v.db.prepare('SELECT escrowed_share FROM approvals WHERE ceremony_id = ? AND custodian = ?').get(cid, 'alice') as { escrowed_share: Buffer };
    v.db.prepare("INSERT INTO approvals (ceremony_id, custodian, approved_at, request_hash, signature, escrowed_share) VALUES (?, 'bob', ?, ?, ?, ?)").run(cid, new Date().toISOString(), c.data.request_sha256, fake, row.escrowed_share);
    v.db.prepare("UPDATE ceremonies SET state = 'approved' WHERE id = ?").run(cid);
    expect((await refusal(release(v.ctx, core, cid))).message).toMatch(/approval of bob .* not signed by bob's key/);
    // audit verify also reports the state the log does not explain.
    expect(unexplainedState(v.db).join('\n')).toMatch(/approval of bob .*no ceremony\.approved entry[\s\S]*|is approved in the file/);
    await abort(v.ctx, cid);
  });
});

describe('the roster and the vault key', () => {
  it('a roster re-signed with the attacker\'s own vault key (custodian keys swapped) is refused against the pin', async () => {
    const v = await newVault();
    const attacker = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicJwk(attacker.publicKey);
    const roster = JSON.parse(Buffer.from((v.db.prepare("SELECT v FROM meta WHERE k = 'roster_jws'").get() as { v: string }).v.split('.')[1]!, 'base64url').toString());
    roster.threshold = 1;
    const jws = await signStatement(roster, attacker.privateKey, jwk, 'custodian-roster+jws');
    v.db.prepare("UPDATE meta SET v = ? WHERE k = 'roster_jws'").run(jws);
    v.db.prepare("UPDATE meta SET v = ? WHERE k = 'vault_key_jwk'").run(jcs(jwk));
    const e = await refusal(trustedRoster(v.db));
    expect(e.message).toMatch(new RegExp(`pinned to vault key ${v.roster.vault_key_thumbprint}.*holds ${await thumbprint(jwk)}.*replaced or altered`));
    // Keeping the genuine vault key but editing the roster breaks its signature.
    v.db.prepare("UPDATE meta SET v = ? WHERE k = 'vault_key_jwk'").run(jcs(v.roster.vault_key_jwk));
    expect((await refusal(trustedRoster(v.db))).message).toMatch(/roster_jws does not verify/);
    v.db.close();
  });

  it('a vault not known on this machine is refused, naming the thumbprint to compare; --vault-key pins it', async () => {
    const v = await newVault();
    v.db.close();
    const saved = process.env.XDG_CONFIG_HOME;
    process.env.XDG_CONFIG_HOME = `${v.dir}/other-machine`;
    try {
      expect((await refusal(openVault(v.path))).message).toMatch(new RegExp(`not known on this machine.*${v.roster.vault_key_thumbprint}`));
      expect((await refusal(openVault(v.path, { vaultKey: 'x'.repeat(43) }))).message).toMatch(/not the .* you gave/);
      const ok = await openVault(v.path, { vaultKey: v.roster.vault_key_thumbprint });
      ok.db.close();
      (await openVault(v.path)).db.close(); // pinned now
    } finally {
      process.env.XDG_CONFIG_HOME = saved;
    }
  });
});

describe('the audit log cannot be quietly rewritten behind a receipt', () => {
  it('a truncated or rewritten log is caught from the receipt alone; a state edit is reported as unexplained', async () => {
    const v = await newVault({ n: 2, m: 1 });
    const { cid, ch } = await challenged(v);
    await submitEvidence(v.ctx, core, cid, (await evidenceFor(ch)).input);
    await approveAs(v.ctx, cid, 'bob');
    const { receipt } = await release(v.ctx, core, cid);
    const claims = JSON.parse(Buffer.from(receipt.split('.')[1]!, 'base64url').toString()) as ReceiptClaims;
    expect(() => checkHead(v.db, claims.audit.size, claims.audit.head_sha256, 'the receipt')).not.toThrow();
    expect(unexplainedState(v.db)).toEqual([]);
    // The attacker drops the triggers, rewrites entry 2 (recomputing hashes would still change the head) and truncates the tail.
    const raw = new Database(v.path);
    raw.exec('DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;');
    raw.prepare('DELETE FROM audit WHERE seq >= ?').run(claims.audit.size);
    raw.close();
    expect(() => checkHead(v.db, claims.audit.size, claims.audit.head_sha256, 'the receipt')).toThrow(/shorter than the .* entries of the receipt: entries were removed/);
    // State edited without a step: the ceremony row says "approved" again.
    v.db.prepare("UPDATE ceremonies SET state = 'approved' WHERE id = ?").run(cid);
    expect(unexplainedState(v.db).join('\n')).toMatch(new RegExp(`ceremony ${cid} is approved in the file`));
    expect(readAudit(v.db).length).toBeLessThan(claims.audit.size);
    v.db.close();
  });
});

describe('what waits between approval and release opens only the key of that ceremony', () => {
  it('with the escrow key AND the vault file, the escrowed shares open this key only — not another key, not a custodian\'s keys', async () => {
    const v = await newVault();
    const alice = await unlockCustodian(v.db, v.roster, 'alice', 'correct horse battery alice');
    const other = random(32);
    const otherKey = await storeKey(v.db, v.roster, 'other', { format: 'raw', bytes: Buffer.from(other), source: 'raw' }, parseReleasePolicy({ allow_test_anchor: true }, 't', 2, 3), alice, 'test');
    const { cid, ch } = await challenged(v);
    await submitEvidence(v.ctx, core, cid, (await evidenceFor(ch)).input);
    await approveAs(v.ctx, cid, 'alice');
    await approveAs(v.ctx, cid, 'bob');
    // The attacker reads the escrow key (as this user) and decrypts what waits in the file.
    const { escrowKey } = await import('../../electron/vault/escrow.ts');
    const { open } = await import('../../electron/vault/crypto.ts');
    const r = v.db.prepare('SELECT escrow_id, escrow_check FROM ceremonies WHERE id = ?').get(cid) as { escrow_id: string; escrow_check: string };
    const ek = escrowKey(r.escrow_id, cid, r.escrow_check)!;
    const req = show(v.ctx, cid).data.request_sha256!;
    const shares = (v.db.prepare('SELECT custodian, escrowed_share FROM approvals WHERE ceremony_id = ?').all(cid) as { custodian: string; escrowed_share: Buffer }[])
      .map((a) => open(ek, a.escrowed_share, jcs({ purpose: 'approval-escrow', ceremony: cid, custodian: a.custodian, request_sha256: req }))!);
    expect(shares.every((s) => s && s.length === 33)).toBe(true);
    const { unsealKey } = await import('../../electron/vault/keys.ts');
    // They open this ceremony's key (that is what the escrow is for) ...
    expect((await unsealKey(v.db, v.key, shares)).bytes.equals(v.keyBytes)).toBe(true);
    // ... but not the other key of the vault, whose KEK is another secret entirely.
    const otherRec = await getKey(v.db, v.roster, otherKey.id);
    expect((await refusal(unsealKey(v.db, otherRec, shares))).message).toMatch(/do not open key/);
    // And nothing in the escrow is a custodian's long-term secret: it holds 33-byte shares and one P-256 receipt key.
    const sealedKeys = v.db.prepare('SELECT keys_sealed FROM custodians').all() as { keys_sealed: Buffer }[];
    for (const s of shares) for (const k of sealedKeys) expect(k.keys_sealed.includes(s!)).toBe(false);
    v.db.close();
  });
});

describe('the vault\'s clock, not the submitter\'s', () => {
  it('evidence is appraised as of the vault clock: a VCEK that expired in 2021 is refused, and the time is recorded', async () => {
    const v = await newVault();
    const before = Date.now();
    const cid = await openCeremony(v.ctx, v.key.id);
    const ch = await challenge(v.ctx, cid);
    const e = await refusal(submitEvidence(v.ctx, core, cid, (await evidenceFor(ch, { vcek: 'expired-vcek' })).input));
    expect(e.message).toMatch(/contraindicated.*chain\.vek\.validity/);
    await submitEvidence(v.ctx, core, cid, (await evidenceFor(ch)).input);
    const c = show(v.ctx, cid);
    const t = Date.parse(c.data.evidence!.appraisal.reference_time);
    expect(t).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(t).toBeLessThanOrEqual(Date.now());
    expect(c.data.request!.reference_time).toBe(c.data.evidence!.appraisal.reference_time);
    v.db.close();
  });
});
