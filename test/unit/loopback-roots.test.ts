/**
 * The loopback host's file access: path-taking channels confined to the folders chosen at start
 * (`--root`), and malformed request URLs answered 400.
 *
 * Threats: the console page (a compromised renderer, an XSS, or another local process holding the
 * token) makes the host create a "vault" over ~/.bashrc, import ~/.ssh/id_ed25519 as a "model key",
 * write a bundle into ~/.config/autostart, or walk / with a batch — by absolute path, by `..`, or
 * through a symbolic link planted inside an allowed folder; a malformed URL crashes a request (500).
 */
import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../electron/core/errors.ts';
import type { Dispatch } from '../../electron/ipc/dispatch.ts';
import { startConsoleHost } from '../../electron/loopback/compose.ts';
import { startLoopbackHost, TOKEN_HEADER, type LoopbackHost } from '../../electron/loopback/host.ts';
import { confineDispatch, confinePath, PATH_FIELDS, resolveRoots } from '../../electron/loopback/roots.ts';

const base = realpathSync(mkdtempSync(join(tmpdir(), 'custodian-roots-')));
const root = join(base, 'root');
const outside = join(base, 'outside');
mkdirSync(join(root, 'sub'), { recursive: true });
mkdirSync(outside);
writeFileSync(join(root, 'sub', 'key.bin'), 'k');
writeFileSync(join(outside, 'secret.txt'), 's');
symlinkSync(outside, join(root, 'link-out')); // a folder link planted inside the root, pointing out
symlinkSync(join(outside, 'secret.txt'), join(root, 'file-link-out'));
symlinkSync(join(root, 'sub'), join(root, 'link-in'));
symlinkSync(join(outside, 'new.db'), join(root, 'dangling')); // would create outside on open(O_CREAT)
mkdirSync(`${root}2`); // a sibling whose name starts with the root's: must not count as inside

function refusal(path: string, roots = [root]): InputError {
  try {
    confinePath(path, roots, root);
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error(`accepted ${path}`);
}

describe('confinePath', () => {
  it('accepts existing and new paths inside a root, returning the real path', () => {
    expect(confinePath(join(root, 'sub', 'key.bin'), [root])).toBe(join(root, 'sub', 'key.bin'));
    expect(confinePath(root, [root])).toBe(root);
    expect(confinePath(join(root, 'sub', 'new-vault.db'), [root])).toBe(join(root, 'sub', 'new-vault.db'));
    expect(confinePath('sub/key.bin', [root], root)).toBe(join(root, 'sub', 'key.bin')); // relative: against the working directory
    expect(confinePath(join(root, 'link-in', 'key.bin'), [root])).toBe(join(root, 'sub', 'key.bin')); // a link that stays inside
    expect(confinePath(join(outside, 'secret.txt'), [root, outside])).toBe(join(outside, 'secret.txt')); // any of several roots
  });

  it.each([
    ['an absolute path elsewhere', () => join(outside, 'secret.txt')],
    ['/etc/passwd', () => '/etc/passwd'],
    ['.. out of the root', () => join(root, 'sub', '..', '..', 'outside', 'secret.txt')],
    ['relative .. out of the working directory', () => '../outside/secret.txt'],
    ['a folder symlink inside the root pointing out', () => join(root, 'link-out', 'secret.txt')],
    ['a file symlink inside the root pointing out', () => join(root, 'file-link-out')],
    ['a new file through a folder symlink pointing out', () => join(root, 'link-out', 'new.db')],
    ['a sibling folder sharing the root\'s name as a prefix', () => join(`${root}2`, 'x.db')],
  ])('refuses %s, naming the path and the roots', (_what, path) => {
    const e = refusal(path());
    expect(e.file).toBe(path());
    expect(e.field).toBe('path');
    expect(e.detail).toMatch(/is outside the folders this console may use/);
    expect(e.detail).toContain(root);
    expect(e.detail).toMatch(/--root DIR/);
  });

  it('refuses a dangling symlink (it would create the file elsewhere), a missing folder and NUL', () => {
    expect(refusal(join(root, 'dangling')).detail).toMatch(/symbolic link to nothing/);
    expect(refusal(join(root, 'nope', 'x.db')).detail).toMatch(/its folder does not exist/);
    expect(refusal(`${root}/sub\0/x`).detail).toMatch(/NUL/);
  });

  it('resolveRoots realpaths the roots and refuses a missing one or a file', () => {
    expect(resolveRoots([join(root, 'link-in'), root, root])).toEqual([join(root, 'sub'), root]);
    expect(() => resolveRoots([join(base, 'missing')])).toThrow(/missing: --root: no such folder/);
    expect(() => resolveRoots([join(root, 'sub', 'key.bin')])).toThrow(/is not a folder/);
    expect(() => resolveRoots([])).toThrow(/at least one folder/);
  });
});

describe('confineDispatch', () => {
  const seen: [string, unknown][] = [];
  const inner = (async (channel: string, payload: unknown) => {
    seen.push([channel, payload]);
    return { ok: true, value: {} };
  }) as Dispatch;
  const d = confineDispatch(inner, [root], root);

  it('covers every path-taking channel of the contract', () => {
    expect(Object.keys(PATH_FIELDS).sort()).toEqual(['audit:export', 'batch:start', 'ceremony:challenge', 'ceremony:release', 'evidence:ear', 'key:add', 'vault:create', 'vault:open']);
  });

  it.each([
    ['vault:open', { path: join(outside, 'secret.txt') }],
    ['vault:create', { path: join(root, 'link-out', 'v.db'), threshold: 1, custodians: [] }],
    ['key:add', { name: 'm', source: { importPath: '/etc/shadow' }, policy: {} }],
    ['ceremony:challenge', { id: 'c', hashAlg: 'sha384', folder: outside }],
    ['ceremony:release', { id: 'c', folder: join(root, '..', 'outside') }],
    ['audit:export', { custodian: 'a', passphrase: 'p', folder: '/tmp' }],
    ['batch:start', { folder: '/', testAnchors: [], policy: null, referenceTime: '2025-01-01T00:00:00Z' }],
    // A compromised page must not make main read (and sign with) a key file outside the roots.
    ['evidence:ear', { files: [], testAnchors: [], policy: null, referenceTime: '2025-01-01T00:00:00Z', profile: 'ietf', keyPath: join(outside, 'secret.txt') }],
  ])('%s outside the roots: refused before the handler runs', async (channel, payload) => {
    const before = seen.length;
    const r = await d(channel, payload);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error.field).toBe('path');
    expect(!r.ok && r.error.message).toMatch(/is outside the folders this console may use/);
    expect(seen.length).toBe(before);
  });

  it('passes the real path (not the text sent) to the handler; other channels and odd payloads unchanged', async () => {
    await d('key:add', { name: 'm', source: { importPath: join(root, 'link-in', 'key.bin') }, policy: {} });
    expect(seen.at(-1)).toEqual(['key:add', { name: 'm', source: { importPath: join(root, 'sub', 'key.bin') }, policy: {} }]);
    await d('ceremony:release', { id: 'c', folder: 'sub' });
    expect(seen.at(-1)).toEqual(['ceremony:release', { id: 'c', folder: join(root, 'sub') }]);
    await d('key:add', { name: 'm', source: { generate: 256 }, policy: {} });
    expect(seen.at(-1)).toEqual(['key:add', { name: 'm', source: { generate: 256 }, policy: {} }]);
    await d('vault:open', { path: 42 });
    expect(seen.at(-1)).toEqual(['vault:open', { path: 42 }]); // the contract refuses it
    await d('app:info', {});
    expect(seen.at(-1)).toEqual(['app:info', {}]);
  });
});

/** A raw HTTP call, the path sent exactly as written (as a hostile client would). */
function raw(origin: string, path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; body: string }> {
  const url = new URL(origin);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method: init.method ?? 'GET', headers: { host: url.host, ...init.headers } }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

describe('loopback host: malformed percent-encoding', () => {
  let host: LoopbackHost;
  beforeAll(async () => {
    const renderer = join(base, 'renderer');
    mkdirSync(renderer);
    writeFileSync(join(renderer, 'index.html'), '<html></html>');
    host = await startLoopbackHost({ rendererDir: renderer, dispatch: (async () => ({ ok: true, value: { version: '1', coreBuild: 'sha256:0', pinnedRoots: [], shell: 'loopback' } })) as Dispatch });
  });
  afterAll(() => host?.close());

  it.each(['/ipc/%E0%A4%A', '/ipc/app%3Ainfo%', '/ipc/%zz', '/%E0%A4%A', '/assets/%C0%AF.js'])('%s is 400, and the host keeps serving', async (path) => {
    const r = await raw(host.origin, path, { method: path.startsWith('/ipc/') ? 'POST' : 'GET', headers: { 'content-type': 'application/json', [TOKEN_HEADER]: host.token }, body: path.startsWith('/ipc/') ? '{}' : undefined });
    expect(r.status).toBe(400);
    expect(r.body).toMatch(/malformed percent-encoding/);
    const ok = await raw(host.origin, '/ipc/app%3Ainfo', { method: 'POST', headers: { 'content-type': 'application/json', [TOKEN_HEADER]: host.token }, body: '{}' });
    expect(ok.status).toBe(200);
    expect((await raw(host.origin, '/')).status).toBe(200);
  });
});

describe('the console host (real handlers) with --root', () => {
  let host: Awaited<ReturnType<typeof startConsoleHost>>;
  beforeAll(async () => {
    host = await startConsoleHost({ rendererDir: join(base, 'renderer'), threads: 1, roots: [root] });
  });
  afterAll(() => host?.close());
  const call = (channel: string, payload: unknown) =>
    raw(host.origin, `/ipc/${encodeURIComponent(channel)}`, { method: 'POST', headers: { 'content-type': 'application/json', [TOKEN_HEADER]: host.token }, body: JSON.stringify(payload) }).then((r) => JSON.parse(r.body));

  it('refuses to create a vault outside the roots (no file appears) and to open one through a planted link', async () => {
    expect(host.roots).toEqual([root]);
    const target = join(outside, 'vault.db');
    const r = await call('vault:create', { path: target, threshold: 1, custodians: [{ name: 'alice', passphrase: 'correct horse battery alice' }] });
    expect(r.ok).toBe(false);
    expect(r.error).toMatchObject({ file: target, field: 'path' });
    expect(r.error.message).toContain(`this console may use: ${root}`);
    expect(existsSync(target)).toBe(false);
    const viaLink = await call('vault:open', { path: join(root, 'file-link-out') });
    expect(viaLink.ok).toBe(false);
    expect(viaLink.error.message).toContain(`it resolves to ${join(outside, 'secret.txt')}`);
    const batch = await call('batch:start', { folder: '/', testAnchors: [], policy: null, referenceTime: '2025-01-01T00:00:00Z' });
    expect(batch.ok).toBe(false);
    expect(batch.error.field).toBe('path');
  });

  // Threat: a batch manifest inside a root that names files outside it (by absolute path, by `..`, or
  // through a link planted inside), as evidence, endorsements or policy, to read them past --root.
  it.each([
    ['evidence by absolute path', { evidence: join(outside, 'secret.txt') }, 'row 1: evidence'],
    ['evidence by ..', { evidence: '../outside/secret.txt' }, 'row 1: evidence'],
    ['an endorsement through a planted file link', { evidence: 'sub/key.bin', endorsements: ['file-link-out'] }, 'row 1: endorsements'],
    ['endorsements as a folder link pointing out', { evidence: 'sub/key.bin', endorsements: ['link-out'] }, 'row 1: endorsements'],
    ['a policy file outside', { evidence: 'sub/key.bin', policy: join(outside, 'secret.txt') }, 'row 1: policy'],
  ])('refuses a batch manifest naming %s, before reading it', async (_what, row, field) => {
    const manifest = join(root, 'manifest.json');
    writeFileSync(manifest, JSON.stringify([row]));
    const r = await call('batch:start', { folder: manifest, testAnchors: [], policy: null, referenceTime: '2025-01-01T00:00:00Z' });
    expect(r.ok).toBe(false);
    expect(r.error).toMatchObject({ file: manifest, field });
    expect(r.error.message).toContain('is outside the folders this console may use');
  });

  it('runs a manifest whose rows stay inside the roots', async () => {
    const manifest = join(root, 'manifest-inside.json');
    writeFileSync(manifest, JSON.stringify([{ evidence: 'sub/key.bin', endorsements: ['link-in'] }]));
    const r = await call('batch:start', { folder: manifest, testAnchors: [], policy: null, referenceTime: '2025-01-01T00:00:00Z' });
    expect(r.ok).toBe(true);
    expect(r.value.total).toBe(1);
  });

  it('still reaches the handler for a path inside (an existing non-vault file: refused by the vault, not by the roots)', async () => {
    const r = await call('vault:open', { path: join(root, 'sub', 'key.bin') });
    expect(r.ok).toBe(false);
    expect(r.error.field).not.toBe('path');
  });
});
