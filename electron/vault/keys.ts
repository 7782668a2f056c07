/**
 * Model keys: imported (raw AES-128/256 key file, JWK, PKCS#8 PEM) or generated, stored only wrapped,
 * as a flattened JWE (RFC 7516, `jose`): content AES-256-GCM (A256GCM) under a fresh key, that key
 * wrapped with ECDH-ES+A256KW (RFC 7518 §4.6) to the vault's `keywrap` key pair, whose private half is
 * itself AES-256-GCM-wrapped under HKDF(master key) (custodians.ts). The RFC 8785 JSON of
 * `{purpose, vault_id, key_id, name, meta, policy}` is the JWE's additional authenticated data: it is
 * recomputed from the row at unwrap time, so the id, the metadata and the release policy cannot be
 * changed or swapped without the unwrap failing. Importing needs no quorum; unwrapping does.
 *
 * Key material: AES keys are kept as their raw bytes (format `raw`); RSA/EC private keys as PKCS#8
 * DER (format `pkcs8`). That is also what a release delivers. The fingerprint is
 * - `raw`: SHA-256("custodian/v1/oct-fingerprint" ‖ 0x00 ‖ key bytes), lowercase hex;
 * - `pkcs8`: SHA-256 of the public key's SubjectPublicKeyInfo DER, lowercase hex.
 */
import { createHash, createPrivateKey, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { FlattenedEncrypt, flattenedDecrypt, type FlattenedJWE } from 'jose';
import { appendAudit } from './audit.ts';
import { vaultPrivateKey, vaultPublicKey } from './custodians.ts';
import { jcs, jcsHash, random } from './crypto.ts';
import { getMeta, tx, type Db } from './db.ts';
import { InputError, Refused } from './errors.ts';
import type { ReleasePolicy } from './policy.ts';

export type KeyFormat = 'raw' | 'pkcs8';

/** Public facts about a model key (stored in `keys.meta`). `bits`: AES key size, RSA modulus or EC curve size. */
export interface KeyMeta {
  kind: 'aes' | 'rsa' | 'ec';
  format: KeyFormat;
  bits: number;
  fingerprint: string;
  source: 'generated' | 'raw' | 'jwk' | 'pkcs8-pem';
  created_at: string;
}

export interface KeyRecord {
  id: string;
  name: string;
  meta: KeyMeta;
  policy: ReleasePolicy;
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

const wrapAad = (vaultId: string, id: string, name: string, meta: KeyMeta, policy: ReleasePolicy) =>
  jcs({ purpose: 'model-key', vault_id: vaultId, key_id: id, name, meta, policy });

/** Wraps and stores `material` as a new key (one transaction, audited). Returns its record. */
export async function storeKey(db: Db, name: string, material: KeyMaterial & { source: KeyMeta['source'] }, policy: ReleasePolicy, actor: string, now = new Date()): Promise<KeyRecord> {
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(name)) throw new InputError('--name', 'name', `"${name}" must be 1–64 characters of A-Z a-z 0-9 . _ -`);
  const vaultId = getMeta(db, 'vault_id');
  const id = `k_${random(8).toString('hex')}`;
  const meta: KeyMeta = { ...describe(material), format: material.format, fingerprint: fingerprint(material), source: material.source, created_at: now.toISOString() };
  const wrapped = await new FlattenedEncrypt(material.bytes)
    .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', kid: id })
    .setAdditionalAuthenticatedData(Buffer.from(wrapAad(vaultId, id, name, meta, policy)))
    .encrypt(vaultPublicKey(db, 'keywrap'));
  delete wrapped.aad; // recomputed from the row at unwrap time
  tx(db, () => {
    if (db.prepare('SELECT 1 FROM keys WHERE name = ?').get(name)) throw new InputError('--name', 'name', `a key named "${name}" already exists`);
    db.prepare('INSERT INTO keys (id, name, meta, policy, wrapped) VALUES (?, ?, ?, ?, ?)').run(id, name, jcs(meta), jcs(policy), jcs(wrapped));
    appendAudit(db, actor, 'key.stored', { key_id: id, name, kind: meta.kind, bits: meta.bits, source: meta.source, fingerprint: meta.fingerprint, policy_sha256: jcsHash(policy) }, now);
  });
  return { id, name, meta, policy };
}

/** A fresh random AES key of `bits` (128 or 256). */
export function generateAesKey(bits: number): KeyMaterial & { source: 'generated' } {
  if (bits !== 128 && bits !== 256) throw new InputError('--bits', 'bits', `must be 128 or 256, got ${bits}`);
  return { format: 'raw', bytes: random(bits / 8), source: 'generated' };
}

interface KeyRow {
  id: string;
  name: string;
  meta: string;
  policy: string;
  wrapped: string;
}

const toRecord = (r: KeyRow): KeyRecord => ({ id: r.id, name: r.name, meta: JSON.parse(r.meta) as KeyMeta, policy: JSON.parse(r.policy) as ReleasePolicy });

/** All keys (no material). */
export function listKeys(db: Db): KeyRecord[] {
  return (db.prepare('SELECT * FROM keys ORDER BY rowid').all() as KeyRow[]).map(toRecord);
}

/** One key by id (or by name); InputError when there is none. */
export function getKey(db: Db, idOrName: string): KeyRecord {
  const row = db.prepare('SELECT * FROM keys WHERE id = ? OR name = ?').get(idOrName, idOrName) as KeyRow | undefined;
  if (!row) throw new InputError('--key', 'key', `no key "${idOrName}" in this vault`);
  return toRecord(row);
}

/**
 * Unwraps a key with the master key, in memory only. Refused('authentication') naming `keys.wrapped`
 * when the JWE does not decrypt (the wrapped bytes, id, metadata or policy were altered).
 */
export async function unwrapKey(db: Db, master: Uint8Array, id: string): Promise<KeyMaterial> {
  const row = db.prepare('SELECT * FROM keys WHERE id = ?').get(id) as KeyRow | undefined;
  if (!row) throw new InputError('--key', 'key', `no key "${id}" in this vault`);
  const vaultId = getMeta(db, 'vault_id');
  const rec = toRecord(row);
  const failed = () => new Refused('authentication', `${db.name}: keys.wrapped of ${id}: AES-GCM authentication failed (the wrapped key, its metadata or its policy was altered)`);
  let jwe: FlattenedJWE;
  try {
    jwe = JSON.parse(row.wrapped) as FlattenedJWE;
  } catch {
    throw failed();
  }
  const aad = Buffer.from(wrapAad(vaultId, id, rec.name, rec.meta, rec.policy)).toString('base64url');
  try {
    const { plaintext } = await flattenedDecrypt({ ...jwe, aad }, vaultPrivateKey(db, master, 'keywrap'));
    return { format: rec.meta.format, bytes: Buffer.from(plaintext) };
  } catch {
    throw failed();
  }
}
