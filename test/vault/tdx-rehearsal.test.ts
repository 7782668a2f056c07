/**
 * TDX rehearsals (issue 12 item 6): `custodian rehearse tdx` evidence taken by a whole ceremony — a key
 * whose policy accepts `tee: ["tdx"]` and TEST anchors; init, key, challenge, rehearsal, evidence with
 * the TEST anchor, approvals, release, unwrap — and the refusals an attacker would try: evidence for
 * another challenge (binding), TEST evidence for a key that does not allow TEST anchors, a tampered
 * quote, a debug TD, a missing TEST anchor, collateral signed by another TEST key.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { core } from '../helpers.ts';
import { approveAs, custodian, newVault, put, tmp, type TestVault } from './helpers.ts';
import { rehearseTdx, tdxRehearsalEvidence, TD_ATTRIBUTES, TD_DEBUG, type TdxRehearsal } from '../../electron/rehearse/tdx.ts';
import { newTeeKeyPair } from '../../electron/rehearse/tee-key.ts';
import type { Challenge } from '../../electron/vault/binding.ts';
import { abort, challenge, closeReleased, openCeremony, release, show, submitEvidence } from '../../electron/vault/ceremony.ts';
import { Refused } from '../../electron/vault/errors.ts';
import { verifyReceipt } from '../../electron/vault/receipt.ts';
import { decryptBundle } from '../../electron/vault/release.ts';
import { parseAttestation } from '../../electron/vault/trustee.ts';
import { loadTdxTestPki, makeTdxCollateral } from '../../fixtures/lib/tdx.mjs';

/** MR_TD of every rehearsal quote (fixtures/lib/tdx.mjs: SHA-384 of a label). */
const REHEARSAL_MR_TD = createHash('sha384').update('custodian/test/tdx/mr_td').digest('hex');
const TDX_KEY = { tee: ['tdx'] };

async function refused(p: Promise<unknown>, reason: Refused['reason']): Promise<string> {
  const e = await p.then(() => null, (x: unknown) => x);
  expect(e, 'expected a refusal').toBeInstanceOf(Refused);
  expect((e as Refused).reason).toBe(reason);
  return (e as Refused).message;
}

const of = (ch: Challenge) => ({ nonce: ch.nonce, hashAlg: ch['extra-params']['selected-hash-algorithm'] });

async function started(v: TestVault) {
  const cid = await openCeremony(v.ctx, v.key.id);
  return { cid, ch: await challenge(v.ctx, cid) };
}

describe('a whole TDX rehearsal ceremony (2 of 3)', () => {
  let v: TestVault;
  beforeAll(async () => {
    v = await newVault({ policy: TDX_KEY });
  });
  afterAll(() => v.db.close());

  it('takes TEST TDX evidence with the TEST anchor, records it as TEST, and releases to the bound TEE key only', async () => {
    const { cid, ch } = await started(v);
    const r = await rehearseTdx(of(ch));
    await submitEvidence(v.ctx, core, cid, tdxRehearsalEvidence(r));
    let c = show(v.ctx, cid);
    expect(c.state).toBe('appraised');
    const a = c.data.evidence!.appraisal;
    expect(a.platform).toBe('tdx');
    expect(a.verdict).toBe('affirming');
    expect(a.trust_anchor).toMatchObject({ kind: 'test', name: 'TEST anchor Custodian TEST Root CA (not Intel)' });
    expect(a.claims.mr_td).toBe(REHEARSAL_MR_TD);
    // Collateral freshness is judged at the vault's clock, which lies inside the 30-day window.
    expect(a.checks.find((x) => x.id === 'collateral.window')?.status).toBe('pass');

    await approveAs(v.ctx, cid, 'alice');
    c = await approveAs(v.ctx, cid, 'bob');
    expect(c.state).toBe('approved');
    const { bundle, receipt } = await release(v.ctx, core, cid);
    const { plaintext } = await decryptBundle(bundle, r.teePrivateJwk as JWK);
    expect(Buffer.from(plaintext).equals(v.keyBytes)).toBe(true);
    await expect(decryptBundle(bundle, newTeeKeyPair('EC').teePrivateJwk as JWK)).rejects.toThrow();
    const verified = await verifyReceipt(receipt, v.roster.vault_key_thumbprint);
    expect(verified.ok).toBe(true);
    expect(verified.claims!.request).toMatchObject({ trust_anchor: { kind: 'TEST' } });
    expect(verified.claims!.request.evidence.map((f) => f.role)).toEqual(expect.arrayContaining(['evidence', 'endorsement', 'test-anchor', 'tee-pubkey']));
    await closeReleased(v.ctx, cid, { bundle: 'b', receipt: 'r' });
    // At the enclave: `custodian unwrap` with the rehearsal's TEE private key gives the model key.
    const dir = tmp('tdx-unwrap');
    const out = join(dir, 'model.key');
    const u = custodian('unwrap', '--tee-key', put(dir, 'tee.jwk', JSON.stringify(r.teePrivateJwk)), put(dir, 'bundle.jwe', JSON.stringify(bundle)), '--out', out);
    expect(u.code, u.stderr).toBe(0);
    expect(readFileSync(out).equals(v.keyBytes)).toBe(true);
  });

  it('takes the rehearsal as the Trustee Attestation a TDX guest posts (attestation.json), with its collateral and anchor', async () => {
    const { cid, ch } = await started(v);
    const r = await rehearseTdx(of(ch));
    const a = parseAttestation(Buffer.from(r.files['attestation.json']!), 'attestation.json');
    expect(a).toMatchObject({ nonce: ch.nonce, additionalEvidence: '', primary: { platform: 'tdx' } });
    expect(Buffer.from(a.primary.evidence.bytes).equals(Buffer.from(r.files['quote.bin']!))).toBe(true);
    const ev = tdxRehearsalEvidence(r);
    await submitEvidence(v.ctx, core, cid, { ...ev, evidence: a.primary.evidence, teePubkey: { file: ev.teePubkey.file, jwk: a.teePubkey }, additionalEvidence: a.additionalEvidence });
    expect(show(v.ctx, cid).state).toBe('appraised');
    await abort(v.ctx, cid);
  });

  it('binds additional evidence (Trustee ≥ 0.14) and still accepts a pre-0.14 guest', async () => {
    for (const opts of [{ additionalEvidence: '{"gpu":"rehearsal"}' }, { bindingForm: 'pre-0.14' as const }]) {
      const { cid, ch } = await started(v);
      const r = await rehearseTdx(of(ch), opts);
      await submitEvidence(v.ctx, core, cid, tdxRehearsalEvidence(r));
      expect(show(v.ctx, cid).state).toBe('appraised');
      await abort(v.ctx, cid);
    }
  });

  it('binds an externally generated TEE key (--tee-pubkey) and an RSA key', async () => {
    for (const pair of [newTeeKeyPair('EC'), newTeeKeyPair('RSA')]) {
      const { cid, ch } = await started(v);
      const r = await rehearseTdx(of(ch), { teePubkey: pair.teePublicJwk });
      expect(r.teePrivateJwk).toBeUndefined();
      await submitEvidence(v.ctx, core, cid, tdxRehearsalEvidence(r));
      expect(show(v.ctx, cid).state).toBe('appraised');
      await abort(v.ctx, cid);
    }
  });
});

describe('TDX rehearsal refusals', () => {
  let v: TestVault;
  beforeAll(async () => {
    v = await newVault({ policy: TDX_KEY });
  });
  afterAll(() => v.db.close());

  it('refuses evidence made for another challenge (binding), and the ceremony keeps waiting', async () => {
    const { cid, ch } = await started(v);
    const replay = await rehearseTdx({ nonce: 'an earlier ceremony', hashAlg: 'sha384' });
    expect(await refused(submitEvidence(v.ctx, core, cid, tdxRehearsalEvidence(replay)), 'binding')).toMatch(/another nonce or another key/);
    // The right quote presented with another TEE key than the one it binds: refused too.
    const mine = await rehearseTdx(of(ch));
    const other = newTeeKeyPair('EC').teePublicJwk;
    expect(await refused(submitEvidence(v.ctx, core, cid, tdxRehearsalEvidence(mine, { teePubkey: other })), 'binding')).toMatch(/another nonce or another key/);
    expect(show(v.ctx, cid).state).toBe('challenged');
    await submitEvidence(v.ctx, core, cid, tdxRehearsalEvidence(mine));
    expect(show(v.ctx, cid).state).toBe('appraised');
    await abort(v.ctx, cid);
  });

  it('refuses a tampered quote (MR_TD changed after signing)', async () => {
    const { cid, ch } = await started(v);
    const r = await rehearseTdx(of(ch));
    const quote = Buffer.from(r.files['quote.bin']!);
    quote[48 + 136] = quote[48 + 136]! ^ 0x01; // MR_TD[0]; the quote signature covers header ‖ body
    r.files['quote.bin'] = quote;
    expect(await refused(submitEvidence(v.ctx, core, cid, tdxRehearsalEvidence(r)), 'policy')).toMatch(/quote\.signature/);
    await abort(v.ctx, cid);
  });

  it('refuses a debug TD, TEST evidence without its TEST anchor, and collateral signed by another TEST key', async () => {
    const { cid, ch } = await started(v);
    const debug = await rehearseTdx(of(ch), { tdAttributes: TD_ATTRIBUTES | TD_DEBUG });
    expect(await refused(submitEvidence(v.ctx, core, cid, tdxRehearsalEvidence(debug)), 'policy')).toMatch(/policy\.debug/);
    const r: TdxRehearsal = await rehearseTdx(of(ch));
    expect(await refused(submitEvidence(v.ctx, core, cid, tdxRehearsalEvidence(r, { testAnchor: false })), 'policy')).toMatch(/chain\.root\.pin/);
    const keys = fileURLToPath(new URL('../../fixtures/tdx/keys/', import.meta.url));
    const forged = { ...r, files: { ...r.files, 'collateral.json': await makeTdxCollateral(await loadTdxTestPki(keys), { now: new Date(), signer: await loadTdxTestPki(keys, { prefix: 'other-' }) }) } };
    expect(await refused(submitEvidence(v.ctx, core, cid, tdxRehearsalEvidence(forged)), 'policy')).toMatch(/tcb_signing\.signature/);
    expect(show(v.ctx, cid).state).toBe('challenged');
    await abort(v.ctx, cid);
  });

  it('refuses TEST TDX evidence for a key whose policy does not allow TEST anchors', async () => {
    const w = await newVault({ policy: { ...TDX_KEY, allow_test_anchor: false, appraisal_policy: { tdx: { mr_td: [REHEARSAL_MR_TD] } } } });
    const { cid, ch } = await started(w);
    expect(await refused(submitEvidence(w.ctx, core, cid, tdxRehearsalEvidence(await rehearseTdx(of(ch)))), 'policy')).toMatch(/TEST anchor.*does not allow/);
    expect(show(w.ctx, cid).state).toBe('challenged');
    w.db.close();
  });

  it('refuses TDX evidence for a key that accepts only SEV-SNP', async () => {
    const w = await newVault();
    const { cid, ch } = await started(w);
    expect(await refused(submitEvidence(w.ctx, core, cid, tdxRehearsalEvidence(await rehearseTdx(of(ch)))), 'policy')).toMatch(/accepts sev-snp evidence; this is tdx evidence/);
    w.db.close();
  });
});

describe('custodian rehearse tdx (CLI)', () => {
  const challengeFile = () => put(tmp('tdx-cli'), 'challenge.json', JSON.stringify({ nonce: 'cli-nonce', 'extra-params': { 'selected-hash-algorithm': 'sha384', 'custodian-ceremony': 'c', 'expires-at': '2099-01-01T00:00:00Z' } }));

  it('writes the quote, collateral, TEST anchor and TEE keys; verify affirms only with --test-anchor', () => {
    const ch = challengeFile();
    const dir = join(ch, '..', 'ev');
    const keyOut = join(ch, '..', 'tee.jwk');
    const r = custodian('rehearse', 'tdx', '--challenge', ch, '--tee-key-out', keyOut, '--out', dir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(statSync(keyOut).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(keyOut, 'utf8'))).toMatchObject({ kty: 'EC', alg: 'ECDH-ES+A256KW' });
    const verify = (...extra: string[]) => custodian('verify', join(dir, 'quote.bin'), '--collateral', join(dir, 'collateral.json'), '--json', ...extra);
    const ok = verify('--test-anchor', join(dir, 'test-anchor.pem'));
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ platform: 'tdx', verdict: 'affirming', trust_anchor: { kind: 'test' } });
    const without = verify();
    expect(without.code).toBe(1);
    expect(JSON.parse(without.stdout)).toMatchObject({ verdict: 'contraindicated', trust_anchor: { kind: 'none' } });
  });

  it('binds --tee-pubkey without writing a private key, and refuses --tee-pubkey with --tee-key-out', () => {
    const ch = challengeFile();
    const pub = put(join(ch, '..'), 'pub.jwk', JSON.stringify(newTeeKeyPair('EC').teePublicJwk));
    const dir = join(ch, '..', 'ev');
    const r = custodian('rehearse', 'tdx', '--challenge', ch, '--tee-pubkey', pub, '--out', dir);
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'tee-pubkey.jwk'), 'utf8'))).toEqual(JSON.parse(readFileSync(pub, 'utf8')));
    expect(custodian('rehearse', 'tdx', '--challenge', ch, '--tee-pubkey', pub, '--tee-key-out', join(dir, 'k.jwk'), '--out', dir).code).toBe(2);
    writeFileSync(pub, JSON.stringify({ kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA' }));
    const bad = custodian('rehearse', 'tdx', '--challenge', ch, '--tee-pubkey', pub, '--out', dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/not a point on P-256/);
    expect(custodian('rehearse', 'sgx', '--challenge', ch, '--out', dir).stderr).toMatch(/unknown platform "sgx" \(snp, tdx\)/);
  });
});
