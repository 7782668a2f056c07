/**
 * The vault room's IPC channels through the real dispatcher (contract validation both ways), the real
 * wasm core and a real SQLite vault: a whole ceremony as the console drives it, every refusal the
 * wizard shows, the audit screen's reads, and that no response carries a passphrase or key material.
 *
 * Threats: a compromised renderer backdating the evidence (no reference time in the contract), adding
 * a key without a custodian's passphrase, approving a request it did not show; a vault file swapped
 * for one this machine never pinned; a passphrase typed into the abort reason.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
import { readAudit } from '../../electron/vault/audit.ts';
import { verifyReceipt } from '../../electron/vault/receipt.ts';
import { decryptBundle } from '../../electron/vault/release.ts';

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

let vaultKey = '';
beforeAll(async () => {
  vaultKey = (await call('vault:create', { path, threshold: 2, custodians: names.map((name) => ({ name, passphrase: passphraseOf(name) })) })).vault.vaultKeyThumbprint;
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

  it('refuses a vault this machine has not pinned until its vault key thumbprint is given, and a wrong one', async () => {
    const saved = process.env.XDG_CONFIG_HOME;
    const elsewhere = mkdtempSync(join(tmpdir(), 'custodian-test-other-machine-'));
    process.env.XDG_CONFIG_HOME = elsewhere;
    const fresh = createHandlers({ core, batch, version: '1', shell: 'loopback', actor: 't' });
    try {
      const d = createDispatcher(fresh.handlers);
      const unknown = await d('vault:open', { path });
      expect(unknown.ok || unknown.error).toMatchObject({ field: 'refused (authentication)', message: expect.stringContaining(`is not known on this machine. Its vault key thumbprint is ${vaultKey}`) });
      const wrong = await d('vault:open', { path, vaultKey: 'A'.repeat(43) });
      expect(wrong.ok || wrong.error).toMatchObject({ field: 'refused (authentication)', message: expect.stringContaining(`the vault key is ${vaultKey}, not the ${'A'.repeat(43)} you gave`) });
      const opened = await d('vault:open', { path, vaultKey });
      expect(opened.ok && opened.value.vault.vaultKeyThumbprint).toBe(vaultKey);
    } finally {
      fresh.close();
      process.env.XDG_CONFIG_HOME = saved;
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('shows the vault: threshold, custodians with their Argon2id parameters, schema', async () => {
    const { vault } = await call('vault:status', {});
    expect(vault).toMatchObject({ path, threshold: 2, custodians: names.map((name) => ({ name, kdf: { alg: 'argon2id', memoryKiB: 65536, iterations: 3, parallelism: 4 } })) });
    expect(vault!.vaultId).toMatch(/^v_[0-9a-f]{16}$/);
    expect(vault!.vaultKeyThumbprint).toBe(vaultKey);
    expect(vaultKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('adds keys by generation and by import from a path main reads, signed by a custodian; policy errors name the field', async () => {
    const alice = { custodian: 'alice', passphrase: passphraseOf('alice') };
    const { key } = await call('key:add', { name: 'model', ...alice, source: { importPath: keyFile }, policy: { allow_test_anchor: true, approvals: 2 } });
    expect(key).toMatchObject({ name: 'model', kind: 'aes', bits: 256, source: 'raw', importedBy: 'alice', referenceValues: [], policy: { approvals: 2, tee: ['sev-snp'], allow_test_anchor: true, accept_warnings: [] } });
    const pinned = { snp: { measurements: ['ab'.repeat(48)] }, tdx: { mr_td: ['cd'.repeat(48)] } };
    const gen = await call('key:add', { name: 'generated', custodian: 'bob', passphrase: passphraseOf('bob'), source: { generate: 128 }, policy: { tee: ['sev-snp', 'tdx'], appraisal_policy: pinned } });
    expect(gen.key).toMatchObject({ kind: 'aes', bits: 128, source: 'generated', importedBy: 'bob', referenceValues: ['snp.measurements', 'tdx.mr_td'] });
    expect((await call('key:list', {})).keys.map((k) => k.name)).toEqual(['model', 'generated']);
    const add = (body: Record<string, unknown>) => dispatch('key:add', { name: 'x', ...alice, source: { generate: 256 }, policy: { allow_test_anchor: true }, ...body } as Request<'key:add'>);
    const unknown = await add({ policy: { aprovals: 2 } });
    expect(unknown.ok || unknown.error).toMatchObject({ file: 'release policy', field: 'aprovals' });
    const badPolicy = await add({ policy: { allow_test_anchor: true, appraisal_policy: { snp: { no_such_option: 1 } } } });
    expect(badPolicy.ok || badPolicy.error).toMatchObject({ file: 'release policy', field: expect.stringMatching(/^appraisal_policy/) });
    const few = await add({ policy: { allow_test_anchor: true, approvals: 1 } });
    expect(few.ok || few.error).toMatchObject({ field: 'approvals' });
    // A production key that names no workload is refused unless the opt-out is explicit.
    const loose = await add({ policy: {} });
    expect(loose.ok || loose.error).toMatchObject({ file: 'release policy', field: 'appraisal_policy', message: expect.stringMatching(/needs at least one reference value/) });
    const missing = await add({ source: { importPath: join(dir, 'nope.key') } });
    expect(missing.ok || missing.error).toMatchObject({ file: join(dir, 'nope.key'), field: 'key file', message: 'no such file' });
    // The record is signed by the custodian: no passphrase, no key; a wrong one is refused, and nothing is stored.
    const noSigner = await dispatch('key:add', { name: 'x', source: { generate: 256 }, policy: { allow_test_anchor: true } } as unknown as Request<'key:add'>);
    expect(noSigner.ok).toBe(false);
    const wrongPass = await add({ passphrase: 'not alice at all' });
    expect(wrongPass.ok || wrongPass.error).toMatchObject({ field: 'refused (authentication)', message: expect.stringMatching(/custodian alice: wrong passphrase/) });
    expect((await call('key:list', {})).keys.map((k) => k.name)).toEqual(['model', 'generated']);
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
    const r = await rehearseSnp(challenge);
    const other = await rehearseSnp(challenge);
    const file = (name: string, from = r) => ({ name, bytes: new Uint8Array(Buffer.from(from.files[name]!)) });
    const evidence = { id, evidence: file('report.bin'), endorsements: [file('chain.pem'), file('crl.der')], testAnchors: [file('test-anchor.pem')] };
    // The renderer cannot choose the appraisal time: the contract has no reference time (main's clock is used).
    const backdated = await dispatch('ceremony:evidence', { ...evidence, teePubkey: file('tee-pubkey.jwk'), referenceTime: '2020-06-01T00:00:00Z' } as Request<'ceremony:evidence'>);
    expect(backdated.ok).toBe(false);
    expect(JSON.stringify(backdated)).toMatch(/referenceTime/);
    // A missing endorsement is bad input; revocation not checked (no CRL) is a warning the default policy does not accept.
    const noChain = await dispatch('ceremony:evidence', { ...evidence, endorsements: [file('crl.der')], teePubkey: file('tee-pubkey.jwk') });
    expect(noChain.ok || noChain.error).toMatchObject({ file: 'report.bin', message: expect.stringMatching(/nothing was recorded; give the endorsement/) });
    const noCrl = await dispatch('ceremony:evidence', { ...evidence, endorsements: [file('chain.pem')], teePubkey: file('tee-pubkey.jwk') });
    expect(noCrl.ok || noCrl.error).toMatchObject({ field: 'refused (policy)', message: expect.stringMatching(/accepts only affirming evidence/) });
    expect((await call('ceremony:show', { id })).ceremony.state).toBe('challenged');
    const wrongKey = await dispatch('ceremony:evidence', { ...evidence, teePubkey: file('tee-pubkey.jwk', other) });
    expect(wrongKey.ok || wrongKey.error).toMatchObject({ file: 'ceremony:evidence', field: 'refused (binding)' });
    const notJwk = await dispatch('ceremony:evidence', { ...evidence, teePubkey: { name: 'k.jwk', bytes: new Uint8Array([0xff]) } });
    expect(notJwk.ok || notJwk.error).toMatchObject({ file: 'k.jwk', field: 'tee-pubkey' });

    const { ceremony: appraised } = await call('ceremony:evidence', { ...evidence, teePubkey: file('tee-pubkey.jwk') });
    expect(appraised.state).toBe('appraised');
    expect(appraised.data.evidence!.appraisal).toMatchObject({ platform: 'sev-snp', verdict: 'affirming', trust_anchor: { kind: 'test' } });
    // Appraised as of main's clock, and the request names that time.
    const at = Date.parse(appraised.data.request!.reference_time);
    expect(Math.abs(at - Date.now())).toBeLessThan(10 * 60_000);
    expect(appraised.data.request!.reference_time).toBe(appraised.data.evidence!.appraisal.reference_time);
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
    const receipt = await verifyReceipt(readFileSync(released.receiptFile, 'utf8').trim(), vaultKey);
    expect(receipt.ok, JSON.stringify(receipt.checks)).toBe(true);
    expect(receipt.claims).toMatchObject({ ceremony_id: id, vault_id: vault!.vaultId, request_sha256: fingerprint, bundle_sha256: released.ceremony.data.released!.bundle_sha256 });
    expect(receipt.claims!.approvals.map((a) => a.custodian).sort()).toEqual(['alice', 'carol']);

    const list = await call('ceremony:list', {});
    expect(list.ceremonies[0]).toMatchObject({ id, key_name: 'model', state: 'closed' });
  });

  it('aborts a live ceremony with the reason recorded; a passphrase typed as the reason is refused and never logged', async () => {
    const { ceremony } = await call('ceremony:open', { key: 'generated', participants: ['alice', 'bob'] });
    const typo = await dispatch('ceremony:abort', { id: ceremony.id, reason: passphraseOf('bob') });
    expect(typo.ok || typo.error).toMatchObject({ field: 'reason', message: expect.stringMatching(/is a custodian's passphrase: it was not recorded/) });
    expect((await call('ceremony:show', { id: ceremony.id })).ceremony.state).toBe('open');
    const db = new Database(path, { readonly: true });
    expect(db.prepare('SELECT COUNT(*) FROM audit WHERE payload LIKE ?').pluck().get(`%${passphraseOf('bob')}%`)).toBe(0);
    db.close();
    const { ceremony: aborted } = await call('ceremony:abort', { id: ceremony.id, reason: 'wrong workload' });
    expect(aborted).toMatchObject({ state: 'aborted', data: { end: { reason: 'wrong workload' } } });
    const after = await dispatch('ceremony:challenge', { id: ceremony.id, hashAlg: 'sha256', folder: dir });
    expect(after.ok || after.error).toMatchObject({ field: 'refused (state)' });
  });

  it('reads the audit log with filters and the chain status; exports it signed and checks the checkpoint', async () => {
    const all = await call('audit:read', { offset: 0, limit: 1000 });
    expect(all.chain).toMatchObject({ ok: true, size: all.total });
    expect(all.entries[0]!.seq).toBe(all.total); // newest first
    expect(all.events).toEqual(expect.arrayContaining(['vault.init', 'key.stored', 'ceremony.opened', 'ceremony.approved', 'ceremony.released', 'audit.checkpoint', 'ceremony.step.refused']));
    const refused = await call('audit:read', { event: 'ceremony.step.refused', offset: 0, limit: 100 });
    expect(refused.entries.map((e) => e.payload.reason).sort()).toEqual(expect.arrayContaining(['authentication', 'binding', 'approvals', 'policy']));
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
    expect(exp.checkpoint).toMatchObject({ type: 'custodian-audit-checkpoint', size: exp.entries, signer: 'bob', origin: (await call('vault:status', {})).vault!.vaultId });
    const ro = new Database(path, { readonly: true });
    expect(readAudit(ro).filter((e) => e.event === 'audit.export.refused')).toMatchObject([{ payload: { custodian: 'bob', reason: 'authentication' } }]);
    ro.close();
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
