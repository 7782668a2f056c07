/**
 * Trustee interoperability, checked independently of the code under test:
 * - REPORT_DATA recomputed here from the RFC 8785 rules (own canonicaliser below, not `canonicalize`)
 *   and read straight from the report bytes (offset 0x50, 64 bytes), not through the core;
 * - the release JWE decrypted here by hand with WebCrypto / node:crypto (RFC 7518 §4.6 ECDH-ES Concat
 *   KDF + AES-KW, §4.3 RSA-OAEP-256, §5.3 AES-GCM), not through `jose`.
 */
import { createDecipheriv, createHash, createPrivateKey, constants, privateDecrypt } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FlattenedJWE, JWK } from 'jose';
import { core } from '../helpers.ts';
import { evidenceFor, newVault, passphraseOf, type TestVault } from './helpers.ts';
import { parseTeePublicKey, type HashAlg } from '../../electron/vault/binding.ts';
import { approve, challenge, closeReleased, openCeremony, release, submitEvidence } from '../../electron/vault/ceremony.ts';
import { jcs } from '../../electron/vault/crypto.ts';
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

  it.each<HashAlg>(['sha256', 'sha384', 'sha512'])('rehearsal evidence carries pad64(%s(JCS({nonce, tee-pubkey}))) at REPORT_DATA', (alg) => {
    const nonce = Buffer.from('a fresh 32-byte nonce for tests!').toString('base64');
    const r = rehearseSnp({ nonce, hashAlg: alg });
    const digest = createHash(alg).update(canonical({ nonce, 'tee-pubkey': r.teePublicJwk })).digest();
    const expected = Buffer.concat([digest, Buffer.alloc(64 - digest.length)]);
    const report = r.files['report.bin'] as Buffer;
    expect(report.length).toBe(0x4a0);
    expect(report.subarray(0x50, 0x90).toString('hex')).toBe(expected.toString('hex'));
  });

  it('refuses a private TEE JWK as the public key', () => {
    const r = rehearseSnp({ nonce: 'n', hashAlg: 'sha384' });
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
    const ev = evidenceFor(await challenge(v.ctx, cid), { kty });
    await submitEvidence(v.ctx, core, cid, ev.input);
    for (const n of v.names) await approve(v.ctx, cid, n, passphraseOf(n));
    const { bundle } = await release(v.ctx, cid);
    await closeReleased(v.ctx, cid, { bundle: 'b', receipt: 'r' });
    expect(Object.keys(bundle).sort()).toEqual(['ciphertext', 'encrypted_key', 'iv', 'protected', 'tag']);
    const hdr = JSON.parse(b64u(bundle.protected!).toString());
    expect(hdr).toMatchObject({ kid: v.key.id, cty: 'custodian-key+raw' });
    const plain = await independentDecrypt(bundle, ev.r.teePrivateJwk);
    expect(plain.equals(v.keyBytes)).toBe(true);
    // Any other key of the same type fails (AES-KW integrity check / OAEP decoding).
    const stranger = rehearseSnp({ nonce: 'n', hashAlg: 'sha384' }, kty).teePrivateJwk;
    await expect(independentDecrypt(bundle, stranger)).rejects.toThrow();
    // And a flipped ciphertext bit fails the GCM tag.
    const flipped = b64u(bundle.ciphertext);
    flipped[0]! ^= 1;
    await expect(independentDecrypt({ ...bundle, ciphertext: flipped.toString('base64url') }, ev.r.teePrivateJwk as JWK as JsonWebKey)).rejects.toThrow();
  });
});
