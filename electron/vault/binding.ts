/**
 * The Trustee KBS binding between a TEE's evidence and the key it will receive — the one place that
 * knows it. Two forms are accepted:
 *
 * - **Trustee ≥ 0.14** (guest-components `kbs_protocol/src/client/rcar_client.rs`
 *   `get_composite_evidence`, at 8246e5e0977f; trustee `attestation-service/src/lib.rs`
 *   `parse_runtime_data`, at 78962cd416dc):
 *
 *       REPORT_DATA = pad64( H( JCS( {"additional-evidence": <string>, "nonce": <nonce>, "tee-pubkey": <JWK>} ) ) )
 *
 *   `additional-evidence` is the guest's additional-evidence string exactly as it travels in the
 *   Attestation's `tee-evidence.additional_evidence` (serde_json of a map Tee → evidence, e.g.
 *   `{"nvidia":{…}}`), and is present as `""` when the guest has no device attesters.
 * - **pre-0.14** (the older protocol): `pad64(H(JCS({"nonce", "tee-pubkey"})))`, accepted only with
 *   no additional evidence (a device's evidence bound only by its own nonce would not be tied to the
 *   CPU report).
 *
 * Device evidence (NVIDIA GPUs and switches) is bound to the challenge one level down: its SPDM nonce
 * is {@link deviceNonce}, the first 32 bytes of `H(JCS({"nonce", "tee-pubkey"}))`.
 *
 * H is SHA-256, SHA-384 or SHA-512 (the challenge's `selected-hash-algorithm`; Trustee's default is
 * SHA-384), JCS is RFC 8785, pad64 appends zero bytes up to 64. The nonce is the challenge's base64
 * string, used as text; the TEE key is hashed with the members the guest sent (kbs-types `TeePubKey`:
 * `kty`, `alg`, and `crv`,`x`,`y` or `n`,`e`).
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

/** Trustee's `RuntimeData` (kbs-types): what the pre-0.14 binding and the device nonce hash. */
export function runtimeData(nonce: string, teePubkey: TeePublicJwk): { nonce: string; 'tee-pubkey': TeePublicJwk } {
  return { nonce, 'tee-pubkey': teePubkey };
}

/** The object whose JCS the primary (CPU) evidence binds since Trustee 0.14 (`additional-evidence` always present). */
export function primaryRuntimeData(nonce: string, teePubkey: TeePublicJwk, additionalEvidence = ''): { 'additional-evidence': string; nonce: string; 'tee-pubkey': TeePublicJwk } {
  return { 'additional-evidence': additionalEvidence, nonce, 'tee-pubkey': teePubkey };
}

/** Which form of the binding a REPORT_DATA holds (see the module comment). */
export type BindingForm = 'trustee-0.14' | 'pre-0.14';

const pad64 = (digest: Buffer): Buffer => {
  const out = Buffer.alloc(64);
  digest.copy(out);
  return out;
};

/**
 * The 64 bytes REPORT_DATA holds in the Trustee ≥ 0.14 form:
 * `pad64(alg(JCS({"additional-evidence": additionalEvidence, "nonce": nonce, "tee-pubkey": tee})))`.
 * `additionalEvidence` is the Attestation's `tee-evidence.additional_evidence` string, `""` when none.
 */
export function expectedReportData(nonce: string, tee: TeePublicJwk, alg: HashAlg, additionalEvidence = ''): Buffer {
  return pad64(createHash(alg).update(jcs(primaryRuntimeData(nonce, tee, additionalEvidence))).digest());
}

/** The 64 bytes REPORT_DATA holds in the pre-0.14 form: `pad64(alg(JCS({"nonce", "tee-pubkey"})))`. */
export function legacyReportData(nonce: string, tee: TeePublicJwk, alg: HashAlg): Buffer {
  return pad64(createHash(alg).update(jcs(runtimeData(nonce, tee))).digest());
}

/**
 * Which binding form `reportData` (64 bytes) matches for this nonce, TEE key, hash and additional
 * evidence: `'trustee-0.14'`, `'pre-0.14'` (only when `additionalEvidence` is `""`), or `null` when it
 * binds neither (evidence made for another nonce, another key, other device evidence, or another hash).
 */
export function matchBinding(reportData: Uint8Array, nonce: string, tee: TeePublicJwk, alg: HashAlg, additionalEvidence = ''): BindingForm | null {
  const got = Buffer.from(reportData);
  if (got.equals(expectedReportData(nonce, tee, alg, additionalEvidence))) return 'trustee-0.14';
  if (additionalEvidence === '' && got.equals(legacyReportData(nonce, tee, alg))) return 'pre-0.14';
  return null;
}

/**
 * The 32-byte SPDM nonce a guest-components guest gives each NVIDIA device for this challenge: the
 * first 32 bytes of `alg(JCS(RuntimeData{nonce, tee-pubkey}))`, zero-padded when shorter
 * (`rcar_client.rs` hashes the device runtime data; `attester/src/nvidia/nvat.rs` `get_evidence`
 * takes `report_data[0..32]` after resizing to at least 32 bytes).
 */
export function deviceNonce(nonce: string, tee: TeePublicJwk, alg: HashAlg): Buffer {
  const out = Buffer.alloc(32);
  createHash(alg).update(jcs(runtimeData(nonce, tee))).digest().copy(out, 0, 0, 32);
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
