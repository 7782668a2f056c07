/** Helpers for the vault tests: a fresh vault with a model key, rehearsal evidence, the CLI. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll } from 'vitest';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../helpers.ts';
import { rehearsalEvidence, rehearseSnp, type RehearsalFiles } from '../../electron/rehearse/snp.ts';
import type { Challenge, TeePublicJwk } from '../../electron/vault/binding.ts';
import { approve, show, type Ctx, type EvidenceInput } from '../../electron/vault/ceremony.ts';
import { random } from '../../electron/vault/crypto.ts';
import { initVault, unlockCustodian, type TrustedRoster } from '../../electron/vault/custodians.ts';
import type { Db } from '../../electron/vault/db.ts';
import { storeKey, type KeyRecord } from '../../electron/vault/keys.ts';
import { openVault } from '../../electron/vault/open.ts';
import { parseReleasePolicy } from '../../electron/vault/policy.ts';

/** A fresh temporary directory. */
export const tmp = (label = 'vault') => mkdtempSync(join(tmpdir(), `custodian-${label}-`));

// Each test file gets its own RAM escrow directory (mkdtemp: mode 0700, ours) and its own known-vaults
// pin file (XDG_CONFIG_HOME), both inherited by CLI children and removed afterwards.
const escrowDir = mkdtempSync('/dev/shm/custodian-test-escrow-');
process.env.CUSTODIAN_ESCROW_DIR = escrowDir;
const configDir = mkdtempSync(join(tmpdir(), 'custodian-test-config-'));
process.env.XDG_CONFIG_HOME = configDir;
afterAll(() => {
  for (const d of [escrowDir, configDir]) rmSync(d, { recursive: true, force: true });
});

export { NAMES, passphraseOf } from './names.ts';
import { NAMES, passphraseOf } from './names.ts';

export interface TestVault {
  dir: string;
  path: string;
  db: Db;
  roster: TrustedRoster;
  ctx: Ctx;
  names: string[];
  key: KeyRecord;
  keyBytes: Buffer;
}

/** A vault with `n` custodians, threshold `m`, and one random AES-256 model key under `policy`, imported by the first custodian. */
export async function newVault({ n = 3, m = 2, policy = {} as Record<string, unknown> } = {}): Promise<TestVault> {
  const dir = tmp();
  const path = join(dir, 'vault.db');
  const names = NAMES.slice(0, n);
  await initVault(path, names.map((name) => ({ name, passphrase: passphraseOf(name) })), { threshold: m });
  const { db, roster } = await openVault(path);
  const keyBytes = random(32);
  const importer = await unlockCustodian(db, roster, names[0]!, passphraseOf(names[0]!));
  const key = await storeKey(db, roster, 'model', { format: 'raw', bytes: Buffer.from(keyBytes), source: 'raw' }, parseReleasePolicy({ allow_test_anchor: true, ...policy }, 'test', m, n), importer, 'test');
  return { dir, path, db, roster, ctx: { db, roster, actor: 'test' }, names, key, keyBytes };
}

/** Rehearsal evidence for `challenge` as {@link EvidenceInput}, plus the TEE private key. */
export async function evidenceFor(challenge: Challenge, opts: { kty?: 'EC' | 'RSA'; teePubkey?: TeePublicJwk; policy?: bigint; testAnchor?: boolean; vcek?: 'valid' | 'expired-vcek' } = {}): Promise<{ input: EvidenceInput; r: RehearsalFiles }> {
  const r = await rehearseSnp({ nonce: challenge.nonce, hashAlg: challenge['extra-params']['selected-hash-algorithm'] }, opts.kty ?? 'EC', { policy: opts.policy, vcek: opts.vcek });
  return { r, input: rehearsalEvidence(r, opts) };
}

/** `custodian` approves ceremony `cid`, having compared the request hash shown by `show`. */
export function approveAs(ctx: Ctx, cid: string, custodian: string, passphrase = passphraseOf(custodian)) {
  return approve(ctx, cid, custodian, passphrase, { requestSha256: show(ctx, cid).data.request_sha256 ?? '' });
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
