/**
 * The Trustee KBS binding between a TEE's evidence and the key it will receive
 * (confidential-containers `kbs/docs/kbs_attestation_protocol.md`; guest side `rcar_client.rs`,
 * verifier side `deps/verifier/src/snp/mod.rs` `regularize_data`):
 *
 *   REPORT_DATA = pad64( H( JCS( {"nonce": <challenge nonce>, "tee-pubkey": <TEE public JWK>} ) ) )
 *
 * H is SHA-256, SHA-384 or SHA-512 (the challenge's `selected-hash-algorithm`), JCS is RFC 8785, pad64
 * appends zero bytes up to 64. The nonce is the challenge's base64 string, used as text.
 */
import { createHash, createPublicKey } from 'node:crypto';
import { jcs } from './crypto.ts';
import { InputError } from './errors.ts';

export type HashAlg = 'sha256' | 'sha384' | 'sha512';
export const HASH_ALGS: HashAlg[] = ['sha256', 'sha384', 'sha512'];

/** A TEE public key as a JWK: EC (P-256/384/521, `x`, `y`) or RSA (`n`, `e`); members as the guest sent them. */
export type TeePublicJwk = Record<string, unknown> & ({ kty: 'EC'; crv: string; x: string; y: string } | { kty: 'RSA'; n: string; e: string });

/** A challenge file (Trustee's `Challenge`): `{nonce, "extra-params": {...}}`. */
export interface Challenge {
  nonce: string;
  'extra-params': { 'selected-hash-algorithm': HashAlg; 'custodian-ceremony': string; 'expires-at': string };
}

/** Trustee's runtime data object whose canonical JSON is hashed into REPORT_DATA. */
export function runtimeData(nonce: string, teePubkey: TeePublicJwk): { nonce: string; 'tee-pubkey': TeePublicJwk } {
  return { nonce, 'tee-pubkey': teePubkey };
}

/** The 64 bytes REPORT_DATA must hold for `nonce` and `teePubkey` under `alg`. */
export function expectedReportData(nonce: string, teePubkey: TeePublicJwk, alg: HashAlg): Buffer {
  const out = Buffer.alloc(64);
  createHash(alg).update(jcs(runtimeData(nonce, teePubkey))).digest().copy(out);
  return out;
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/**
 * Checks that `jwk` (from `file`) is a usable public TEE key, importing it with Node's crypto
 * (OpenSSL): EC on P-256/P-384/P-521 with the point on the curve; RSA with a modulus of at least 2048
 * bits and an odd public exponent of at least 65537 (an exponent of 1 would "encrypt" the model key
 * to itself); no private members (a private key must never travel to the vault). Returns it
 * unchanged, because the binding hashes the members exactly as the guest sent them.
 */
export function parseTeePublicKey(jwk: unknown, file: string): TeePublicJwk {
  if (jwk === null || typeof jwk !== 'object' || Array.isArray(jwk)) throw new InputError(file, 'tee-pubkey', 'must be a JWK object');
  const k = jwk as Record<string, unknown>;
  for (const m of PRIVATE_MEMBERS) if (m in k) throw new InputError(file, `tee-pubkey.${m}`, 'is a private-key member; give the public JWK only');
  const str = (m: string) => {
    if (typeof k[m] !== 'string' || (k[m] as string).length === 0) throw new InputError(file, `tee-pubkey.${m}`, 'missing or not a string');
    return k[m] as string;
  };
  if (k.kty === 'EC') {
    if (!['P-256', 'P-384', 'P-521'].includes(str('crv'))) throw new InputError(file, 'tee-pubkey.crv', `${String(k.crv)} is not P-256, P-384 or P-521`);
    const [x, y] = [str('x'), str('y')];
    try {
      createPublicKey({ key: { kty: 'EC', crv: k.crv as string, x, y }, format: 'jwk' });
    } catch {
      throw new InputError(file, 'tee-pubkey', `(x, y) is not a point on ${String(k.crv)}`);
    }
  } else if (k.kty === 'RSA') {
    let details;
    try {
      details = createPublicKey({ key: { kty: 'RSA', n: str('n'), e: str('e') }, format: 'jwk' }).asymmetricKeyDetails ?? {};
    } catch {
      throw new InputError(file, 'tee-pubkey', 'is not a valid RSA public key');
    }
    if ((details.modulusLength ?? 0) < 2048) throw new InputError(file, 'tee-pubkey.n', `RSA modulus of ${details.modulusLength} bits; at least 2048 are required`);
    const e = details.publicExponent ?? 0n;
    if (e < 65537n || e % 2n === 0n) throw new InputError(file, 'tee-pubkey.e', `RSA public exponent ${e} must be odd and at least 65537`);
  } else {
    throw new InputError(file, 'tee-pubkey.kty', `${String(k.kty)} is not EC or RSA`);
  }
  return k as TeePublicJwk;
}

/** The JWE key-management algorithm for a TEE key, as Trustee uses: ECDH-ES+A256KW for EC, RSA-OAEP-256 for RSA. */
export function jweAlgFor(k: TeePublicJwk): 'ECDH-ES+A256KW' | 'RSA-OAEP-256' {
  return k.kty === 'EC' ? 'ECDH-ES+A256KW' : 'RSA-OAEP-256';
}
