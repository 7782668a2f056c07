/**
 * Attacks on the vault file by another local user (reading it, owning it, planting a symlink where it
 * will be created) and by anyone who hands Custodian a file that is not a vault: the vault and its
 * -wal/-shm journals are private to their owner, a shared or foreign-owned vault is refused as ssh
 * refuses a shared private key (unless --allow-shared-vault), and a file that is not a vault is left
 * exactly as it was.
 */
import { chmodSync, chownSync, existsSync, lstatSync, readdirSync, readFileSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../electron/core/errors.ts';
import { openCeremony } from '../../electron/vault/ceremony.ts';
import { openDb, SCHEMA_VERSION } from '../../electron/vault/db.ts';
import { custodian, newVault, type TestVault } from '../vault/helpers.ts';
import { announceSkips, asOtherUser, noOtherUser, OTHER_UID, otherUserCanRead, removeAll, sharedStickyDir, traversableDir } from './as-user.ts';

announceSkips('vault files');
const made: string[] = [];
const open: TestVault[] = [];
afterAll(() => {
  for (const v of open) if (v.db.open) v.db.close();
  removeAll([...made, ...open.map((v) => v.dir)]);
});

/** A 1-of-1 vault (quick Argon2) whose directory other users may enter, so file modes alone protect it. */
async function vault(): Promise<TestVault> {
  const v = await newVault({ n: 1, m: 1 });
  open.push(v);
  chmodSync(v.dir, 0o755);
  return v;
}

const mode = (p: string) => statSync(p).mode & 0o777;
const journals = (p: string) => [`${p}-wal`, `${p}-shm`];
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a refusal, but it succeeded');
}

describe('the vault file and its journals are private to their owner', () => {
  it.skipIf(noOtherUser)('a local user tries to read the vault and its -wal/-shm (sealed shares, wrapped keys, ceremonies): all 0600 from creation, even under umask 000, and setpriv cat fails', async () => {
    const old = process.umask(0);
    let v: TestVault;
    try {
      v = await vault();
      await openCeremony(v.ctx, v.key.id); // a ceremony's write, through the WAL
    } finally {
      process.umask(old);
    }
    for (const p of [v.path, ...journals(v.path)]) {
      expect(existsSync(p), p).toBe(true);
      expect(mode(p), p).toBe(0o600);
      expect(statSync(p).uid).toBe(process.geteuid!());
      expect(otherUserCanRead(p), p).toBe(false);
    }
    const control = join(v.dir, 'public.txt');
    writeFileSync(control, 'public', { mode: 0o644 });
    expect(otherUserCanRead(control)).toBe(true); // the directory lets them in: the modes are what stops them
  });

  it.skipIf(noOtherUser)('after a write by another Custodian process (CLI ceremony open) the vault and its journals are still 0600 and unreadable to another user', async () => {
    const v = await vault();
    const r = custodian('--vault', v.path, 'ceremony', 'open', '--key', v.key.id);
    expect(r.code, r.stderr).toBe(0);
    for (const p of [v.path, ...journals(v.path)]) {
      expect(mode(p), p).toBe(0o600);
      expect(otherUserCanRead(p), p).toBe(false);
    }
  });

  it.skipIf(noOtherUser)('a local user plants a symlink where the vault will be created, to receive it: vault creation refuses and writes nothing through it', () => {
    const dir = sharedStickyDir(tmpdir(), 'vault-plant');
    made.push(dir);
    const loot = join(dir, 'loot');
    expect(asOtherUser('touch', loot).status).toBe(0);
    const path = join(dir, 'vault.db');
    expect(asOtherUser('ln', '-s', loot, path).status).toBe(0);
    expect(thrown(() => openDb(path, { create: true })).message).toBe(`${path}: vault: already exists; refusing to overwrite a vault`);
    expect(readFileSync(loot).length).toBe(0);
    const dangling = join(dir, 'vault2.db');
    expect(asOtherUser('ln', '-s', join(dir, 'not-yet'), dangling).status).toBe(0);
    expect(() => openDb(dangling, { create: true })).toThrow(/already exists/);
    expect(existsSync(join(dir, 'not-yet'))).toBe(false);
  });
});

describe('a vault that others can read or that another user owns is refused, as ssh refuses a shared key', () => {
  for (const m of [0o644, 0o640, 0o604, 0o660, 0o602]) {
    it(`a vault left with mode 0${m.toString(8)} (readable or writable by other users) is refused naming the file, the mode and chmod 600`, async () => {
      const v = await vault();
      v.db.close();
      chmodSync(v.path, m);
      const e = thrown(() => openDb(v.path));
      expect(e).toBeInstanceOf(InputError);
      expect(e.message).toContain(`${v.path}: vault: mode 0${m.toString(8)} lets`);
      expect(e.message).toContain(`chmod 600 ${v.path}`);
      expect(e.message).toContain('--allow-shared-vault');
    });
  }

  it('the CLI refuses a world-readable vault (exit 2); with --allow-shared-vault it opens it and prints a warning', async () => {
    const v = await vault();
    v.db.close();
    chmodSync(v.path, 0o644);
    const refused = custodian('--vault', v.path, 'vault', 'info');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(`custodian: error: ${v.path}: vault: mode 0644 lets group and other users read it; a vault file must be private to you (chmod 600 ${v.path}), or pass --allow-shared-vault to open it anyway\n`);
    expect(refused.stdout).toBe('');
    const allowed = custodian('--allow-shared-vault', '--vault', v.path, 'vault', 'info');
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(allowed.stderr).toContain(`custodian: warning: ${v.path}: vault: mode 0644 lets group and other users read it`);
    expect(allowed.stderr).toContain('opened anyway because of --allow-shared-vault');
    expect(allowed.stdout).toMatch(/threshold 1 of 1/);
  });

  it('openDb with allowShared returns the warning for the caller to show', async () => {
    const v = await vault();
    v.db.close();
    chmodSync(v.path, 0o640);
    const db = openDb(v.path, { allowShared: true });
    try {
      expect(db.custodianWarnings).toEqual([`${v.path}: vault: mode 0640 lets group read it; a vault file must be private to you (chmod 600 ${v.path}); opened anyway because of --allow-shared-vault`]);
    } finally {
      db.close();
    }
    chmodSync(v.path, 0o600);
    const ok = openDb(v.path);
    expect(ok.custodianWarnings).toEqual([]);
    ok.close();
  });

  it('a world-readable -wal journal beside a private vault is refused too (it holds the latest writes)', async () => {
    const v = await vault(); // v.db stays open: its -wal exists
    await openCeremony(v.ctx, v.key.id);
    chmodSync(`${v.path}-wal`, 0o644);
    expect(thrown(() => openDb(v.path)).message).toContain(`${v.path}-wal: vault journal: mode 0644 lets group and other users read it`);
  });

  it('a vault owned by another user (uid 65534) is refused: its owner can read and rewrite it', async () => {
    const v = await vault();
    v.db.close();
    chownSync(v.path, OTHER_UID, OTHER_UID);
    expect(thrown(() => openDb(v.path)).message).toBe(
      `${v.path}: vault: owned by uid ${OTHER_UID}, not by you (uid ${process.geteuid!()}): its owner can read and rewrite it, or pass --allow-shared-vault to open it anyway`,
    );
    const r = custodian('--vault', v.path, 'vault', 'info');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`owned by uid ${OTHER_UID}`);
  });

  it('a symlink given as the vault is refused, even with --allow-shared-vault (it may point at a file someone else controls)', async () => {
    const v = await vault();
    v.db.close();
    const link = join(v.dir, 'link.db');
    symlinkSync(v.path, link);
    expect(thrown(() => openDb(link, { allowShared: true })).message).toBe(`${link}: vault: is a symlink: refusing to follow it; give the path of the file itself`);
  });
});

describe('a file that is not a vault is refused without a byte of it changed', () => {
  const dir = traversableDir(tmpdir(), 'not-vault');
  made.push(dir);
  const PAST = new Date('2020-01-02T03:04:05Z');

  /** Writes a 0600 file (so only its content can be the reason), dated in the past. */
  function plant(name: string, make: (p: string) => void): string {
    const p = join(dir, name);
    make(p);
    chmodSync(p, 0o600);
    utimesSync(p, PAST, PAST);
    return p;
  }
  function sqlite(p: string, pragmas: string[], wal = false): void {
    const db = new Database(p);
    if (wal) db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT); INSERT INTO notes (text) VALUES (\'hello\');');
    for (const q of pragmas) db.pragma(q);
    db.close();
  }

  const cases: { threat: string; name: string; make: (p: string) => void; error: (p: string) => string }[] = [
    { threat: 'an empty file (which used to become a 4 KiB SQLite database)', name: 'empty.db', make: (p) => writeFileSync(p, ''), error: (p) => `${p}: vault: not a Custodian vault: the file is empty (create a vault with \`vault init\` at a path where no file exists)` },
    { threat: 'a text file', name: 'notes.txt', make: (p) => writeFileSync(p, 'my notes, not a database\n'.repeat(50)), error: (p) => `${p}: vault: not a Custodian vault: not a SQLite database (no "SQLite format 3" header)` },
    { threat: 'another program\'s SQLite database (rollback journal, no application id)', name: 'foreign.db', make: (p) => sqlite(p, []), error: (p) => `${p}: schema version: 0: not an initialised Custodian vault` },
    { threat: 'another application\'s SQLite database in WAL mode with its own application_id', name: 'app.db', make: (p) => sqlite(p, ['application_id = 0x4d504258', 'user_version = 1'], true), error: (p) => `${p}: application id: 0x4d504258: a SQLite database of another application, not a Custodian vault` },
    { threat: 'a database from a newer Custodian schema', name: 'newer.db', make: (p) => sqlite(p, [`user_version = ${SCHEMA_VERSION + 5}`], true), error: (p) => `${p}: schema version: ${SCHEMA_VERSION + 5} is newer than this Custodian supports (${SCHEMA_VERSION}); use a newer Custodian` },
  ];

  for (const c of cases) {
    it(`${c.threat} opened as a vault is refused with a clear error; its bytes and mtime are unchanged and no journal is left beside it`, () => {
      const p = plant(c.name, c.make);
      const before = readFileSync(p);
      const mtime = statSync(p).mtimeMs;
      const siblings = readdirSync(dir).sort();
      const e = thrown(() => openDb(p));
      expect(e).toBeInstanceOf(InputError);
      expect(e.message).toBe(c.error(p));
      expect(readFileSync(p).equals(before)).toBe(true);
      expect(statSync(p).mtimeMs).toBe(mtime);
      expect(readdirSync(dir).sort()).toEqual(siblings);
      // The CLI says the same, exit 2, and still changes nothing.
      const r = custodian('--vault', p, 'vault', 'info');
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`custodian: error: ${c.error(p)}\n`);
      expect(readFileSync(p).equals(before)).toBe(true);
      expect(statSync(p).mtimeMs).toBe(mtime);
      expect(lstatSync(p).size).toBe(before.length);
    });
  }
});
