/** The audit log: append-only (triggers), hash chain verification naming the first bad entry, signed checkpoints. */
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { compactVerify, importJWK, type JWK } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newVault, passphraseOf, type TestVault } from './helpers.ts';
import { checkAgainstCheckpoint, exportAudit, GENESIS, readAudit, verifyDbChain, type Checkpoint } from '../../electron/vault/audit.ts';
import { abort, openCeremony } from '../../electron/vault/ceremony.ts';
import { jcs } from '../../electron/vault/crypto.ts';
import { signingKeyFromCustodian, vaultInfo } from '../../electron/vault/custodians.ts';
import { openDb } from '../../electron/vault/db.ts';

let v: TestVault;
/** A raw handle on the same file, as an attacker with the file would have. */
let raw: Database.Database;

beforeEach(async () => {
  v = await newVault();
  for (let i = 0; i < 3; i++) await abort(v.ctx, await openCeremony(v.ctx, v.key.id));
  raw = new Database(v.path);
});
afterEach(() => {
  raw.close();
  v.db.close();
});

const dropTriggers = () => raw.exec('DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;');

describe('audit log', () => {
  it('every entry hashes SHA-256(JCS({seq,time,actor,event,payload,prev_hash})) and links to the previous one', () => {
    const entries = readAudit(v.db);
    expect(entries.map((e) => e.event).slice(0, 3)).toEqual(['vault.init', 'key.stored', 'ceremony.opened']);
    let prev = GENESIS;
    for (const e of entries) {
      expect(e.prev_hash).toBe(prev);
      const { hash, ...rest } = e;
      expect(createHash('sha256').update(jcs(rest)).digest('hex')).toBe(hash);
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
    const forged = { ...e, actor: 'mallory' };
    const { hash: _h, ...rest } = forged;
    raw.prepare('UPDATE audit SET actor = ?, hash = ? WHERE seq = 3').run('mallory', createHash('sha256').update(jcs(rest)).digest('hex'));
    expect(verifyDbChain(v.db).firstBad).toEqual({ seq: 4, reason: expect.stringMatching(/prev_hash .* does not equal the hash of entry 3/) });
    raw.prepare('DELETE FROM audit WHERE seq = 6').run();
    raw.prepare('UPDATE audit SET actor = ?, hash = ? WHERE seq = 3').run(e.actor, e.hash);
    expect(verifyDbChain(v.db).firstBad).toEqual({ seq: 7, reason: expect.stringMatching(/sequence number 7 where 6 was expected/) });
  });

  it('export signs a checkpoint (size, head) that verifies with the vault key, logs the export, and catches a truncated tail', async () => {
    const info = vaultInfo(v.db);
    const key = await signingKeyFromCustodian(v.db, 'carol', passphraseOf('carol'));
    const exp = await exportAudit(v.db, key, info.signingPublicJwk as JWK, info.vaultId, 'auditor');
    const { payload } = await compactVerify(exp.checkpoint, await importJWK(info.signingPublicJwk as JWK, 'ES256'));
    const cp = JSON.parse(Buffer.from(payload).toString()) as Checkpoint;
    expect(cp).toMatchObject({ origin: info.vaultId, size: exp.entries.length, head_sha256: exp.entries.at(-1)!.hash });
    expect(exp.entries.at(-1)!.event).toBe('audit.exported');
    await expect(checkAgainstCheckpoint(v.db, exp, info.signingPublicJwk as JWK)).resolves.toMatchObject({ size: cp.size });

    // Truncating the tail leaves a chain that verifies by itself; the checkpoint catches it.
    dropTriggers();
    raw.prepare('DELETE FROM audit WHERE seq >= ?').run(cp.size - 1);
    expect(verifyDbChain(v.db).ok).toBe(true);
    await expect(checkAgainstCheckpoint(v.db, exp, info.signingPublicJwk as JWK)).rejects.toThrow(/shorter than the checkpoint's/);
    // A checkpoint whose signature does not verify is refused.
    const [h, p, sig] = exp.checkpoint.split('.');
    const bad = Buffer.from(sig!, 'base64url');
    bad[10]! ^= 1;
    const forged = { ...exp, checkpoint: `${h}.${p}.${bad.toString('base64url')}` };
    await expect(checkAgainstCheckpoint(openDb(v.path), forged, info.signingPublicJwk as JWK)).rejects.toThrow(/signature does not verify/);
  });

  it('refuses a wrong passphrase for the export and logs nothing secret', async () => {
    await expect(signingKeyFromCustodian(v.db, 'carol', 'wrong wrong')).rejects.toThrow(/carol: wrong passphrase/);
    const text = JSON.stringify(readAudit(v.db));
    for (const n of v.names) expect(text).not.toContain(passphraseOf(n));
  });
});
