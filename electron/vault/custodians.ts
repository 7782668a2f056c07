/**
 * Custodians and the vault master key.
 *
 * `initVault` draws a random 256-bit master key, splits it M-of-N with `shamir-secret-sharing`
 * (Privy; audited by Cure53 and Zellic; a share is 33 bytes: 32 + the x coordinate) and seals each
 * share with AES-256-GCM under a key derived from that custodian's passphrase (Argon2id, parameters
 * stored per custodian, then HKDF; crypto.ts). With M = 1 there is nothing to split: every custodian's
 * sealed "share" is the master key itself.
 *
 * Shamir gives no integrity, so the vault stores a **check value**: HKDF-SHA256(IKM = master key,
 * salt = vault id, info = "custodian/v1/check-value", L = 32 bytes). A wrong or altered combination of
 * shares yields a different value and is refused before the master key is used. HKDF is a PRF, so
 * the check value reveals nothing about the other keys derived from the master key.
 *
 * The vault has two key pairs, both P-256, public halves in `meta`, private halves (PKCS#8 DER)
 * AES-256-GCM-wrapped under HKDF(master key, "custodian/v1/<name>-wrap"):
 * - `signing`: ECDSA, JWS ES256, signs release receipts and audit checkpoints. Also sealed to each
 *   custodian, so one custodian can sign an audit checkpoint without a quorum.
 * - `keywrap`: ECDH, the recipient of model keys (keys.ts), so importing a key needs no quorum while
 *   unwrapping one does.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type JsonWebKey, type KeyObject } from 'node:crypto';
import { combine, split } from 'shamir-secret-sharing';
import { appendAudit } from './audit.ts';
import { derivePassphraseKeys, equalBytes, hkdf, jcs, newArgon2Params, open, random, seal, type Argon2Params } from './crypto.ts';
import { getMeta, openDb, tx, type Db } from './db.ts';
import { InputError, Refused } from './errors.ts';

/** A custodian to enrol: unique name (1–64 of `A-Za-z0-9._-`) and passphrase (≥ 8 characters). */
export interface Enrolment {
  name: string;
  passphrase: string;
}

export interface InitOptions {
  threshold: number;
  argon2?: { memoryKiB?: number; iterations?: number };
  actor?: string;
  now?: Date;
}

/** The vault's own key pairs (see the module comment). */
export type VaultPair = 'signing' | 'keywrap';

const NAME = /^[A-Za-z0-9._-]{1,64}$/;
const MASTER_BYTES = 32;

/** Key derived from the master key for one purpose (`label` e.g. "model-key-wrap"), 32 bytes. */
export function masterSubkey(master: Uint8Array, vaultId: string, label: string): Buffer {
  return hkdf(master, vaultId, `custodian/v1/${label}`);
}

const aad = {
  share: (vaultId: string, custodian: string, index: number) => jcs({ purpose: 'custodian-share', vault_id: vaultId, custodian, share_index: index }),
  custodianSigning: (vaultId: string, custodian: string) => jcs({ purpose: 'custodian-signing-key', vault_id: vaultId, custodian }),
  vaultKey: (vaultId: string, pair: VaultPair) => jcs({ purpose: `vault-${pair}-key`, vault_id: vaultId }),
};

/**
 * Creates the vault file at `path` and enrols the custodians (1 ≤ threshold ≤ N ≤ 255). Everything
 * is written in one transaction, so a crash leaves either no vault content or a complete one.
 * Throws InputError for bad names, duplicates, short passphrases or an impossible threshold.
 */
export async function initVault(path: string, custodians: Enrolment[], opts: InitOptions): Promise<{ vaultId: string }> {
  const n = custodians.length;
  const m = opts.threshold;
  if (n < 1 || n > 255) throw new InputError('--custodian', 'custodians', `need 1 to 255 custodians, got ${n}`);
  if (!Number.isInteger(m) || m < 1 || m > n) throw new InputError('--threshold', 'threshold', `must be an integer with 1 ≤ M ≤ N = ${n}, got ${m}`);
  const seen = new Set<string>();
  for (const c of custodians) {
    if (!NAME.test(c.name)) throw new InputError('--custodian', 'name', `"${c.name}" must be 1–64 characters of A-Z a-z 0-9 . _ -`);
    if (seen.has(c.name)) throw new InputError('--custodian', 'name', `"${c.name}" is enrolled twice`);
    if ([...c.passphrase].length < 8) throw new InputError('--custodian', 'passphrase', `the passphrase of ${c.name} is shorter than 8 characters`);
    seen.add(c.name);
  }
  const vaultId = `v_${random(8).toString('hex')}`;
  const master = random(MASTER_BYTES);
  // The library insists on plain Uint8Arrays (not Buffers).
  const plain = new Uint8Array(master);
  const shares = m === 1 ? custodians.map(() => Buffer.from(master)) : (await split(plain, n, m)).map((s) => Buffer.from(s));
  plain.fill(0);
  const pairs = { signing: generateKeyPairSync('ec', { namedCurve: 'P-256' }), keywrap: generateKeyPairSync('ec', { namedCurve: 'P-256' }) };
  const signingDer = pairs.signing.privateKey.export({ type: 'pkcs8', format: 'der' });
  const sealedRows: { name: string; index: number; kdf: Argon2Params; verifier: Buffer; share: Buffer; signing: Buffer }[] = [];
  for (const [i, c] of custodians.entries()) {
    const kdf = newArgon2Params(opts.argon2);
    const keys = await derivePassphraseKeys(c.passphrase, kdf);
    sealedRows.push({
      name: c.name, index: i + 1, kdf, verifier: keys.verifier,
      share: seal(keys.sealKey, shares[i]!, aad.share(vaultId, c.name, i + 1)),
      signing: seal(keys.sealKey, signingDer, aad.custodianSigning(vaultId, c.name)),
    });
    keys.sealKey.fill(0);
  }
  const now = (opts.now ?? new Date()).toISOString();
  const db = openDb(path, { create: true });
  try {
    tx(db, () => {
      const meta = db.prepare('INSERT INTO meta (k, v) VALUES (?, ?)');
      meta.run('vault_id', vaultId);
      meta.run('threshold', String(m));
      meta.run('created_at', now);
      meta.run('check_value', masterSubkey(master, vaultId, 'check-value').toString('hex'));
      meta.run('check_value_alg', 'HKDF-SHA256(master key, salt=vault_id, info="custodian/v1/check-value", L=32)');
      for (const [pair, { publicKey, privateKey }] of Object.entries(pairs)) {
        meta.run(`${pair}_public_jwk`, jcs(publicKey.export({ format: 'jwk' })));
        const der = privateKey.export({ type: 'pkcs8', format: 'der' });
        meta.run(`${pair}_key_wrapped`, seal(masterSubkey(master, vaultId, `${pair}-key-wrap`), der, aad.vaultKey(vaultId, pair as VaultPair)).toString('base64'));
      }
      const ins = db.prepare('INSERT INTO custodians (name, share_index, kdf, verifier, share_sealed, signing_sealed, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
      for (const r of sealedRows) ins.run(r.name, r.index, jcs(r.kdf), r.verifier, r.share, r.signing, now);
      appendAudit(db, opts.actor ?? 'operator', 'vault.init', {
        vault_id: vaultId, threshold: m, custodians: custodians.map((c) => c.name),
        kdf: { alg: 'argon2id', memory_kib: sealedRows[0]!.kdf.memoryKiB, iterations: sealedRows[0]!.kdf.iterations, parallelism: sealedRows[0]!.kdf.parallelism },
        check_value_alg: 'HKDF-SHA256/check-value', signing_key: 'ES256',
      }, opts.now);
    });
  } finally {
    master.fill(0);
    for (const s of shares) s.fill(0);
    db.close();
  }
  return { vaultId };
}

/** Public facts about the vault. */
export interface VaultInfo {
  vaultId: string;
  threshold: number;
  custodians: { name: string; kdf: Argon2Params }[];
  signingPublicJwk: JsonWebKey;
}

/** Reads the vault's public facts (no secrets). */
export function vaultInfo(db: Db): VaultInfo {
  const rows = db.prepare('SELECT name, kdf FROM custodians ORDER BY share_index').all() as { name: string; kdf: string }[];
  return {
    vaultId: getMeta(db, 'vault_id'),
    threshold: Number(getMeta(db, 'threshold')),
    custodians: rows.map((r) => ({ name: r.name, kdf: JSON.parse(r.kdf) as Argon2Params })),
    signingPublicJwk: JSON.parse(getMeta(db, 'signing_public_jwk')) as JsonWebKey,
  };
}

interface CustodianRow {
  name: string;
  share_index: number;
  kdf: string;
  verifier: Buffer;
  share_sealed: Buffer;
  signing_sealed: Buffer;
}

function custodianRow(db: Db, name: string): CustodianRow {
  const row = db.prepare('SELECT * FROM custodians WHERE name = ?').get(name) as CustodianRow | undefined;
  if (!row) throw new InputError('--custodian', 'custodian', `"${name}" is not enrolled in this vault`);
  return row;
}

/** Argon2id + verifier check; a wrong passphrase is Refused('authentication') and reveals nothing. */
async function passphraseKey(row: CustodianRow, passphrase: string): Promise<Buffer> {
  const keys = await derivePassphraseKeys(passphrase, JSON.parse(row.kdf) as Argon2Params);
  if (!equalBytes(keys.verifier, row.verifier)) {
    keys.sealKey.fill(0);
    throw new Refused('authentication', `custodian ${row.name}: wrong passphrase (nothing was unsealed)`);
  }
  return keys.sealKey;
}

/**
 * Unseals `name`'s Shamir share with their passphrase, in memory only (the caller zeroes it).
 * Refused('authentication') for a wrong passphrase, or — passphrase right but AES-GCM tag wrong —
 * for an altered `custodians.share_sealed`.
 */
export async function unsealShare(db: Db, name: string, passphrase: string): Promise<Buffer> {
  const row = custodianRow(db, name);
  const key = await passphraseKey(row, passphrase);
  const share = open(key, row.share_sealed, aad.share(getMeta(db, 'vault_id'), row.name, row.share_index));
  key.fill(0);
  if (!share) throw new Refused('authentication', `${db.name}: custodians.share_sealed of ${name}: AES-GCM authentication failed (the sealed share was altered)`);
  return share;
}

/** The vault signing key, unsealed with one custodian's passphrase (for audit checkpoints). */
export async function signingKeyFromCustodian(db: Db, name: string, passphrase: string): Promise<KeyObject> {
  const row = custodianRow(db, name);
  const key = await passphraseKey(row, passphrase);
  const der = open(key, row.signing_sealed, aad.custodianSigning(getMeta(db, 'vault_id'), row.name));
  key.fill(0);
  if (!der) throw new Refused('authentication', `${db.name}: custodians.signing_sealed of ${name}: AES-GCM authentication failed (altered)`);
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
}

/** One of the vault's private keys, unwrapped with the master key. */
export function vaultPrivateKey(db: Db, master: Uint8Array, pair: VaultPair): KeyObject {
  const vaultId = getMeta(db, 'vault_id');
  const der = open(masterSubkey(master, vaultId, `${pair}-key-wrap`), Buffer.from(getMeta(db, `${pair}_key_wrapped`), 'base64'), aad.vaultKey(vaultId, pair));
  if (!der) throw new Refused('authentication', `${db.name}: meta.${pair}_key_wrapped: AES-GCM authentication failed (altered)`);
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
}

/** One of the vault's public keys. */
export function vaultPublicKey(db: Db, pair: VaultPair): KeyObject {
  return createPublicKey({ key: JSON.parse(getMeta(db, `${pair}_public_jwk`)) as JsonWebKey, format: 'jwk' });
}

/**
 * Combines at least `threshold` shares into the master key and checks it against the stored check
 * value; Refused('authentication') when they combine to anything else (an altered share).
 */
export async function recoverMaster(db: Db, shares: Uint8Array[]): Promise<Buffer> {
  const threshold = Number(getMeta(db, 'threshold'));
  if (shares.length < threshold) throw new Refused('approvals', `${shares.length} share(s), the vault needs ${threshold}`);
  const plain = shares.map((s) => new Uint8Array(s));
  const master = threshold === 1 ? Buffer.from(shares[0]!) : Buffer.from(await combine(plain));
  for (const p of plain) p.fill(0);
  const check = masterSubkey(master, getMeta(db, 'vault_id'), 'check-value');
  if (!equalBytes(check, Buffer.from(getMeta(db, 'check_value'), 'hex'))) {
    master.fill(0);
    throw new Refused('authentication', 'the approved shares combine to a wrong master key (check value mismatch): a share was altered');
  }
  return master;
}
