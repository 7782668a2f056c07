/**
 * Attacks on private directories and secret files (the escrow directory and its key files) by another
 * local user who can write the shared parent (/dev/shm is world-writable and sticky): pre-creating the
 * directory so they own it, pointing a symlink at a directory or file they control, planting a key file,
 * loosening modes, or planting a FIFO to hang us. Also a directory that would put secrets on a disk.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, chmodSync, constants, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, statfsSync, statSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../electron/core/errors.ts';
import { checkPrivateFile, createSecretFile, ensurePrivateDir, RAMFS_MAGIC, readSecretFile, TMPFS_MAGIC } from '../../electron/io/private-fs.ts';
import { ROOT, inputError } from '../helpers.ts';
import { announceSkips, asOtherUser, noOtherUser, OTHER_UID, otherUserCanRead, removeAll, sharedStickyDir } from './as-user.ts';

announceSkips('private directories and secret files');
const made: string[] = [];
afterAll(() => removeAll(made));

const RAM_PARENT = '/dev/shm';
const onRam = (p: string) => [TMPFS_MAGIC, RAMFS_MAGIC].includes(Number(statfsSync(p).type) >>> 0);
const noRam = existsSync(RAM_PARENT) && onRam(RAM_PARENT) ? null : `${RAM_PARENT} is not a tmpfs here`;
if (noRam) console.warn(`[attacks] private directories: SKIPPING the RAM-directory tests: ${noRam}`);

/** A world-writable sticky directory on RAM, like /dev/shm itself, but ours to remove. */
function sharedRam(label: string): string {
  const d = sharedStickyDir(RAM_PARENT, label);
  made.push(d);
  return d;
}
/** A private directory of ours (0700) on RAM for secret files. */
function privateRam(label: string): string {
  const d = mkdtempSync(join(RAM_PARENT, `custodian-attack-${label}-`));
  made.push(d);
  return d;
}
const me = () => process.geteuid!();
const writable = (p: string) => {
  try {
    accessSync(p, constants.W_OK);
    return true;
  } catch {
    return false;
  }
};
describe('ensurePrivateDir: a directory only this user can use', () => {
  it.skipIf(noRam)('creates a missing directory 0700 on RAM and accepts it again on the next call', () => {
    const dir = join(sharedRam('fresh'), 'escrow');
    expect(ensurePrivateDir(dir, { role: 'escrow directory', requireRam: true })).toBe(dir);
    const st = lstatSync(dir);
    expect(st.isDirectory()).toBe(true);
    expect(st.mode & 0o777).toBe(0o700);
    expect(st.uid).toBe(me());
    expect(ensurePrivateDir(dir, { role: 'escrow directory', requireRam: true })).toBe(dir);
  });

  it.skipIf(noOtherUser || noRam)('a local user pre-creates the escrow directory (0700, theirs) in the shared /dev/shm before the first approval: refused, naming their uid', () => {
    const parent = sharedRam('hijack');
    const dir = join(parent, 'escrow');
    expect(asOtherUser('mkdir', '-m', '700', dir).status).toBe(0);
    expect(statSync(dir).uid).toBe(OTHER_UID);
    const e = inputError(() => ensurePrivateDir(dir, { role: 'escrow directory', requireRam: true }));
    expect(e.message).toBe(`${dir}: escrow directory: owned by uid ${OTHER_UID}, not by you (uid ${me()}): another user may have created it to read what is put there`);
  });

  it.skipIf(noOtherUser || noRam)('a local user pre-creates the escrow directory world-writable (1777) so they can plant key files: refused', () => {
    const parent = sharedRam('hijack-open');
    const dir = join(parent, 'escrow');
    expect(asOtherUser('mkdir', '-m', '1777', dir).status).toBe(0);
    expect(inputError(() => ensurePrivateDir(dir, { role: 'escrow directory', requireRam: true })).message).toContain(`owned by uid ${OTHER_UID}`);
  });

  it.skipIf(noOtherUser || noRam)('a local user plants a symlink at the escrow path pointing to a directory (even one of ours, 0700): refused, never followed', () => {
    const parent = sharedRam('dirlink');
    const ours = join(privateRam('target'), 'real');
    mkdirSync(ours, { mode: 0o700 });
    const dir = join(parent, 'escrow');
    expect(asOtherUser('ln', '-s', ours, dir).status).toBe(0);
    expect(inputError(() => ensurePrivateDir(dir, { role: 'escrow directory', requireRam: true })).message).toBe(
      `${dir}: escrow directory: is a symlink: refusing to follow it (another user may have pointed it at a directory they can read)`,
    );
  });

  it.skipIf(noRam)('our own directory with mode 0755 (others may list it and read the key files\' names) is refused, naming the mode', () => {
    const dir = join(sharedRam('mode'), 'escrow');
    mkdirSync(dir);
    chmodSync(dir, 0o755);
    expect(inputError(() => ensurePrivateDir(dir, { role: 'escrow directory', requireRam: true })).message).toBe(
      `${dir}: escrow directory: mode 0755, not 0700: others could list or enter it (chmod 700 ${dir})`,
    );
  });

  it.skipIf(noRam)('a regular file at the directory path is refused', () => {
    const dir = join(sharedRam('file'), 'escrow');
    writeFileSync(dir, '');
    expect(inputError(() => ensurePrivateDir(dir, { role: 'escrow directory', requireRam: true })).message).toContain('is a regular file, not a directory');
  });

  const repoScratch = join(ROOT, 'test-artifacts'); // inside the repository, git-ignored
  try {
    mkdirSync(repoScratch, { recursive: true });
  } catch {
    /* not writable: that test skips */
  }
  for (const parent of ['/var/tmp', repoScratch]) {
    const why = !existsSync(parent) ? `${parent} does not exist` : !writable(parent) ? `${parent} is not writable by this user` : onRam(parent) ? `${parent} is itself on RAM here` : null;
    if (why) console.warn(`[attacks] private directories: SKIPPING the disk-directory test under ${parent}: ${why}`);
    it.skipIf(why)(`an escrow directory on a disk (${parent === repoScratch ? 'the repository' : parent}) is refused when RAM is required: a key written there could be recovered after a reboot`, () => {
      const base = mkdtempSync(join(parent, '.custodian-attack-disk-'));
      made.push(base);
      const dir = join(base, 'escrow');
      const e = inputError(() => ensurePrivateDir(dir, { role: 'escrow directory', requireRam: true }));
      expect(e.message).toMatch(new RegExp(`^${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: escrow directory: is on a disk filesystem \\(statfs type 0x[0-9a-f]+\\), not tmpfs or ramfs: what is put there could outlive a reboot$`));
      expect(ensurePrivateDir(dir, { role: 'output directory', requireRam: false })).toBe(dir); // without requireRam, fine
    });
  }

  it('does not create missing parents (no recursive mkdir that would accept whatever is already on the way)', () => {
    const dir = join(tmpdir(), `custodian-attack-missing-${process.pid}`, 'a', 'b');
    expect(inputError(() => ensurePrivateDir(dir, { role: 'escrow directory', requireRam: false })).message).toBe(
      `${dir}: escrow directory: cannot create (ENOENT); its parent directory must exist and be writable by you`,
    );
  });
});

describe('createSecretFile / readSecretFile: key files this process created, nobody else', () => {
  const KEY = Buffer.alloc(32, 0xa5);

  it.skipIf(noOtherUser || noRam)('a secret file is created 0600 with exactly its bytes and another local user cannot read it', () => {
    const dir = privateRam('create');
    chmodSync(dir, 0o711); // others may pass through: only the file's mode stops them
    const p = join(dir, 'e_1.key');
    expect(createSecretFile(p, KEY, 'escrow key')).toBe(true);
    expect(statSync(p).mode & 0o777).toBe(0o600);
    expect(readSecretFile(p, { role: 'escrow key', size: 32 })).toEqual(KEY);
    expect(otherUserCanRead(p)).toBe(false);
  });

  it.skipIf(noOtherUser || noRam)('a local user plants their own key file at the escrow key\'s name: create returns false and writes nothing, read refuses it as theirs', () => {
    const dir = sharedRam('plant-key');
    const p = join(dir, 'e_2.key');
    const theirs = Buffer.alloc(32, 0x11);
    writeFileSync(p, theirs, { mode: 0o600 });
    chownSync(p, OTHER_UID, OTHER_UID);
    expect(createSecretFile(p, KEY, 'escrow key')).toBe(false);
    expect(readFileSync(p)).toEqual(theirs);
    expect(inputError(() => readSecretFile(p, { role: 'escrow key', size: 32 })).message).toBe(
      `${p}: escrow key: owned by uid ${OTHER_UID}, not by you (uid ${me()}): you did not create it; another user may have planted it`,
    );
  });

  it.skipIf(noOtherUser || noRam)('a local user plants a symlink at the key file\'s name pointing to their file: create returns false and never writes through it; read refuses the symlink', () => {
    const dir = sharedRam('plant-link');
    const loot = join(dir, 'loot');
    expect(asOtherUser('touch', loot).status).toBe(0);
    const p = join(dir, 'e_3.key');
    expect(asOtherUser('ln', '-s', loot, p).status).toBe(0);
    expect(createSecretFile(p, KEY, 'escrow key')).toBe(false);
    expect(readFileSync(loot).length).toBe(0);
    expect(inputError(() => readSecretFile(p, { role: 'escrow key', size: 32 })).message).toBe(`${p}: escrow key: is a symlink: refusing to follow it (another user may have planted it)`);
    // A dangling symlink is not followed either: the file it names is not created.
    const q = join(dir, 'e_4.key');
    expect(asOtherUser('ln', '-s', join(dir, 'created-through-link'), q).status).toBe(0);
    expect(createSecretFile(q, KEY, 'escrow key')).toBe(false);
    expect(existsSync(join(dir, 'created-through-link'))).toBe(false);
  });

  it.skipIf(noRam)('an existing file of ours is never overwritten: create returns false and leaves its bytes', () => {
    const p = join(privateRam('exists'), 'e_5.key');
    expect(createSecretFile(p, KEY, 'escrow key')).toBe(true);
    expect(createSecretFile(p, Buffer.alloc(32, 0), 'escrow key')).toBe(false);
    expect(readSecretFile(p, { role: 'escrow key', size: 32 })).toEqual(KEY);
  });

  it.skipIf(noRam)('a key file whose mode was loosened to 0644 is refused (not as created; others could have read it)', () => {
    const p = join(privateRam('mode'), 'e_6.key');
    createSecretFile(p, KEY, 'escrow key');
    chmodSync(p, 0o644);
    expect(inputError(() => readSecretFile(p, { role: 'escrow key', size: 32 })).message).toBe(`${p}: escrow key: mode 0644, not 0600: not a file this program created, or others could read it`);
  });

  it.skipIf(noRam)('a key file of the wrong size (truncated or padded by whoever could write it) is refused', () => {
    const dir = privateRam('size');
    const p = join(dir, 'e_7.key');
    createSecretFile(p, KEY, 'escrow key');
    truncateSync(p, 16);
    expect(inputError(() => readSecretFile(p, { role: 'escrow key', size: 32 })).message).toBe(`${p}: escrow key: 16 bytes, not 32`);
    const q = join(dir, 'e_8.key');
    createSecretFile(q, Buffer.alloc(33, 1), 'escrow key');
    expect(inputError(() => readSecretFile(q, { role: 'escrow key', size: 32 })).message).toBe(`${q}: escrow key: 33 bytes, not 32`);
  });

  it.skipIf(noRam)('a FIFO planted at the key file\'s name does not hang the reader: refused as not a regular file', () => {
    const p = join(privateRam('fifo'), 'e_9.key');
    const r = spawnSync('mkfifo', ['-m', '600', p]);
    if (r.status !== 0) throw new Error(`mkfifo failed: ${r.stderr}`);
    expect(inputError(() => readSecretFile(p, { role: 'escrow key', size: 32 })).message).toBe(`${p}: escrow key: is a FIFO, not a regular file`);
    expect(createSecretFile(p, KEY, 'escrow key')).toBe(false);
  });

  it('a key file that does not exist (after a reboot, or dropped) reads as null', () => {
    expect(readSecretFile(join(tmpdir(), `custodian-attack-none-${process.pid}.key`), { role: 'escrow key', size: 32 })).toBeNull();
  });

  it('a secret file in a missing directory is an error, not a silent false', () => {
    const p = join(tmpdir(), `custodian-attack-nodir-${process.pid}`, 'x.key');
    expect(inputError(() => createSecretFile(p, KEY, 'escrow key')).message).toBe(`${p}: escrow key: cannot create (ENOENT)`);
  });
});

describe('checkPrivateFile: the vault-file check', () => {
  it.skipIf(noRam)('private file: null; group/other bits: refused naming the mode, or a warning with allowShared; symlink and directory: always refused', () => {
    const dir = privateRam('check');
    const p = join(dir, 'vault.db');
    writeFileSync(p, 'x', { mode: 0o600 });
    expect(checkPrivateFile(p, { role: 'vault' })).toBeNull();
    chmodSync(p, 0o620);
    expect(inputError(() => checkPrivateFile(p, { role: 'vault' })).message).toBe(
      `${p}: vault: mode 0620 lets group write it; a vault file must be private to you (chmod 600 ${p}), or pass --allow-shared-vault to open it anyway`,
    );
    expect(checkPrivateFile(p, { role: 'vault', allowShared: true })).toBe(
      `${p}: vault: mode 0620 lets group write it; a vault file must be private to you (chmod 600 ${p}); opened anyway because of --allow-shared-vault`,
    );
    const link = join(dir, 'link.db');
    symlinkSync(p, link);
    expect(inputError(() => checkPrivateFile(link, { role: 'vault', allowShared: true })).message).toContain('is a symlink');
    expect(inputError(() => checkPrivateFile(dir, { role: 'vault', allowShared: true })).message).toBe(`${dir}: vault: is a directory, not a regular file`);
    expect(inputError(() => checkPrivateFile(join(dir, 'none'), { role: 'vault' })).message).toBe(`${join(dir, 'none')}: vault: no such file`);
  });
});
