/**
 * Trustee interoperability and the receipt's proof, checked independently of the code under test:
 * - REPORT_DATA recomputed here from the RFC 8785 rules (own canonicaliser below, not `canonicalize`)
 *   and read straight from the report bytes (offset 0x50, 64 bytes), not through the core;
 * - the release JWE decrypted here by hand with WebCrypto / node:crypto (RFC 7518 §4.6 ECDH-ES Concat
 *   KDF + AES-KW, §4.3 RSA-OAEP-256, §5.3 AES-GCM), not through `jose`;
 * - the release receipt verified by hand from nothing but the vault key thumbprint written down at
 *   init: the thumbprint recomputed per RFC 7638, the roster JWS under the vault key, each approval JWS
 *   under that custodian's roster key, the request hash recomputed with the canonicaliser below, and
 *   the receipt JWS under the receipt key the approved request names — all ES256 with WebCrypto
 *   (RFC 7515 §5.2 over `header.payload`, RFC 7518 §3.4 raw r‖s signatures), not through `jose`.
 *
 * Threat (receipt): one custodian, or someone with the vault file, makes a receipt claiming a quorum
 * approved a release it did not approve.
 */
import { createDecipheriv, createHash, createPrivateKey, createSign, constants, generateKeyPairSync, privateDecrypt, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FlattenedJWE, JWK } from 'jose';
import { core } from '../helpers.ts';
import { approveAs, evidenceFor, newVault, passphraseOf, type TestVault } from './helpers.ts';
import { parseTeePublicKey, type HashAlg } from '../../electron/vault/binding.ts';
import { challenge, closeReleased, openCeremony, release, submitEvidence } from '../../electron/vault/ceremony.ts';
import { jcs } from '../../electron/vault/crypto.ts';
import { unlockCustodian } from '../../electron/vault/custodians.ts';
import { publicJwk, signStatement } from '../../electron/vault/jws.ts';
import { pinFile } from '../../electron/vault/pins.ts';
import { verifyReceipt } from '../../electron/vault/receipt.ts';
import { rehearseSnp } from '../../electron/rehearse/snp.ts';

/** RFC 8785 canonical JSON, written from the RFC for the test (strings, finite numbers, literals, arrays, objects). */
function canonical(v: unknown): string {
  if (v === null || typeof v === 'boolean') return String(v);
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error('RFC 8785 §3.2.2.3: no NaN/Infinity');
    return Object.is(v, -0) ? '0' : String(v); // ECMAScript Number.prototype.toString (§3.2.2.3)
  }
  if (typeof v === 'string') {
    // §3.2.2.2: escape " and \, control characters as \b \t \n \f \r or \u00xx (lowercase); all else verbatim.
    const short: Record<string, string> = { '\b': '\\b', '\t': '\\t', '\n': '\\n', '\f': '\\f', '\r': '\\r', '"': '\\"', '\\': '\\\\' };
    let out = '"';
    for (const ch of v) {
      const c = ch.codePointAt(0)!;
      out += short[ch] ?? (c < 0x20 ? `\\u${c.toString(16).padStart(4, '0')}` : ch);
    }
    return `${out}"`;
  }
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  // §3.2.3: members sorted by their names as arrays of UTF-16 code units.
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).sort((a, b) => {
    for (let i = 0; i < Math.min(a.length, b.length); i++) if (a.charCodeAt(i) !== b.charCodeAt(i)) return a.charCodeAt(i) - b.charCodeAt(i);
    return a.length - b.length;
  });
  return `{${keys.map((k) => `${canonical(k)}:${canonical(o[k])}`).join(',')}}`;
}

describe('RFC 8785 binding (Trustee runtime data → REPORT_DATA)', () => {
  it('the test canonicaliser follows the RFC 8785 §3.2.3 sorting example, and agrees with the production one', () => {
    const rfc = { '\u20ac': 'Euro Sign', '\r': 'Carriage Return', '\ufb33': 'Hebrew Letter Dalet With Dagesh', '1': 'One', '\ud83d\ude00': 'Emoji: Grinning Face', '\u0080': 'Control', '\u00f6': 'Latin Small Letter O With Diaeresis' };
    const text = canonical(rfc);
    const order = Object.values(rfc).sort((a, b) => text.indexOf(a) - text.indexOf(b));
    expect(order).toEqual(['Carriage Return', 'One', 'Control', 'Latin Small Letter O With Diaeresis', 'Euro Sign', 'Emoji: Grinning Face', 'Hebrew Letter Dalet With Dagesh']);
    const tricky = { b: [1, 2.5, -0, 1e21, true, null], a: { y: '\u0007"\\', x: 'é' }, '\u00f6': 0 };
    expect(jcs(tricky)).toBe(canonical(tricky));
  });

  it.each<HashAlg>(['sha256', 'sha384', 'sha512'])('rehearsal evidence carries pad64(%s(JCS({additional-evidence: "", nonce, tee-pubkey}))) at REPORT_DATA (Trustee ≥ 0.14)', async (alg) => {
    const nonce = Buffer.from('a fresh 32-byte nonce for tests!').toString('base64');
    const r = await rehearseSnp({ nonce, hashAlg: alg });
    const digest = createHash(alg).update(canonical({ 'additional-evidence': '', nonce, 'tee-pubkey': r.teePublicJwk })).digest();
    const expected = Buffer.concat([digest, Buffer.alloc(64 - digest.length)]);
    const report = r.files['report.bin'] as Buffer;
    expect(report.length).toBe(0x4a0);
    expect(report.subarray(0x50, 0x90).toString('hex')).toBe(expected.toString('hex'));
  });

  it('refuses a private TEE JWK as the public key', async () => {
    const r = await rehearseSnp({ nonce: 'n', hashAlg: 'sha384' });
    expect(() => parseTeePublicKey(r.teePrivateJwk, 'tee.jwk')).toThrow(/tee\.jwk: tee-pubkey\.d: is a private-key member/);
    expect(() => parseTeePublicKey({ kty: 'OKP', crv: 'X25519', x: 'a' }, 'k')).toThrow(/k: tee-pubkey\.kty/);
  });
});

const b64u = (s: string) => Buffer.from(s, 'base64url');
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
const withLen = (b: Buffer) => Buffer.concat([u32(b.length), b]);

/** RFC 7518 §4.6 + §4.4 by hand: ECDH → Concat KDF (SHA-256) → AES-KW unwrap of the CEK. */
async function ecdhEsA256kwCek(jwe: FlattenedJWE, teePrivate: JsonWebKey): Promise<CryptoKey> {
  const hdr = JSON.parse(b64u(jwe.protected!).toString()) as { alg: string; epk: JsonWebKey; apu?: string; apv?: string };
  expect(hdr.alg).toBe('ECDH-ES+A256KW');
  const subtle = globalThis.crypto.subtle;
  const curve = { name: 'ECDH', namedCurve: 'P-256' };
  const priv = await subtle.importKey('jwk', { kty: 'EC', crv: 'P-256', x: teePrivate.x, y: teePrivate.y, d: teePrivate.d }, curve, false, ['deriveBits']);
  const epk = await subtle.importKey('jwk', { kty: 'EC', crv: hdr.epk.crv, x: hdr.epk.x, y: hdr.epk.y }, curve, false, []);
  const z = Buffer.from(await subtle.deriveBits({ name: 'ECDH', public: epk }, priv, 256));
  const otherInfo = Buffer.concat([withLen(Buffer.from(hdr.alg)), withLen(b64u(hdr.apu ?? '')), withLen(b64u(hdr.apv ?? '')), u32(256)]);
  const kek = createHash('sha256').update(Buffer.concat([u32(1), z, otherInfo])).digest();
  const kw = await subtle.importKey('raw', kek, 'AES-KW', false, ['unwrapKey']);
  return subtle.unwrapKey('raw', b64u(jwe.encrypted_key!), kw, 'AES-KW', 'AES-GCM', true, ['decrypt']);
}

/** RFC 7518 §5.3 by hand: AES-256-GCM with AAD = ASCII(BASE64URL(protected header)). */
async function a256gcm(jwe: FlattenedJWE, cek: Buffer): Promise<Buffer> {
  expect(JSON.parse(b64u(jwe.protected!).toString()).enc).toBe('A256GCM');
  expect(jwe.aad).toBeUndefined();
  const d = createDecipheriv('aes-256-gcm', cek, b64u(jwe.iv!));
  d.setAAD(Buffer.from(jwe.protected!, 'ascii'));
  d.setAuthTag(b64u(jwe.tag!));
  return Buffer.concat([d.update(b64u(jwe.ciphertext)), d.final()]);
}

/** Decrypts a Custodian bundle without jose. */
async function independentDecrypt(jwe: FlattenedJWE, teePrivate: JsonWebKey): Promise<Buffer> {
  if (teePrivate.kty === 'EC') {
    const cek = await ecdhEsA256kwCek(jwe, teePrivate);
    return a256gcm(jwe, Buffer.from(await globalThis.crypto.subtle.exportKey('raw', cek)));
  }
  expect(JSON.parse(b64u(jwe.protected!).toString()).alg).toBe('RSA-OAEP-256');
  const key = createPrivateKey({ key: teePrivate as import('node:crypto').JsonWebKey, format: 'jwk' });
  const cek = privateDecrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, b64u(jwe.encrypted_key!));
  return a256gcm(jwe, cek);
}

describe('the release JWE decrypts through an independent implementation, and only with the bound key', () => {
  let v: TestVault;
  beforeAll(async () => {
    v = await newVault({ n: 2, m: 2 });
  });

  it.each(['EC', 'RSA'] as const)('%s TEE key', async (kty) => {
    const cid = await openCeremony(v.ctx, v.key.id);
    const ev = await evidenceFor(await challenge(v.ctx, cid), { kty });
    await submitEvidence(v.ctx, core, cid, ev.input);
    for (const n of v.names) await approveAs(v.ctx, cid, n);
    const { bundle } = await release(v.ctx, core, cid);
    await closeReleased(v.ctx, cid, { bundle: 'b', receipt: 'r' });
    expect(Object.keys(bundle).sort()).toEqual(['ciphertext', 'encrypted_key', 'iv', 'protected', 'tag']);
    const hdr = JSON.parse(b64u(bundle.protected!).toString());
    expect(hdr).toMatchObject({ kid: v.key.id, cty: 'custodian-key+raw' });
    const plain = await independentDecrypt(bundle, ev.r.teePrivateJwk);
    expect(plain.equals(v.keyBytes)).toBe(true);
    // Any other key of the same type fails (AES-KW integrity check / OAEP decoding).
    const stranger = (await rehearseSnp({ nonce: 'n', hashAlg: 'sha384' }, kty)).teePrivateJwk;
    await expect(independentDecrypt(bundle, stranger)).rejects.toThrow();
    // And a flipped ciphertext bit fails the GCM tag.
    const flipped = b64u(bundle.ciphertext);
    flipped[0]! ^= 1;
    await expect(independentDecrypt({ ...bundle, ciphertext: flipped.toString('base64url') }, ev.r.teePrivateJwk as JWK as JsonWebKey)).rejects.toThrow();
  });
});

/** RFC 7638 §3 by hand for an EC key: SHA-256 of the required members (crv, kty, x, y) in lexicographic order, no whitespace; base64url. */
function ecThumbprint(jwk: { crv?: string; kty?: string; x?: string; y?: string }): string {
  expect(jwk.kty).toBe('EC');
  const text = `{"crv":"${jwk.crv}","kty":"EC","x":"${jwk.x}","y":"${jwk.y}"}`;
  return createHash('sha256').update(text, 'utf8').digest('base64url');
}

/** A compact JWS split by hand (RFC 7515 §7.1): header and payload JSON, the signing input and the raw signature. */
function splitJws(jws: string) {
  const parts = jws.split('.');
  expect(parts).toHaveLength(3);
  const [h, p, sig] = parts as [string, string, string];
  return { header: JSON.parse(b64u(h).toString('utf8')), payload: JSON.parse(b64u(p).toString('utf8')), input: Buffer.from(`${h}.${p}`, 'ascii'), signature: b64u(sig) };
}

/** ES256 (RFC 7518 §3.4) with WebCrypto: P-256 public JWK, raw r‖s signature (64 bytes) over the signing input. */
async function es256Verifies(jws: string, jwk: { crv?: string; x?: string; y?: string }, typ: string): Promise<boolean> {
  const { header, input, signature } = splitJws(jws);
  if (header.alg !== 'ES256' || header.typ !== typ || signature.length !== 64) return false;
  const key = await globalThis.crypto.subtle.importKey('jwk', { kty: 'EC', crv: jwk.crv, x: jwk.x, y: jwk.y }, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
  return globalThis.crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, signature, input);
}

interface Verdict {
  ok: boolean;
  why: string[];
  approvers: string[];
}

/**
 * The receipt verified from `pinnedThumbprint` alone, without the code under test: every step a
 * relying party takes (module comment). Returns the failed steps, for negative tests to name.
 */
async function independentlyVerifyReceipt(receipt: string, pinnedThumbprint: string): Promise<Verdict> {
  const why: string[] = [];
  const { payload: claims } = splitJws(receipt);
  if (ecThumbprint(claims.vault_key_jwk) !== pinnedThumbprint) why.push('vault key thumbprint');
  if (!(await es256Verifies(claims.roster_jws, claims.vault_key_jwk, 'custodian-roster+jws'))) why.push('roster signature');
  const roster = splitJws(claims.roster_jws).payload as { vault_id: string; threshold: number; custodians: { name: string; signing_jwk: JsonWebKey }[] };
  if (roster.vault_id !== claims.vault_id) why.push('roster vault');
  const requestHash = createHash('sha256').update(canonical(claims.request), 'utf8').digest('hex');
  if (requestHash !== claims.request_sha256 || claims.request.ceremony_id !== claims.ceremony_id) why.push('request hash');
  const approvers: string[] = [];
  for (const a of claims.approvals as { custodian: string; signature: string }[]) {
    const entry = roster.custodians.find((c) => c.name === a.custodian);
    const ap = splitJws(a.signature).payload;
    const ok = !!entry && (await es256Verifies(a.signature, entry.signing_jwk, 'custodian-approval+jws')) && ap.custodian === a.custodian
      && ap.request_sha256 === requestHash && ap.ceremony_id === claims.ceremony_id && ap.vault_id === claims.vault_id && !approvers.includes(a.custodian);
    if (ok) approvers.push(a.custodian);
    else why.push(`approval of ${a.custodian}`);
  }
  if (approvers.length < Math.max(claims.request.approvals_required, roster.threshold)) why.push('quorum');
  if (!(await es256Verifies(receipt, claims.request.receipt_key, 'custodian-receipt+jws'))) why.push('receipt signature');
  return { ok: why.length === 0, why, approvers };
}

/** Re-signs `claims` under the receipt's header as a compact ES256 JWS with `key` (an attacker's forgery, made with node:crypto). */
function resign(receipt: string, claims: unknown, key: KeyObject): string {
  const h = receipt.split('.')[0]!;
  const p = Buffer.from(jcs(claims)).toString('base64url');
  const sig = createSign('sha256').update(`${h}.${p}`).sign({ key, dsaEncoding: 'ieee-p1363' });
  return `${h}.${p}.${sig.toString('base64url')}`;
}

describe('the release receipt verifies through an independent implementation, from the vault key thumbprint alone', () => {
  let v: TestVault;
  let receipt = '';
  let pinned = '';
  beforeAll(async () => {
    v = await newVault({ n: 3, m: 2 });
    pinned = JSON.parse(readFileSync(pinFile(), 'utf8')).vaults[v.roster.vault_id];
    const cid = await openCeremony(v.ctx, v.key.id);
    await submitEvidence(v.ctx, core, cid, (await evidenceFor(await challenge(v.ctx, cid))).input);
    await approveAs(v.ctx, cid, 'alice');
    await approveAs(v.ctx, cid, 'carol');
    receipt = (await release(v.ctx, core, cid)).receipt;
  });

  it('recomputes the vault key thumbprint per RFC 7638 and finds the pinned one', () => {
    expect(pinned).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(ecThumbprint(v.roster.vault_key_jwk as JsonWebKey)).toBe(pinned);
    expect(ecThumbprint(splitJws(receipt).payload.vault_key_jwk)).toBe(pinned);
  });

  it('verifies the roster, both approvals, the request hash and the receipt signature with WebCrypto', async () => {
    const { header, payload } = splitJws(receipt);
    expect(header).toMatchObject({ alg: 'ES256', typ: 'custodian-receipt+jws' });
    expect(payload).toMatchObject({ type: 'custodian-release-receipt', version: 2, vault_id: v.roster.vault_id, request: { key_id: v.key.id, key_fingerprint: v.key.meta.fingerprint } });
    const verdict = await independentlyVerifyReceipt(receipt, pinned);
    expect(verdict).toEqual({ ok: true, why: [], approvers: ['alice', 'carol'] });
    // The request hash each custodian signed is the test canonicaliser's, and the request names the key that signed the receipt.
    for (const a of payload.approvals) expect(splitJws(a.signature).payload.request_sha256).toBe(createHash('sha256').update(canonical(payload.request)).digest('hex'));
    // The code under test agrees.
    expect((await verifyReceipt(receipt, pinned)).ok).toBe(true);
  });

  it('rejects, with the code under test agreeing: another vault key, a flipped signature bit, a receipt re-signed by a custodian, a forged or duplicated approval, an edited request', async () => {
    const claims = splitJws(receipt).payload;
    const check = async (jws: string, thumb: string, step: string) => {
      const verdict = await independentlyVerifyReceipt(jws, thumb);
      expect(verdict.why, step).toContain(step);
      expect((await verifyReceipt(jws, thumb)).ok, step).toBe(false);
    };
    await check(receipt, ecThumbprint(publicJwk(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey) as JsonWebKey), 'vault key thumbprint');
    const [h, p, sig] = receipt.split('.') as [string, string, string];
    const flipped = b64u(sig);
    flipped[7]! ^= 1;
    await check(`${h}.${p}.${flipped.toString('base64url')}`, pinned, 'receipt signature');

    // One custodian alone (alice, with her own key) signs a receipt: it is not the receipt key the approved request names.
    const alice = await unlockCustodian(v.db, v.roster, 'alice', passphraseOf('alice'));
    await check(resign(receipt, claims, alice.signing), pinned, 'receipt signature');
    // ... nor can she put the receipt key of her choice into the request: the approvals signed the original request hash.
    const mine = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const request = { ...claims.request, receipt_key: publicJwk(mine.publicKey) };
    const rehashed = { ...claims, request, request_sha256: createHash('sha256').update(canonical(request)).digest('hex') };
    const own = await independentlyVerifyReceipt(resign(receipt, rehashed, mine.privateKey), pinned);
    expect(own.why).toEqual(['approval of alice', 'approval of carol', 'quorum']);
    expect((await verifyReceipt(resign(receipt, rehashed, mine.privateKey), pinned)).ok).toBe(false);
    // Approvals, checked on their own (the attacker does not hold the receipt key, so these receipts also fail 'receipt signature'):
    // an approval "by bob" that alice signed with her own key counts for nobody; one approval listed twice counts once.
    const first = claims.approvals[0] as { custodian: string; signature: string };
    const forgedBob = await signStatement({ ...splitJws(first.signature).payload, custodian: 'bob' }, alice.signing, alice.entry.signing_jwk, 'custodian-approval+jws');
    const withBob = await independentlyVerifyReceipt(resign(receipt, { ...claims, approvals: [first, { custodian: 'bob', signature: forgedBob }] }, mine.privateKey), pinned);
    expect(withBob.why).toEqual(['approval of bob', 'quorum', 'receipt signature']);
    expect(withBob.approvers).toEqual([first.custodian]);
    const twice = await independentlyVerifyReceipt(resign(receipt, { ...claims, approvals: [first, first] }, mine.privateKey), pinned);
    expect(twice.why).toEqual([`approval of ${first.custodian}`, 'quorum', 'receipt signature']);
  });
});
