/**
 * The vault room's IPC channels through the real dispatcher (contract validation both ways), the real
 * wasm core and a real SQLite vault: a whole ceremony as the console drives it, every refusal the
 * wizard shows, the audit screen's reads, and that no response carries a passphrase or key material.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { FlattenedJWE, JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { core } from '../helpers.ts';
import { NAMES, passphraseOf, tmp } from './helpers.ts';
import { BatchJobs } from '../../electron/batch/jobs.ts';
import { createDispatcher } from '../../electron/ipc/dispatch.ts';
import { createHandlers } from '../../electron/ipc/handlers.ts';
import type { Channel, Request, Response } from '../../electron/ipc/contract.ts';
import { parseChallenge, rehearseSnp } from '../../electron/rehearse/snp.ts';
import { random } from '../../electron/vault/crypto.ts';
import { decryptBundle, verifyClaims, type ReceiptClaims } from '../../electron/vault/release.ts';

const batch = new BatchJobs({ workerUrl: new URL('../../electron/batch/worker.ts', import.meta.url), threads: 1 });
const room = createHandlers({ core, batch, version: '1', shell: 'loopback', actor: 'operator-test' });
const dispatch = createDispatcher(room.handlers);
/** Every response body, to search for secrets afterwards. */
const seen: string[] = [];

async function call<C extends Channel>(channel: C, request: Request<C>): Promise<Response<C>> {
  const r = await dispatch(channel, request);
  seen.push(JSON.stringify(r));
  if (!r.ok) throw new Error(`${r.error.file}: ${r.error.field}: ${r.error.message}`);
  return r.value as Response<C>;
}

const dir = tmp('ipc');
const path = join(dir, 'vault.db');
const names = NAMES.slice(0, 3);
const keyBytes = random(32);
const keyFile = join(dir, 'model.key');
writeFileSync(keyFile, keyBytes);

beforeAll(async () => {
  await call('vault:create', { path, threshold: 2, custodians: names.map((name) => ({ name, passphrase: passphraseOf(name) })) });
});
afterAll(() => room.close());

describe('vault room over IPC', () => {
  it('refuses vault steps before a vault is open, and a second vault at the same path', async () => {
    const fresh = createDispatcher(createHandlers({ core, batch, version: '1', shell: 'loopback', actor: 't' }).handlers);
    const r = await fresh('key:list', {});
    expect(r.ok || r.error).toMatchObject({ field: 'vault', message: expect.stringMatching(/no vault is open/) });
    const again = await fresh('vault:create', { path, threshold: 1, custodians: [{ name: 'x', passphrase: passphraseOf('x') }] });
    expect(again.ok || again.error).toMatchObject({ file: path, message: expect.stringMatching(/already exists/) });
    const notVault = join(dir, 'not-a-vault');
    writeFileSync(notVault, 'hello');
    const bad = await fresh('vault:open', { path: notVault });
    expect(bad.ok || bad.error).toMatchObject({ file: notVault, field: 'vault' });
  });

  it('shows the vault: threshold, custodians with their Argon2id parameters, schema', async () => {
    const { vault } = await call('vault:status', {});
    expect(vault).toMatchObject({ path, threshold: 2, custodians: names.map((name) => ({ name, kdf: { alg: 'argon2id', memoryKiB: 65536, iterations: 3, parallelism: 4 } })) });
    expect(vault!.vaultId).toMatch(/^v_[0-9a-f]{16}$/);
  });

  it('adds keys by generation and by import from a path main reads; policy errors name the field', async () => {
    const { key } = await call('key:add', { name: 'model', source: { importPath: keyFile }, policy: { allow_test_anchor: true, approvals: 2 } });
    expect(key).toMatchObject({ name: 'model', kind: 'aes', bits: 256, source: 'raw', policy: { approvals: 2, tee: ['sev-snp'], allow_test_anchor: true } });
    const gen = await call('key:add', { name: 'generated', source: { generate: 128 }, policy: { tee: ['sev-snp', 'tdx'] } });
    expect(gen.key).toMatchObject({ kind: 'aes', bits: 128, source: 'generated' });
    expect((await call('key:list', {})).keys.map((k) => k.name)).toEqual(['model', 'generated']);
    const unknown = await dispatch('key:add', { name: 'x', source: { generate: 256 }, policy: { aprovals: 2 } });
    expect(unknown.ok || unknown.error).toMatchObject({ file: 'release policy', field: 'aprovals' });
    const badPolicy = await dispatch('key:add', { name: 'x', source: { generate: 256 }, policy: { appraisal_policy: { snp: { no_such_option: 1 } } } });
    expect(badPolicy.ok || badPolicy.error).toMatchObject({ file: 'release policy', field: expect.stringMatching(/^appraisal_policy/) });
    const few = await dispatch('key:add', { name: 'x', source: { generate: 256 }, policy: { approvals: 1 } });
    expect(few.ok || few.error).toMatchObject({ field: 'approvals' });
    const missing = await dispatch('key:add', { name: 'x', source: { importPath: join(dir, 'nope.key') }, policy: {} });
    expect(missing.ok || missing.error).toMatchObject({ file: join(dir, 'nope.key'), field: 'key file', message: 'no such file' });
  });

  it('runs a whole ceremony: challenge file, evidence, refusals, two approvals, release files that decrypt to the key', async () => {
    const { ceremony: opened } = await call('ceremony:open', { key: 'model' });
    expect(opened).toMatchObject({ state: 'open', data: { key_name: 'model', approvals_required: 2, participants: names } });
    const id = opened.id;
    const noFolder = await dispatch('ceremony:challenge', { id, hashAlg: 'sha384', folder: join(dir, 'missing') });
    expect(noFolder.ok || noFolder.error).toMatchObject({ field: 'output folder', message: 'no such folder' });
    const ch = await call('ceremony:challenge', { id, hashAlg: 'sha384', folder: dir });
    expect(ch.file).toBe(join(dir, `${id}-challenge.json`));
    expect(ch.ceremony.state).toBe('challenged');
    const challenge = parseChallenge(readFileSync(ch.file, 'utf8'), ch.file);
    expect(challenge).toEqual({ nonce: ch.ceremony.data.challenge!.nonce, hashAlg: 'sha384' });

    // Evidence bound to another TEE key than the one presented: refused, ceremony still waits.
    const r = rehearseSnp(challenge);
    const other = rehearseSnp(challenge);
    const file = (name: string, from = r) => ({ name, bytes: new Uint8Array(Buffer.from(from.files[name]!)) });
    const evidence = { id, evidence: file('report.bin'), endorsements: [file('chain.pem')], testAnchors: [file('test-anchor.pem')], referenceTime: new Date().toISOString() };
    const wrongKey = await dispatch('ceremony:evidence', { ...evidence, teePubkey: file('tee-pubkey.jwk', other) });
    expect(wrongKey.ok || wrongKey.error).toMatchObject({ file: 'ceremony:evidence', field: 'refused (binding)' });
    const notJwk = await dispatch('ceremony:evidence', { ...evidence, teePubkey: { name: 'k.jwk', bytes: new Uint8Array([0xff]) } });
    expect(notJwk.ok || notJwk.error).toMatchObject({ file: 'k.jwk', field: 'tee-pubkey' });

    const { ceremony: appraised } = await call('ceremony:evidence', { ...evidence, teePubkey: file('tee-pubkey.jwk') });
    expect(appraised.state).toBe('appraised');
    expect(appraised.data.evidence!.appraisal).toMatchObject({ platform: 'sev-snp', trust_anchor: { kind: 'test' } });
    const fingerprint = appraised.data.request_sha256!;
    expect(fingerprint).toMatch(/^[0-9a-f]{64}$/);

    const wrongPass = await dispatch('ceremony:approve', { id, custodian: 'alice', passphrase: 'not alice at all', requestSha256: fingerprint });
    expect(wrongPass.ok || wrongPass.error).toMatchObject({ field: 'refused (authentication)', message: expect.stringMatching(/wrong passphrase/) });
    const wrongHash = await dispatch('ceremony:approve', { id, custodian: 'alice', passphrase: passphraseOf('alice'), requestSha256: '0'.repeat(64) });
    expect(wrongHash.ok || wrongHash.error).toMatchObject({ field: 'refused (approvals)' });
    await call('ceremony:approve', { id, custodian: 'alice', passphrase: passphraseOf('alice'), requestSha256: fingerprint });
    const twice = await dispatch('ceremony:approve', { id, custodian: 'alice', passphrase: passphraseOf('alice'), requestSha256: fingerprint });
    expect(twice.ok || twice.error).toMatchObject({ field: 'refused (approvals)', message: expect.stringMatching(/already approved/) });
    const early = await dispatch('ceremony:release', { id, folder: dir });
    expect(early.ok || early.error).toMatchObject({ field: 'refused (approvals)', message: expect.stringMatching(/1 of the 2/) });
    const { ceremony: approved } = await call('ceremony:approve', { id, custodian: 'carol', passphrase: passphraseOf('carol'), requestSha256: fingerprint });
    expect(approved.state).toBe('approved');

    const released = await call('ceremony:release', { id, folder: dir });
    expect(released).toMatchObject({ again: false, bundleFile: join(dir, `${id}-bundle.jwe.json`), receiptFile: join(dir, `${id}-receipt.jws`), ceremony: { state: 'closed' } });
    const bundle = JSON.parse(readFileSync(released.bundleFile, 'utf8')) as FlattenedJWE;
    expect(Buffer.from((await decryptBundle(bundle, r.teePrivateJwk as JWK)).plaintext).equals(keyBytes)).toBe(true);
    const { vault } = await call('vault:status', {});
    const receipt = await verifyClaims<ReceiptClaims>(readFileSync(released.receiptFile, 'utf8').trim(), JSON.parse(new Database(path, { readonly: true }).prepare("SELECT v FROM meta WHERE k = 'signing_public_jwk'").pluck().get() as string) as JWK);
    expect(receipt).toMatchObject({ ceremony_id: id, vault_id: vault!.vaultId, request_sha256: fingerprint, approvers: [{ custodian: 'alice' }, { custodian: 'carol' }] });

    const list = await call('ceremony:list', {});
    expect(list.ceremonies[0]).toMatchObject({ id, key_name: 'model', state: 'closed' });
  });

  it('aborts a live ceremony with the reason recorded', async () => {
    const { ceremony } = await call('ceremony:open', { key: 'generated', participants: ['alice', 'bob'] });
    const { ceremony: aborted } = await call('ceremony:abort', { id: ceremony.id, reason: 'wrong workload' });
    expect(aborted).toMatchObject({ state: 'aborted', data: { end: { reason: 'wrong workload' } } });
    const after = await dispatch('ceremony:challenge', { id: ceremony.id, hashAlg: 'sha256', folder: dir });
    expect(after.ok || after.error).toMatchObject({ field: 'refused (state)' });
  });

  it('reads the audit log with filters and the chain status; exports it signed and checks the checkpoint', async () => {
    const all = await call('audit:read', { offset: 0, limit: 1000 });
    expect(all.chain).toMatchObject({ ok: true, size: all.total });
    expect(all.entries[0]!.seq).toBe(all.total); // newest first
    expect(all.events).toEqual(expect.arrayContaining(['vault.init', 'key.stored', 'ceremony.opened', 'ceremony.approved', 'ceremony.released', 'ceremony.step.refused']));
    const refused = await call('audit:read', { event: 'ceremony.step.refused', offset: 0, limit: 100 });
    expect(refused.entries.map((e) => e.payload.reason).sort()).toEqual(expect.arrayContaining(['authentication', 'binding', 'approvals']));
    expect(refused.entries.every((e) => e.event === 'ceremony.step.refused')).toBe(true);
    const byCarol = await call('audit:read', { actor: 'carol', offset: 0, limit: 100 });
    expect(byCarol.entries.map((e) => e.event)).toEqual(['ceremony.approved']);
    const text = await call('audit:read', { text: 'WRONG WORKLOAD', offset: 0, limit: 100 });
    expect(text.entries.map((e) => e.event)).toEqual(['ceremony.step.refused', 'ceremony.aborted']); // the abort, then the refused step quoting its reason
    const future = await call('audit:read', { from: '2999-01-01T00:00:00Z', offset: 0, limit: 100 });
    expect(future.matched).toBe(0);

    const badExport = await dispatch('audit:export', { custodian: 'bob', passphrase: 'not the passphrase', folder: dir });
    expect(badExport.ok || badExport.error).toMatchObject({ field: 'refused (authentication)' });
    const exp = await call('audit:export', { custodian: 'bob', passphrase: passphraseOf('bob'), folder: dir });
    expect(existsSync(exp.file)).toBe(true);
    expect(exp.checkpoint).toMatchObject({ type: 'custodian-audit-checkpoint', size: exp.entries });
    const bytes = new Uint8Array(readFileSync(exp.file));
    expect((await call('audit:checkpoint', { file: { name: exp.file, bytes } })).checkpoint.head_sha256).toBe(exp.checkpoint.head_sha256);

    // A rewritten entry: the chain status names it, and the checkpoint no longer matches.
    const raw = new Database(path);
    raw.exec('DROP TRIGGER audit_no_update');
    raw.prepare("UPDATE audit SET actor = 'mallory' WHERE seq = 3").run();
    raw.close();
    const broken = await call('audit:read', { offset: 0, limit: 10 });
    expect(broken.chain).toMatchObject({ ok: false, firstBad: { seq: 3 } });
    const cp = await dispatch('audit:checkpoint', { file: { name: exp.file, bytes } });
    expect(cp.ok || cp.error).toMatchObject({ field: 'refused (authentication)', message: expect.stringMatching(/rewritten/) });
  });

  it('never returns a passphrase or the key material', () => {
    const all = seen.join('\n');
    for (const name of names) expect(all).not.toContain(passphraseOf(name));
    for (const enc of ['hex', 'base64', 'base64url'] as const) expect(all).not.toContain(keyBytes.toString(enc));
  });
});
