/**
 * A composite ceremony (SEV-SNP + 2 GPUs) as a user scripts it with the CLI: `key import --gpus 2`,
 * `rehearse snp --gpus N`, `ceremony evidence … --rim … --ocsp … --additional-evidence FILE` (a GPU
 * missing is refused naming it and the ceremony keeps waiting), `ceremony show` listing each device,
 * approvals, release and `unwrap`. Threat: a release to a GPU workload whose GPUs did not all prove
 * themselves in this challenge.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { custodian, passphraseOf, put, tmp } from './helpers.ts';

const dir = tmp('composite-cli');
const vault = join(dir, 'vault.db');
const v = (...args: string[]) => custodian('--vault', vault, ...args);
const pass = (name: string) => put(dir, `${name}.pass`, `${passphraseOf(name)}\n`);

describe('custodian: composite ceremony (SEV-SNP + 2 GPUs)', () => {
  it('refuses a missing GPU naming it, then releases to the VM whose 2 GPUs answered, and the TEE unwraps the key', () => {
    expect(v('vault', 'init', '--custodian', `alice:${pass('alice')}`, '--custodian', `bob:${pass('bob')}`, '--threshold', '2').code).toBe(0);
    const model = put(dir, 'model.key', Buffer.from('fedcba9876543210fedcba9876543210'));
    const imp = v('key', 'import', '--name', 'gpu-model', '--file', model, '--allow-test-anchor', '--gpus', '2', '--custodian', 'alice', '--passphrase-file', pass('alice'));
    expect(imp.code, imp.stderr).toBe(0);
    expect(imp.stderr).toContain('tee sev-snp + 2 NVIDIA GPU(s), each affirming');
    const key = imp.stdout.trim();
    const cid = v('ceremony', 'open', '--key', key).stdout.trim();
    const chFile = join(dir, 'challenge.json');
    expect(v('ceremony', 'challenge', cid, '--out', chFile).code).toBe(0);

    const evidence = (ev: string) => {
      const files = readdirSync(ev);
      return [
        'ceremony', 'evidence', cid, join(ev, 'report.bin'), '--chain', join(ev, 'chain.pem'), '--crl', join(ev, 'crl.der'),
        '--rim', join(ev, 'rim-driver.xml'), '--rim', join(ev, 'rim-vbios.xml'),
        ...files.filter((f) => f.startsWith('ocsp-')).flatMap((f) => ['--ocsp', join(ev, f)]),
        ...['test-anchor.pem', 'gpu-test-anchor.pem', 'rim-test-anchor.pem'].flatMap((f) => ['--test-anchor', join(ev, f)]),
        '--additional-evidence', join(ev, 'additional-evidence.json'),
      ];
    };
    // One GPU where the key requires two: refused, naming the missing one; the ceremony keeps waiting.
    const one = join(dir, 'one');
    const r1 = custodian('rehearse', 'snp', '--challenge', chFile, '--tee-key-out', join(dir, 'one.jwk'), '--out', one, '--gpus', '1');
    expect(r1.code, r1.stderr).toBe(0);
    expect(r1.stdout).toMatch(/^gpu0: TEST Hopper GPU-[0-9a-f-]+, driver 550\.144\.03, VBIOS 96\.00\.9F\.00\.01$/m);
    const missing = v(...evidence(one));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/refused \(policy\): gpu1 missing: the key's policy requires 2 GPUs and the evidence holds 1 \(gpu0\)/);

    const two = join(dir, 'two');
    const tee = join(dir, 'tee.jwk');
    expect(custodian('rehearse', 'snp', '--challenge', chFile, '--tee-key-out', tee, '--out', two, '--gpus', '2').code).toBe(0);
    const ok = v(...evidence(two));
    expect(ok.code, ok.stderr).toBe(0);
    const shown = v('ceremony', 'show', cid).stdout;
    expect(shown).toMatch(/state appraised/);
    expect(shown).toMatch(/^ {2}gpu0 +AFFIRMING GPU-[0-9a-f-]+: driver 550\.144\.03, VBIOS 96\.00\.9F\.00\.01, measurements success; TEST: /m);
    expect(shown).toMatch(/^ {2}gpu1 +AFFIRMING GPU-/m);
    expect(shown).toMatch(/binding: REPORT_DATA binds the nonce, the additional evidence and TEE key .*Trustee ≥ 0\.14 form/);
    const request = /request hash ((?:[0-9a-f]{4} ){15}[0-9a-f]{4})/.exec(shown)![1]!;
    for (const who of ['alice', 'bob']) expect(v('ceremony', 'approve', cid, '--custodian', who, '--passphrase-file', pass(who), '--request-hash', request).code).toBe(0);
    const bundle = join(dir, 'bundle.jwe');
    expect(v('ceremony', 'release', cid, '--out', bundle, '--receipt', join(dir, 'receipt.jws')).code).toBe(0);
    const out = join(dir, 'released.key');
    expect(custodian('unwrap', '--tee-key', tee, bundle, '--out', out).code).toBe(0);
    expect(readFileSync(out).equals(readFileSync(model))).toBe(true);
  });
});
