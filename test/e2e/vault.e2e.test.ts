/**
 * The vault room end to end, as custodians would use it at one screen: create a vault with the
 * wizard, import a model key with a release policy, run a whole release ceremony (challenge file →
 * rehearsal evidence bound to it → fingerprint review → a wrong passphrase refused → two approvals →
 * bundle and receipt files), then the audit screen (chain status, filters, signed export, checkpoint,
 * a rewritten entry found). Real wasm core, real SQLite vault, real Argon2id. Screenshots and axe.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import canonicalize from 'canonicalize';
import type { FlattenedJWE, JWK } from 'jose';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NAMES, passphraseOf, tmp } from '../vault/helpers.ts';
import { chooseFiles, HAVE_CHROMIUM, openConsole, seriousViolations, type Console } from './harness.ts';
import { parseChallenge, rehearseSnp } from '../../electron/rehearse/snp.ts';
import { decryptBundle } from '../../electron/vault/release.ts';

const names = NAMES.slice(0, 3);
const dir = tmp('e2e-vault');
const vaultPath = join(dir, 'vault.db');
const out = join(dir, 'out');
mkdirSync(out);
const keyBytes = createHash('sha256').update('e2e model key').digest();
const keyFile = join(dir, 'model.key');
writeFileSync(keyFile, keyBytes);
/** The documented fingerprint of a raw AES key (electron/vault/keys.ts), recomputed here. */
const expectedFingerprint = createHash('sha256').update('custodian/v1/oct-fingerprint\0').update(keyBytes).digest('hex');
const grouped = (hex: string) => hex.match(/.{4}/g)!.join(' ');

/** Selects a react-aria checkbox or radio (unless it is already) by clicking its label, as a user does. */
async function tick(p: Page, name: string | RegExp): Promise<void> {
  const input = p.getByRole('checkbox', { name }).or(p.getByRole('radio', { name }));
  if (!(await input.isChecked())) await p.locator('label', { hasText: name }).click();
  expect(await input.isChecked()).toBe(true);
}

/** Picks `option` in the react-aria Select labelled `label` (a button named by its label and value). */
async function choose(p: Page, label: string, option: string): Promise<void> {
  await p.getByRole('button', { name: new RegExp(`${label}$`) }).first().click();
  await p.getByRole('option', { name: option, exact: true }).click();
}

describe.skipIf(!HAVE_CHROMIUM)('Vault, ceremony and audit screens', () => {
  let c: Console;
  /** Every /ipc response body the page received. */
  const bodies: string[] = [];
  let teePrivateJwk: JWK;
  let ceremonyId = '';
  beforeAll(async () => {
    c = await openConsole();
    c.page.on('response', (r) => void (r.url().includes('/ipc/') && r.text().then((t) => bodies.push(t), () => undefined)));
  });
  afterAll(async () => c?.close());

  it('creates a vault with the wizard: names, threshold, each custodian\'s passphrase in turn', async () => {
    const p = c.page;
    await p.getByRole('tab', { name: 'Vault', exact: true }).click();
    await p.getByLabel('New vault file').fill(vaultPath);
    await p.getByLabel('Custodians (names, separated by spaces or commas)').fill(names.join(' '));
    await p.getByLabel('Approvals needed to release a key (threshold M)').fill('2');
    await p.getByRole('button', { name: 'Next: custodians\' passphrases' }).click();
    for (const [i, name] of names.entries()) {
      await p.getByLabel(`Passphrase for ${name}`, { exact: true }).fill(passphraseOf(name));
      await p.getByLabel(`Repeat the passphrase for ${name}`).fill(i === 0 ? 'a different one' : passphraseOf(name));
      if (i === 0) {
        // Two entries that differ cannot go on.
        expect(await p.getByRole('button', { name: `Next: ${names[1]}` }).isDisabled()).toBe(true);
        await p.getByLabel(`Repeat the passphrase for ${name}`).fill(passphraseOf(name));
      }
      await p.getByRole('button', { name: i + 1 < names.length ? `Next: ${names[i + 1]}` : 'Next: review' }).click();
    }
    await p.getByRole('button', { name: 'Create vault' }).click();
    await p.getByRole('heading', { name: /^Vault v_[0-9a-f]{16}$/ }).waitFor({ timeout: 30_000 });
    expect(await p.getByTestId('quorum').textContent()).toBe('2 of 3 custodians');
    expect(existsSync(vaultPath)).toBe(true);
    const rows = await p.getByRole('grid', { name: 'Custodians' }).getByRole('row').allTextContents();
    expect(rows.slice(1)).toEqual(names.map((n) => `${n}Argon2id, 64 MiB, 3 passes, 4 lane(s)`));
  });

  it('imports a model key by path (read by main) with a release policy, and shows its fingerprint', async () => {
    const p = c.page;
    await p.getByLabel('Key name').fill('model');
    await tick(p, /Import a key file/);
    await p.getByLabel('Key file to import').fill(keyFile);
    await p.getByLabel('Approvals required').fill('2');
    await tick(p, 'Allow TEST anchors (rehearsal keys only)');
    // A bad appraisal policy is named by the core before anything is stored.
    await p.getByLabel('Appraisal policy JSON (empty = the core\'s defaults)').fill('{"snp": {"no_such_rule": 1}}');
    await p.getByRole('button', { name: 'Add key' }).click();
    await expect.poll(() => p.getByRole('alert').allTextContents()).toEqual([expect.stringMatching(/^release policy: appraisal_policy.*no_such_rule/)]);
    await p.getByLabel('Appraisal policy JSON (empty = the core\'s defaults)').fill('{"snp": {"minimum_guest_svn": 0}}');
    await p.getByRole('button', { name: 'Add key' }).click();
    const table = p.getByRole('grid', { name: 'Model keys' });
    await table.waitFor();
    const row = (await table.getByRole('row').allTextContents())[1]!;
    expect(row).toContain('AES-256 (raw)');
    expect(row).toContain(grouped(expectedFingerprint));
    expect(row).toContain('2 approvals · sev-snp');
    expect(row).toContain('TEST anchors allowed');
    expect(await seriousViolations(c)).toEqual([]);
    await c.screenshot('vault-keys');
  });

  it('runs a ceremony: challenge file, evidence bound to it, the fingerprint each custodian compares', async () => {
    const p = c.page;
    await p.getByRole('tab', { name: 'Ceremony', exact: true }).click();
    await p.getByRole('button', { name: 'Open ceremony' }).click();
    const wizard = p.getByRole('region', { name: /^Ceremony c_/ });
    await wizard.waitFor();
    ceremonyId = (/c_[0-9a-f]{16}/.exec((await wizard.getByRole('heading').first().textContent()) ?? '') ?? [''])[0];
    expect(await wizard.locator('[aria-current="step"]').textContent()).toMatch(/Opened/);
    await p.getByLabel('Output folder (challenge, bundle and receipt files)').fill(out);
    await p.getByRole('button', { name: 'Issue challenge and write the file' }).click();
    await p.getByTestId('challenge').waitFor();
    const challengeFile = join(out, `${ceremonyId}-challenge.json`);
    expect(await p.getByTestId('written').textContent()).toContain(challengeFile);
    const challenge = parseChallenge(readFileSync(challengeFile, 'utf8'), challengeFile);
    expect(await p.getByTestId('challenge').textContent()).toContain(challenge.nonce);

    // The workload's side: evidence binding this nonce and a fresh TEE key (TEST-signed rehearsal).
    const r = rehearseSnp(challenge);
    teePrivateJwk = r.teePrivateJwk as JWK;
    const ev = join(dir, 'evidence');
    mkdirSync(ev);
    for (const [name, data] of Object.entries(r.files)) writeFileSync(join(ev, name), data);
    await chooseFiles(p, 'Evidence (report or quote)…', [join(ev, 'report.bin')]);
    await chooseFiles(p, 'Endorsements (chain, CRLs, collateral)…', [join(ev, 'chain.pem')]);
    await chooseFiles(p, 'TEE public key (JWK)…', [join(ev, 'tee-pubkey.jwk')]);
    await chooseFiles(p, 'Ceremony: add TEST anchor…', [join(ev, 'test-anchor.pem')]);
    await p.getByRole('button', { name: 'Appraise and bind' }).click();
    const shown = (await p.getByTestId('request-fingerprint').textContent({ timeout: 30_000 }))!;

    // The fingerprint on screen is the SHA-256 of the RFC 8785 JSON of the request stored in the vault.
    const db = new Database(vaultPath, { readonly: true });
    const data = JSON.parse(db.prepare('SELECT data FROM ceremonies WHERE id = ?').pluck().get(ceremonyId) as string) as { request: unknown; request_sha256: string };
    db.close();
    const recomputed = createHash('sha256').update(canonicalize(data.request)!).digest('hex');
    expect(shown).toBe(grouped(recomputed));
    expect(recomputed).toBe(data.request_sha256);
    expect(await wizard.getByRole('region', { name: 'Verdict' }).textContent()).toContain('TEST anchor');
    expect(await seriousViolations(c)).toEqual([]);
    await c.screenshot('ceremony-review');
  });

  it('opens the passphrase field only after the fingerprint is confirmed; refuses a wrong passphrase; two approvals release', async () => {
    const p = c.page;
    const wizard = p.getByRole('region', { name: /^Ceremony c_/ });
    const passphrase = (name: string) => wizard.getByLabel(`Passphrase of ${name}`);
    expect(await wizard.getByLabel(/^Passphrase of/).count()).toBe(0);
    await tick(p, /I, alice, compared the request fingerprint/);
    await passphrase('alice').fill('not alice\'s passphrase');
    await p.getByRole('button', { name: 'Approve as alice' }).click();
    await expect.poll(() => wizard.getByRole('alert').textContent(), { timeout: 20_000 }).toMatch(/refused \(authentication\).*wrong passphrase/);
    expect(await passphrase('alice').inputValue()).toBe(''); // cleared once sent

    for (const name of ['alice', 'bob']) {
      await choose(p, 'Custodian approving', name);
      await tick(p, new RegExp(`I, ${name}, compared`));
      await passphrase(name).fill(passphraseOf(name));
      await p.getByRole('button', { name: `Approve as ${name}` }).click();
      await wizard.getByRole('list', { name: 'Approvals' }).getByText(`${name} approved at`).waitFor({ timeout: 20_000 });
    }
    expect(await wizard.locator('[aria-current="step"]').textContent()).toMatch(/Quorum approved/);
    await p.getByRole('button', { name: 'Release and write bundle and receipt' }).click();
    await p.getByTestId('released').waitFor({ timeout: 20_000 });
    expect(await wizard.locator('[aria-current="step"]').textContent()).toMatch(/Closed/);
    const bundleFile = join(out, `${ceremonyId}-bundle.jwe.json`);
    const receiptFile = join(out, `${ceremonyId}-receipt.jws`);
    expect(await p.getByTestId('written').textContent()).toContain(bundleFile);
    const bundle = JSON.parse(readFileSync(bundleFile, 'utf8')) as FlattenedJWE;
    expect(Buffer.from((await decryptBundle(bundle, teePrivateJwk)).plaintext).equals(keyBytes)).toBe(true);
    expect(readFileSync(receiptFile, 'utf8')).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    await c.screenshot('ceremony-released');
  });

  it('shows the audit log with its chain status and filters; exports it signed; finds a rewritten entry', async () => {
    const p = c.page;
    await p.getByRole('tab', { name: 'Audit', exact: true }).click();
    const status = p.getByTestId('chain-status');
    await expect.poll(() => status.getAttribute('data-ok')).toBe('true');
    await choose(p, 'Event', 'ceremony.step.refused');
    await expect.poll(() => p.getByTestId('audit-count').textContent()).toMatch(/^1 of \d+ entries match/);
    expect(await p.getByRole('grid', { name: 'Audit log' }).textContent()).toContain('reason authentication');
    await p.getByRole('button', { name: 'Clear filters' }).click();
    await choose(p, 'Actor', 'bob');
    await expect.poll(() => p.getByTestId('audit-count').textContent()).toMatch(/^1 of/);
    await p.getByRole('button', { name: 'Clear filters' }).click();
    expect(await seriousViolations(c)).toEqual([]);
    await c.screenshot('audit');

    await choose(p, 'Custodian signing the checkpoint', 'carol');
    await p.getByRole('tabpanel', { name: 'Audit' }).getByLabel('Passphrase of carol').fill(passphraseOf('carol'));
    await p.getByLabel('Export folder').fill(out);
    await p.getByRole('button', { name: 'Export signed log' }).click();
    const done = (await p.getByTestId('export-done').textContent({ timeout: 20_000 }))!;
    const file = /to (\S+\.json);/.exec(done)![1]!;
    expect(existsSync(file)).toBe(true);
    await chooseFiles(p, 'Open an audit export…', [file]);
    await expect.poll(() => p.getByTestId('checkpoint-ok').textContent()).toMatch(/verifies; the log still holds its \d+ entries unchanged/);

    // Someone edits entry 2 behind the console's back (the triggers dropped first).
    const raw = new Database(vaultPath);
    raw.exec('DROP TRIGGER audit_no_update');
    raw.prepare("UPDATE audit SET actor = 'mallory' WHERE seq = 2").run();
    raw.close();
    await p.getByLabel('Text in the entry').fill('x'); // any change re-reads the log
    await p.getByLabel('Text in the entry').fill('');
    await expect.poll(() => status.textContent()).toMatch(/Chain BROKEN.*at entry 2: stored hash/);
    await chooseFiles(p, 'Open an audit export…', [file]);
    await expect.poll(() => p.getByRole('alert').allTextContents()).toContainEqual(expect.stringMatching(/entry 2, within the checkpoint's \d+ entries, no longer verifies/));
    await c.screenshot('audit-broken');
  });

  it('has no serious accessibility violation on the vault screens in the dark theme either', async () => {
    await c.page.getByRole('button', { name: 'Dark theme' }).click();
    for (const screen of ['Vault', 'Ceremony', 'Audit']) {
      await c.page.getByRole('tab', { name: screen, exact: true }).click();
      expect(await seriousViolations(c), screen).toEqual([]);
    }
    await c.page.getByRole('tab', { name: 'Ceremony', exact: true }).click();
    await c.screenshot('ceremony-dark');
  });

  it('never sent a passphrase or the key material to the page, and made no request off the host', () => {
    const all = bodies.join('\n');
    expect(bodies.length).toBeGreaterThan(10);
    for (const name of names) expect(all).not.toContain(passphraseOf(name));
    for (const enc of ['hex', 'base64', 'base64url'] as const) expect(all).not.toContain(keyBytes.toString(enc));
    expect(c.escaped).toEqual([]);
    expect(c.errors).toEqual([]);
  });
});
