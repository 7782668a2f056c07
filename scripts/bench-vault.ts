/**
 * `npm run bench` (vault part): the cost of one release ceremony's automated steps, in process,
 * excluding human time and Argon2id, and of one Argon2id unlock at the default parameters.
 *
 * Ceremony: open → challenge → evidence (wasm core appraisal of a rehearsal SEV-SNP report + binding)
 * → 2 approvals (Argon2id time subtracted: key-record check, share decryption, escrow seal, approval
 * signature and commit remain) → release (approval signatures, re-appraisal of the stored evidence,
 * Shamir combine, model-key unseal and fingerprint, JWE to the TEE key, signed receipt, commit) → close. Making the rehearsal evidence (the workload's side) is not timed. Vault on a temp file, WAL,
 * synchronous=FULL, so every commit includes an fsync. Reports medians over BENCH_CEREMONIES runs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCore } from '../electron/core/core.ts';
import { rehearsalEvidence, rehearseSnp } from '../electron/rehearse/snp.ts';
import { approve, challenge, closeReleased, openCeremony, release, show, submitEvidence } from '../electron/vault/ceremony.ts';
import { argon2Clock, DEFAULT_ARGON2, derivePassphraseKeys, newArgon2Params, random } from '../electron/vault/crypto.ts';
import { initVault, unlockCustodian } from '../electron/vault/custodians.ts';
import { storeKey } from '../electron/vault/keys.ts';
import { openVault } from '../electron/vault/open.ts';
import { parseReleasePolicy } from '../electron/vault/policy.ts';

const RUNS = Number(process.env.BENCH_CEREMONIES ?? 7);
const dir = mkdtempSync(join(tmpdir(), 'custodian-bench-'));
const escrowDir = mkdtempSync('/dev/shm/custodian-bench-escrow-');
process.env.CUSTODIAN_ESCROW_DIR = escrowDir;
process.env.XDG_CONFIG_HOME = join(dir, 'config'); // the bench vault's pin stays out of the user's
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// One Argon2id unlock at the default parameters.
const params = newArgon2Params();
const unlock: number[] = [];
for (let i = 0; i < 5; i++) {
  const t = performance.now();
  await derivePassphraseKeys('a custodian passphrase', params);
  unlock.push(performance.now() - t);
}

const names = ['alice', 'bob', 'carol'];
const path = join(dir, 'vault.db');
await initVault(path, names.map((name) => ({ name, passphrase: `correct horse battery ${name}` })), { threshold: 2 });
const { db, roster } = await openVault(path);
const ctx = { db, roster, actor: 'bench' };
const core = await loadCore();
const alice = await unlockCustodian(db, roster, 'alice', 'correct horse battery alice');
const key = await storeKey(db, roster, 'bench', { format: 'raw', bytes: random(32), source: 'generated' }, parseReleasePolicy({ allow_test_anchor: true }, 'bench', 2, 3), alice, 'bench');

const steps: Record<string, number[]> = { open: [], challenge: [], evidence: [], show: [], approvals: [], release: [], close: [], total: [] };
for (let i = 0; i < RUNS + 1; i++) {
  const t: Record<string, number> = {};
  const time = async <T>(step: string, fn: () => Promise<T>): Promise<T> => {
    const a0 = argon2Clock.ms;
    const s = performance.now();
    const r = await fn();
    t[step] = (t[step] ?? 0) + performance.now() - s - (argon2Clock.ms - a0);
    return r;
  };
  const cid = await time('open', () => openCeremony(ctx, key.id));
  const ch = await time('challenge', () => challenge(ctx, cid));
  const r = await rehearseSnp({ nonce: ch.nonce, hashAlg: ch['extra-params']['selected-hash-algorithm'] });
  const input = rehearsalEvidence(r);
  await time('evidence', () => submitEvidence(ctx, core, cid, input));
  const { data } = await time('show', async () => show(ctx, cid));
  for (const n of ['alice', 'bob']) await time('approvals', () => approve(ctx, cid, n, `correct horse battery ${n}`, { requestSha256: data.request_sha256! }));
  await time('release', () => release(ctx, core, cid));
  await time('close', () => closeReleased(ctx, cid, { bundle: 'b', receipt: 'r' }));
  if (i === 0) continue; // warm-up
  for (const [k, v] of Object.entries(t)) steps[k]!.push(v);
  steps.total!.push(Object.values(t).reduce((x, y) => x + y, 0));
}
db.close();
for (const d of [dir, escrowDir]) rmSync(d, { recursive: true, force: true });

console.log(`Argon2id unlock (m=${DEFAULT_ARGON2.memoryKiB} KiB, t=${DEFAULT_ARGON2.iterations}, p=${DEFAULT_ARGON2.parallelism}, hash-wasm): median ${median(unlock).toFixed(0)} ms over ${unlock.length}`);
console.log(`one ceremony's automated steps, excluding Argon2id (median of ${RUNS}, ms):`);
for (const [k, v] of Object.entries(steps)) console.log(`  ${k.padEnd(10)} ${median(v).toFixed(1)}`);
