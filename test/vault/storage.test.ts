/** The vault file: enrolment, sealing, key import formats, tamper detection, schema versions, no plaintext on disk. */
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { core } from '../helpers.ts';
import { evidenceFor, newVault, passphraseOf, put, tmp } from './helpers.ts';
import { approve, challenge, openCeremony, release, submitEvidence } from '../../electron/vault/ceremony.ts';
import { initVault, recoverMaster, unsealShare, vaultInfo } from '../../electron/vault/custodians.ts';
import { openDb, SCHEMA_VERSION } from '../../electron/vault/db.ts';
import { InputError, Refused } from '../../electron/vault/errors.ts';
import { fingerprint, parseKeyFile, unwrapKey } from '../../electron/vault/keys.ts';
import { jcsHash } from '../../electron/vault/crypto.ts';
import { rehearseSnp } from '../../electron/rehearse/snp.ts';
import { parseReleasePolicy } from '../../electron/vault/policy.ts';

const refusal = async (p: Promise<unknown>) => {
  const e = await p.then(() => null, (x: unknown) => x);
  expect(e).toBeInstanceOf(Refused);
  return e as Refused;
};

describe('vault init', () => {
  it.each([
    ['M > N', 3, 2, /1 ≤ M ≤ N = 2/],
    ['M = 0', 0, 2, /1 ≤ M ≤ N/],
  ])('refuses %s', async (_w, m, n, msg) => {
    await expect(initVault(join(tmp(), 'v.db'), ['a1', 'b1'].slice(0, n).map((name) => ({ name, passphrase: passphraseOf(name) })), { threshold: m })).rejects.toThrow(msg);
  });

  it('refuses duplicate names, short passphrases, Argon2id below 64 MiB and overwriting a vault', async () => {
    const path = join(tmp(), 'v.db');
    await expect(initVault(path, [{ name: 'a', passphrase: passphraseOf('a') }, { name: 'a', passphrase: passphraseOf('a') }], { threshold: 1 })).rejects.toThrow(/enrolled twice/);
    await expect(initVault(path, [{ name: 'a', passphrase: 'short' }], { threshold: 1 })).rejects.toThrow(/shorter than 8/);
    await expect(initVault(path, [{ name: 'a', passphrase: passphraseOf('a') }], { threshold: 1, argon2: { memoryKiB: 32768 } })).rejects.toThrow(/at least 65536 KiB/);
    await initVault(path, [{ name: 'a', passphrase: passphraseOf('a') }], { threshold: 1 });
    await expect(initVault(path, [{ name: 'a', passphrase: passphraseOf('a') }], { threshold: 1 })).rejects.toThrow(/already exists/);
  });

  it('stores Argon2id parameters per custodian, and any M shares recover the master key (checked by the check value)', async () => {
    const v = await newVault({ n: 4, m: 3 });
    const info = vaultInfo(v.db);
    expect(info.custodians.map((c) => c.kdf)).toEqual(info.custodians.map(() => expect.objectContaining({ alg: 'argon2id', memoryKiB: 65536, iterations: 3, parallelism: 4 })));
    expect(new Set(info.custodians.map((c) => c.kdf.salt)).size).toBe(4);
    const shares = await Promise.all(v.names.map((n) => unsealShare(v.db, n, passphraseOf(n))));
    const a = await recoverMaster(v.db, shares.slice(0, 3));
    const b = await recoverMaster(v.db, shares.slice(1));
    expect(a.equals(b)).toBe(true);
    expect((await refusal(recoverMaster(v.db, shares.slice(0, 2)))).message).toMatch(/2 share\(s\), the vault needs 3/);
    // An altered share still "combines" (Shamir has no integrity): the check value catches it.
    const bad = Buffer.from(shares[0]!);
    bad[5]! ^= 1;
    expect((await refusal(recoverMaster(v.db, [bad, shares[1]!, shares[2]!]))).message).toMatch(/check value mismatch/);
    v.db.close();
  });
});

describe('tamper detection names the field', () => {
  it('a tampered sealed share: authentication failure, distinguished from a wrong passphrase', async () => {
    const v = await newVault();
    const row = v.db.prepare("SELECT share_sealed FROM custodians WHERE name = 'bob'").get() as { share_sealed: Buffer };
    row.share_sealed[20]! ^= 0x01;
    v.db.prepare("UPDATE custodians SET share_sealed = ? WHERE name = 'bob'").run(row.share_sealed);
    const e = await refusal(unsealShare(v.db, 'bob', passphraseOf('bob')));
    expect(e.reason).toBe('authentication');
    expect(e.message).toMatch(/custodians\.share_sealed of bob: AES-GCM authentication failed/);
    expect((await refusal(unsealShare(v.db, 'bob', 'not the passphrase'))).message).toMatch(/wrong passphrase/);
    v.db.close();
  });

  it('a tampered wrapped key, or its policy edited in the file: authentication failure naming keys.wrapped', async () => {
    const v = await newVault();
    const master = await recoverMaster(v.db, await Promise.all(['alice', 'bob'].map((n) => unsealShare(v.db, n, passphraseOf(n)))));
    expect((await unwrapKey(v.db, master, v.key.id)).bytes.equals(v.keyBytes)).toBe(true);
    // Loosen the policy behind the vault's back: the wrap's associated data no longer matches.
    const loosened = { ...v.key.policy, approvals: 1 };
    v.db.prepare('UPDATE keys SET policy = ? WHERE id = ?').run(JSON.stringify(loosened), v.key.id);
    expect((await refusal(unwrapKey(v.db, master, v.key.id))).message).toMatch(new RegExp(`keys\\.wrapped of ${v.key.id}: AES-GCM authentication failed`));
    v.db.prepare('UPDATE keys SET policy = ? WHERE id = ?').run(JSON.stringify(v.key.policy), v.key.id);
    expect((await unwrapKey(v.db, master, v.key.id)).bytes.equals(v.keyBytes)).toBe(true);
    const jwe = JSON.parse((v.db.prepare('SELECT wrapped FROM keys WHERE id = ?').get(v.key.id) as { wrapped: string }).wrapped);
    const ct = Buffer.from(jwe.ciphertext, 'base64url');
    ct[0]! ^= 0x80;
    v.db.prepare('UPDATE keys SET wrapped = ? WHERE id = ?').run(JSON.stringify({ ...jwe, ciphertext: ct.toString('base64url') }), v.key.id);
    expect((await refusal(unwrapKey(v.db, master, v.key.id))).reason).toBe('authentication');
    v.db.close();
  });

  it('a tampered escrowed share: the release is refused naming approvals.escrowed_share', async () => {
    const v = await newVault();
    const cid = await openCeremony(v.ctx, v.key.id);
    await submitEvidence(v.ctx, core, cid, evidenceFor(await challenge(v.ctx, cid)).input);
    await approve(v.ctx, cid, 'alice', passphraseOf('alice'));
    await approve(v.ctx, cid, 'bob', passphraseOf('bob'));
    const row = v.db.prepare("SELECT escrowed_share FROM approvals WHERE custodian = 'bob'").get() as { escrowed_share: Buffer };
    row.escrowed_share[14]! ^= 0x40;
    v.db.prepare("UPDATE approvals SET escrowed_share = ? WHERE custodian = 'bob'").run(row.escrowed_share);
    const e = await refusal(release(v.ctx, cid));
    expect(e.reason).toBe('authentication');
    expect(e.message).toMatch(/approvals\.escrowed_share of bob: AES-GCM authentication failed/);
    v.db.close();
  });
});

describe('the approved request cannot be changed behind the custodians', () => {
  it('refuses the release when the stored TEE key is swapped after the approvals, even with the hashes rewritten', async () => {
    const v = await newVault();
    const cid = await openCeremony(v.ctx, v.key.id);
    await submitEvidence(v.ctx, core, cid, evidenceFor(await challenge(v.ctx, cid)).input);
    await approve(v.ctx, cid, 'alice', passphraseOf('alice'));
    await approve(v.ctx, cid, 'bob', passphraseOf('bob'));
    const row = v.db.prepare('SELECT data FROM ceremonies WHERE id = ?').get(cid) as { data: string };
    const data = JSON.parse(row.data);
    data.request.tee_pubkey = rehearseSnp({ nonce: 'n', hashAlg: 'sha384' }).teePublicJwk; // the attacker's TEE key
    v.db.prepare('UPDATE ceremonies SET data = ? WHERE id = ?').run(JSON.stringify(data), cid);
    const e1 = await refusal(release(v.ctx, cid));
    expect(e1.reason).toBe('authentication');
    expect(e1.message).toMatch(new RegExp(`ceremonies\\.data of ${cid}: the release request .* is not the one approved`));
    // An attacker who also rewrites every stored hash still cannot open the escrowed shares (their AAD holds the approved hash).
    const forged = jcsHash(data.request);
    data.request_sha256 = forged;
    v.db.prepare('UPDATE ceremonies SET data = ? WHERE id = ?').run(JSON.stringify(data), cid);
    v.db.prepare('UPDATE approvals SET request_hash = ? WHERE ceremony_id = ?').run(forged, cid);
    expect((await refusal(release(v.ctx, cid))).message).toMatch(/approvals\.escrowed_share of alice: AES-GCM authentication failed/);
    v.db.close();
  });
});

describe('schema versions', () => {
  it('refuses a vault written by a newer schema, naming the file and the versions', async () => {
    const v = await newVault();
    v.db.close();
    const raw = new Database(v.path);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    let e: unknown;
    try {
      openDb(v.path);
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(InputError);
    expect((e as Error).message).toBe(`${v.path}: schema version: ${SCHEMA_VERSION + 1} is newer than this Custodian supports (${SCHEMA_VERSION}); use a newer Custodian`);
  });

  it('sees a newer schema that is still only in the -wal (the file header is stale), without changing the vault', async () => {
    const v = await newVault();
    const writer = new Database(v.path);
    writer.pragma('wal_autocheckpoint = 0');
    writer.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    const header = readFileSync(v.path).readInt32BE(60);
    expect(header).toBe(SCHEMA_VERSION); // not checkpointed: the header still says the old version
    expect(() => openDb(v.path)).toThrow(`${v.path}: schema version: ${SCHEMA_VERSION + 1} is newer than this Custodian supports (${SCHEMA_VERSION}); use a newer Custodian`);
    writer.close();
    v.db.close();
  });

  it('refuses a file that is not a vault', () => {
    const p = put(tmp(), 'not.db', 'hello, this is not SQLite at all'.repeat(10));
    chmodSync(p, 0o600); // private, so the refusal is about the content (test/attacks/vault-files.test.ts covers the mode)
    expect(() => openDb(p)).toThrow(/not\.db: vault: not a Custodian vault/);
  });

  it('opens with WAL and synchronous=FULL', async () => {
    const v = await newVault();
    expect(v.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(v.db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    v.db.close();
  });
});

describe('model key import', () => {
  const dir = tmp('keys');
  it.each([
    ['raw AES-128', () => Buffer.alloc(16, 7), 'raw', 128],
    ['raw AES-256', () => Buffer.alloc(32, 9), 'raw', 256],
    ['JWK oct', () => Buffer.from(JSON.stringify({ kty: 'oct', k: Buffer.alloc(32, 3).toString('base64url') })), 'raw', 256],
    ['JWK EC private', () => Buffer.from(JSON.stringify(generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ format: 'jwk' }))), 'pkcs8', 384],
    ['PKCS#8 PEM RSA', () => Buffer.from(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string), 'pkcs8', 2048],
  ])('parses %s', (_w, make, format, bits) => {
    const m = parseKeyFile(make(), 'k');
    expect(m.format).toBe(format);
    if (format === 'raw') expect(m.bytes.length * 8).toBe(bits);
    expect(fingerprint(m)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses public keys and unknown files without echoing their content', () => {
    const pub = JSON.stringify(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' }));
    expect(() => parseKeyFile(Buffer.from(pub), put(dir, 'pub.jwk', pub))).toThrow(/pub\.jwk: key: is a public key/);
    const secretish = 'SECRET-CONTENT-0123456789-abcdefghijklmnop';
    let msg = '';
    try {
      parseKeyFile(Buffer.from(secretish), 'odd.key');
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toMatch(/odd\.key: key: 42 bytes is neither/);
    expect(msg).not.toContain('SECRET');
  });

  it('validates release policies, naming the field', () => {
    expect(() => parseReleasePolicy({ approvals: 1 }, 'p.json', 2, 3)).toThrow(/p\.json: approvals: must be an integer from 2 to 3/);
    expect(() => parseReleasePolicy({ tee: ['sgx'] }, 'p.json', 2, 3)).toThrow(/p\.json: tee:/);
    expect(() => parseReleasePolicy({ colour: 'red' }, 'p.json', 2, 3)).toThrow(/p\.json: colour: unknown release-policy field/);
  });
});

describe('no plaintext key material or passphrase on disk', () => {
  it('the vault file and its WAL hold neither the model key, the master key nor a passphrase, even after a release', async () => {
    const v = await newVault();
    const cid = await openCeremony(v.ctx, v.key.id);
    await submitEvidence(v.ctx, core, cid, evidenceFor(await challenge(v.ctx, cid)).input);
    await approve(v.ctx, cid, 'alice', passphraseOf('alice'));
    await approve(v.ctx, cid, 'bob', passphraseOf('bob'));
    const shares = await Promise.all(['alice', 'bob'].map((n) => unsealShare(v.db, n, passphraseOf(n))));
    const master = await recoverMaster(v.db, shares);
    await release(v.ctx, cid);
    const files = readdirSync(v.dir).filter((f) => f.startsWith('vault.db')).map((f) => readFileSync(join(v.dir, f)));
    expect(files.length).toBeGreaterThanOrEqual(2); // vault.db and vault.db-wal
    for (const bytes of files) {
      for (const secret of [v.keyBytes, master, ...shares, ...v.names.map((n) => Buffer.from(passphraseOf(n)))]) {
        expect(bytes.indexOf(secret.subarray(0, 16))).toBe(-1);
      }
    }
    v.db.close();
  });
});
