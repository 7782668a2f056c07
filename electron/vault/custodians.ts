/**
 * Custodians, their keys, and the vault's roster.
 *
 * Each custodian has two P-256 key pairs of their own, generated at enrolment:
 * - `signing` (ECDSA, ES256): signs their approvals of release requests, the key records they import,
 *   and the audit checkpoints they export. Nobody else can make these signatures.
 * - `kem` (ECDH): receives, per model key, a Shamir share of that key's own key-encryption key
 *   (keys.ts), as a JWE (ECDH-ES+A256KW).
 * Both private halves (PKCS#8 DER) are sealed with AES-256-GCM under a key derived from the
 * custodian's passphrase (Argon2id, parameters stored per custodian and bounds-checked, then HKDF).
 *
 * The **roster** names the vault, its threshold M and every custodian's public keys. At `vault init`
 * (all custodians present) a fresh **vault key** (P-256) signs the roster once and its private half is
 * destroyed: nobody, not even a quorum, can sign another roster. The vault key's RFC 7638 thumbprint
 * is the vault's identity: printed at init, pinned outside the vault file (pins.ts), and given as
 * `--vault-key` wherever a receipt or checkpoint is checked away from this machine. Everything else a
 * decision depends on — key records, approvals, checkpoints, receipts — chains to the roster.
 */
import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { basename } from 'node:path';
import type { JWK } from 'jose';
import { appendAudit } from './audit.ts';
import { checkArgon2Params, derivePassphraseKeys, equalBytes, jcs, newArgon2Params, open, random, seal, type Argon2Params } from './crypto.ts';
import { getMeta, openDb, tx, type Db } from './db.ts';
import { InputError, Refused } from './errors.ts';
import { publicJwk, signStatement, thumbprint, unverifiedClaims, verifyStatement } from './jws.ts';
import { requireStrongPassphrase } from './passphrase-strength.ts';
import { pinnedThumbprint, recordPin } from './pins.ts';

/** A custodian to enrol: unique name (1–64 of `A-Za-z0-9._-`) and passphrase (≥ 8 characters). */
export interface Enrolment {
  name: string;
  passphrase: string;
}

export interface InitOptions {
  threshold: number;
  argon2?: { memoryKiB?: number; iterations?: number; parallelism?: number };
  actor?: string;
  now?: Date;
}

/** One custodian in the roster: public keys as JWKs (kty, crv, x, y). */
export interface RosterEntry {
  name: string;
  share_index: number;
  signing_jwk: JWK;
  kem_jwk: JWK;
}

/** The signed roster (see the module comment). */
export interface Roster {
  type: 'custodian-vault-roster';
  version: 1;
  vault_id: string;
  threshold: number;
  custodians: RosterEntry[];
  created_at: string;
}

/** A roster whose signature verified under a vault key that matched the pin. */
export interface TrustedRoster extends Roster {
  vault_key_jwk: JWK;
  vault_key_thumbprint: string;
  roster_jws: string;
}

/** A custodian's unsealed private keys (in memory only). */
export interface CustodianKeys {
  name: string;
  signing: KeyObject;
  kem: KeyObject;
  entry: RosterEntry;
}

const NAME = /^[A-Za-z0-9._-]{1,64}$/;
const keysAad = (vaultId: string, custodian: string, index: number) => jcs({ purpose: 'custodian-keys', vault_id: vaultId, custodian, share_index: index });

/**
 * Creates the vault file at `path` and enrols the custodians (1 ≤ threshold ≤ N ≤ 255), signs the
 * roster with a vault key that is then destroyed, and pins the vault key on this machine. One
 * transaction: a crash leaves no vault content or a complete one. InputError for bad names,
 * duplicates, short passphrases or an impossible threshold. Returns the vault id and the vault key
 * thumbprint (RFC 7638, base64url) to write down.
 */
export async function initVault(path: string, custodians: Enrolment[], opts: InitOptions): Promise<{ vaultId: string; vaultKeyThumbprint: string }> {
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
  // Strength is estimated (zxcvbn) against the names of the vault and its custodians, before any Argon2id work.
  for (const c of custodians) requireStrongPassphrase(c.passphrase, c.name, [...custodians.map((x) => x.name), basename(path)]);
  const vaultId = `v_${random(8).toString('hex')}`;
  const now = (opts.now ?? new Date()).toISOString();
  const rows: { name: string; index: number; kdf: Argon2Params; verifier: Buffer; sealed: Buffer }[] = [];
  const entries: RosterEntry[] = [];
  for (const [i, c] of custodians.entries()) {
    const signing = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const kem = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const kdf = newArgon2Params(opts.argon2);
    const keys = await derivePassphraseKeys(c.passphrase, kdf);
    const secret = Buffer.from(jcs({
      signing: signing.privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64'),
      kem: kem.privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64'),
    }));
    rows.push({ name: c.name, index: i + 1, kdf, verifier: keys.verifier, sealed: seal(keys.sealKey, secret, keysAad(vaultId, c.name, i + 1)) });
    secret.fill(0);
    keys.sealKey.fill(0);
    entries.push({ name: c.name, share_index: i + 1, signing_jwk: publicJwk(signing.publicKey), kem_jwk: publicJwk(kem.publicKey) });
  }
  const roster: Roster = { type: 'custodian-vault-roster', version: 1, vault_id: vaultId, threshold: m, custodians: entries, created_at: now };
  const vaultKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const vaultJwk = publicJwk(vaultKey.publicKey);
  const rosterJws = await signStatement(roster, vaultKey.privateKey, vaultJwk, 'custodian-roster+jws');
  const vaultKeyThumbprint = await thumbprint(vaultJwk);
  const db = openDb(path, { create: true });
  try {
    tx(db, () => {
      const meta = db.prepare('INSERT INTO meta (k, v) VALUES (?, ?)');
      meta.run('vault_id', vaultId);
      meta.run('created_at', now);
      meta.run('roster_jws', rosterJws);
      meta.run('vault_key_jwk', jcs(vaultJwk));
      const ins = db.prepare('INSERT INTO custodians (name, share_index, kdf, verifier, keys_sealed) VALUES (?, ?, ?, ?, ?)');
      for (const r of rows) ins.run(r.name, r.index, jcs(r.kdf), r.verifier, r.sealed);
      appendAudit(db, opts.actor ?? 'operator', 'vault.init', {
        vault_id: vaultId, threshold: m, custodians: custodians.map((c) => c.name), vault_key_thumbprint: vaultKeyThumbprint,
        kdf: { alg: 'argon2id', memory_kib: rows[0]!.kdf.memoryKiB, iterations: rows[0]!.kdf.iterations, parallelism: rows[0]!.kdf.parallelism },
      }, opts.now);
    });
  } finally {
    db.close();
  }
  recordPin(vaultId, vaultKeyThumbprint);
  return { vaultId, vaultKeyThumbprint };
}

/**
 * Reads and authenticates the roster: the vault key in the file must have the thumbprint `vaultKey`
 * when given (which is then pinned), else the one pinned for this vault id on this machine; the
 * roster's signature must verify under it; the custodians table must agree with it.
 * Refused('authentication') for an unknown vault (the message gives the thumbprint to compare), a
 * key that does not match the pin, or an altered roster.
 */
export async function trustedRoster(db: Db, opts: { vaultKey?: string } = {}): Promise<TrustedRoster> {
  const vaultId = getMeta(db, 'vault_id');
  let jwk: JWK;
  try {
    jwk = JSON.parse(getMeta(db, 'vault_key_jwk')) as JWK;
  } catch {
    throw new Refused('authentication', `${db.name}: meta.vault_key_jwk is not JSON (the vault file was altered)`);
  }
  const tp = await thumbprint(jwk);
  const pin = pinnedThumbprint(vaultId);
  if (opts.vaultKey !== undefined && opts.vaultKey !== tp) {
    throw new Refused('authentication', `${db.name}: the vault key is ${tp}, not the ${opts.vaultKey} you gave: this is not that vault, or its file was altered`);
  }
  if (pin === null && opts.vaultKey === undefined) {
    throw new Refused('authentication', `vault ${vaultId} (${db.name}) is not known on this machine. Its vault key thumbprint is ${tp}: compare it with the one printed when the vault was created, then trust it with \`custodian --vault FILE vault trust ${tp}\``);
  }
  if (pin !== null && pin !== tp) {
    throw new Refused('authentication', `${db.name}: vault ${vaultId} is pinned to vault key ${pin} on this machine, but the file holds ${tp}: the vault file was replaced or altered`);
  }
  const rosterJws = getMeta(db, 'roster_jws');
  const roster = await verifyStatement<Roster>(rosterJws, jwk, 'custodian-roster+jws');
  if (!roster || roster.type !== 'custodian-vault-roster' || roster.vault_id !== vaultId) {
    throw new Refused('authentication', `${db.name}: meta.roster_jws does not verify under the vault key ${tp} (the roster was altered)`);
  }
  const rows = db.prepare('SELECT name, share_index FROM custodians ORDER BY share_index').all() as { name: string; share_index: number }[];
  const same = rows.length === roster.custodians.length && rows.every((r, i) => r.name === roster.custodians[i]!.name && r.share_index === roster.custodians[i]!.share_index);
  if (!same) throw new Refused('authentication', `${db.name}: the custodians table does not match the signed roster (${roster.custodians.map((c) => c.name).join(', ')}): the vault file was altered`);
  if (opts.vaultKey !== undefined) recordPin(vaultId, tp);
  return { ...roster, vault_key_jwk: jwk, vault_key_thumbprint: tp, roster_jws: rosterJws };
}

/** The vault key thumbprint stated in the file (NOT authenticated: for showing before trusting). */
export async function statedThumbprint(db: Db): Promise<string> {
  return thumbprint(JSON.parse(getMeta(db, 'vault_key_jwk')) as JWK);
}

/** The roster entry of `name`; InputError when not enrolled. */
export function rosterEntry(roster: Roster, name: string): RosterEntry {
  const e = roster.custodians.find((c) => c.name === name);
  if (!e) throw new InputError('--custodian', 'custodian', `"${name}" is not enrolled in this vault (${roster.custodians.map((c) => c.name).join(', ')})`);
  return e;
}

/** Public facts about the vault, from the trusted roster plus each custodian's Argon2id parameters. */
export interface VaultInfo {
  vaultId: string;
  threshold: number;
  vaultKeyThumbprint: string;
  createdAt: string;
  custodians: { name: string; kdf: Argon2Params }[];
}

/** Reads the vault's public facts (no secrets); `roster` must come from {@link trustedRoster}. */
export function vaultInfo(db: Db, roster: TrustedRoster): VaultInfo {
  const rows = db.prepare('SELECT name, kdf FROM custodians ORDER BY share_index').all() as { name: string; kdf: string }[];
  return {
    vaultId: roster.vault_id, threshold: roster.threshold, vaultKeyThumbprint: roster.vault_key_thumbprint, createdAt: roster.created_at,
    custodians: rows.map((r) => ({ name: r.name, kdf: checkArgon2Params(JSON.parse(r.kdf), `${db.name}: custodians.kdf of ${r.name}`) })),
  };
}

interface CustodianRow {
  name: string;
  share_index: number;
  kdf: string;
  verifier: Buffer;
  keys_sealed: Buffer;
}

/**
 * Unseals `name`'s private keys with their passphrase, in memory only. Refused('authentication') for
 * a wrong passphrase (nothing is unsealed), for sealed keys that were altered, or for keys that are
 * not the ones the signed roster names (a row swapped in from elsewhere).
 */
export async function unlockCustodian(db: Db, roster: Roster, name: string, passphrase: string): Promise<CustodianKeys> {
  const entry = rosterEntry(roster, name);
  const row = db.prepare('SELECT * FROM custodians WHERE name = ?').get(name) as CustodianRow | undefined;
  if (!row) throw new Refused('authentication', `${db.name}: custodian ${name} is in the roster but not in the custodians table (altered)`);
  let kdf: Argon2Params;
  try {
    kdf = checkArgon2Params(JSON.parse(row.kdf), `${db.name}: custodians.kdf of ${name}`);
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(db.name, `custodians.kdf of ${name}`, 'is not JSON');
  }
  const keys = await derivePassphraseKeys(passphrase, kdf, `${db.name}: custodian ${name}`);
  if (!equalBytes(keys.verifier, row.verifier)) {
    keys.sealKey.fill(0);
    throw new Refused('authentication', `custodian ${name}: wrong passphrase (nothing was unsealed)`);
  }
  const secret = open(keys.sealKey, row.keys_sealed, keysAad(roster.vault_id, name, entry.share_index));
  keys.sealKey.fill(0);
  if (!secret) throw new Refused('authentication', `${db.name}: custodians.keys_sealed of ${name}: AES-GCM authentication failed (altered)`);
  const parsed = JSON.parse(secret.toString('utf8')) as { signing: string; kem: string };
  secret.fill(0);
  const load = (b64: string) => createPrivateKey({ key: Buffer.from(b64, 'base64'), format: 'der', type: 'pkcs8' });
  const out = { name, signing: load(parsed.signing), kem: load(parsed.kem), entry };
  const sameKey = (k: KeyObject, jwk: JWK) => {
    const p = publicJwk(k);
    return p.x === jwk.x && p.y === jwk.y && p.crv === jwk.crv;
  };
  if (!sameKey(out.signing, entry.signing_jwk) || !sameKey(out.kem, entry.kem_jwk)) {
    throw new Refused('authentication', `${db.name}: the sealed keys of ${name} are not the ones the signed roster names (altered)`);
  }
  return out;
}

/**
 * Checks whether `text` is any custodian's passphrase (Argon2id against each stored verifier), so a
 * passphrase typed into the wrong field is never written to the audit log. Costs one Argon2id
 * derivation per custodian.
 */
export async function isSomePassphrase(db: Db, text: string): Promise<boolean> {
  if ([...text].length < 8) return false;
  const rows = db.prepare('SELECT name, kdf, verifier FROM custodians').all() as CustodianRow[];
  for (const r of rows) {
    let kdf: Argon2Params;
    try {
      kdf = checkArgon2Params(JSON.parse(r.kdf), `${db.name}: custodians.kdf of ${r.name}`);
    } catch {
      continue;
    }
    const keys = await derivePassphraseKeys(text, kdf);
    keys.sealKey.fill(0);
    if (equalBytes(keys.verifier, r.verifier)) return true;
  }
  return false;
}

/** The unverified claims of the roster (for `vault info` before a vault is trusted). */
export function statedRoster(db: Db): Roster | null {
  return unverifiedClaims<Roster>(getMeta(db, 'roster_jws'));
}
