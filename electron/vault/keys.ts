/**
 * Model keys: imported (raw AES-128/256 key file, JWK, PKCS#8 PEM) or generated.
 *
 * Each key has its **own** 256-bit key-encryption key (KEK), drawn at import:
 * - the key material is sealed with AES-256-GCM under the KEK (`keys.sealed`, associated data binds
 *   vault id, key id, format and fingerprint);
 * - the KEK is split M-of-N with `shamir-secret-sharing` (M = the policy's `approvals`, N = every
 *   custodian; with M = 1 each share is the KEK itself) and each share is encrypted to that
 *   custodian's `kem` public key as a flattened JWE (ECDH-ES+A256KW, A256GCM; RFC 7516/7518 via
 *   `jose`), associated data binding vault, key, custodian and share index (`key_shares`);
 * - the KEK is then forgotten. Releasing the key needs M custodians to decrypt their shares; a share
 *   opens this one key and nothing else.
 * The **key record** (id, name, metadata and fingerprint, release policy, threshold, and the SHA-256 of
 * the sealed key and of every share) is signed by the importing custodian's own ES256 key. Every step
 * that uses a key first verifies that signature under the trusted roster ({@link getKey}), so a record
 * edited in the file is refused, not used.
 *
 * Key material: AES keys are kept as their raw bytes (format `raw`); RSA/EC private keys as PKCS#8
 * DER (format `pkcs8`). That is also what a release delivers. The fingerprint is
 * - `raw`: SHA-256("custodian/v1/oct-fingerprint" ‖ 0x00 ‖ key bytes), lowercase hex;
 * - `pkcs8`: SHA-256 of the public key's SubjectPublicKeyInfo DER, lowercase hex.
 */
import { createHash, createPrivateKey, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { FlattenedEncrypt, flattenedDecrypt, importJWK, type FlattenedJWE } from 'jose';
import { combine, split } from 'shamir-secret-sharing';
import { appendAudit } from './audit.ts';
import { rosterEntry, type CustodianKeys, type TrustedRoster } from './custodians.ts';
import { jcs, jcsHash, open, random, seal, sha256Hex } from './crypto.ts';
import { tx, type Db } from './db.ts';
import { InputError, Refused } from './errors.ts';
import { signStatement, unverifiedClaims, verifyStatement } from './jws.ts';
import type { ReleasePolicy } from './policy.ts';

export type KeyFormat = 'raw' | 'pkcs8';

/** Public facts about a model key. `bits`: AES key size, RSA modulus or EC curve size. */
export interface KeyMeta {
  kind: 'aes' | 'rsa' | 'ec';
  format: KeyFormat;
  bits: number;
  fingerprint: string;
  source: 'generated' | 'raw' | 'jwk' | 'pkcs8-pem';
  created_at: string;
}

/** The signed key record (see the module comment). Digests are lowercase hex SHA-256. */
export interface KeyRecord {
  type: 'custodian-key-record';
  version: 1;
  vault_id: string;
  id: string;
  name: string;
  meta: KeyMeta;
  policy: ReleasePolicy;
  /** Shares needed to rebuild the KEK (= policy.approvals). */
  threshold: number;
  sealed_sha256: string;
  /** custodian name → SHA-256 of the JCS of their share JWE. */
  shares_sha256: Record<string, string>;
  imported_by: string;
}

/** Plain key material, in memory only. */
export interface KeyMaterial {
  format: KeyFormat;
  bytes: Buffer;
}

/** Fingerprint of key material (see the module comment). */
export function fingerprint(m: KeyMaterial): string {
  if (m.format === 'raw') return createHash('sha256').update('custodian/v1/oct-fingerprint\0').update(m.bytes).digest('hex');
  const spki = createPublicKey(createPrivateKey({ key: m.bytes, format: 'der', type: 'pkcs8' })).export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('hex');
}

function describe(m: KeyMaterial): Pick<KeyMeta, 'kind' | 'bits'> {
  if (m.format === 'raw') return { kind: 'aes', bits: m.bytes.length * 8 };
  const k = createPrivateKey({ key: m.bytes, format: 'der', type: 'pkcs8' });
  const d = k.asymmetricKeyDetails ?? {};
  if (k.asymmetricKeyType === 'rsa' || k.asymmetricKeyType === 'rsa-pss') return { kind: 'rsa', bits: d.modulusLength ?? 0 };
  if (k.asymmetricKeyType === 'ec') return { kind: 'ec', bits: { 'prime256v1': 256, 'secp384r1': 384, 'secp521r1': 521 }[d.namedCurve ?? ''] ?? 0 };
  throw new InputError('key', 'type', `${k.asymmetricKeyType} keys are not supported (AES, RSA or EC)`);
}

function privateToPkcs8(k: KeyObject, file: string): KeyMaterial {
  if (k.type !== 'private') throw new InputError(file, 'key', 'is a public key; a model key must be secret');
  return { format: 'pkcs8', bytes: k.export({ type: 'pkcs8', format: 'der' }) };
}

/**
 * Parses a key file's bytes: exactly 16 or 32 bytes → raw AES key; a JSON JWK (`oct` with 16/32-byte
 * `k`, or an RSA/EC private key); a PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`). Errors name the file
 * and never echo its content.
 */
export function parseKeyFile(bytes: Buffer, file: string): KeyMaterial & { source: KeyMeta['source'] } {
  if (bytes.length === 16 || bytes.length === 32) return { format: 'raw', bytes: Buffer.from(bytes), source: 'raw' };
  const text = bytes.toString('utf8').trim();
  if (text.startsWith('{')) {
    let jwk: Record<string, unknown>;
    try {
      jwk = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new InputError(file, 'JWK', 'not valid JSON');
    }
    if (jwk.kty === 'oct') {
      const k = Buffer.from(String(jwk.k ?? ''), 'base64url');
      if (k.length !== 16 && k.length !== 32) throw new InputError(file, 'JWK k', `${k.length} bytes; an AES model key is 16 or 32 bytes`);
      return { format: 'raw', bytes: k, source: 'jwk' };
    }
    if (!('d' in jwk)) throw new InputError(file, 'key', 'is a public key; a model key must be secret');
    try {
      return { ...privateToPkcs8(createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' }), file), source: 'jwk' };
    } catch (e) {
      if (e instanceof InputError) throw e;
      throw new InputError(file, 'JWK', `not a usable private key (kty ${String(jwk.kty)})`);
    }
  }
  if (text.startsWith('-----BEGIN PRIVATE KEY-----')) {
    try {
      return { ...privateToPkcs8(createPrivateKey({ key: text, format: 'pem' }), file), source: 'pkcs8-pem' };
    } catch {
      throw new InputError(file, 'PKCS#8 PEM', 'could not be parsed');
    }
  }
  if (text.startsWith('-----BEGIN PUBLIC KEY-----')) throw new InputError(file, 'key', 'is a public key; a model key must be secret');
  throw new InputError(file, 'key', `${bytes.length} bytes is neither a raw AES-128/256 key (16 or 32 bytes), a JWK nor a PKCS#8 PEM`);
}

const sealedAad = (vaultId: string, id: string, meta: KeyMeta) => jcs({ purpose: 'model-key', vault_id: vaultId, key_id: id, format: meta.format, fingerprint: meta.fingerprint });
const shareAad = (vaultId: string, id: string, custodian: string, index: number) => jcs({ purpose: 'key-share', vault_id: vaultId, key_id: id, custodian, share_index: index });

/** Shamir shares of `secret`, one per custodian, `threshold` needed (threshold 1: the secret itself). */
async function splitSecret(secret: Buffer, n: number, threshold: number): Promise<Buffer[]> {
  if (threshold === 1) return Array.from({ length: n }, () => Buffer.from(secret));
  const plain = new Uint8Array(secret); // the library insists on plain Uint8Arrays
  const shares = (await split(plain, n, threshold)).map((s) => Buffer.from(s));
  plain.fill(0);
  return shares;
}

/**
 * Stores `material` as a new key under `policy`, imported by `importer` (a custodian whose keys were
 * unlocked with their passphrase: they sign the record). One transaction, audited. Returns the record.
 */
export async function storeKey(db: Db, roster: TrustedRoster, name: string, material: KeyMaterial & { source: KeyMeta['source'] }, policy: ReleasePolicy, importer: CustodianKeys, actor: string, now = new Date()): Promise<KeyRecord> {
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(name)) throw new InputError('--name', 'name', `"${name}" must be 1–64 characters of A-Z a-z 0-9 . _ -`);
  if (policy.approvals < roster.threshold || policy.approvals > roster.custodians.length) {
    throw new InputError('release policy', 'approvals', `must be from the vault threshold ${roster.threshold} to ${roster.custodians.length}, got ${policy.approvals}`);
  }
  const id = `k_${random(8).toString('hex')}`;
  const meta: KeyMeta = { ...describe(material), format: material.format, fingerprint: fingerprint(material), source: material.source, created_at: now.toISOString() };
  const kek = random(32);
  const sealed = seal(kek, material.bytes, sealedAad(roster.vault_id, id, meta));
  const shares = await splitSecret(kek, roster.custodians.length, policy.approvals);
  kek.fill(0);
  const jwes: { custodian: string; jwe: FlattenedJWE }[] = [];
  for (const [i, c] of roster.custodians.entries()) {
    const jwe = await new FlattenedEncrypt(shares[i]!)
      .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', kid: c.name })
      .setAdditionalAuthenticatedData(Buffer.from(shareAad(roster.vault_id, id, c.name, c.share_index)))
      .encrypt(await importJWK({ ...c.kem_jwk, alg: 'ECDH-ES+A256KW' }, 'ECDH-ES+A256KW'));
    delete jwe.aad; // recomputed at decryption, so a share cannot be moved to another key or custodian
    shares[i]!.fill(0);
    jwes.push({ custodian: c.name, jwe });
  }
  const record: KeyRecord = {
    type: 'custodian-key-record', version: 1, vault_id: roster.vault_id, id, name, meta, policy, threshold: policy.approvals,
    sealed_sha256: sha256Hex(sealed), shares_sha256: Object.fromEntries(jwes.map((s) => [s.custodian, jcsHash(s.jwe)])), imported_by: importer.name,
  };
  const jws = await signStatement(record, importer.signing, importer.entry.signing_jwk, 'custodian-key-record+jws');
  tx(db, () => {
    if (db.prepare('SELECT 1 FROM keys WHERE name = ?').get(name)) throw new InputError('--name', 'name', `a key named "${name}" already exists`);
    db.prepare('INSERT INTO keys (id, name, record, record_jws, sealed) VALUES (?, ?, ?, ?, ?)').run(id, name, jcs(record), jws, sealed);
    const ins = db.prepare('INSERT INTO key_shares (key_id, custodian, share_jwe) VALUES (?, ?, ?)');
    for (const s of jwes) ins.run(id, s.custodian, jcs(s.jwe));
    appendAudit(db, actor, 'key.stored', {
      key_id: id, name, kind: meta.kind, bits: meta.bits, source: meta.source, fingerprint: meta.fingerprint,
      policy_sha256: jcsHash(policy), record_sha256: jcsHash(record), imported_by: importer.name,
    }, now);
  });
  return record;
}

/** A fresh random AES key of `bits` (128 or 256). */
export function generateAesKey(bits: number): KeyMaterial & { source: 'generated' } {
  if (bits !== 128 && bits !== 256) throw new InputError('--bits', 'bits', `must be 128 or 256, got ${bits}`);
  return { format: 'raw', bytes: random(bits / 8), source: 'generated' };
}

interface KeyRow {
  id: string;
  name: string;
  record: string;
  record_jws: string;
  sealed: Buffer;
}

/**
 * Authenticates a key row: the record's signature by the custodian it names, under the trusted roster;
 * the row's id, name and stored record equal the signed ones; the sealed key and every share hash to
 * the signed digests; the policy's approvals lie between the roster's threshold and N.
 * Refused('authentication') naming what was altered.
 */
async function authenticate(db: Db, roster: TrustedRoster, row: KeyRow): Promise<KeyRecord> {
  const altered = (what: string) => new Refused('authentication', `${db.name}: key ${row.id}: ${what} (the vault file was altered; the key is not used)`);
  const claimed = unverifiedClaims<KeyRecord>(row.record_jws);
  const signer = claimed && roster.custodians.find((c) => c.name === claimed.imported_by);
  if (!signer) throw altered('keys.record_jws does not name an enrolled custodian');
  const rec = await verifyStatement<KeyRecord>(row.record_jws, signer.signing_jwk, 'custodian-key-record+jws');
  if (!rec) throw altered(`keys.record_jws does not verify under ${signer.name}'s key`);
  if (rec.type !== 'custodian-key-record' || rec.vault_id !== roster.vault_id || rec.id !== row.id || rec.name !== row.name) throw altered('the signed record names another vault, id or name');
  if (jcs(rec) !== row.record) throw altered('keys.record differs from the signed record');
  if (sha256Hex(row.sealed) !== rec.sealed_sha256) throw altered('keys.sealed is not the sealed key the record names');
  if (rec.threshold !== rec.policy.approvals || rec.policy.approvals < roster.threshold || rec.policy.approvals > roster.custodians.length) throw altered(`the policy's approvals ${rec.policy.approvals} is outside ${roster.threshold}..${roster.custodians.length}`);
  const shares = db.prepare('SELECT custodian, share_jwe FROM key_shares WHERE key_id = ?').all(row.id) as { custodian: string; share_jwe: string }[];
  const names = Object.keys(rec.shares_sha256).sort();
  if (shares.length !== names.length) throw altered(`key_shares has ${shares.length} rows, the record names ${names.length}`);
  for (const s of shares) {
    let h: string;
    try {
      h = jcsHash(JSON.parse(s.share_jwe));
    } catch {
      throw altered(`key_shares of ${s.custodian} is not JSON`);
    }
    if (rec.shares_sha256[s.custodian] !== h) throw altered(`key_shares of ${s.custodian} is not the share the record names`);
  }
  return rec;
}

/** One key by id (or name), authenticated ({@link authenticate}); InputError when there is none. */
export async function getKey(db: Db, roster: TrustedRoster, idOrName: string): Promise<KeyRecord> {
  const row = db.prepare('SELECT * FROM keys WHERE id = ? OR name = ?').get(idOrName, idOrName) as KeyRow | undefined;
  if (!row) throw new InputError('--key', 'key', `no key "${idOrName}" in this vault`);
  return authenticate(db, roster, row);
}

/** Every key: authenticated records, and the ids of rows that fail authentication with the reason. */
export async function listKeys(db: Db, roster: TrustedRoster): Promise<{ keys: KeyRecord[]; altered: { id: string; name: string; reason: string }[] }> {
  const keys: KeyRecord[] = [];
  const altered: { id: string; name: string; reason: string }[] = [];
  for (const row of db.prepare('SELECT * FROM keys ORDER BY rowid').all() as KeyRow[]) {
    try {
      keys.push(await authenticate(db, roster, row));
    } catch (e) {
      if (!(e instanceof Refused)) throw e;
      altered.push({ id: row.id, name: row.name, reason: e.message });
    }
  }
  return { keys, altered };
}

/**
 * Decrypts `custodian`'s share of `rec`'s KEK with their unlocked `kem` key. Refused('authentication')
 * when the share does not decrypt (altered, or moved from another key or custodian).
 */
export async function openShare(db: Db, rec: KeyRecord, roster: TrustedRoster, keys: CustodianKeys): Promise<Buffer> {
  const row = db.prepare('SELECT share_jwe FROM key_shares WHERE key_id = ? AND custodian = ?').get(rec.id, keys.name) as { share_jwe: string } | undefined;
  const entry = rosterEntry(roster, keys.name);
  const failed = () => new Refused('authentication', `${db.name}: key_shares of ${keys.name} for key ${rec.id}: the share does not decrypt (altered)`);
  if (!row) throw failed();
  try {
    const jwe = JSON.parse(row.share_jwe) as FlattenedJWE;
    const aad = Buffer.from(shareAad(rec.vault_id, rec.id, keys.name, entry.share_index)).toString('base64url');
    const { plaintext } = await flattenedDecrypt({ ...jwe, aad }, keys.kem, { keyManagementAlgorithms: ['ECDH-ES+A256KW'], contentEncryptionAlgorithms: ['A256GCM'] });
    return Buffer.from(plaintext);
  } catch {
    throw failed();
  }
}

/**
 * Rebuilds the KEK from `shares` (at least `rec.threshold`), opens the sealed key, and checks its
 * fingerprint against the signed record. Refused('authentication') when the shares do not open the
 * key, or the key is not the one the record names.
 */
export async function unsealKey(db: Db, rec: KeyRecord, shares: Buffer[]): Promise<KeyMaterial> {
  if (shares.length < rec.threshold) throw new Refused('approvals', `${shares.length} share(s); key ${rec.id} needs ${rec.threshold}`);
  const row = db.prepare('SELECT sealed FROM keys WHERE id = ?').get(rec.id) as { sealed: Buffer } | undefined;
  if (!row || sha256Hex(row.sealed) !== rec.sealed_sha256) throw new Refused('authentication', `${db.name}: keys.sealed of ${rec.id} is not the sealed key the record names (altered)`);
  let kek: Buffer;
  if (rec.threshold === 1) kek = Buffer.from(shares[0]!);
  else {
    const plain = shares.map((s) => new Uint8Array(s));
    kek = Buffer.from(await combine(plain));
    for (const p of plain) p.fill(0);
  }
  const bytes = open(kek, row.sealed, sealedAad(rec.vault_id, rec.id, rec.meta));
  kek.fill(0);
  if (!bytes) throw new Refused('authentication', `the approved shares do not open key ${rec.id} (AES-GCM authentication failed): a share was altered`);
  const material = { format: rec.meta.format, bytes };
  if (fingerprint(material) !== rec.meta.fingerprint) {
    bytes.fill(0);
    throw new Refused('authentication', `the key opened for ${rec.id} has another fingerprint than the signed record's ${rec.meta.fingerprint}`);
  }
  return material;
}
