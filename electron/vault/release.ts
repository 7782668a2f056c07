/**
 * The release bundle and the release receipt.
 *
 * Bundle: a flattened JWE (RFC 7516 §7.2.2) of the model key's bytes (`raw` AES bytes or PKCS#8 DER)
 * to the TEE public key bound in REPORT_DATA, in the form a Trustee KBS resource response takes:
 * `alg` ECDH-ES+A256KW (RFC 7518 §4.6) for EC keys or RSA-OAEP-256 (§4.3) for RSA keys, `enc`
 * A256GCM; protected header also carries `kid` (the key id) and `cty` (`custodian-key+raw` or
 * `custodian-key+pkcs8`).
 *
 * Receipt: a compact JWS (RFC 7515), ES256 by the vault's signing key (`kid` = its RFC 7638
 * thumbprint), over the RFC 8785 JSON of {@link ReceiptClaims}.
 */
import type { KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, CompactSign, compactVerify, FlattenedEncrypt, flattenedDecrypt, importJWK, type FlattenedJWE, type JWK } from 'jose';
import { jcs } from './crypto.ts';
import { jweAlgFor, type TeePublicJwk } from './binding.ts';
import type { KeyFormat } from './keys.ts';

/** Encrypts `plaintext` to `tee` (see the module comment). */
export async function encryptToTee(plaintext: Uint8Array, tee: TeePublicJwk, keyId: string, format: KeyFormat): Promise<FlattenedJWE> {
  const alg = jweAlgFor(tee);
  const key = await importJWK({ ...(tee as JWK), alg }, alg);
  return new FlattenedEncrypt(plaintext).setProtectedHeader({ alg, enc: 'A256GCM', kid: keyId, cty: `custodian-key+${format}` }).encrypt(key);
}

/** Everything a receipt attests. Digests are lowercase hex SHA-256; times RFC 3339 UTC. */
export interface ReceiptClaims {
  type: 'custodian-release-receipt';
  version: 1;
  vault_id: string;
  ceremony_id: string;
  key_id: string;
  key_fingerprint: string;
  policy_sha256: string;
  evidence: { name: string; role: string; sha256: string }[];
  appraisal_sha256: string;
  verdict: string;
  /** `TEST` when the evidence chained to an explicit TEST anchor, else `pinned`. */
  trust_anchor: { kind: string; name: string; spki_sha256: string };
  reference_time: string;
  nonce: string;
  tee_pubkey_thumbprint: string;
  request_sha256: string;
  approvers: { custodian: string; approved_at: string; request_sha256: string }[];
  bundle_sha256: string;
  released_at: string;
}

/** Signs a receipt (or any claims object) with the vault signing key: compact JWS, ES256. */
export async function signClaims(claims: object, key: KeyObject, publicJwk: JWK, typ: string): Promise<string> {
  const kid = await calculateJwkThumbprint(publicJwk);
  return new CompactSign(Buffer.from(jcs(claims))).setProtectedHeader({ alg: 'ES256', kid, typ }).sign(key);
}

/** Verifies a JWS from {@link signClaims} against the vault's public JWK; returns the claims. */
export async function verifyClaims<T>(jws: string, publicJwk: JWK): Promise<T> {
  const { payload } = await compactVerify(jws, await importJWK({ ...publicJwk, alg: 'ES256' }, 'ES256'), { algorithms: ['ES256'] });
  return JSON.parse(Buffer.from(payload).toString('utf8')) as T;
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
