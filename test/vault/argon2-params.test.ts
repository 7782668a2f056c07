/**
 * Argon2id parameters: bounds on what a vault file may ask for, and the floor for new custodians.
 *
 * Threats: someone who can write the vault file sets absurd parameters (2^40 KiB of memory, a billion
 * passes, zero lanes, a 1-byte salt) to crash or hang every unlock, or to weaken a custodian's KDF so
 * a later stolen copy is cheap to brute-force; an operator enrolling custodians below RFC 9106's
 * recommended cost.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ARGON2_BOUNDS, checkArgon2Params, DEFAULT_ARGON2, derivePassphraseKeys, newArgon2Params } from '../../electron/vault/crypto.ts';
import { InputError } from '../../electron/core/errors.ts';
import { custodian, passphraseOf, put, tmp } from './helpers.ts';

const good = { alg: 'argon2id', version: 19, memoryKiB: 65536, iterations: 3, parallelism: 4, salt: Buffer.alloc(16, 7).toString('base64') };

function refusal(p: unknown): InputError {
  try {
    checkArgon2Params(p, 'vault.db: custodian alice');
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error(`accepted ${JSON.stringify(p)}`);
}

describe('checkArgon2Params (parameters read from the vault file)', () => {
  it('accepts the defaults and the edges of every bound, returning a copy without extra fields', () => {
    expect(checkArgon2Params({ ...good, extra: 'ignored' }, 'x')).toEqual(good);
    for (const edge of [
      { memoryKiB: ARGON2_BOUNDS.memoryKiB.min }, { memoryKiB: ARGON2_BOUNDS.memoryKiB.max },
      { iterations: 1 }, { iterations: 64 }, { parallelism: 1 }, { parallelism: 16 },
      { salt: Buffer.alloc(64, 1).toString('base64') },
    ]) expect(checkArgon2Params({ ...good, ...edge }, 'x')).toMatchObject(edge);
  });

  it.each([
    ['not an object', null, 'kdf', /is not an object/],
    ['an array', [], 'kdf', /is not an object/],
    ['another algorithm', { ...good, alg: 'argon2i' }, 'kdf.alg', /must be "argon2id", got "argon2i"/],
    ['another version', { ...good, version: 16 }, 'kdf.version', /must be 19/],
    ['2^40 KiB of memory', { ...good, memoryKiB: 2 ** 40 }, 'kdf.memoryKiB', /1099511627776 KiB is outside 65536\.\.4194304 KiB \(64 MiB\.\.4 GiB\)/],
    ['32 MiB of memory (weakened)', { ...good, memoryKiB: 32768 }, 'kdf.memoryKiB', /32768 KiB is outside/],
    ['a fractional memory', { ...good, memoryKiB: 65536.5 }, 'kdf.memoryKiB', /must be a whole number/],
    ['memory as text', { ...good, memoryKiB: '65536' }, 'kdf.memoryKiB', /must be a whole number, got "65536"/],
    ['a billion passes', { ...good, iterations: 1e9 }, 'kdf.iterations', /1000000000 is outside 1\.\.64 passes/],
    ['zero passes', { ...good, iterations: 0 }, 'kdf.iterations', /outside 1\.\.64/],
    ['zero lanes', { ...good, parallelism: 0 }, 'kdf.parallelism', /0 is outside 1\.\.16 lanes/],
    ['2^24 lanes', { ...good, parallelism: 2 ** 24 }, 'kdf.parallelism', /outside 1\.\.16/],
    ['NaN lanes', { ...good, parallelism: Number.NaN }, 'kdf.parallelism', /whole number/],
    ['a missing salt', { ...good, salt: undefined }, 'kdf.salt', /is not base64/],
    ['a 1-byte salt', { ...good, salt: 'AQ==' }, 'kdf.salt', /is 1 bytes, outside 16\.\.64/],
    ['a 65-byte salt', { ...good, salt: Buffer.alloc(65).toString('base64') }, 'kdf.salt', /is 65 bytes/],
    ['a salt that is not base64', { ...good, salt: 'not base64 at all!' }, 'kdf.salt', /is not base64/],
  ])('refuses %s, naming the file and field', (_what, p, field, reason) => {
    const e = refusal(p);
    expect(e.file).toBe('vault.db: custodian alice');
    expect(e.field).toBe(field);
    expect(e.detail).toMatch(reason);
  });

  it('derivePassphraseKeys checks before deriving (an absurd value never reaches Argon2)', async () => {
    await expect(derivePassphraseKeys('x', { ...good, memoryKiB: 2 ** 40 } as never, 'v.db: custodian bob')).rejects.toThrow(/^v\.db: custodian bob: kdf\.memoryKiB: 1099511627776 KiB is outside/);
  });
});

describe('newArgon2Params (new custodians): RFC 9106 §4 second recommended option as the floor', () => {
  it('defaults to exactly m = 64 MiB, t = 3, p = 4 with a fresh 16-byte salt', () => {
    expect(DEFAULT_ARGON2).toEqual({ memoryKiB: 65536, iterations: 3, parallelism: 4 });
    const a = newArgon2Params();
    const b = newArgon2Params();
    expect(a).toMatchObject({ alg: 'argon2id', version: 19, memoryKiB: 65536, iterations: 3, parallelism: 4 });
    expect(Buffer.from(a.salt, 'base64')).toHaveLength(16);
    expect(a.salt).not.toBe(b.salt);
    expect(checkArgon2Params(a, 'x')).toEqual(a);
  });

  it.each([
    [{ iterations: 1 }, '--argon2-iterations', /at least 3 passes/],
    [{ iterations: 2 }, '--argon2-iterations', /got 2/],
    [{ memoryKiB: 65535 }, '--argon2-memory-kib', /at least 65536 KiB \(64 MiB, RFC 9106 §4\)/],
    [{ memoryKiB: 8 * 1024 * 1024 }, '--argon2-memory-kib', /at most 4194304 KiB/],
    [{ iterations: 65 }, '--argon2-iterations', /at most 64/],
    [{ parallelism: 0 }, 'argon2 parallelism', /at least 1/],
  ])('refuses %j', (p, file, reason) => {
    expect(() => newArgon2Params(p)).toThrow(InputError);
    try {
      newArgon2Params(p);
    } catch (e) {
      expect((e as InputError).file).toBe(file);
      expect((e as InputError).detail).toMatch(reason);
    }
  });

  it('accepts more than the floor', () => {
    expect(newArgon2Params({ memoryKiB: 131072, iterations: 4, parallelism: 1 })).toMatchObject({ memoryKiB: 131072, iterations: 4, parallelism: 1 });
  });
});

describe('the CLI on a vault whose Argon2id parameters were tampered with', () => {
  it('refuses with exit 2 and a message naming the field, not "internal error" (exit 3); --argon2-iterations 1 is refused at init', () => {
    const dir = tmp('argon2');
    const vault = join(dir, 'vault.db');
    const pass = put(dir, 'alice.pass', passphraseOf('alice'));
    const weak = custodian('--vault', vault, 'vault', 'init', '--custodian', `alice:${pass}`, '--threshold', '1', '--argon2-iterations', '1');
    expect(weak.code).toBe(2);
    expect(weak.stderr).toMatch(/--argon2-iterations: Argon2id iterations: must be a whole number, at least 3 passes/);
    expect(custodian('--vault', vault, 'vault', 'init', '--custodian', `alice:${pass}`, '--threshold', '1').code).toBe(0);
    const raw = new Database(vault);
    raw.prepare("UPDATE custodians SET kdf = json_set(kdf, '$.memoryKiB', 1099511627776) WHERE name = 'alice'").run();
    raw.close();
    const r = custodian('--vault', vault, 'audit', 'export', '--custodian', 'alice', '--passphrase-file', pass);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/kdf\.memoryKiB: 1099511627776 KiB is outside 65536\.\.4194304 KiB/);
    expect(r.stderr).not.toMatch(/internal error/);
  });
});
