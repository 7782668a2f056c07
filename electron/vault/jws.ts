/**
 * Signed statements of the vault: compact JWS (RFC 7515), ES256 (ECDSA P-256 / SHA-256, RFC 7518
 * §3.4) over the RFC 8785 JSON of a claims object, by `jose`. `kid` is the RFC 7638 thumbprint of
 * the signer's public JWK; `typ` names the statement kind so one kind can never pass for another
 * (a receipt is not a checkpoint).
 */
import type { KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, CompactSign, compactVerify, decodeProtectedHeader, importJWK, type JWK } from 'jose';
import { jcs } from './crypto.ts';

/** Statement kinds (`typ` header values). */
export type StatementType =
  | 'custodian-roster+jws'
  | 'custodian-key-record+jws'
  | 'custodian-approval+jws'
  | 'custodian-checkpoint+jws'
  | 'custodian-receipt+jws';

/** RFC 7638 thumbprint (base64url SHA-256) of a public JWK. */
export const thumbprint = (jwk: JWK): Promise<string> => calculateJwkThumbprint({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y } as JWK);

/** The public JWK (kty, crv, x, y) of an EC key. */
export function publicJwk(key: KeyObject): JWK {
  const { kty, crv, x, y } = key.export({ format: 'jwk' });
  return { kty, crv, x, y } as JWK;
}

/** Signs `claims` (ES256, `typ`, `kid` = thumbprint of `signerPublic`). */
export async function signStatement(claims: object, key: KeyObject, signerPublic: JWK, typ: StatementType): Promise<string> {
  return new CompactSign(Buffer.from(jcs(claims))).setProtectedHeader({ alg: 'ES256', typ, kid: await thumbprint(signerPublic) }).sign(key);
}

/**
 * Verifies a statement under `signerPublic` and its `typ`; returns the claims, or `null` when the
 * signature, the algorithm, the type or the JSON is not right (callers name what failed).
 */
export async function verifyStatement<T>(jws: string, signerPublic: JWK, typ: StatementType): Promise<T | null> {
  try {
    if (decodeProtectedHeader(jws).typ !== typ) return null;
    const { payload } = await compactVerify(jws, await importJWK({ ...signerPublic, alg: 'ES256' }, 'ES256'), { algorithms: ['ES256'] });
    return JSON.parse(Buffer.from(payload).toString('utf8')) as T;
  } catch {
    return null;
  }
}

/** The claims of a statement WITHOUT verifying it (to find which key should verify it); null if unreadable. */
export function unverifiedClaims<T>(jws: string): T | null {
  try {
    return JSON.parse(Buffer.from(jws.split('.')[1] ?? '', 'base64url').toString('utf8')) as T;
  } catch {
    return null;
  }
}
