/**
 * The vault commands as a user scripts them: exact command shapes, exit codes 0/1/2, passphrases never
 * in argv, the request hash compared before a passphrase is asked, the vault key thumbprint printed at
 * init and required wherever a vault, receipt or checkpoint is trusted away from the machine that pinned it.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.ts';
import { custodian, passphraseOf, put, tmp } from './helpers.ts';

const dir = tmp('cli');
const vault = join(dir, 'vault.db');
const v = (...args: string[]) => custodian('--vault', vault, ...args);
const pass = (name: string) => put(dir, `${name}.pass`, `${passphraseOf(name)}\n`);
/** Runs the CLI as on another machine: a fresh known-vaults file ($XDG_CONFIG_HOME). */
const elsewhere = mkdtempSync(join(tmpdir(), 'custodian-test-other-machine-'));
afterAll(() => rmSync(elsewhere, { recursive: true, force: true }));
const onOtherMachine = (...args: string[]) => {
  const r = spawnSync(join(ROOT, 'bin', 'custodian'), args, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, XDG_CONFIG_HOME: elsewhere } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};
/** A copy of the vault file (same vault id, so the same pin), to damage without touching the main one. */
const copyOfVault = (name: string) => {
  const p = join(dir, name);
  copyFileSync(vault, p);
  return p;
};
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
  let vaultId = '';
  let vaultKey = '';
  const bundle = join(dir, 'bundle.jwe');
  const receipt = join(dir, 'receipt.jws');

  it('vault init 2-of-3 with passphrase files prints the vault key thumbprint; key import (signed by a custodian) prints the key id', () => {
    const r = v('vault', 'init', '--custodian', `alice:${pass('alice')}`, '--custodian', `bob:${pass('bob')}`, '--custodian', `carol:${pass('carol')}`, '--threshold', '2');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toMatch(/^v_[0-9a-f]{16}$/);
    vaultId = r.stdout.trim();
    vaultKey = /vault key thumbprint ([A-Za-z0-9_-]{43})\n/.exec(r.stderr)![1]!;
    const info = v('vault', 'info');
    expect(info.stdout).toMatch(/threshold 2 of 3[\s\S]*custodian bob {2}argon2id m=65536 KiB t=3 p=4/);
    expect(info.stdout).toContain(`vault key ${vaultKey} (matches the pin on this machine)`);
    // The importing custodian signs the key record: no custodian, no key.
    const anonymous = v('key', 'import', '--name', 'demo-model', '--file', keyFile, '--allow-test-anchor');
    expect(anonymous.code).toBe(2);
    expect(anonymous.stderr).toMatch(/--custodian NAME/);
    // A production key (no TEST anchor) without any reference value is refused, naming the option to pin.
    const loose = v('key', 'import', '--name', 'loose', '--file', keyFile, '--custodian', 'alice', '--passphrase-file', pass('alice'));
    expect(loose.code).toBe(2);
    expect(loose.stderr).toMatch(/--policy: appraisal_policy: a key released to sev-snp evidence needs at least one reference value .*--no-reference-values/);
    oneLine(loose);
    const wrong = v('key', 'import', '--name', 'demo-model', '--file', keyFile, '--allow-test-anchor', '--custodian', 'alice', '--passphrase-file', pass('bob'));
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/refused \(authentication\): custodian alice: wrong passphrase/);
    const k = v('key', 'import', '--name', 'demo-model', '--file', keyFile, '--allow-test-anchor', '--custodian', 'alice', '--passphrase-file', pass('alice'));
    expect(k.code, k.stderr).toBe(0);
    keyId = k.stdout.trim();
    expect(keyId).toMatch(/^k_[0-9a-f]{16}$/);
    // Shown grouped in fours, as the console shows it.
    importFingerprint = /fingerprint ((?:[0-9a-f]{4} ){15}[0-9a-f]{4})/.exec(k.stderr)![1]!;
    expect(k.stderr).toMatch(/record signed by alice; tee sev-snp; 2 approval\(s\); no reference values; affirming only; TEST anchors allowed/);
    expect(v('key', 'list').stdout).toContain(`${keyId}  demo-model  aes-256  fingerprint ${importFingerprint}  imported by alice`);
  });

  it('on a machine that has not pinned the vault, refuses it until its thumbprint is given (vault trust), and refuses a wrong one', () => {
    const unknown = onOtherMachine('--vault', vault, 'key', 'list');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(new RegExp(`refused \\(authentication\\): vault ${vaultId} .* is not known on this machine. Its vault key thumbprint is ${vaultKey}`));
    oneLine(unknown);
    const info = onOtherMachine('--vault', vault, 'vault', 'info');
    expect(info.code).toBe(1);
    expect(info.stdout).toMatch(/NOT TRUSTED on this machine/);
    const wrong = onOtherMachine('--vault', vault, 'vault', 'trust', 'A'.repeat(43));
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(new RegExp(`the vault key is ${vaultKey}, not the A{43} you gave`));
    expect(onOtherMachine('--vault', vault, 'key', 'list').code).toBe(1);
    const trust = onOtherMachine('--vault', vault, 'vault', 'trust', vaultKey);
    expect(trust.code, trust.stderr).toBe(0);
    expect(trust.stdout).toContain(`trusted vault ${vaultId} with vault key ${vaultKey}`);
    expect(onOtherMachine('--vault', vault, 'key', 'list').stdout).toContain(keyId);
  });

  it('exits 2 with one line for bad input', () => {
    const signer = ['--custodian', 'alice', '--passphrase-file', pass('alice')];
    for (const [args, msg] of [
      [['key', 'import', '--name', 'x', '--file', put(dir, 'bad.key', 'this is not a key at all'), ...signer], /bad\.key: key: 24 bytes is neither/],
      [['key', 'import', '--name', 'x', '--file', join(dir, 'missing.key'), ...signer], /missing\.key: key file: no such file/],
      [['key', 'import', '--name', 'x', '--file', keyFile, '--allow-test-anchor', '--policy', put(dir, 'p.json', '{"appraisal_policy":{"snp":{"allow_debugg":true}}}'), ...signer], /p\.json: appraisal_policy: unknown field `allow_debugg`/],
      [['key', 'import', '--name', 'x', '--file', keyFile, '--allow-test-anchor', '--custodian', 'mallory', '--passphrase-file', pass('alice')], /"mallory" is not enrolled in this vault \(alice, bob, carol\)/],
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

  it('runs the ceremony: open (a second is refused), challenge, rehearsal evidence at the vault clock, approvals against the request hash, release, unwrap, receipt', () => {
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
    const endorsements = ['--chain', join(ev, 'chain.pem'), '--crl', join(ev, 'crl.der'), '--test-anchor', join(ev, 'test-anchor.pem')];
    const evArgs = (pub: string) => ['ceremony', 'evidence', cid, join(ev, 'report.bin'), '--tee-pubkey', pub, ...endorsements];
    const state = () => /state (\w+)/.exec(v('ceremony', 'show', cid).stdout)![1];
    const wrongKey = v(...evArgs(join(other, 'tee-pubkey.jwk')));
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toMatch(/refused \(binding\)/);
    const priv = v(...evArgs(tee));
    expect(priv.code).toBe(2);
    expect(priv.stderr).toMatch(/tee\.jwk: tee-pubkey\.d: is a private-key member/);
    // The submitter cannot choose the appraisal time: --at is refused in a ceremony (the vault's clock is used).
    const backdated = v('ceremony', 'evidence', cid, join(ev, 'report.bin'), ...endorsements, '--at', '2020-06-01T00:00:00Z');
    expect(backdated.code).toBe(2);
    expect(backdated.stderr).toMatch(/--at is not accepted in a ceremony: the evidence is appraised as of the vault machine's clock/);
    // A forgotten endorsement is bad input (exit 2), not a verdict: the ceremony keeps waiting.
    const noChain = v('ceremony', 'evidence', cid, join(ev, 'report.bin'), '--crl', join(ev, 'crl.der'), '--test-anchor', join(ev, 'test-anchor.pem'));
    expect(noChain.code).toBe(2);
    expect(noChain.stderr).toMatch(/report\.bin: .*nothing was recorded; give the endorsement and submit again/);
    oneLine(noChain);
    // Without the CRL, revocation is not checked: a warning the default (affirming-only) policy does not tolerate.
    const noCrl = v('ceremony', 'evidence', cid, join(ev, 'report.bin'), '--chain', join(ev, 'chain.pem'), '--test-anchor', join(ev, 'test-anchor.pem'));
    expect(noCrl.code).toBe(1);
    expect(noCrl.stderr).toMatch(/refused \(policy\): the verdict is warning and the key's policy accepts only affirming evidence.*keeps waiting/);
    expect(state()).toBe('challenged');
    // Without --tee-pubkey the key is taken from tee-pubkey.jwk beside the evidence.
    const ok = v('ceremony', 'evidence', cid, join(ev, 'report.bin'), ...endorsements);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/state appraised/);
    expect(ok.stdout).toMatch(/appraisal AFFIRMING as of \S+ \(the vault's clock when the evidence was taken\)/);
    expect(ok.stdout).toMatch(/trust anchor .*TEST, given with --test-anchor/);
    expect(ok.stdout).toMatch(/policy in force \([0-9a-f]{16}…\): tee sev-snp; 2 approval\(s\)/);
    expect(ok.stdout).toMatch(/measurement {3}[0-9a-f]{96}/);
    // Shown grouped in fours; --request-hash takes it grouped (as here) or as one run (carol, below).
    const requestHash = /request hash ((?:[0-9a-f]{4} ){15}[0-9a-f]{4})/.exec(ok.stdout)![1]!;

    // Passphrases never come from argv; without a terminal or a file the command refuses to prompt.
    const argvPass = v('ceremony', 'approve', cid, '--custodian', 'alice', '--request-hash', requestHash, '--passphrase', passphraseOf('alice'));
    expect(argvPass.code).toBe(2);
    expect(argvPass.stderr).not.toContain(passphraseOf('alice'));
    expect(v('ceremony', 'approve', cid, '--custodian', 'alice', '--request-hash', requestHash).stderr).toMatch(/Passphrase for alice:+ no terminal to prompt on/);
    // The request hash is required (typed at a terminal, or --request-hash) and compared before any passphrase is asked.
    const noHash = v('ceremony', 'approve', cid, '--custodian', 'alice', '--passphrase-file', pass('alice'));
    expect(noHash.code).toBe(2);
    expect(noHash.stderr).toMatch(/type its request hash to approve it:+ no terminal to prompt on; give --request-hash HEX/);
    const otherHash = v('ceremony', 'approve', cid, '--custodian', 'alice', '--request-hash', 'ab'.repeat(32));
    expect(otherHash.code).toBe(1);
    expect(otherHash.stderr).toMatch(new RegExp(`refused \\(approvals\\): the request hash given \\(${'abab '.repeat(16).trim()}\\) is not ceremony ${cid}'s \\(${requestHash}\\); nothing was approved`));

    const wrong = v('ceremony', 'approve', cid, '--custodian', 'alice', '--request-hash', requestHash, '--passphrase-file', pass('bob'));
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/refused \(authentication\): custodian alice: wrong passphrase/);
    // --passphrase-fd 0: the passphrase arrives on stdin.
    const fd = spawnSync(join(ROOT, 'bin', 'custodian'), ['--vault', vault, 'ceremony', 'approve', cid, '--custodian', 'alice', '--passphrase-fd', '0', '--request-hash', requestHash], { input: passphraseOf('alice'), encoding: 'utf8', env: process.env });
    expect(fd.status, fd.stderr).toBe(0);
    expect(fd.stdout).toMatch(/approved by alice: 1 of 2/);
    const twice = v('ceremony', 'approve', cid, '--custodian', 'alice', '--request-hash', requestHash, '--passphrase-file', pass('alice'));
    expect(twice.code).toBe(1);
    expect(twice.stderr).toMatch(/refused \(approvals\): alice already approved/);

    const early = v('ceremony', 'release', cid, '--out', bundle, '--receipt', receipt);
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(/1 of the 2 approvals/);
    expect(v('ceremony', 'approve', cid, '--custodian', 'carol', '--request-hash', requestHash.replace(/ /g, '').toUpperCase(), '--passphrase-file', pass('carol')).code).toBe(0);
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

    // The receipt, checked with nothing but the vault key thumbprint written down at init (no vault file).
    const rv = custodian('receipt', 'verify', receipt, '--vault-key', vaultKey);
    expect(rv.code, rv.stdout).toBe(0);
    expect(rv.stdout).toMatch(/VERIFIED/);
    for (const id of ['vault_key.pin', 'roster.signature', 'request.hash', 'receipt.signature', 'approval.alice', 'approval.carol', 'approvals.quorum']) expect(rv.stdout).toMatch(new RegExp(`PASS ${id.replace('.', '\\.')}:`));
    expect(rv.stdout).toContain(`key ${keyId} (${importFingerprint})`);
    const rvWrong = custodian('receipt', 'verify', receipt, '--vault-key', 'A'.repeat(43));
    expect(rvWrong.code).toBe(1);
    expect(rvWrong.stdout).toMatch(/NOT VERIFIED[\s\S]*FAIL vault_key\.pin/);
    expect(custodian('receipt', 'verify', receipt).code).toBe(2); // --vault-key is required
  });

  it('audit verify (chain, state tables, checkpoint, receipt), export with a checkpoint signed by the custodian, and tamper detection', () => {
    const ok = v('audit', 'verify');
    expect(ok.code, ok.stdout).toBe(0);
    expect(ok.stdout).toMatch(/audit chain OK: \d+ entries/);
    expect(ok.stdout).toMatch(/state tables agree with the log/);
    const exp = join(dir, 'audit.json');
    const e = v('audit', 'export', '--out', exp, '--custodian', 'bob', '--passphrase-file', pass('bob'));
    expect(e.code, e.stderr).toBe(0);
    expect(e.stderr).toMatch(new RegExp(`exported \\d+ entries to .*audit\\.json with a checkpoint signed by bob; vault key ${vaultKey}`));
    const toStdout = v('audit', 'export', '--custodian', 'bob', '--passphrase-file', pass('bob'));
    expect(JSON.parse(toStdout.stdout).entries.length).toBeGreaterThan(0);
    const doc = JSON.parse(readFileSync(exp, 'utf8'));
    expect(doc.vault_key_thumbprint).toBe(vaultKey);
    const entries = doc.entries as { event: string; payload: Record<string, unknown> }[];
    expect(entries.some((x) => x.event === 'ceremony.released' && (x.payload.trust_anchor as { kind: string }).kind === 'TEST')).toBe(true);
    expect(entries.some((x) => x.event === 'audit.checkpoint' && x.payload.source === 'release receipt')).toBe(true);
    expect(entries.some((x) => x.event === 'ceremony.step.refused' && x.payload.reason === 'binding')).toBe(true);
    expect(entries.some((x) => x.event === 'ceremony.step.refused' && x.payload.reason === 'policy')).toBe(true);
    const withCp = v('audit', 'verify', '--checkpoint', exp, '--vault-key', vaultKey, '--receipt', receipt);
    expect(withCp.code, withCp.stderr).toBe(0);
    expect(withCp.stdout).toMatch(/checkpoint OK: signed by bob/);
    expect(withCp.stdout).toMatch(/receipt OK: .*receipt\.jws .*still has the head it signed/);
    const otherKey = v('audit', 'verify', '--checkpoint', exp, '--vault-key', 'A'.repeat(43));
    expect(otherKey.code).toBe(1);
    expect(otherKey.stderr).toMatch(/refused \(authentication\): checkpoint: the export's vault key is not A{43}/);
    // A receipt passed as a checkpoint is not one.
    const receiptAsCheckpoint = v('audit', 'verify', '--checkpoint', put(dir, 'receipt-as-export.json', JSON.stringify({ ...doc, checkpoint: readFileSync(receipt, 'utf8').trim() })));
    expect(receiptAsCheckpoint.code).toBe(1);
    expect(receiptAsCheckpoint.stderr).toMatch(/checkpoint: the signature is not a checkpoint signature/);

    // Truncating the log back to before the release: the chain verifies by itself, the receipt's head does not.
    const truncated = copyOfVault('truncated.db');
    const head = JSON.parse(Buffer.from(readFileSync(receipt, 'utf8').split('.')[1]!, 'base64url').toString()).audit as { size: number };
    const t = new Database(truncated);
    t.exec('DROP TRIGGER audit_no_delete');
    t.prepare('DELETE FROM audit WHERE seq >= ?').run(head.size);
    t.close();
    const chainOnly = custodian('--vault', truncated, 'audit', 'verify');
    expect(chainOnly.stdout).toMatch(/audit chain OK/);
    const byReceipt = custodian('--vault', truncated, 'audit', 'verify', '--receipt', receipt);
    expect(byReceipt.code).toBe(1);
    expect(byReceipt.stderr).toMatch(new RegExp(`audit log is shorter than the ${head.size} entries of receipt .*receipt\\.jws: entries were removed`));

    // State written into the file without a step is reported.
    const edited = copyOfVault('edited.db');
    const ed = new Database(edited);
    ed.prepare("UPDATE ceremonies SET state = 'approved' WHERE id = ?").run(cid);
    ed.close();
    const unexplained = custodian('--vault', edited, 'audit', 'verify');
    expect(unexplained.code).toBe(1);
    expect(unexplained.stdout).toMatch(new RegExp(`state NOT EXPLAINED by the log: ceremony ${cid} is approved in the file, but its last entry .* says closed`));

    const raw = new Database(vault);
    raw.exec('DROP TRIGGER audit_no_update');
    raw.prepare("UPDATE audit SET actor = 'mallory' WHERE seq = 5").run();
    raw.close();
    const bad = v('audit', 'verify');
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/audit chain BROKEN at entry 5: stored hash/);
  });

  it('never echoes a passphrase given where the passphrase file path goes', () => {
    const r = v('audit', 'export', '--custodian', 'alice', '--passphrase-file', passphraseOf('alice'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot be read \(no such file\); the path given is not shown/);
    expect(r.stderr).not.toContain(passphraseOf('alice'));
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
