/**
 * The IPC contract and its dispatcher in Node: every payload is validated (naming the field),
 * responses that carry anything the contract does not name are refused, errors name file and field,
 * and the codec of the loopback transport round-trips bytes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHANNELS, CONTRACT } from '../../electron/ipc/contract.ts';
import { createDispatcher, type Handlers } from '../../electron/ipc/dispatch.ts';
import { createHandlers } from '../../electron/ipc/handlers.ts';
import { decode, encode } from '../../electron/ipc/codec.ts';
import { createApi, ApiError } from '../../electron/ipc/client.ts';
import { BatchJobs } from '../../electron/batch/jobs.ts';
import { core, FIXTURES } from '../helpers.ts';

const batch = new BatchJobs({ workerUrl: new URL('../../electron/batch/worker.ts', import.meta.url), threads: 1 });
const { handlers } = createHandlers({ core, batch, version: '9.9.9', shell: 'loopback', actor: 'test' });
const dispatch = createDispatcher(handlers);
const fx = (...p: string[]) => ({ name: p.at(-1)!, bytes: new Uint8Array(readFileSync(join(FIXTURES, ...p))) });
const AT = '2025-12-01T00:00:00Z';

describe('contract', () => {
  it('has a handler for every channel and a channel for every handler', () => {
    expect(Object.keys(handlers).sort()).toEqual([...CHANNELS].sort());
  });

  it('every response schema is strict: an unexpected field fails', () => {
    for (const channel of CHANNELS) {
      const shape = (CONTRACT[channel].response as unknown as { def: { catchall?: { def: { type: string } } } }).def;
      expect(shape.catchall?.def.type, channel).toBe('never');
    }
  });
});

describe('dispatcher', () => {
  it('answers app:info with the core\'s pinned roots', async () => {
    const r = await dispatch('app:info', {});
    expect(r.ok && r.value).toMatchObject({ version: '9.9.9', shell: 'loopback', coreBuild: core.buildId });
    expect(core.buildId).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect(r.ok && r.value.pinnedRoots).toEqual(core.pinnedRoots());
  });

  it('refuses unknown channels and invalid payloads, naming the fields', async () => {
    expect(await dispatch('vault:unwrap', {})).toEqual({ ok: false, error: { file: 'ipc', field: 'channel', message: 'unknown channel "vault:unwrap"' } });
    expect(await dispatch('__proto__', {})).toMatchObject({ ok: false, error: { field: 'channel' } });
    const r = await dispatch('evidence:inspect', { files: [{ name: 'x', bytes: 'not bytes' }], testAnchors: [], policy: null, referenceTime: '2025-12-01', extra: 1 });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toMatchObject({ file: 'evidence:inspect', field: 'request' });
    expect(r.error.message).toMatch(/files\.0\.bytes: expected bytes/);
    expect(r.error.message).toMatch(/referenceTime/);
    expect(r.error.message).toMatch(/extra/);
  });

  it('refuses a handler response with a field the contract does not name (e.g. key material)', async () => {
    const leaky = createDispatcher({ ...handlers, 'app:info': async () => ({ version: '1', pinnedRoots: [], shell: 'electron', wrappedKey: 'secret' }) } as unknown as Handlers);
    const r = await leaky('app:info', {});
    expect(r).toMatchObject({ ok: false, error: { file: 'app:info', field: 'response' } });
    expect(JSON.stringify(r)).not.toContain('secret');
  });

  it('reports core input errors with the file and field', async () => {
    const cut = fx('valid', 'report.bin');
    const r = await dispatch('evidence:inspect', { files: [{ name: 'cut.bin', bytes: cut.bytes.subarray(0, 1184) }, { name: 'junk.der', bytes: new Uint8Array([0x30, 0x03, 0x30, 0x01, 0x05]) }], testAnchors: [], policy: null, referenceTime: AT });
    expect(r).toMatchObject({ ok: false, error: { file: 'junk.der' } });
  });

  it('inspects evidence with its endorsements and returns the layout and bytes', async () => {
    const r = await dispatch('evidence:inspect', { files: [fx('valid', 'report.bin'), fx('valid', 'vcek.der'), fx('pki', 'cert_chain.pem'), fx('pki', 'crl-empty.der')], testAnchors: [fx('pki', 'ark.pem')], policy: null, referenceTime: AT });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.appraisal.verdict).toBe('affirming');
    expect(r.value.files.map((f) => `${f.name}:${f.kind}:${f.role}`)).toEqual(['report.bin:sev-snp-report:evidence', 'vcek.der:certificate:endorsement', 'cert_chain.pem:certificate:endorsement', 'crl-empty.der:crl:endorsement']);
    expect(r.value.evidence.bytes).toHaveLength(0x4a0);
    // The layout is the core's field map (wasm/src/snp/fields.rs), bit breakdowns included, and
    // passes the strict response schema (recursive LayoutField).
    const policy = r.value.evidence.layout.find((f) => f.id === 'policy')!;
    expect(policy).toMatchObject({ label: 'POLICY', offset: 8, length: 8, value: '0x30000' });
    expect(policy.parts).toContainEqual({ name: 'DEBUG', at: 'bit 19', value: '0' });
    expect(r.value.views[0]).toMatchObject({ id: 'evidence', checkPrefix: '' });
    expect(r.value.appraisal.checks.find((c) => c.id === 'policy.debug')?.fields).toContain('policy');
    const certs = Object.fromEntries(r.value.certificates.map((c) => [c.source, c]));
    expect(Object.keys(certs).sort()).toEqual(['ark.pem', 'cert_chain.pem#1', 'cert_chain.pem#2', 'vcek.der']);
    // The bundle's ARK has the TEST anchor's key, so it is marked too; the ASK is not.
    expect([certs['cert_chain.pem#1']!.pin, certs['cert_chain.pem#2']!.pin]).toEqual(['none', 'test anchor']);
    expect(certs['ark.pem']).toMatchObject({ pin: 'test anchor', self_issued: true, spki_sha256: '38edec395a5c064976a414f7ccfffd04050359df376ddcea1ef87037473798b3' });
    expect(certs['vcek.der']).toMatchObject({ pin: 'none', not_before: '2024-01-01T00:00:00Z', not_after: '2031-01-01T00:00:00Z', valid_at_reference_time: true });
    expect(certs['vcek.der']!.subject).toMatch(/CN=SEV-VCEK/);
  });

  it('refuses two pieces of evidence at once, naming both', async () => {
    const r = await dispatch('evidence:inspect', { files: [{ ...fx('valid', 'report.bin'), name: 'a.bin' }, { ...fx('debug', 'report.bin'), name: 'b.bin' }], testAnchors: [], policy: null, referenceTime: AT });
    expect(r).toMatchObject({ ok: false, error: { file: 'a.bin, b.bin', field: 'evidence' } });
  });
});

describe('dialog:chooseFolder', () => {
  it('is null without a system dialog (loopback) and the chosen path with one (Electron)', async () => {
    expect(await dispatch('dialog:chooseFolder', { title: 'x' })).toEqual({ ok: true, value: { path: null } });
    const withDialog = createDispatcher(createHandlers({ core, batch, version: '1', shell: 'electron', actor: 'test', chooseFolder: async (title) => `/picked/for/${title}` }).handlers);
    expect(await withDialog('dialog:chooseFolder', { title: 'evidence' })).toEqual({ ok: true, value: { path: '/picked/for/evidence' } });
  });
});

describe('vault:assess-passphrase', () => {
  it('answers zxcvbn\'s estimate and whether enrolment would accept it, with no vault open', async () => {
    const weak = await dispatch('vault:assess-passphrase', { passphrase: 'password1234', userInputs: ['alice', 'bob'] });
    expect(weak.ok && weak.value).toMatchObject({ score: 1, acceptable: false, warning: expect.stringMatching(/commonly used password/) });
    const own = await dispatch('vault:assess-passphrase', { passphrase: 'alice2024', userInputs: ['alice'] });
    expect(own.ok && own.value.acceptable).toBe(false);
    const strong = await dispatch('vault:assess-passphrase', { passphrase: 'correct horse battery alice', userInputs: ['alice', 'bob'] });
    expect(strong.ok && strong.value).toMatchObject({ acceptable: true, score: expect.any(Number) });
    expect(strong.ok && strong.value.score).toBeGreaterThanOrEqual(3);
  });

  it('refuses an unbounded passphrase, too many inputs or an extra field without echoing the passphrase', async () => {
    const long = `secret-${'x'.repeat(1100)}`;
    for (const payload of [{ passphrase: long, userInputs: [] }, { passphrase: 'secret-phrase', userInputs: Array(257).fill('a') }, { passphrase: 'secret-phrase', userInputs: [], path: '/etc/passwd' }, { passphrase: '', userInputs: [] }]) {
      const r = await dispatch('vault:assess-passphrase', payload);
      expect(r).toMatchObject({ ok: false, error: { file: 'vault:assess-passphrase', field: 'request' } });
      expect(JSON.stringify(r)).not.toContain('secret');
    }
  });
});

describe('client and codec', () => {
  it('round-trips bytes, Buffers and nested values through the loopback encoding', () => {
    const value = { a: new Uint8Array([0, 1, 255]), b: [Buffer.from('hi')], c: { d: 'x', e: null } };
    const back = decode(encode(value)) as { a: Uint8Array; b: Uint8Array[]; c: unknown };
    expect(back.a).toEqual(new Uint8Array([0, 1, 255]));
    expect(new TextDecoder().decode(back.b[0])).toBe('hi');
    expect(back.c).toEqual({ d: 'x', e: null });
    expect(() => decode('{"$bytes":"***"}')).toThrow();
  });

  it('the API rejects with an ApiError carrying file and field', async () => {
    const api = createApi('1', (channel, request) => dispatch(channel, request));
    const e = await api.call('batch:poll', { jobId: 'nope', from: 0 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ApiError);
    expect(e).toMatchObject({ file: 'batch', field: 'jobId' });
  });
});
