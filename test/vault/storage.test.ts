/**
 * The vault file: enrolment, the signed roster and its pin, per-key KEK shares, signed key records,
 * key import formats, tamper detection naming the field, schema versions, no plaintext secret on disk.
 *
 * Threats: someone who can write the vault file (but holds no custodian passphrase) edits a key's
 * policy, swaps its sealed key or a share, moves a share to another key or custodian, forges or
 * re-signs a key record, swaps a custodian's sealed keys, or replaces the roster and vault key; fewer
 * than M custodians try to open a key; a retired schema-1 file is opened; a secret reaches the disk.
 */
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { combine } from 'shamir-secret-sharing';
import { describe, expect, it } from 'vitest';
import { core } from '../helpers.ts';
import { approveAs, evidenceFor, newVault, passphraseOf, put, tmp, type TestVault } from './helpers.ts';
import { challenge, openCeremony, release, submitEvidence } from '../../electron/vault/ceremony.ts';
import { jcs, jcsHash } from '../../electron/vault/crypto.ts';
import { initVault, unlockCustodian, vaultInfo } from '../../electron/vault/custodians.ts';
import { openDb, SCHEMA_VERSION } from '../../electron/vault/db.ts';
import { InputError, Refused } from '../../electron/vault/errors.ts';
import { publicJwk, signStatement, thumbprint } from '../../electron/vault/jws.ts';
import { fingerprint, getKey, openShare, parseKeyFile, storeKey, unsealKey, type KeyRecord } from '../../electron/vault/keys.ts';
import { openVault } from '../../electron/vault/open.ts';
import { pinFile } from '../../electron/vault/pins.ts';
import { parseReleasePolicy } from '../../electron/vault/policy.ts';
import { rehearseSnp } from '../../electron/rehearse/snp.ts';

const refusal = async (p: Promise<unknown>, reason: Refused['reason'] = 'authentication') => {
  const e = await p.then(() => null, (x: unknown) => x);
  expect(e, 'expected a refusal').toBeInstanceOf(Refused);
  expect((e as Refused).reason).toBe(reason);
  return (e as Refused).message;
};

/** Each named custodian's decrypted share of `rec`'s KEK (each unlocks their own keys with their passphrase). */
async function sharesOf(v: TestVault, rec: KeyRecord, names: string[]): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (const n of names) out.push(await openShare(v.db, rec, v.roster, await unlockCustodian(v.db, v.roster, n, passphraseOf(n))));
  return out;
}

const column = <T>(v: TestVault, sql: string, ...args: unknown[]) => v.db.prepare(sql).pluck().get(...args) as T;

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

  it('pins the vault key thumbprint outside the file, and a roster, vault key or custodian row changed in the file is refused', async () => {
    const dir = tmp();
    const path = join(dir, 'v.db');
    const { vaultId, vaultKeyThumbprint } = await initVault(path, ['a1', 'b1'].map((name) => ({ name, passphrase: passphraseOf(name) })), { threshold: 1 });
    expect(JSON.parse(readFileSync(pinFile(), 'utf8')).vaults[vaultId]).toBe(vaultKeyThumbprint);
    const { db, roster } = await openVault(path);
    expect(roster).toMatchObject({ vault_id: vaultId, threshold: 1, vault_key_thumbprint: vaultKeyThumbprint, custodians: [{ name: 'a1', share_index: 1 }, { name: 'b1', share_index: 2 }] });
    expect(await thumbprint(roster.vault_key_jwk)).toBe(vaultKeyThumbprint);
    db.close();

    // An attacker's own vault key, and a roster (threshold 1, their own custodian) signed by it: not the pinned key.
    const copy = join(dir, 'replaced.db');
    copyFileSync(path, copy);
    const raw = new Database(copy);
    const mallory = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const mJwk = publicJwk(mallory.publicKey);
    const claims = JSON.parse(Buffer.from((raw.prepare("SELECT v FROM meta WHERE k = 'roster_jws'").pluck().get() as string).split('.')[1]!, 'base64url').toString());
    raw.prepare("UPDATE meta SET v = ? WHERE k = 'roster_jws'").run(await signStatement(claims, mallory.privateKey, mJwk, 'custodian-roster+jws'));
    raw.prepare("UPDATE meta SET v = ? WHERE k = 'vault_key_jwk'").run(jcs(mJwk));
    raw.close();
    expect(await refusal(openVault(copy))).toMatch(new RegExp(`vault ${vaultId} is pinned to vault key ${vaultKeyThumbprint} on this machine, but the file holds ${await thumbprint(mJwk)}`));

    // The genuine vault key, but a roster signature that no longer verifies.
    const edited = join(dir, 'edited.db');
    copyFileSync(path, edited);
    const raw2 = new Database(edited);
    const jws = raw2.prepare("SELECT v FROM meta WHERE k = 'roster_jws'").pluck().get() as string;
    const [h, , s] = jws.split('.');
    raw2.prepare("UPDATE meta SET v = ? WHERE k = 'roster_jws'").run(`${h}.${Buffer.from(jcs({ ...claims, threshold: 2 })).toString('base64url')}.${s}`);
    raw2.close();
    expect(await refusal(openVault(edited))).toMatch(/meta\.roster_jws does not verify under the vault key/);

    // A custodian row the roster does not name.
    const extra = join(dir, 'extra.db');
    copyFileSync(path, extra);
    const raw3 = new Database(extra);
    raw3.prepare("INSERT INTO custodians (name, share_index, kdf, verifier, keys_sealed) SELECT 'mallory', 3, kdf, verifier, keys_sealed FROM custodians WHERE name = 'a1'").run();
    raw3.close();
    expect(await refusal(openVault(extra))).toMatch(/the custodians table does not match the signed roster \(a1, b1\)/);

    // On a machine that does not know the vault, it is refused until its thumbprint is given (then pinned).
    const saved = process.env.XDG_CONFIG_HOME;
    process.env.XDG_CONFIG_HOME = mkdtempSync(join(tmpdir(), 'custodian-test-other-machine-'));
    try {
      expect(await refusal(openVault(path))).toMatch(new RegExp(`vault ${vaultId} .* is not known on this machine. Its vault key thumbprint is ${vaultKeyThumbprint}`));
      expect(await refusal(openVault(path, { vaultKey: 'A'.repeat(43) }))).toMatch(new RegExp(`the vault key is ${vaultKeyThumbprint}, not the A{43} you gave`));
      expect(existsSync(pinFile())).toBe(false);
      (await openVault(path, { vaultKey: vaultKeyThumbprint })).db.close();
      (await openVault(path)).db.close();
    } finally {
      process.env.XDG_CONFIG_HOME = saved;
    }
  });

  it('stores Argon2id parameters per custodian, and any M of the custodians\' shares open the key, fewer do not', async () => {
    const v = await newVault({ n: 4, m: 3 });
    const info = vaultInfo(v.db, v.roster);
    expect(info.custodians.map((c) => c.kdf)).toEqual(info.custodians.map(() => expect.objectContaining({ alg: 'argon2id', memoryKiB: 65536, iterations: 3, parallelism: 4 })));
    expect(new Set(info.custodians.map((c) => c.kdf.salt)).size).toBe(4);
    expect(v.key).toMatchObject({ threshold: 3, imported_by: 'alice', policy: { approvals: 3 } });
    expect(Object.keys(v.key.shares_sha256).sort()).toEqual([...v.names].sort());
    const shares = await sharesOf(v, v.key, v.names);
    for (const pick of [[0, 1, 2], [1, 2, 3], [0, 2, 3], [3, 0, 1]]) {
      const m = await unsealKey(v.db, v.key, pick.map((i) => shares[i]!));
      expect(m.bytes.equals(v.keyBytes), `shares ${pick}`).toBe(true);
      expect(fingerprint(m)).toBe(v.key.meta.fingerprint);
    }
    expect(await refusal(unsealKey(v.db, v.key, shares.slice(0, 2)), 'approvals')).toMatch(new RegExp(`2 share\\(s\\); key ${v.key.id} needs 3`));
    // An altered share still "combines" (Shamir has no integrity): the AES-GCM seal of the key catches it.
    const bad = Buffer.from(shares[0]!);
    bad[5]! ^= 1;
    expect(await refusal(unsealKey(v.db, v.key, [bad, shares[1]!, shares[2]!]))).toMatch(new RegExp(`the approved shares do not open key ${v.key.id} \\(AES-GCM authentication failed\\): a share was altered`));
    v.db.close();
  });
});

describe('tamper detection names the field', () => {
  it('custodians.keys_sealed altered, or swapped in from another custodian: authentication failure, distinguished from a wrong passphrase', async () => {
    const v = await newVault();
    const sealed = column<Buffer>(v, "SELECT keys_sealed FROM custodians WHERE name = 'bob'");
    const flipped = Buffer.from(sealed);
    flipped[20]! ^= 0x01;
    v.db.prepare("UPDATE custodians SET keys_sealed = ? WHERE name = 'bob'").run(flipped);
    expect(await refusal(unlockCustodian(v.db, v.roster, 'bob', passphraseOf('bob')))).toMatch(/custodians\.keys_sealed of bob: AES-GCM authentication failed/);
    expect(await refusal(unlockCustodian(v.db, v.roster, 'bob', 'not the passphrase'))).toMatch(/custodian bob: wrong passphrase \(nothing was unsealed\)/);
    // carol's whole row (parameters, verifier, sealed keys) copied over bob's: carol's passphrase passes the verifier, but the seal names carol.
    v.db.prepare("UPDATE custodians SET (kdf, verifier, keys_sealed) = (SELECT kdf, verifier, keys_sealed FROM custodians WHERE name = 'carol') WHERE name = 'bob'").run();
    expect(await refusal(unlockCustodian(v.db, v.roster, 'bob', passphraseOf('carol')))).toMatch(/custodians\.keys_sealed of bob: AES-GCM authentication failed/);
    v.db.close();
  });

  it('a share JWE altered or moved to another key: refused by the record\'s digests and by the JWE itself', async () => {
    const v = await newVault();
    const alice = await unlockCustodian(v.db, v.roster, 'alice', passphraseOf('alice'));
    const other = await storeKey(v.db, v.roster, 'other', { format: 'raw', bytes: Buffer.alloc(32, 5), source: 'raw' }, v.key.policy, alice, 'test');
    const shareOf = (keyId: string, c: string) => column<string>(v, 'SELECT share_jwe FROM key_shares WHERE key_id = ? AND custodian = ?', keyId, c);
    const bobShare = shareOf(v.key.id, 'bob');
    const jwe = JSON.parse(bobShare);
    const ct = Buffer.from(jwe.ciphertext, 'base64url');
    ct[0]! ^= 0x80;
    v.db.prepare('UPDATE key_shares SET share_jwe = ? WHERE key_id = ? AND custodian = ?').run(jcs({ ...jwe, ciphertext: ct.toString('base64url') }), v.key.id, 'bob');
    expect(await refusal(getKey(v.db, v.roster, v.key.id))).toMatch(new RegExp(`key ${v.key.id}: key_shares of bob is not the share the record names`));
    const bob = await unlockCustodian(v.db, v.roster, 'bob', passphraseOf('bob'));
    expect(await refusal(openShare(v.db, v.key, v.roster, bob))).toMatch(new RegExp(`key_shares of bob for key ${v.key.id}: the share does not decrypt`));
    v.db.prepare('UPDATE key_shares SET share_jwe = ? WHERE key_id = ? AND custodian = ?').run(bobShare, v.key.id, 'bob');
    expect((await getKey(v.db, v.roster, v.key.id)).id).toBe(v.key.id);

    // bob's (genuine, decryptable-by-bob) share of the other key, put in place of his share of this key:
    // the associated data names the key, so it does not decrypt here.
    v.db.prepare('UPDATE key_shares SET share_jwe = ? WHERE key_id = ? AND custodian = ?').run(shareOf(other.id, 'bob'), v.key.id, 'bob');
    expect(await refusal(getKey(v.db, v.roster, v.key.id))).toMatch(/key_shares of bob is not the share the record names/);
    expect(await refusal(openShare(v.db, v.key, v.roster, bob))).toMatch(/the share does not decrypt/);
    // alice's share given as bob's: bob's kem key cannot decrypt it.
    v.db.prepare('UPDATE key_shares SET share_jwe = ? WHERE key_id = ? AND custodian = ?').run(shareOf(v.key.id, 'alice'), v.key.id, 'bob');
    expect(await refusal(openShare(v.db, v.key, v.roster, bob))).toMatch(/key_shares of bob .*: the share does not decrypt/);
    v.db.close();
  });

  it('keys.sealed altered: refused naming keys.sealed, before any share is combined', async () => {
    const v = await newVault();
    const shares = await sharesOf(v, v.key, ['alice', 'bob']);
    const sealed = Buffer.from(column<Buffer>(v, 'SELECT sealed FROM keys WHERE id = ?', v.key.id));
    sealed[sealed.length - 1]! ^= 1;
    v.db.prepare('UPDATE keys SET sealed = ? WHERE id = ?').run(sealed, v.key.id);
    expect(await refusal(getKey(v.db, v.roster, v.key.id))).toMatch(new RegExp(`key ${v.key.id}: keys\\.sealed is not the sealed key the record names`));
    expect(await refusal(unsealKey(v.db, v.key, shares))).toMatch(new RegExp(`keys\\.sealed of ${v.key.id} is not the sealed key the record names`));
    v.db.close();
  });

  it('keys.record edited (policy loosened), re-signed by a stranger, or signed by a custodian with a policy below the threshold: refused at every step', async () => {
    const v = await newVault();
    const record = column<string>(v, 'SELECT record FROM keys WHERE id = ?', v.key.id);
    const recordJws = column<string>(v, 'SELECT record_jws FROM keys WHERE id = ?', v.key.id);
    const rec = JSON.parse(record) as KeyRecord;
    const loosened: KeyRecord = { ...rec, threshold: 1, policy: { ...rec.policy, approvals: 1, allow_test_anchor: true, appraisal_policy: {} } };
    v.db.prepare('UPDATE keys SET record = ? WHERE id = ?').run(jcs(loosened), v.key.id);
    expect(await refusal(getKey(v.db, v.roster, v.key.id))).toMatch(new RegExp(`key ${v.key.id}: keys\\.record differs from the signed record`));
    expect(await refusal(openCeremony(v.ctx, v.key.id))).toMatch(/keys\.record differs from the signed record/);

    // The stranger signs the loosened record naming alice as importer: it does not verify under alice's roster key.
    const mallory = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const byMallory = await signStatement(loosened, mallory.privateKey, publicJwk(mallory.publicKey), 'custodian-key-record+jws');
    v.db.prepare('UPDATE keys SET record_jws = ? WHERE id = ?').run(byMallory, v.key.id);
    expect(await refusal(getKey(v.db, v.roster, v.key.id))).toMatch(/keys\.record_jws does not verify under alice's key/);
    const asMallory = await signStatement({ ...loosened, imported_by: 'mallory' }, mallory.privateKey, publicJwk(mallory.publicKey), 'custodian-key-record+jws');
    v.db.prepare('UPDATE keys SET record = ?, record_jws = ? WHERE id = ?').run(jcs({ ...loosened, imported_by: 'mallory' }), asMallory, v.key.id);
    expect(await refusal(getKey(v.db, v.roster, v.key.id))).toMatch(/keys\.record_jws does not name an enrolled custodian/);

    // A genuine custodian (bob, with his passphrase) signs a record whose policy asks fewer approvals than the vault's threshold.
    const bob = await unlockCustodian(v.db, v.roster, 'bob', passphraseOf('bob'));
    const below = { ...loosened, imported_by: 'bob' };
    v.db.prepare('UPDATE keys SET record = ?, record_jws = ? WHERE id = ?').run(jcs(below), await signStatement(below, bob.signing, bob.entry.signing_jwk, 'custodian-key-record+jws'), v.key.id);
    expect(await refusal(getKey(v.db, v.roster, v.key.id))).toMatch(/the policy's approvals 1 is outside 2\.\.3/);

    // The genuine record under another row name (or id).
    v.db.prepare('UPDATE keys SET record = ?, record_jws = ?, name = ? WHERE id = ?').run(record, recordJws, 'renamed', v.key.id);
    expect(await refusal(getKey(v.db, v.roster, v.key.id))).toMatch(/the signed record names another vault, id or name/);
    v.db.prepare('UPDATE keys SET name = ? WHERE id = ?').run(rec.name, v.key.id);
    expect(await getKey(v.db, v.roster, v.key.id)).toEqual(rec);
    v.db.close();
  });

  it('a tampered escrowed share: the release is refused naming approvals.escrowed_share', async () => {
    const v = await newVault();
    const cid = await openCeremony(v.ctx, v.key.id);
    await submitEvidence(v.ctx, core, cid, (await evidenceFor(await challenge(v.ctx, cid))).input);
    await approveAs(v.ctx, cid, 'alice');
    await approveAs(v.ctx, cid, 'bob');
    const share = Buffer.from(column<Buffer>(v, "SELECT escrowed_share FROM approvals WHERE custodian = 'bob'"));
    share[14]! ^= 0x40;
    v.db.prepare("UPDATE approvals SET escrowed_share = ? WHERE custodian = 'bob'").run(share);
    expect(await refusal(release(v.ctx, core, cid))).toMatch(/approvals\.escrowed_share of bob: AES-GCM authentication failed/);
    v.db.close();
  });
});

describe('the approved request cannot be changed behind the custodians', () => {
  it('refuses the release when the stored TEE key is swapped after the approvals, even with the hashes rewritten', async () => {
    const v = await newVault();
    const cid = await openCeremony(v.ctx, v.key.id);
    await submitEvidence(v.ctx, core, cid, (await evidenceFor(await challenge(v.ctx, cid))).input);
    await approveAs(v.ctx, cid, 'alice');
    await approveAs(v.ctx, cid, 'bob');
    const data = JSON.parse(column<string>(v, 'SELECT data FROM ceremonies WHERE id = ?', cid));
    data.request.tee_pubkey = (await rehearseSnp({ nonce: 'n', hashAlg: 'sha384' })).teePublicJwk; // the attacker's TEE key
    v.db.prepare('UPDATE ceremonies SET data = ? WHERE id = ?').run(JSON.stringify(data), cid);
    expect(await refusal(release(v.ctx, core, cid))).toMatch(new RegExp(`the release request of ${cid} is not consistent with itself or with the signed key record`));
    // An attacker who also rewrites every stored hash still lacks the custodians' signatures over the new hash.
    const forged = jcsHash(data.request);
    data.request_sha256 = forged;
    v.db.prepare('UPDATE ceremonies SET data = ? WHERE id = ?').run(JSON.stringify(data), cid);
    v.db.prepare('UPDATE approvals SET request_hash = ? WHERE ceremony_id = ?').run(forged, cid);
    expect(await refusal(release(v.ctx, core, cid))).toMatch(new RegExp(`the approval of alice for ${cid} is not signed by alice's key for this request`));
    expect(column<string>(v, 'SELECT state FROM ceremonies WHERE id = ?', cid)).toBe('approved');
    v.db.close();
  });
});

describe('schema versions', () => {
  const openError = (path: string) => {
    try {
      openDb(path);
    } catch (x) {
      return x;
    }
    return null;
  };

  it('refuses a vault written by a newer schema, naming the file and the versions', async () => {
    const v = await newVault();
    v.db.close();
    const raw = new Database(v.path);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    const e = openError(v.path);
    expect(e).toBeInstanceOf(InputError);
    expect((e as Error).message).toBe(`${v.path}: schema version: ${SCHEMA_VERSION + 1} is newer than this Custodian supports (${SCHEMA_VERSION}); use a newer Custodian`);
  });

  it('refuses a schema-1 vault (the retired master-key design) with the reason, and does not migrate it', () => {
    const path = join(tmp(), 'old.db');
    const raw = new Database(path);
    raw.exec("CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT NOT NULL); INSERT INTO meta VALUES ('check_value', 'x');");
    raw.pragma('user_version = 1');
    raw.close();
    chmodSync(path, 0o600); // private, so the refusal is about the schema
    const e = openError(path);
    expect(e).toBeInstanceOf(InputError);
    expect((e as Error).message).toBe(`${path}: schema version: 1: this vault was written by Custodian 0.1, whose approval escrow could expose every custodian's long-term share; it is not migrated: create a new vault and import the keys again`);
    const after = new Database(path, { readonly: true });
    expect(after.pragma('user_version', { simple: true })).toBe(1);
    expect(after.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all()).toEqual(['meta']);
    after.close();
  });

  it('opening an empty file as a vault refuses it without modifying it', () => {
    const p = put(tmp(), 'empty.db', '');
    expect(() => openDb(p)).toThrow(/empty\.db: /);
    expect(readFileSync(p)).toHaveLength(0);
    expect(existsSync(`${p}-wal`)).toBe(false);
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

  it('validates release policies, naming the field; a production key needs a reference value; the default accepts affirming evidence only', () => {
    expect(() => parseReleasePolicy({ approvals: 1 }, 'p.json', 2, 3)).toThrow(/p\.json: approvals: must be an integer from 2 to 3/);
    expect(() => parseReleasePolicy({ tee: ['sgx'] }, 'p.json', 2, 3)).toThrow(/p\.json: tee:/);
    expect(() => parseReleasePolicy({ colour: 'red' }, 'p.json', 2, 3)).toThrow(/p\.json: colour: unknown release-policy field/);
    expect(() => parseReleasePolicy({}, 'p.json', 2, 3)).toThrow(/p\.json: appraisal_policy: a key released to sev-snp evidence needs at least one reference value/);
    const pinned = parseReleasePolicy({ appraisal_policy: { snp: { measurements: ['ab'.repeat(48)] } } }, 'p.json', 2, 3);
    expect(pinned).toMatchObject({ approvals: 2, tee: ['sev-snp'], allow_test_anchor: false, accept_warnings: [], no_reference_values: false });
    expect(parseReleasePolicy({ no_reference_values: true }, 'p.json', 2, 3).no_reference_values).toBe(true);
  });

  it('refuses a key whose policy asks fewer approvals than the vault threshold, even when built past the parser', async () => {
    const v = await newVault();
    const alice = await unlockCustodian(v.db, v.roster, 'alice', passphraseOf('alice'));
    await expect(storeKey(v.db, v.roster, 'weak', { format: 'raw', bytes: Buffer.alloc(32, 1), source: 'raw' }, { ...v.key.policy, approvals: 1 }, alice, 'test'))
      .rejects.toThrow(/release policy: approvals: must be from the vault threshold 2 to 3, got 1/);
    v.db.close();
  });
});

describe('no plaintext key material or passphrase on disk', () => {
  it('the vault file and its WAL hold neither the model key, its KEK or shares, the escrow key, a custodian private key nor a passphrase, even after a release', async () => {
    const v = await newVault();
    const cid = await openCeremony(v.ctx, v.key.id);
    await submitEvidence(v.ctx, core, cid, (await evidenceFor(await challenge(v.ctx, cid))).input);
    await approveAs(v.ctx, cid, 'alice');
    await approveAs(v.ctx, cid, 'bob');
    const shares = await sharesOf(v, v.key, ['alice', 'bob']);
    const kek = Buffer.from(await combine(shares.map((s) => new Uint8Array(s))));
    expect(kek).toHaveLength(32);
    const escrowId = column<string>(v, 'SELECT escrow_id FROM ceremonies WHERE id = ?', cid);
    const escrowKey = readFileSync(join(process.env.CUSTODIAN_ESCROW_DIR!, `${escrowId}.key`));
    const custodianKeys: Buffer[] = [];
    for (const n of v.names) {
      const k = await unlockCustodian(v.db, v.roster, n, passphraseOf(n));
      for (const key of [k.signing, k.kem]) custodianKeys.push(Buffer.from(key.export({ format: 'jwk' }).d!, 'base64url'), key.export({ type: 'pkcs8', format: 'der' }).subarray(-32));
    }
    await release(v.ctx, core, cid);
    const files = readdirSync(v.dir).filter((f) => f.startsWith('vault.db')).map((f) => readFileSync(join(v.dir, f)));
    expect(files.length).toBeGreaterThanOrEqual(2); // vault.db and vault.db-wal
    const secrets = [v.keyBytes, kek, ...shares, escrowKey, ...custodianKeys, ...v.names.map((n) => Buffer.from(passphraseOf(n)))];
    // The check itself works: the sealed key is in the file.
    expect(files.some((b) => b.indexOf(column<Buffer>(v, 'SELECT sealed FROM keys WHERE id = ?', v.key.id).subarray(0, 16)) >= 0)).toBe(true);
    for (const bytes of files) {
      for (const secret of secrets) expect(bytes.indexOf(secret.subarray(0, 16))).toBe(-1);
    }
    v.db.close();
  });
});
