/**
 * The release bundle.
 *
 * Bundle: a flattened JWE (RFC 7516 §7.2.2) of the model key's bytes (`raw` AES bytes or PKCS#8 DER)
 * to the TEE public key bound in REPORT_DATA, in the form a Trustee KBS resource response takes:
 * `alg` ECDH-ES+A256KW (RFC 7518 §4.6) for EC keys or RSA-OAEP-256 (§4.3) for RSA keys, `enc`
 * A256GCM; protected header also carries `kid` (the key id) and `cty` (`custodian-key+raw` or
 * `custodian-key+pkcs8`).
 *
 * The receipt is receipt.ts.
 */
import { FlattenedEncrypt, flattenedDecrypt, importJWK, type FlattenedJWE, type JWK } from 'jose';
import { jweAlgFor, type TeePublicJwk } from './binding.ts';
import type { KeyFormat } from './keys.ts';

/** Encrypts `plaintext` to `tee` (see the module comment). */
export async function encryptToTee(plaintext: Uint8Array, tee: TeePublicJwk, keyId: string, format: KeyFormat): Promise<FlattenedJWE> {
  const alg = jweAlgFor(tee);
  const key = await importJWK({ ...(tee as JWK), alg }, alg);
  return new FlattenedEncrypt(plaintext).setProtectedHeader({ alg, enc: 'A256GCM', kid: keyId, cty: `custodian-key+${format}` }).encrypt(key);
}

/**
 * The workload side (`custodian unwrap`): decrypts a bundle with the TEE private JWK. Throws jose's
 * error when the key is not the one the bundle was made for or the bundle was altered.
 */
export async function decryptBundle(bundle: FlattenedJWE, teePrivateJwk: JWK): Promise<{ plaintext: Uint8Array; kid?: string; cty?: string }> {
  const alg = teePrivateJwk.kty === 'EC' ? 'ECDH-ES+A256KW' : 'RSA-OAEP-256';
  const key = await importJWK({ ...teePrivateJwk, alg }, alg);
  const r = await flattenedDecrypt(bundle, key, { keyManagementAlgorithms: [alg], contentEncryptionAlgorithms: ['A256GCM'] });
  return { plaintext: r.plaintext, kid: r.protectedHeader?.kid, cty: r.protectedHeader?.cty };
}
