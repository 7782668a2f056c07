/**
 * The TEE key pair a rehearsal generates, as a Trustee guest would: EC P-256 for ECDH-ES+A256KW, or
 * RSA 3072 for RSA-OAEP-256 (binding.ts `jweAlgFor`). The JWKs carry `alg`, as the guest sends them.
 */
import { generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { jweAlgFor, type TeePublicJwk } from '../vault/binding.ts';

/** A fresh TEE key pair: the private JWK (for `custodian unwrap`) and the public JWK (for the binding). */
export function newTeeKeyPair(kty: 'EC' | 'RSA'): { teePrivateJwk: JsonWebKey; teePublicJwk: TeePublicJwk } {
  const pair = kty === 'EC' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('rsa', { modulusLength: 3072 });
  const pub = pair.publicKey.export({ format: 'jwk' }) as TeePublicJwk;
  const alg = jweAlgFor(pub);
  return { teePrivateJwk: { ...pair.privateKey.export({ format: 'jwk' }), alg }, teePublicJwk: { ...pub, alg } };
}
