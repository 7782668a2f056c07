/**
 * The vault's cryptographic building blocks, all from well-kept implementations: AES-256-GCM, HKDF and
 * SHA-2 from Node's `crypto` (OpenSSL), Argon2id from `hash-wasm`, RFC 8785 canonical JSON from
 * `canonicalize`. Nothing here is hand-rolled; this file only fixes the parameters and byte layouts.
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import canonicalizeJson from 'canonicalize';
import { argon2id } from 'hash-wasm';
import { InputError } from './errors.ts';

/** RFC 8785 (JCS) canonical JSON text of `value`. Throws on values JSON cannot represent. */
export function jcs(value: unknown): string {
  const text = canonicalizeJson(value);
  if (text === undefined) throw new Error('value has no canonical JSON form');
  return text;
}

/** Lowercase hex SHA-256 of bytes or of a UTF-8 string. */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Lowercase hex SHA-256 of the RFC 8785 canonical JSON of `value`. */
export function jcsHash(value: unknown): string {
  return sha256Hex(jcs(value));
}

/** `n` bytes from the OS CSPRNG. */
export const random = (n: number): Buffer => randomBytes(n);

/** Constant-time equality of two byte strings (false when lengths differ). */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * HKDF-SHA256 (RFC 5869). `ikm` raw bytes, `salt` raw or UTF-8, `info` a UTF-8 label such as
 * `custodian/v1/model-key-wrap`; returns `length` raw bytes (default 32).
 */
export function hkdf(ikm: Uint8Array, salt: Uint8Array | string, info: string, length = 32): Buffer {
  return Buffer.from(hkdfSync('sha256', ikm, salt, info, length));
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * AES-256-GCM seal (NIST SP 800-38D) with a fresh random 96-bit IV. `key` 32 raw bytes; `aad` is
 * authenticated but not stored (pass the same value to {@link open}). Returns `iv(12) ‖ ciphertext ‖ tag(16)`.
 */
export function seal(key: Uint8Array, plaintext: Uint8Array, aad: string): Buffer {
  const iv = random(IV_BYTES);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(Buffer.from(aad, 'utf8'));
  const ct = Buffer.concat([c.update(plaintext), c.final()]);
  return Buffer.concat([iv, ct, c.getAuthTag()]);
}

/**
 * Opens a {@link seal}ed blob. Returns the plaintext, or `null` when authentication fails (wrong key,
 * wrong AAD, or any byte changed); callers turn `null` into an error naming the field.
 */
export function open(key: Uint8Array, blob: Uint8Array, aad: string): Buffer | null {
  if (blob.length < IV_BYTES + TAG_BYTES) return null;
  const iv = blob.subarray(0, IV_BYTES);
  const tag = blob.subarray(blob.length - TAG_BYTES);
  const d = createDecipheriv('aes-256-gcm', key, iv);
  d.setAAD(Buffer.from(aad, 'utf8'));
  d.setAuthTag(tag);
  try {
    return Buffer.concat([d.update(blob.subarray(IV_BYTES, blob.length - TAG_BYTES)), d.final()]);
  } catch {
    return null;
  }
}

/**
 * Argon2id parameters (RFC 9106), stored per custodian. `memoryKiB` in KiB, `iterations` passes,
 * `parallelism` lanes, `salt` base64 of 16 random bytes (16..64 accepted when read); output is 32 bytes.
 */
export interface Argon2Params {
  alg: 'argon2id';
  version: 19;
  memoryKiB: number;
  iterations: number;
  parallelism: number;
  salt: string;
}

/** Smallest accepted Argon2id memory, KiB (64 MiB). */
export const MIN_ARGON2_MEMORY_KIB = 65536;
/** Smallest number of passes for a new custodian (RFC 9106 §4, second recommended option). */
export const MIN_ARGON2_ITERATIONS = 3;
/**
 * Defaults for new custodians: exactly RFC 9106 §4's second recommended option, m = 64 MiB
 * (65536 KiB), t = 3, p = 4 (for memory-constrained environments; the first option needs 2 GiB).
 */
export const DEFAULT_ARGON2 = { memoryKiB: 65536, iterations: 3, parallelism: 4 } as const;

/**
 * What a vault file may ask for: wide enough for any sane setting, narrow enough that a tampered
 * value is refused up front instead of exhausting memory or time (or crashing the Argon2 library).
 */
export const ARGON2_BOUNDS = {
  memoryKiB: { min: MIN_ARGON2_MEMORY_KIB, max: 4194304 }, // 64 MiB .. 4 GiB
  iterations: { min: 1, max: 64 },
  parallelism: { min: 1, max: 16 },
  saltBytes: { min: 16, max: 64 },
} as const;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Checks Argon2id parameters read from a vault file and returns a fresh, well-typed copy. `where`
 * names the source for the error (e.g. `vault.db: custodian alice`). Accepts `alg` 'argon2id',
 * `version` 19 (0x13), `memoryKiB` 65536..4194304, `iterations` 1..64, `parallelism` 1..16 (whole
 * numbers), `salt` canonical base64 of 16..64 bytes; extra fields are ignored (not copied). Throws
 * InputError(where, 'kdf.<field>', reason), e.g. `kdf.memoryKiB: 1099511627776 KiB is outside
 * 65536..4194304 KiB (64 MiB..4 GiB)`, so a tampered file is a clear refusal (CLI exit 2).
 */
export function checkArgon2Params(p: unknown, where: string): Argon2Params {
  if (typeof p !== 'object' || p === null || Array.isArray(p)) throw new InputError(where, 'kdf', 'is not an object of Argon2id parameters');
  const o = p as Record<string, unknown>;
  if (o.alg !== 'argon2id') throw new InputError(where, 'kdf.alg', `must be "argon2id", got ${JSON.stringify(o.alg) ?? 'nothing'}`);
  if (o.version !== 19) throw new InputError(where, 'kdf.version', `must be 19 (Argon2 version 0x13), got ${JSON.stringify(o.version) ?? 'nothing'}`);
  const int = (field: 'memoryKiB' | 'iterations' | 'parallelism', unit: string, span: string): number => {
    const v = o[field];
    const { min, max } = ARGON2_BOUNDS[field];
    if (typeof v !== 'number' || !Number.isInteger(v)) throw new InputError(where, `kdf.${field}`, `must be a whole number, got ${JSON.stringify(v) ?? 'nothing'}`);
    if (v < min || v > max) throw new InputError(where, `kdf.${field}`, `${v}${unit} is outside ${min}..${max}${unit}${span}`);
    return v;
  };
  const memoryKiB = int('memoryKiB', ' KiB', ' (64 MiB..4 GiB)');
  const iterations = int('iterations', '', ' passes');
  const parallelism = int('parallelism', '', ' lanes');
  if (typeof o.salt !== 'string' || !BASE64.test(o.salt)) throw new InputError(where, 'kdf.salt', 'is not base64 text');
  const saltBytes = Buffer.from(o.salt, 'base64').length;
  const { min, max } = ARGON2_BOUNDS.saltBytes;
  if (saltBytes < min || saltBytes > max) throw new InputError(where, 'kdf.salt', `is ${saltBytes} bytes, outside ${min}..${max}`);
  return { alg: 'argon2id', version: 19, memoryKiB, iterations, parallelism, salt: o.salt };
}

/**
 * Fresh parameters for a new custodian, with a random 16-byte salt. Defaults {@link DEFAULT_ARGON2};
 * InputError (naming the CLI option) for memory below 64 MiB, fewer than 3 passes, or anything
 * outside {@link ARGON2_BOUNDS}: a new custodian never gets less than RFC 9106's second option.
 */
export function newArgon2Params(p: { memoryKiB?: number; iterations?: number; parallelism?: number } = {}): Argon2Params {
  const memoryKiB = p.memoryKiB ?? DEFAULT_ARGON2.memoryKiB;
  const iterations = p.iterations ?? DEFAULT_ARGON2.iterations;
  const parallelism = p.parallelism ?? DEFAULT_ARGON2.parallelism;
  const check = (v: number, min: number, max: number, unit: string, option: string, field: string, why: string) => {
    if (!Number.isInteger(v) || v < min || v > max) throw new InputError(option, field, `must be a whole number, at least ${min}${unit}${why} and at most ${max}${unit}, got ${v}`);
  };
  check(memoryKiB, MIN_ARGON2_MEMORY_KIB, ARGON2_BOUNDS.memoryKiB.max, ' KiB', '--argon2-memory-kib', 'Argon2id memory', ' (64 MiB, RFC 9106 §4)');
  check(iterations, MIN_ARGON2_ITERATIONS, ARGON2_BOUNDS.iterations.max, '', '--argon2-iterations', 'Argon2id iterations', ' passes (RFC 9106 §4)');
  check(parallelism, ARGON2_BOUNDS.parallelism.min, ARGON2_BOUNDS.parallelism.max, '', 'argon2 parallelism', 'Argon2id lanes', '');
  return { alg: 'argon2id', version: 19, memoryKiB, iterations, parallelism, salt: random(16).toString('base64') };
}

/** Milliseconds spent in Argon2id by this process (the bench subtracts it from ceremony timings). */
export const argon2Clock = { ms: 0, runs: 0 };

/** Passphrase-derived keys: `sealKey` (AES-256-GCM) and `verifier` (stored, tells a wrong passphrase from a tampered blob). */
export interface PassphraseKeys {
  sealKey: Buffer;
  verifier: Buffer;
}

/**
 * Argon2id(passphrase, params) → 32 bytes, then HKDF-SHA256 into a 32-byte seal key
 * (`custodian/v1/passphrase-seal`) and a 32-byte verifier (`custodian/v1/passphrase-verifier`).
 * `params` is checked first ({@link checkArgon2Params}, errors naming `where`): parameters usually come
 * from the vault file, which an attacker may have written.
 */
export async function derivePassphraseKeys(passphrase: string, untrusted: Argon2Params, where = 'vault file'): Promise<PassphraseKeys> {
  const params = checkArgon2Params(untrusted, where);
  const start = performance.now();
  const master = await argon2id({
    password: passphrase.normalize('NFC'),
    salt: Buffer.from(params.salt, 'base64'),
    memorySize: params.memoryKiB,
    iterations: params.iterations,
    parallelism: params.parallelism,
    hashLength: 32,
    outputType: 'binary',
  });
  argon2Clock.ms += performance.now() - start;
  argon2Clock.runs++;
  const keys = { sealKey: hkdf(master, params.salt, 'custodian/v1/passphrase-seal'), verifier: hkdf(master, params.salt, 'custodian/v1/passphrase-verifier') };
  master.fill(0);
  return keys;
}

