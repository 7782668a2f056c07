/**
 * Attacks on Custodian's output files by another local user who shares the output directory (e.g. /tmp):
 * planting a symlink or a file at the temporary name `writeAtomic` uses, so that the unwrapped model key
 * or a release bundle is written where they can read it. Before the fix the temporary name was
 * `.NAME.PID.tmp`, opened with flag 'w' (follows symlinks, reuses files).
 */
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { InputError } from '../../electron/core/errors.ts';
import { sweepTempFiles, writeAtomic } from '../../electron/io/files.ts';
import { announceSkips, asOtherUser, noOtherUser, OTHER_UID, otherUserCanRead, removeAll, sharedStickyDir, traversableDir } from './as-user.ts';

// The random part of the temporary name, observable (and forcible, to simulate a lucky guess).
vi.mock('node:crypto', async (importOriginal) => {
  const orig = await importOriginal<typeof import('node:crypto')>();
  return { ...orig, randomBytes: vi.fn(orig.randomBytes) };
});

announceSkips('temp files');
const made: string[] = [];
afterAll(() => removeAll(made));
const shared = (label: string) => {
  const d = sharedStickyDir(tmpdir(), label);
  made.push(d);
  return d;
};

const SECRET = Buffer.from('model key: 00112233445566778899aabbccddeeff');
const tempNames = (dir: string) => readdirSync(dir).filter((n) => n.endsWith('.tmp'));

/** The attacker's file, readable and writable by them, that they hope receives the secret. */
function attackerLoot(dir: string): string {
  const loot = join(dir, 'loot');
  expect(asOtherUser('touch', loot).status).toBe(0);
  return loot;
}

describe('temporary files of atomic writes', () => {
  it.skipIf(noOtherUser)('a local user plants a symlink at the old predictable temp name (.NAME.PID.tmp) to steal the unwrapped key: it is not followed', () => {
    const dir = shared('pidname');
    const loot = attackerLoot(dir);
    const out = join(dir, 'model.key');
    expect(asOtherUser('ln', '-s', loot, join(dir, `.model.key.${process.pid}.tmp`)).status).toBe(0);
    writeAtomic(out, SECRET, 0o600);
    expect(readFileSync(loot).length).toBe(0);
    expect(readFileSync(out)).toEqual(SECRET);
    const st = lstatSync(out);
    expect(st.isFile()).toBe(true);
    expect(st.mode & 0o777).toBe(0o600);
    expect(otherUserCanRead(out)).toBe(false);
  });

  it.skipIf(noOtherUser)('a local user who guesses the random temp name plants a symlink there: the write is refused (O_EXCL|O_NOFOLLOW) and nothing reaches their file', () => {
    const dir = shared('guessed');
    const loot = attackerLoot(dir);
    const out = join(dir, 'bundle.json');
    const guess = '0011223344556677';
    const planted = join(dir, `.bundle.json.${guess}.tmp`);
    expect(asOtherUser('ln', '-s', loot, planted).status).toBe(0);
    vi.mocked(randomBytes).mockImplementationOnce(() => Buffer.from(guess, 'hex'));
    let e: unknown;
    try {
      writeAtomic(out, SECRET, 0o600);
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(InputError);
    expect((e as Error).message).toBe(`${out}: output: cannot write (EEXIST)`);
    expect(readFileSync(loot).length).toBe(0);
    expect(existsSync(out)).toBe(false);
    expect(lstatSync(planted).isSymbolicLink()).toBe(true); // theirs: left alone, not removed by us
  });

  it.skipIf(noOtherUser)('a local user who guesses the temp name pre-creates it as a world-writable file to read what we write: refused, nothing written into it', () => {
    const dir = shared('prefile');
    const out = join(dir, 'model.key');
    const guess = '8899aabbccddeeff';
    const planted = join(dir, `.model.key.${guess}.tmp`);
    expect(asOtherUser('sh', '-c', `umask 0; : > '${planted}'`).status).toBe(0);
    vi.mocked(randomBytes).mockImplementationOnce(() => Buffer.from(guess, 'hex'));
    expect(() => writeAtomic(out, SECRET, 0o600)).toThrow(/cannot write \(EEXIST\)/);
    expect(readFileSync(planted).length).toBe(0);
    expect(statSync(planted).uid).toBe(OTHER_UID);
    expect(existsSync(out)).toBe(false);
  });

  it('the temp name cannot be predicted: 64 fresh random bits per write, none left behind', () => {
    const dir = shared('random');
    const out = join(dir, 'receipt.jws');
    const spy = vi.mocked(randomBytes);
    spy.mockClear();
    for (let i = 0; i < 5; i++) writeAtomic(out, `receipt ${i}\n`);
    const draws = spy.mock.calls.map((c, i) => ({ size: c[0], value: (spy.mock.results[i]!.value as Buffer).toString('hex') }));
    expect(draws.length).toBe(5);
    for (const d of draws) expect(d.size).toBe(8);
    expect(new Set(draws.map((d) => d.value)).size).toBe(5);
    expect(tempNames(dir)).toEqual([]);
    expect(readFileSync(out, 'utf8')).toBe('receipt 4\n');
  });

  it.skipIf(noOtherUser)('a local user plants a symlink at the output path itself: rename replaces the link and the key never reaches their file', () => {
    const dir = shared('outlink');
    const loot = attackerLoot(dir);
    const out = join(dir, 'model.key');
    expect(asOtherUser('ln', '-s', loot, out).status).toBe(0);
    writeAtomic(out, SECRET, 0o600);
    expect(readFileSync(loot).length).toBe(0);
    expect(lstatSync(out).isFile()).toBe(true);
    expect(readFileSync(out)).toEqual(SECRET);
  });

  it.skipIf(noOtherUser)('another local user cannot read a secret written with mode 0600 (setpriv cat fails), but can read a 0644 file beside it', () => {
    const dir = traversableDir(tmpdir(), 'modes');
    made.push(dir);
    const secret = join(dir, 'model.key');
    const pub = join(dir, 'challenge.json');
    writeAtomic(secret, SECRET, 0o600);
    writeAtomic(pub, '{"nonce":"00"}\n');
    expect(statSync(secret).mode & 0o777).toBe(0o600);
    const r = asOtherUser('cat', secret);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/Permission denied/);
    expect(r.stdout).toBe('');
    expect(asOtherUser('cat', pub).stdout).toBe('{"nonce":"00"}\n'); // control: the directory itself lets them in
  });

  it('a write that fails at the rename leaves no temp file with the secret behind and the target as it was', () => {
    const dir = shared('fail');
    const out = join(dir, 'model.key');
    mkdirSync(out);
    writeFileSync(join(out, 'keep'), 'x'); // a non-empty directory: rename over it fails
    expect(() => writeAtomic(out, SECRET, 0o600)).toThrow(InputError);
    expect(tempNames(dir)).toEqual([]);
    expect(readFileSync(join(out, 'keep'), 'utf8')).toBe('x');
  });

  it.skipIf(noOtherUser)('leftover temp files of a crashed write are swept; another user\'s files and symlinks with such names are not touched', () => {
    const dir = shared('sweep');
    const out = join(dir, 'bundle.json');
    const ours = [`.bundle.json.${'a'.repeat(16)}.tmp`, `.bundle.json.${'0123456789abcdef'}.tmp`].map((n) => join(dir, n));
    for (const p of ours) writeFileSync(p, SECRET, { mode: 0o600 });
    const theirs = join(dir, `.bundle.json.${'b'.repeat(16)}.tmp`);
    writeFileSync(theirs, 'theirs');
    chownSync(theirs, OTHER_UID, OTHER_UID);
    const target = join(dir, 'precious');
    writeFileSync(target, 'precious');
    const link = join(dir, `.bundle.json.${'c'.repeat(16)}.tmp`);
    symlinkSync(target, link);
    const unrelated = [join(dir, '.bundle.json.123.tmp'), join(dir, `.other.json.${'d'.repeat(16)}.tmp`), join(dir, `.bundle.json.${'E'.repeat(16)}.tmp`)];
    for (const p of unrelated) writeFileSync(p, 'x');
    writeFileSync(out, 'the real bundle');

    expect(sweepTempFiles(out)).toBe(2);
    for (const p of ours) expect(existsSync(p)).toBe(false);
    expect(readFileSync(theirs, 'utf8')).toBe('theirs');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, 'utf8')).toBe('precious');
    for (const p of unrelated) expect(existsSync(p)).toBe(true);
    expect(readFileSync(out, 'utf8')).toBe('the real bundle');
    expect(sweepTempFiles(join(dir, 'missing-dir', 'x'))).toBe(0);
  });
});
