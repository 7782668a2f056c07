/**
 * The release bundle: a Trustee KBS `Response` (kbs-types 0.18), which is a flattened JWE (RFC 7516
 * §7.2.2) of the model key's bytes (`raw` AES bytes or PKCS#8 DER) to the TEE public key bound in
 * REPORT_DATA — the same message a Trustee KBS answers a resource request with (trustee
 * `kbs/src/jwe/mod.rs` at 78962cd416dc):
 *
 * - `alg` ECDH-ES+A256KW (RFC 7518 §4.6; Concat KDF with empty PartyUInfo/PartyVInfo) for EC keys
 *   (P-256, P-384, P-521), RSA-OAEP-256 (§4.3) for RSA keys; `enc` A256GCM;
 * - protected header members `alg`, `enc`, then the others sorted by name, recursively — `cty`
 *   (`custodian-key+raw` or `custodian-key+pkcs8`), `epk` as `{crv, kty, x, y}`, `kid` (the key id);
 * - members `protected`, `encrypted_key`, `iv`, `ciphertext`, `tag` (Trustee writes no `aad`; the
 *   guest ignores one anyway).
 *
 * Why the order matters: a guest-components guest does not use the protected header as sent. kbs-types
 * deserializes it into `ProtectedHeader {alg, enc, other_fields: Map}` and `generate_aad()` re-serializes
 * it (guest-components `kbs_protocol/src/keypair.rs` `decrypt_response`); serde_json writes `alg`,
 * `enc`, then the map — sorted (BTreeMap) without serde_json's `preserve_order` feature, in the order
 * received with it. A header written in exactly that sorted order is a fixed point either way, so the
 * rebuilt AAD equals ASCII(BASE64URL(protected)) as RFC 7516 §5.1 step 14 defines it, and a
 * spec-conforming receiver (jose `flattenedDecrypt`, `custodian unwrap`) decrypts the same bundle.
 * {@link kbsTypesHeaderJson} is that serialization; {@link encryptToTee} checks the fixed point on
 * every bundle.
 *
 * Who does the cryptography: jose does the key management (ECDH-ES + Concat KDF + AES-KW, or
 * RSA-OAEP-256) for a CEK drawn here from the OS CSPRNG — through `setContentEncryptionKey`, which jose
 * marks "for testing" because a fixed CEK would be dangerous; ours is fresh for every bundle. jose
 * cannot write the protected header in this order (it appends `epk` as `{x, crv, kty, y}`), so the
 * content is encrypted with Node's AES-256-GCM (OpenSSL) under the final header's AAD.
 *
 * The receipt is receipt.ts.
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import { FlattenedEncrypt, flattenedDecrypt, importJWK, type FlattenedJWE, type JWK } from 'jose';
import { jweAlgFor, type TeePublicJwk } from './binding.ts';
import type { KeyFormat } from './keys.ts';

/** A Trustee KBS `Response` (kbs-types 0.18): a flattened JWE with these five members, all base64url. */
export interface TrusteeResponse extends FlattenedJWE {
  protected: string;
  encrypted_key: string;
  iv: string;
  ciphertext: string;
  tag: string;
}

const b64u = (b: Uint8Array | string) => Buffer.from(b).toString('base64url');

/** Code-unit order equals UTF-8 byte order (Rust's `String` Ord) for the ASCII names a JOSE header has; others are refused. */
function sortedNames(o: Record<string, unknown>): string[] {
  const names = Object.keys(o);
  for (const n of names) if (!/^[\x20-\x7e]*$/.test(n)) throw new Error(`JOSE header member name ${JSON.stringify(n)} is not printable ASCII`);
  return names.sort();
}

/** serde_json's text for a header value (strings, and objects of them: all a KBS header holds). No recursion on untrusted depth: headers are ours. */
function valueJson(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v); // same escapes as serde_json for the ASCII values of a header
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    return `{${sortedNames(o).map((k) => `${JSON.stringify(k)}:${valueJson(o[k])}`).join(',')}}`;
  }
  throw new Error('JOSE header values here are strings or objects of strings');
}

/**
 * The JSON text kbs-types' `ProtectedHeader` serializes `header` to (`generate_aad()` before
 * base64url): `alg`, `enc`, then the other members sorted by name, nested objects sorted, no
 * whitespace. `header` must hold `alg` and `enc` (strings) and otherwise strings and objects.
 */
export function kbsTypesHeaderJson(header: Record<string, unknown>): string {
  const { alg, enc, ...rest } = header;
  if (typeof alg !== 'string' || typeof enc !== 'string') throw new Error('a protected header needs alg and enc');
  const others = sortedNames(rest).map((k) => `,${JSON.stringify(k)}:${valueJson(rest[k])}`).join('');
  return `{"alg":${JSON.stringify(alg)},"enc":${JSON.stringify(enc)}${others}}`;
}

/** Encrypts `plaintext` to `tee` as a Trustee `Response` (see the module comment). */
export async function encryptToTee(plaintext: Uint8Array, tee: TeePublicJwk, keyId: string, format: KeyFormat): Promise<TrusteeResponse> {
  const alg = jweAlgFor(tee);
  const key = await importJWK({ ...(tee as JWK), alg }, alg);
  const cek = randomBytes(32);
  try {
    // Key management only: jose wraps the CEK to the TEE key (its empty-plaintext ciphertext is dropped).
    const km = await new FlattenedEncrypt(new Uint8Array(0)).setProtectedHeader({ alg, enc: 'A256GCM' }).setContentEncryptionKey(cek).encrypt(key);
    const kmHeader = JSON.parse(Buffer.from(km.protected!, 'base64url').toString('utf8')) as { epk?: { kty: string; crv: string; x: string; y: string } };
    const header: Record<string, unknown> = { alg, enc: 'A256GCM', cty: `custodian-key+${format}`, kid: keyId };
    if (alg === 'ECDH-ES+A256KW') {
      const e = kmHeader.epk!;
      header.epk = { crv: e.crv, kty: e.kty, x: e.x, y: e.y };
    }
    const text = kbsTypesHeaderJson(header);
    // The fixed point kbs-types needs: parsing the header and serializing it again gives the same text.
    if (kbsTypesHeaderJson(JSON.parse(text) as Record<string, unknown>) !== text) throw new Error('protected header is not a kbs-types fixed point');
    const protectedB64 = b64u(text);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', cek, iv);
    cipher.setAAD(Buffer.from(protectedB64, 'ascii'));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return { protected: protectedB64, encrypted_key: km.encrypted_key!, iv: b64u(iv), ciphertext: b64u(ciphertext), tag: b64u(cipher.getAuthTag()) };
  } finally {
    cek.fill(0);
  }
}

/** The bundle file's text: the Response's members in the order Trustee's KBS writes them, one line. */
export function responseText(b: FlattenedJWE): string {
  return `${JSON.stringify({ protected: b.protected, encrypted_key: b.encrypted_key, iv: b.iv, ciphertext: b.ciphertext, tag: b.tag })}\n`;
}

/**
 * The workload side (`custodian unwrap`): decrypts a bundle with the TEE private key as a
 * spec-conforming receiver (jose, AAD from the protected header as sent). Throws jose's error when
 * the key is not the one the bundle was made for or the bundle was altered.
 */
export async function decryptBundle(bundle: FlattenedJWE, teePrivateJwk: JWK): Promise<{ plaintext: Uint8Array; kid?: string; cty?: string }> {
  const alg = teePrivateJwk.kty === 'EC' ? 'ECDH-ES+A256KW' : 'RSA-OAEP-256';
  const key = await importJWK({ ...teePrivateJwk, alg }, alg);
  const r = await flattenedDecrypt(bundle, key, { keyManagementAlgorithms: [alg], contentEncryptionAlgorithms: ['A256GCM'] });
  return { plaintext: r.plaintext, kid: r.protectedHeader?.kid, cty: r.protectedHeader?.cty };
}
