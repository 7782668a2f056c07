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
 * Argon2id parameters (RFC 9106), stored per custodian. `memoryKiB` in KiB (≥ 65536 = 64 MiB),
 * `iterations` passes, `parallelism` lanes, `salt` base64 of 16 random bytes; output is 32 bytes.
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
/** Defaults: 64 MiB, 3 passes, 1 lane (RFC 9106 §4 second recommended option, with t = 3). */
export const DEFAULT_ARGON2 = { memoryKiB: 65536, iterations: 3, parallelism: 1 } as const;

/** Fresh parameters with a random salt; InputError for memory below 64 MiB or iterations below 1. */
export function newArgon2Params(p: { memoryKiB?: number; iterations?: number; parallelism?: number } = {}): Argon2Params {
  const memoryKiB = p.memoryKiB ?? DEFAULT_ARGON2.memoryKiB;
  const iterations = p.iterations ?? DEFAULT_ARGON2.iterations;
  if (!(memoryKiB >= MIN_ARGON2_MEMORY_KIB)) throw new InputError('--argon2-memory-kib', 'Argon2id memory', `must be at least ${MIN_ARGON2_MEMORY_KIB} KiB (64 MiB), got ${memoryKiB}`);
  if (!(iterations >= 1)) throw new InputError('--argon2-iterations', 'Argon2id iterations', `must be at least 1, got ${iterations}`);
  return { alg: 'argon2id', version: 19, memoryKiB, iterations, parallelism: p.parallelism ?? DEFAULT_ARGON2.parallelism, salt: random(16).toString('base64') };
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
 */
export async function derivePassphraseKeys(passphrase: string, params: Argon2Params): Promise<PassphraseKeys> {
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

/**
 * Provisional bounds check of Argon2id parameters read from a vault file (the issue-cli branch
 * replaces it): InputError(where, 'kdf.<field>') for anything out of range.
 */
export function checkArgon2Params(p: unknown, where: string): Argon2Params {
  const o = (p ?? {}) as Record<string, unknown>;
  const bad = (f: string, why: string) => new InputError(where, `kdf.${f}`, why);
  if (o.alg !== 'argon2id') throw bad('alg', 'must be argon2id');
  if (o.version !== 19) throw bad('version', 'must be 19');
  const int = (f: string, lo: number, hi: number) => {
    if (!Number.isInteger(o[f]) || (o[f] as number) < lo || (o[f] as number) > hi) throw bad(f, `must be an integer from ${lo} to ${hi}, got ${String(o[f])}`);
  };
  int('memoryKiB', MIN_ARGON2_MEMORY_KIB, 4194304);
  int('iterations', 1, 64);
  int('parallelism', 1, 16);
  const salt = typeof o.salt === 'string' ? Buffer.from(o.salt, 'base64') : Buffer.alloc(0);
  if (salt.length < 16 || salt.length > 64) throw bad('salt', 'must be base64 of 16 to 64 bytes');
  return o as unknown as Argon2Params;
}
