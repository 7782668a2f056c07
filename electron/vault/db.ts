/**
 * The vault file: one SQLite database through better-sqlite3, WAL journal, `synchronous=FULL` (every
 * commit is on disk before the step reports success), numbered migrations recorded in
 * `PRAGMA user_version`. A file written by a newer Custodian (higher schema version) is refused.
 *
 * Tables (all binary columns are raw bytes; `*_sealed` / `sealed` are `iv(12) ‖ ct ‖ tag(16)`, see
 * crypto.ts `seal`); the schema itself is {@link MIGRATIONS}:
 * - `meta(k, v)`: vault_id, created_at, the signed roster and the vault key's public JWK (custodians.ts)
 * - `custodians`: name, share index, Argon2id parameters, verifier, sealed private keys
 * - `keys`, `key_shares`: model keys sealed under their own KEK, the signed key record, the KEK's
 *   shares as JWEs to each custodian (keys.ts)
 * - `ceremonies`, `ceremony_files`, `approvals`: the release state machine (ceremony.ts)
 * - `audit`: the append-only hash chain (audit.ts); triggers refuse UPDATE and DELETE
 */
import { closeSync, constants as C, existsSync, fchmodSync, openSync, readSync } from 'node:fs';
import Database from 'better-sqlite3';
import { checkPrivateFile } from '../io/private-fs.ts';
import { InputError } from './errors.ts';

/**
 * An open vault. `custodianWarnings` holds what {@link openDb} accepted only because of `allowShared`
 * (a group/world-accessible or foreign-owned vault or journal): the caller shows each sentence.
 */
export type Db = Database.Database & { custodianWarnings?: string[] };

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
    role TEXT NOT NULL,             -- evidence, endorsement, test-anchor, tee-pubkey, additional-evidence, attestation
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


/** The schema version this build writes and understands. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** `PRAGMA application_id` of a Custodian vault ("CUST"), set by the schema that introduces it. */
export const APPLICATION_ID = 0x43555354;

/** The 16-byte magic string at the start of every SQLite 3 database file. */
const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

/**
 * Looks at `path` without writing a byte (no journal mode, no schema, no pragma that writes): checks
 * that it is a non-empty SQLite 3 database (header magic) whose header's application id and schema
 * version could be a Custodian vault's, then opens it read-only (`readonly: true, fileMustExist: true`)
 * and reads `PRAGMA user_version` and `PRAGMA application_id` (which see a pending WAL).
 *
 * @returns the schema version (`user_version`) and the application id of the file
 * @throws InputError(path, 'vault' | 'schema version' | 'application id', reason) naming the file when it
 *   cannot be read, is empty, is not SQLite, is a SQLite database of another application (application_id
 *   neither 0 nor {@link APPLICATION_ID}), has user_version 0 ("0: not an initialised Custodian vault"),
 *   or a schema newer than {@link SCHEMA_VERSION}
 */
export function probeVaultFile(path: string): { userVersion: number; applicationId: number } {
  const header = Buffer.alloc(100);
  let n = 0;
  let fd: number;
  try {
    fd = openSync(path, C.O_RDONLY | C.O_NOFOLLOW | C.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(path, 'vault', code === 'ENOENT' ? 'no such file (create one with `vault init`)' : `cannot read (${code})`);
  }
  try {
    for (let r = -1; r !== 0 && n < header.length; n += r) r = readSync(fd, header, n, header.length - n, n);
  } catch (e) {
    throw new InputError(path, 'vault', `cannot read (${(e as NodeJS.ErrnoException).code})`);
  } finally {
    closeSync(fd);
  }
  if (n === 0) throw new InputError(path, 'vault', 'not a Custodian vault: the file is empty (create a vault with `vault init` at a path where no file exists)');
  if (n < SQLITE_MAGIC.length || !header.subarray(0, SQLITE_MAGIC.length).equals(SQLITE_MAGIC)) {
    throw new InputError(path, 'vault', 'not a Custodian vault: not a SQLite database (no "SQLite format 3" header)');
  }
  // Without a -wal file the header's own copies (offsets 60 and 68, big-endian) are current, and they
  // refuse a foreign, uninitialised or newer file before SQLite opens it at all: a read-only connection
  // to a WAL-mode database would leave -wal and -shm files beside it. SQLite's answer (which sees a
  // pending WAL) then decides for a file that could be ours.
  if (!existsSync(`${path}-wal`)) checkVersions(path, header.readInt32BE(60), header.readUInt32BE(68));
  let userVersion: number;
  let applicationId: number;
  let ro: Database.Database | undefined;
  try {
    ro = new Database(path, { readonly: true, fileMustExist: true });
    userVersion = ro.pragma('user_version', { simple: true }) as number;
    applicationId = (ro.pragma('application_id', { simple: true }) as number) >>> 0;
  } catch (e) {
    throw new InputError(path, 'vault', `not a Custodian vault: ${(e as Error).message}`);
  } finally {
    ro?.close();
  }
  checkVersions(path, userVersion, applicationId);
  return { userVersion, applicationId };
}

/** Refuses another application's database, an uninitialised one, or a newer schema. */
function checkVersions(path: string, userVersion: number, applicationId: number): void {
  if (applicationId !== 0 && applicationId !== APPLICATION_ID) {
    throw new InputError(path, 'application id', `0x${applicationId.toString(16).padStart(8, '0')}: a SQLite database of another application, not a Custodian vault`);
  }
  if (userVersion === 0) throw new InputError(path, 'schema version', '0: not an initialised Custodian vault');
  if (RETIRED[userVersion]) throw new InputError(path, 'schema version', `${userVersion}: this vault ${RETIRED[userVersion]}`);
  if (userVersion > SCHEMA_VERSION) {
    throw new InputError(path, 'schema version', `${userVersion} is newer than this Custodian supports (${SCHEMA_VERSION}); use a newer Custodian`);
  }
}

/** Creates `path` as a new empty file with mode 0600 (refused if anything, even a symlink, is there). */
function createPrivateEmpty(path: string): void {
  let fd: number;
  try {
    fd = openSync(path, C.O_CREAT | C.O_EXCL | C.O_WRONLY | C.O_NOFOLLOW, 0o600);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ELOOP') throw new InputError(path, 'vault', 'already exists; refusing to overwrite a vault');
    throw new InputError(path, 'vault', `cannot create (${code})`);
  }
  try {
    fchmodSync(fd, 0o600);
  } finally {
    closeSync(fd);
  }
}

/**
 * Checks that the vault and its `-wal`/`-shm` journals (when present) are private to this user; returns
 * the warnings `allowShared` turned refusals into.
 */
function checkVaultFiles(path: string, allowShared: boolean): string[] {
  const warnings: string[] = [];
  try {
    const w = checkPrivateFile(path, { role: 'vault', allowShared });
    if (w) warnings.push(w);
  } catch (e) {
    if (e instanceof InputError && e.detail === 'no such file') throw new InputError(path, 'vault', 'no such file (create one with `vault init`)');
    throw e;
  }
  for (const journal of [`${path}-wal`, `${path}-shm`]) {
    if (!existsSync(journal)) continue;
    try {
      const w = checkPrivateFile(journal, { role: 'vault journal', allowShared });
      if (w) warnings.push(w);
    } catch (e) {
      // Another process closing the vault may remove its journal between the two looks: that is fine.
      if (!(e instanceof InputError && e.detail === 'no such file')) throw e;
    }
  }
  return warnings;
}

/**
 * Opens the vault at `path`.
 *
 * - `create: true`: creates a new file, refused if anything exists at `path`. The file is created empty
 *   with `O_CREAT|O_EXCL|O_NOFOLLOW` and mode 0600 before SQLite opens it, so the database and its
 *   `-wal`/`-shm` (to which SQLite gives the main file's mode) are readable only by their owner.
 * - otherwise the file must exist, be a regular file (not a symlink) owned by this user with no group or
 *   other permission bits — and so must `-wal`/`-shm` when present — unless `allowShared`, which opens
 *   it anyway and records a warning sentence per file in `db.custodianWarnings` (the caller shows them).
 *   Before any write (WAL mode, migrations), {@link probeVaultFile} checks it read-only, so an empty,
 *   foreign or newer file is refused without being modified.
 *
 * Then sets WAL and `synchronous=FULL` and applies pending migrations, each in one transaction.
 *
 * @returns the open database; `db.custodianWarnings` is always set (empty when nothing was tolerated)
 * @throws InputError naming the file for a missing file, an existing one with `create`, a symlink, a
 *   shared or foreign-owned file without `allowShared` (naming its mode or owner), an empty file, a
 *   non-SQLite file, another application's SQLite database, an uninitialised one (user_version 0), or a
 *   schema newer than {@link SCHEMA_VERSION}
 */
export function openDb(path: string, { create = false, allowShared = false }: { create?: boolean; allowShared?: boolean } = {}): Db {
  let warnings: string[] = [];
  if (create) {
    createPrivateEmpty(path);
  } else {
    warnings = checkVaultFiles(path, allowShared);
    probeVaultFile(path);
  }
  let db: Db;
  try {
    db = new Database(path, { fileMustExist: true });
    db.pragma('journal_mode = WAL');
  } catch (e) {
    throw new InputError(path, 'vault', `not a Custodian vault: ${(e as Error).message}`);
  }
  db.custodianWarnings = warnings;
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
