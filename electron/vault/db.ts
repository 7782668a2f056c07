/**
 * The vault file: one SQLite database through better-sqlite3, WAL journal, `synchronous=FULL` (every
 * commit is on disk before the step reports success), numbered migrations recorded in
 * `PRAGMA user_version`. A file written by a newer Custodian (higher schema version) is refused.
 *
 * Tables (all binary columns are raw bytes; `*_sealed` / `wrapped` are `iv(12) ‖ ct ‖ tag(16)`, see
 * crypto.ts `seal`):
 * - `meta(k, v)`: vault_id, threshold, check value, the vault's signing and key-wrapping key pairs
 *   (public JWK + private key wrapped under the master key)
 * - `custodians`: name, share index, Argon2id parameters, verifier, sealed share, sealed signing key
 * - `keys`: model keys, wrapped, with metadata and release policy bound as AES-GCM associated data
 * - `ceremonies`, `approvals`: the release state machine (ceremony.ts)
 * - `audit`: the append-only hash chain (audit.ts); triggers refuse UPDATE and DELETE
 */
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { InputError } from './errors.ts';

export type Db = Database.Database;

/**
 * Migration N (1-based) is `MIGRATIONS[N-1]`; never edit a released one, append a new one. Schema 1
 * (Custodian 0.1: a vault master key whose shares waited in the approval escrow) is not migrated: its
 * keys cannot be re-protected without a quorum, and its escrow design is the one this version
 * replaces. A schema-1 file is refused with that reason ({@link RETIRED}).
 */
const MIGRATIONS: (string | null)[] = [
  null,
  `
  CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT NOT NULL) STRICT;  -- vault_id, created_at, roster, roster_jws, vault_key_jwk
  CREATE TABLE custodians (
    name TEXT PRIMARY KEY,
    share_index INTEGER NOT NULL,
    kdf TEXT NOT NULL,              -- JSON Argon2Params
    verifier BLOB NOT NULL,         -- 32 bytes, HKDF of the Argon2id output
    keys_sealed BLOB NOT NULL       -- the custodian's private keys (signing, share decryption), sealed under the passphrase
  ) STRICT;
  CREATE TABLE keys (
    id TEXT PRIMARY KEY,            -- "k_" + 16 hex
    name TEXT NOT NULL UNIQUE,
    record TEXT NOT NULL,           -- RFC 8785 JSON KeyRecord (metadata, fingerprint, release policy, digests)
    record_jws TEXT NOT NULL,       -- the importing custodian's ES256 signature over it (compact JWS)
    sealed BLOB NOT NULL            -- the key material, AES-256-GCM under the key's own KEK
  ) STRICT;
  CREATE TABLE key_shares (
    key_id TEXT NOT NULL REFERENCES keys(id),
    custodian TEXT NOT NULL REFERENCES custodians(name),
    share_jwe TEXT NOT NULL,        -- Shamir share of the key's KEK, JWE (ECDH-ES+A256KW) to the custodian
    PRIMARY KEY (key_id, custodian)
  ) STRICT;
  CREATE TABLE ceremonies (
    id TEXT PRIMARY KEY,            -- "c_" + 16 hex
    key_id TEXT NOT NULL REFERENCES keys(id),
    state TEXT NOT NULL,
    data TEXT NOT NULL,             -- JSON CeremonyData (everything public about the ceremony)
    bundle TEXT,                    -- the release JWE (encrypted to the TEE key) once released
    receipt TEXT,                   -- the signed receipt (compact JWS) once released
    escrow_id TEXT NOT NULL,        -- names the RAM-only escrow key (escrow.ts)
    escrow_check TEXT,              -- HKDF of the escrow key: proves a key file is the one this ceremony made
    receipt_key_sealed BLOB,        -- the ceremony's receipt-signing key, sealed under the escrow key
    opened_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  ) STRICT;
  -- At most one ceremony in progress per key: a second "open" is refused, even from a racing process.
  CREATE UNIQUE INDEX one_live_ceremony_per_key ON ceremonies(key_id)
    WHERE state NOT IN ('closed', 'aborted', 'expired', 'refused');
  CREATE TABLE ceremony_files (
    ceremony_id TEXT NOT NULL REFERENCES ceremonies(id),
    seq INTEGER NOT NULL,
    role TEXT NOT NULL,             -- evidence, endorsement, test-anchor, tee-pubkey
    name TEXT NOT NULL,
    bytes BLOB NOT NULL,            -- kept so the release re-appraises exactly what was approved
    PRIMARY KEY (ceremony_id, seq)
  ) STRICT;
  CREATE TABLE approvals (
    ceremony_id TEXT NOT NULL REFERENCES ceremonies(id),
    custodian TEXT NOT NULL REFERENCES custodians(name),
    approved_at TEXT NOT NULL,
    request_hash TEXT NOT NULL,     -- hex SHA-256 of the JCS request the custodian approved
    signature TEXT NOT NULL,        -- the custodian's ES256 approval (compact JWS over the request hash)
    escrowed_share BLOB,            -- the custodian's share of the key's KEK, sealed under the escrow key; NULL once used
    PRIMARY KEY (ceremony_id, custodian)
  ) STRICT;
  CREATE TABLE audit (
    seq INTEGER PRIMARY KEY,
    time TEXT NOT NULL,
    actor TEXT NOT NULL,
    event TEXT NOT NULL,
    payload TEXT NOT NULL,          -- RFC 8785 JSON, never secrets
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
  ) STRICT;
  CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit log is append-only: UPDATE refused'); END;
  CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit log is append-only: DELETE refused'); END;
  PRAGMA application_id = 1129665364;
  `,
];

/** Schema versions this build refuses to open, with the reason. */
export const RETIRED: Record<number, string> = {
  1: 'was written by Custodian 0.1, whose approval escrow could expose every custodian\'s long-term share; it is not migrated: create a new vault and import the keys again',
};

/** `PRAGMA application_id` of a Custodian vault ("CUST"). */
export const APPLICATION_ID = 0x43555354;

/** The schema version this build writes and understands. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Opens the vault at `path`. `create: true` creates a new file (refused if one exists); otherwise the
 * file must exist. Applies pending migrations, each in one transaction. Throws {@link InputError}
 * naming the file for a missing file, a non-SQLite file, or a schema newer than {@link SCHEMA_VERSION}.
 */
export function openDb(path: string, { create = false, allowShared = false } = {}): Db {
  void allowShared; // provisional: the issue-files branch checks the file's owner and mode
  if (create && existsSync(path)) throw new InputError(path, 'vault', 'already exists; refusing to overwrite a vault');
  if (!create && !existsSync(path)) throw new InputError(path, 'vault', 'no such file (create one with `vault init`)');
  let db: Db;
  try {
    db = new Database(path);
    db.pragma('journal_mode = WAL');
  } catch (e) {
    throw new InputError(path, 'vault', `not a Custodian vault: ${(e as Error).message}`);
  }
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 10000');
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    db.close();
    throw new InputError(path, 'schema version', `${version} is newer than this Custodian supports (${SCHEMA_VERSION}); use a newer Custodian`);
  }
  if (!create && version === 0) {
    db.close();
    throw new InputError(path, 'schema version', '0: not an initialised Custodian vault');
  }
  if (RETIRED[version]) {
    db.close();
    throw new InputError(path, 'schema version', `${version}: this vault ${RETIRED[version]}`);
  }
  for (let v = version; v < SCHEMA_VERSION; v++) {
    if (MIGRATIONS[v] === null) continue;
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
  return db;
}

/** Runs `fn` in one IMMEDIATE transaction (write lock taken up front): all of it commits or none. */
export function tx<T>(db: Db, fn: () => T): T {
  return db.transaction(fn).immediate();
}

/** Reads a `meta` value; throws InputError naming the field when absent. */
export function getMeta(db: Db, k: string): string {
  const row = db.prepare('SELECT v FROM meta WHERE k = ?').get(k) as { v: string } | undefined;
  if (!row) throw new InputError(db.name, `meta.${k}`, 'missing');
  return row.v;
}
