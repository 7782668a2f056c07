/** Helpers for the vault tests: a fresh vault with a model key, rehearsal evidence, the CLI. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll } from 'vitest';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../helpers.ts';
import { rehearsalEvidence, rehearseSnp, type RehearsalFiles } from '../../electron/rehearse/snp.ts';
import type { Challenge, TeePublicJwk } from '../../electron/vault/binding.ts';
import type { Ctx, EvidenceInput } from '../../electron/vault/ceremony.ts';
import { random } from '../../electron/vault/crypto.ts';
import { initVault } from '../../electron/vault/custodians.ts';
import { openDb, type Db } from '../../electron/vault/db.ts';
import { storeKey, type KeyRecord } from '../../electron/vault/keys.ts';
import { parseReleasePolicy } from '../../electron/vault/policy.ts';

/** A fresh temporary directory. */
export const tmp = (label = 'vault') => mkdtempSync(join(tmpdir(), `custodian-${label}-`));

// Each test file gets its own RAM escrow directory (inherited by CLI children), removed afterwards.
const escrowDir = mkdtempSync('/dev/shm/custodian-test-escrow-');
process.env.CUSTODIAN_ESCROW_DIR = escrowDir;
afterAll(() => rmSync(escrowDir, { recursive: true, force: true }));

export { NAMES, passphraseOf } from './names.ts';
import { NAMES, passphraseOf } from './names.ts';

export interface TestVault {
  dir: string;
  path: string;
  db: Db;
  ctx: Ctx;
  names: string[];
  key: KeyRecord;
  keyBytes: Buffer;
}

/** A vault with `n` custodians, threshold `m`, and one random AES-256 model key under `policy`. */
export async function newVault({ n = 3, m = 2, policy = {} as Record<string, unknown> } = {}): Promise<TestVault> {
  const dir = tmp();
  const path = join(dir, 'vault.db');
  const names = NAMES.slice(0, n);
  await initVault(path, names.map((name) => ({ name, passphrase: passphraseOf(name) })), { threshold: m });
  const db = openDb(path);
  const keyBytes = random(32);
  const key = await storeKey(db, 'model', { format: 'raw', bytes: Buffer.from(keyBytes), source: 'raw' }, parseReleasePolicy({ allow_test_anchor: true, ...policy }, 'test', m, n), 'test');
  return { dir, path, db, ctx: { db, actor: 'test' }, names, key, keyBytes };
}

/** Rehearsal evidence for `challenge` as {@link EvidenceInput}, plus the TEE private key. */
export function evidenceFor(challenge: Challenge, opts: { kty?: 'EC' | 'RSA'; teePubkey?: TeePublicJwk; policy?: bigint; testAnchor?: boolean } = {}): { input: EvidenceInput; r: RehearsalFiles } {
  const r = rehearseSnp({ nonce: challenge.nonce, hashAlg: challenge['extra-params']['selected-hash-algorithm'] }, opts.kty ?? 'EC', { policy: opts.policy });
  return { r, input: rehearsalEvidence(r, opts) };
}

/** Runs `bin/custodian` with the test escrow directory; returns exit code and output. */
export function custodian(...args: string[]) {
  const r = spawnSync(join(ROOT, 'bin', 'custodian'), args, { cwd: ROOT, encoding: 'utf8', env: process.env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Writes a file under `dir` and returns its path. */
export function put(dir: string, name: string, data: string | Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, data);
  return p;
}
