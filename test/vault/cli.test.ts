/** The vault commands as a user scripts them: exact command shapes, exit codes 0/1/2, passphrases never in argv. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.ts';
import { custodian, passphraseOf, put, tmp } from './helpers.ts';

const dir = tmp('cli');
const vault = join(dir, 'vault.db');
const v = (...args: string[]) => custodian('--vault', vault, ...args);
const pass = (name: string) => put(dir, `${name}.pass`, `${passphraseOf(name)}\n`);
const oneLine = (r: { stderr: string }) => {
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).not.toMatch(/\n\s+at /);
};

describe('custodian vault / key / ceremony / audit / unwrap / rehearse', () => {
  const modelKey = Buffer.from('0123456789abcdef0123456789abcdef'); // 32 bytes: a raw AES-256 key file
  const keyFile = put(dir, 'model.key', modelKey);
  let keyId = '';
  let cid = '';
  let importFingerprint = '';

  it('vault init 2-of-3 with passphrase files; key import prints the key id', () => {
    const r = v('vault', 'init', '--custodian', `alice:${pass('alice')}`, '--custodian', `bob:${pass('bob')}`, '--custodian', `carol:${pass('carol')}`, '--threshold', '2');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toMatch(/^v_[0-9a-f]{16}$/);
    expect(v('vault', 'info').stdout).toMatch(/threshold 2 of 3[\s\S]*custodian bob {2}argon2id m=65536 KiB t=3 p=4/);
    const k = v('key', 'import', '--name', 'demo-model', '--file', keyFile, '--allow-test-anchor');
    expect(k.code, k.stderr).toBe(0);
    keyId = k.stdout.trim();
    expect(keyId).toMatch(/^k_[0-9a-f]{16}$/);
    importFingerprint = /fingerprint ([0-9a-f]{64})/.exec(k.stderr)![1]!;
    expect(v('key', 'list').stdout).toContain(`${keyId}  demo-model  aes-256  fingerprint ${importFingerprint}`);
  });

  it('exits 2 with one line for bad input', () => {
    for (const [args, msg] of [
      [['key', 'import', '--name', 'x', '--file', put(dir, 'bad.key', 'this is not a key at all')], /bad\.key: key: 24 bytes is neither/],
      [['key', 'import', '--name', 'x', '--file', join(dir, 'missing.key')], /missing\.key: key file: no such file/],
      [['key', 'import', '--name', 'x', '--file', keyFile, '--policy', put(dir, 'p.json', '{"appraisal_policy":{"snp":{"allow_debugg":true}}}')], /p\.json: appraisal_policy: unknown field `allow_debugg`/],
      [['ceremony', 'show', 'c_nope'], /no ceremony "c_nope"/],
    ] as const) {
      const r = v(...args);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(msg);
      oneLine(r);
    }
    const r = custodian('--vault', join(dir, 'none.db'), 'key', 'list');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/none\.db: vault: no such file/);
  });

  it('runs the ceremony: open (a second is refused), challenge, rehearsal evidence, approvals, release, unwrap', () => {
    const o = v('ceremony', 'open', '--key', keyId);
    expect(o.code, o.stderr).toBe(0);
    cid = o.stdout.trim();
    const second = v('ceremony', 'open', '--key', keyId);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`refused (state): key ${keyId} already has ceremony ${cid} in progress`);

    const chFile = join(dir, 'challenge.json');
    expect(v('ceremony', 'challenge', cid, '--out', chFile).code).toBe(0);
    const ch = JSON.parse(readFileSync(chFile, 'utf8'));
    expect(Buffer.from(ch.nonce, 'base64')).toHaveLength(32);
    expect(ch['extra-params']['selected-hash-algorithm']).toBe('sha384');

    const ev = join(dir, 'ev');
    const tee = join(dir, 'tee.jwk');
    expect(custodian('rehearse', 'snp', '--challenge', chFile, '--tee-key-out', tee, '--out', ev).code).toBe(0);
    const other = join(dir, 'other');
    custodian('rehearse', 'snp', '--challenge', chFile, '--tee-key-out', join(dir, 'other.jwk'), '--out', other);
    const evArgs = (pub: string) => ['ceremony', 'evidence', cid, join(ev, 'report.bin'), '--tee-pubkey', pub, '--chain', join(ev, 'chain.pem'), '--test-anchor', join(ev, 'test-anchor.pem')];
    const wrongKey = v(...evArgs(join(other, 'tee-pubkey.jwk')));
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toMatch(/refused \(binding\)/);
    const priv = v(...evArgs(tee));
    expect(priv.code).toBe(2);
    expect(priv.stderr).toMatch(/tee\.jwk: tee-pubkey\.d: is a private-key member/);
    // Without --tee-pubkey the key is taken from tee-pubkey.jwk beside the evidence.
    const ok = v('ceremony', 'evidence', cid, join(ev, 'report.bin'), '--chain', join(ev, 'chain.pem'), '--test-anchor', join(ev, 'test-anchor.pem'));
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/state appraised/);
    expect(ok.stdout).toMatch(/trust anchor .*TEST, given with --test-anchor/);
    const requestHash = /request hash ([0-9a-f]{64})/.exec(ok.stdout)![1]!;

    // Passphrases never come from argv; without a terminal or a file the command refuses to prompt.
    const argvPass = v('ceremony', 'approve', cid, '--custodian', 'alice', '--passphrase', passphraseOf('alice'));
    expect(argvPass.code).toBe(2);
    expect(argvPass.stderr).not.toContain(passphraseOf('alice'));
    expect(v('ceremony', 'approve', cid, '--custodian', 'alice').stderr).toMatch(/no terminal to prompt on/);

    const wrong = v('ceremony', 'approve', cid, '--custodian', 'alice', '--passphrase-file', pass('bob'));
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/refused \(authentication\): custodian alice: wrong passphrase/);
    // --passphrase-fd 0: the passphrase arrives on stdin.
    const fd = spawnSync(join(ROOT, 'bin', 'custodian'), ['--vault', vault, 'ceremony', 'approve', cid, '--custodian', 'alice', '--passphrase-fd', '0', '--request-hash', requestHash], { input: passphraseOf('alice'), encoding: 'utf8', env: process.env });
    expect(fd.status, fd.stderr).toBe(0);
    expect(fd.stdout).toMatch(/approved by alice: 1 of 2/);
    const twice = v('ceremony', 'approve', cid, '--custodian', 'alice', '--passphrase-file', pass('alice'));
    expect(twice.code).toBe(1);
    expect(twice.stderr).toMatch(/refused \(approvals\): alice already approved/);

    const bundle = join(dir, 'bundle.jwe');
    const receipt = join(dir, 'receipt.jws');
    const early = v('ceremony', 'release', cid, '--out', bundle, '--receipt', receipt);
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(/1 of the 2 approvals/);
    expect(v('ceremony', 'approve', cid, '--custodian', 'carol', '--passphrase-file', pass('carol')).code).toBe(0);
    const rel = v('ceremony', 'release', cid, '--out', bundle, '--receipt', receipt);
    expect(rel.code, rel.stderr).toBe(0);
    expect(v('ceremony', 'show', cid).stdout).toMatch(/state closed/);

    const out = join(dir, 'unwrapped.key');
    const u = custodian('unwrap', '--tee-key', tee, bundle, '--out', out);
    expect(u.code, u.stderr).toBe(0);
    expect(u.stdout).toContain(`fingerprint ${importFingerprint}`);
    expect(readFileSync(out).equals(modelKey)).toBe(true);
    const stranger = custodian('unwrap', '--tee-key', join(dir, 'other.jwk'), bundle, '--out', join(dir, 'nope.key'));
    expect(stranger.code).toBe(1);
    expect(stranger.stderr).toMatch(/refused \(authentication\): .*bundle\.jwe: the bundle does not decrypt/);
    oneLine(stranger);
  });

  it('audit verify, export with a signed checkpoint, and tamper detection naming the entry', () => {
    const ok = v('audit', 'verify');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/audit chain OK: \d+ entries/);
    const exp = join(dir, 'audit.json');
    const e = v('audit', 'export', '--out', exp, '--custodian', 'bob', '--passphrase-file', pass('bob'));
    expect(e.code, e.stderr).toBe(0);
    expect(e.stderr).toMatch(/exported \d+ entries to .*audit\.json with a checkpoint signed by the vault key/);
    const toStdout = v('audit', 'export', '--custodian', 'bob', '--passphrase-file', pass('bob'));
    expect(JSON.parse(toStdout.stdout).entries.length).toBeGreaterThan(0);
    const entries = JSON.parse(readFileSync(exp, 'utf8')).entries as { event: string; payload: Record<string, unknown> }[];
    expect(entries.some((x) => x.event === 'ceremony.released' && (x.payload.trust_anchor as { kind: string }).kind === 'TEST')).toBe(true);
    expect(entries.some((x) => x.event === 'ceremony.step.refused' && x.payload.reason === 'binding')).toBe(true);
    expect(v('audit', 'verify', '--checkpoint', exp).stdout).toMatch(/checkpoint OK/);

    const raw = new Database(vault);
    raw.exec('DROP TRIGGER audit_no_update');
    raw.prepare("UPDATE audit SET actor = 'mallory' WHERE seq = 5").run();
    raw.close();
    const bad = v('audit', 'verify');
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/audit chain BROKEN at entry 5: stored hash/);
  });

  it('refuses a vault from a newer schema with exit 2', () => {
    const raw = new Database(vault);
    raw.pragma('user_version = 99');
    raw.close();
    const r = v('key', 'list');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/vault\.db: schema version: 99 is newer than this Custodian supports/);
  });
});
