/**
 * The audit log: append-only (triggers), hash chain verification naming the first bad entry, checkpoints
 * signed by the exporting custodian's own key and checked against the vault key pinned outside the
 * file, and the cross-check of the state tables against the log.
 *
 * Threats: someone who can write the vault file edits, removes, truncates or wholly rewrites the log
 * (triggers dropped, hashes recomputed), forges a checkpoint, passes another statement (a receipt, a
 * checkpoint of another vault) as a checkpoint, or writes state rows the log does not explain.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import Database from 'better-sqlite3';
import { compactVerify, importJWK } from 'jose';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { newVault, passphraseOf, tmp, type TestVault } from './helpers.ts';
import { checkAgainstCheckpoint, checkHead, GENESIS, readAudit, unexplainedState, verifyDbChain, verifyExportCheckpoint, type AuditExport, type Checkpoint } from '../../electron/vault/audit.ts';
import { exportWithCustodian } from '../../electron/vault/audit-export.ts';
import { abort, openCeremony } from '../../electron/vault/ceremony.ts';
import { jcs } from '../../electron/vault/crypto.ts';
import { unlockCustodian } from '../../electron/vault/custodians.ts';
import { Refused } from '../../electron/vault/errors.ts';
import { publicJwk, signStatement } from '../../electron/vault/jws.ts';
import { openVault } from '../../electron/vault/open.ts';

let v: TestVault;
/** A raw handle on the same file, as an attacker with the file would have. */
let raw: Database.Database;

// One vault (3 custodians, a key, three aborted ceremonies) made once; each test gets its own copy of the file.
let template: TestVault;
beforeAll(async () => {
  template = await newVault();
  for (let i = 0; i < 3; i++) await abort(template.ctx, await openCeremony(template.ctx, template.key.id));
  template.db.close();
});
beforeEach(async () => {
  const path = join(tmp('audit'), 'vault.db');
  copyFileSync(template.path, path);
  const { db, roster } = await openVault(path);
  v = { ...template, path, db, roster, ctx: { db, roster, actor: 'test' } };
  raw = new Database(v.path);
});
afterEach(() => {
  raw.close();
  v.db.close();
});

const dropTriggers = () => raw.exec('DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;');
const entryHash = (e: object) => createHash('sha256').update(jcs(e)).digest('hex');

/** Rewrites every entry from `seq` on with `edit` applied to entry `seq`, recomputing every later hash (a chain that verifies by itself). */
function rewriteFrom(seq: number, edit: (e: Record<string, unknown>) => void): void {
  const entries = readAudit(v.db);
  let prev = entries[seq - 2]?.hash ?? GENESIS;
  for (const e of entries.slice(seq - 1)) {
    const { hash: _old, ...rest } = e;
    const next: Record<string, unknown> = { ...rest, prev_hash: prev };
    if (e.seq === seq) edit(next);
    const h = entryHash(next);
    raw.prepare('UPDATE audit SET actor = ?, payload = ?, prev_hash = ?, hash = ? WHERE seq = ?').run(next.actor, jcs(next.payload), prev, h, e.seq);
    prev = h;
  }
}

async function refusal(p: Promise<unknown>): Promise<string> {
  const e = await p.then(() => null, (x: unknown) => x);
  expect(e, 'expected a refusal').toBeInstanceOf(Refused);
  expect((e as Refused).reason).toBe('authentication');
  return (e as Refused).message;
}

describe('audit log', () => {
  it('every entry hashes SHA-256(JCS({seq,time,actor,event,payload,prev_hash})) and links to the previous one', () => {
    const entries = readAudit(v.db);
    expect(entries.map((e) => e.event).slice(0, 3)).toEqual(['vault.init', 'key.stored', 'ceremony.opened']);
    let prev = GENESIS;
    for (const e of entries) {
      expect(e.prev_hash).toBe(prev);
      const { hash, ...rest } = e;
      expect(entryHash(rest)).toBe(hash);
      prev = hash;
    }
    expect(verifyDbChain(v.db)).toEqual({ ok: true, size: entries.length, head: prev });
  });

  it('SQLite refuses UPDATE and DELETE, even through a raw handle', () => {
    expect(() => raw.prepare("UPDATE audit SET actor = 'mallory' WHERE seq = 2").run()).toThrow(/append-only: UPDATE refused/);
    expect(() => raw.prepare('DELETE FROM audit WHERE seq = 2').run()).toThrow(/append-only: DELETE refused/);
  });

  it('names the first edited entry (triggers bypassed)', () => {
    dropTriggers();
    raw.prepare(`UPDATE audit SET payload = replace(payload, '"ceremony.opened"', '"x"'), actor = 'mallory' WHERE seq = 4`).run();
    expect(verifyDbChain(v.db).firstBad).toEqual({ seq: 4, reason: expect.stringMatching(/recomputed.*entry edited/) });
  });

  it('an edit with a recomputed hash breaks the link at the next entry; a removed entry is named', () => {
    dropTriggers();
    const e = readAudit(v.db)[2]!;
    const { hash: _h, ...rest } = { ...e, actor: 'mallory' };
    raw.prepare('UPDATE audit SET actor = ?, hash = ? WHERE seq = 3').run('mallory', entryHash(rest));
    expect(verifyDbChain(v.db).firstBad).toEqual({ seq: 4, reason: expect.stringMatching(/prev_hash .* does not equal the hash of entry 3/) });
    raw.prepare('DELETE FROM audit WHERE seq = 6').run();
    raw.prepare('UPDATE audit SET actor = ?, hash = ? WHERE seq = 3').run(e.actor, e.hash);
    expect(verifyDbChain(v.db).firstBad).toEqual({ seq: 7, reason: expect.stringMatching(/sequence number 7 where 6 was expected/) });
  });
});

describe('signed checkpoints', () => {
  it('export signs a checkpoint (origin, size, head, signer) with the exporting custodian\'s own key, logs the export, and catches a truncated tail', async () => {
    const { export: exp, checkpoint } = await exportWithCustodian(v.db, v.roster, 'carol', passphraseOf('carol'), 'auditor');
    // Verified here with jose and carol's public key from the signed roster: nobody else's key verifies it.
    const carol = v.roster.custodians.find((c) => c.name === 'carol')!.signing_jwk;
    const { payload, protectedHeader } = await compactVerify(exp.checkpoint, await importJWK(carol, 'ES256'));
    expect(protectedHeader).toMatchObject({ alg: 'ES256', typ: 'custodian-checkpoint+jws' });
    const cp = JSON.parse(Buffer.from(payload).toString()) as Checkpoint;
    expect(cp).toEqual(checkpoint);
    expect(cp).toMatchObject({ type: 'custodian-audit-checkpoint', origin: v.roster.vault_id, signer: 'carol', size: exp.entries.length, head_sha256: exp.entries.at(-1)!.hash });
    const alice = v.roster.custodians.find((c) => c.name === 'alice')!.signing_jwk;
    await expect(compactVerify(exp.checkpoint, await importJWK(alice, 'ES256'))).rejects.toThrow();
    expect(exp).toMatchObject({ vault_id: v.roster.vault_id, vault_key_thumbprint: v.roster.vault_key_thumbprint, roster_jws: v.roster.roster_jws });
    expect(exp.entries.at(-1)!).toMatchObject({ event: 'audit.exported', actor: 'auditor', payload: { signer: 'carol' } });
    await expect(checkAgainstCheckpoint(v.db, v.roster, exp)).resolves.toMatchObject({ size: cp.size, signer: 'carol' });

    // Truncating the tail leaves a chain that verifies by itself; the checkpoint catches it.
    dropTriggers();
    raw.prepare('DELETE FROM audit WHERE seq >= ?').run(cp.size - 1);
    expect(verifyDbChain(v.db).ok).toBe(true);
    expect(await refusal(checkAgainstCheckpoint(v.db, v.roster, exp))).toMatch(new RegExp(`audit log is shorter than the ${cp.size} entries of the checkpoint signed by carol`));
  });

  it('a wholly rewritten log (every later hash recomputed) verifies by itself, and the checkpoint names the rewrite', async () => {
    const { export: exp } = await exportWithCustodian(v.db, v.roster, 'bob', passphraseOf('bob'), 'auditor');
    dropTriggers();
    rewriteFrom(4, (e) => (e.actor = 'mallory'));
    expect(verifyDbChain(v.db).ok).toBe(true);
    expect(await refusal(checkAgainstCheckpoint(v.db, v.roster, exp))).toMatch(new RegExp(`entry ${exp.entries.length} no longer has the head hash of the checkpoint signed by bob.*rewritten`));
    // The same signed head, checked directly (as `audit verify --receipt` does with a receipt's head).
    expect(() => checkHead(v.db, 3, exp.entries[2]!.hash, 'a head')).not.toThrow();
    expect(() => checkHead(v.db, 4, exp.entries[3]!.hash, 'a head')).toThrow(/entry 4 no longer has the head hash of a head/);
  });

  it('refuses a forged signature, a checkpoint not signed by a custodian of the roster, and an export under another vault key', async () => {
    const { export: exp } = await exportWithCustodian(v.db, v.roster, 'carol', passphraseOf('carol'), 'auditor');
    const [h, p, sig] = exp.checkpoint.split('.');
    const bad = Buffer.from(sig!, 'base64url');
    bad[10]! ^= 1;
    expect(await refusal(checkAgainstCheckpoint(v.db, v.roster, { ...exp, checkpoint: `${h}.${p}.${bad.toString('base64url')}` }))).toMatch(/not a checkpoint signature of a custodian of this vault/);

    // Mallory's own key signs a checkpoint naming carol as signer.
    const mallory = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Checkpoint;
    const forged = await signStatement({ ...claims, size: 2 }, mallory.privateKey, publicJwk(mallory.publicKey), 'custodian-checkpoint+jws');
    expect(await refusal(checkAgainstCheckpoint(v.db, v.roster, { ...exp, checkpoint: forged }))).toMatch(/not a checkpoint signature of a custodian of this vault/);

    // An export carrying another vault key (and a roster it signed) does not match the pinned thumbprint.
    const otherVault = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const otherJwk = publicJwk(otherVault.publicKey);
    expect(await refusal(checkAgainstCheckpoint(v.db, v.roster, { ...exp, vault_key_jwk: otherJwk }))).toMatch(new RegExp(`the export's vault key is not ${v.roster.vault_key_thumbprint}`));
    // And a thumbprint given from outside (`--vault-key`) that is not this vault's refuses the genuine export.
    expect(await refusal(verifyExportCheckpoint(exp, 'A'.repeat(43)))).toMatch(/the export's vault key is not A{43}/);
    // A roster that does not verify under the (genuine) vault key is refused.
    const [rh, rp, rs] = exp.roster_jws.split('.');
    const rbad = Buffer.from(rs!, 'base64url');
    rbad[3]! ^= 1;
    expect(await refusal(verifyExportCheckpoint({ ...exp, roster_jws: `${rh}.${rp}.${rbad.toString('base64url')}` }, v.roster.vault_key_thumbprint))).toMatch(/roster does not verify under that vault key/);
  });

  it('refuses another kind of statement passed as a checkpoint (typ, type, origin) and a file that is not an export', async () => {
    const { export: exp } = await exportWithCustodian(v.db, v.roster, 'carol', passphraseOf('carol'), 'auditor');
    const carol = await unlockCustodian(v.db, v.roster, 'carol', passphraseOf('carol'));
    const claims = JSON.parse(Buffer.from(exp.checkpoint.split('.')[1]!, 'base64url').toString()) as Checkpoint;
    // carol's genuine signature, but as an approval / receipt statement: the typ is not a checkpoint's.
    const asApproval = await signStatement(claims, carol.signing, carol.entry.signing_jwk, 'custodian-approval+jws');
    expect(await refusal(checkAgainstCheckpoint(v.db, v.roster, { ...exp, checkpoint: asApproval }))).toMatch(/not a checkpoint signature/);
    const asReceipt = await signStatement(claims, carol.signing, carol.entry.signing_jwk, 'custodian-receipt+jws');
    expect(await refusal(checkAgainstCheckpoint(v.db, v.roster, { ...exp, checkpoint: asReceipt }))).toMatch(/not a checkpoint signature/);
    // The right typ, but claims of another type, or of another vault.
    const wrongType = await signStatement({ ...claims, type: 'custodian-release-receipt' }, carol.signing, carol.entry.signing_jwk, 'custodian-checkpoint+jws');
    expect(await refusal(checkAgainstCheckpoint(v.db, v.roster, { ...exp, checkpoint: wrongType }))).toMatch(/type custodian-release-receipt .* is not a checkpoint of vault/);
    const otherOrigin = await signStatement({ ...claims, origin: 'v_0000000000000000' }, carol.signing, carol.entry.signing_jwk, 'custodian-checkpoint+jws');
    expect(await refusal(checkAgainstCheckpoint(v.db, v.roster, { ...exp, checkpoint: otherOrigin }))).toMatch(/origin v_0000000000000000 is not a checkpoint of vault/);
    expect(await refusal(verifyExportCheckpoint({ ...exp, type: 'custodian-release-receipt' } as unknown as AuditExport, v.roster.vault_key_thumbprint))).toMatch(/not an audit export/);
  });

  it('refuses a wrong passphrase for the export, logs the refusal, and logs nothing secret', async () => {
    await expect(exportWithCustodian(v.db, v.roster, 'carol', 'wrong wrong', 'auditor')).rejects.toThrow(/carol: wrong passphrase/);
    expect(readAudit(v.db).at(-1)).toMatchObject({ event: 'audit.export.refused', actor: 'auditor', payload: { custodian: 'carol', reason: 'authentication' } });
    await exportWithCustodian(v.db, v.roster, 'carol', passphraseOf('carol'), 'auditor');
    const text = JSON.stringify(readAudit(v.db));
    for (const n of v.names) expect(text).not.toContain(passphraseOf(n));
    expect(text).not.toContain('wrong wrong');
  });
});

describe('state tables against the log', () => {
  it('a vault that only went through its steps is fully explained', () => {
    expect(unexplainedState(v.db)).toEqual([]);
  });

  it('a ceremony just opened is explained by its ceremony.opened entry (the state a SIGKILL right after opening leaves), and a state edited past it is not', async () => {
    const cid = await openCeremony(v.ctx, v.key.id);
    expect(unexplainedState(v.db)).toEqual([]);
    raw.prepare("UPDATE ceremonies SET state = 'challenged' WHERE id = ?").run(cid);
    expect(unexplainedState(v.db)).toEqual([expect.stringMatching(new RegExp(`ceremony ${cid} is challenged in the file, but its last entry .*ceremony\\.opened.* says open`))]);
  });

  it('reports state written into the file without a step: a ceremony state, a custodian row, a key row, an approval row', () => {
    const [c1, c2] = (raw.prepare('SELECT id FROM ceremonies ORDER BY opened_at, id').all() as { id: string }[]).map((r) => r.id);
    raw.prepare("UPDATE ceremonies SET state = 'approved' WHERE id = ?").run(c1);
    raw.prepare("INSERT INTO custodians (name, share_index, kdf, verifier, keys_sealed) VALUES ('mallory', 9, '{}', x'00', x'00')").run();
    raw.prepare('INSERT INTO approvals (ceremony_id, custodian, approved_at, request_hash, signature) VALUES (?, ?, ?, ?, ?)').run(c2, 'bob', new Date().toISOString(), '0'.repeat(64), 'x.y.z');
    const rec = JSON.parse((raw.prepare('SELECT record FROM keys WHERE id = ?').get(v.key.id) as { record: string }).record);
    raw.prepare('UPDATE keys SET record = ? WHERE id = ?').run(jcs({ ...rec, policy: { ...rec.policy, approvals: 1 } }), v.key.id);
    const out = unexplainedState(v.db);
    expect(out).toEqual(expect.arrayContaining([
      expect.stringMatching(new RegExp(`ceremony ${c1} is approved in the file, but its last entry .* says aborted`)),
      'custodian mallory is not in the vault.init entry',
      `approval of bob for ${c2}: no ceremony.approved entry with its signature`,
      `key ${v.key.id}: no key.stored entry with its record hash`,
    ]));
    expect(out).toHaveLength(4);
  });
});
