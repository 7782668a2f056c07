/**
 * `custodian rehearse snp`: evidence for rehearsing a release ceremony. Writes a fresh TEE key pair and
 * a synthetic SEV-SNP report signed by the project's TEST PKI (`fixtures/snp`, "Custodian TEST (not
 * AMD)") whose REPORT_DATA binds the public key to the challenge exactly as a Trustee guest would
 * (binding.ts), plus the chain and the TEST anchor. Evidence made here verifies only when the TEST
 * anchor is passed explicitly (`--test-anchor`), and is then recorded as TEST everywhere.
 *
 * Output: `DIR/report.bin` (1184 bytes), `DIR/chain.pem` (VCEK, ASK, ARK), `DIR/crl.der` (a CRL of the
 * TEST ARK issued now, valid 7 days, revoking nothing), `DIR/test-anchor.pem` (the TEST ARK),
 * `DIR/tee-pubkey.jwk` (public JWK, for `ceremony evidence --tee-pubkey`), `DIR/attestation.json`
 * (the Trustee `Attestation` a guest-components guest would POST for this evidence, trustee.ts; for
 * `ceremony evidence --attestation`) and the private JWK at `teeKeyOut` (mode 0600, for `custodian
 * unwrap`). With an external guest's public key ({@link rehearseSnpFor}) there is no private key: the
 * guest keeps it.
 *
 * REPORT_DATA uses Trustee's ≥ 0.14 binding with no additional evidence (binding.ts).
 */
import { createPrivateKey, X509Certificate, type JsonWebKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHIP_IDS, makeReport } from '../../fixtures/lib/profile.mjs';
import { freshTestCrl } from '../../fixtures/lib/fresh-crl.mjs';
import { deviceNonce, expectedReportData, HASH_ALGS, legacyReportData, type BindingForm, type Challenge, type HashAlg, type TeePublicJwk } from '../vault/binding.ts';
import type { EvidenceInput } from '../vault/ceremony.ts';
import { InputError } from '../vault/errors.ts';
import { writeAttestation } from '../vault/trustee.ts';
import type { Core } from '../core/core.ts';
import { rehearseNvidia, type GpuFault, type NvidiaRehearsal } from './nvidia.ts';
import { newTeeKeyPair } from './tee-key.ts';

const FIXTURES = fileURLToPath(new URL('../../fixtures/snp/', import.meta.url));

export interface RehearsalFiles {
  /** File name (in `DIR`) → contents. */
  files: Record<string, Buffer | string>;
  teePrivateJwk: JsonWebKey;
  teePublicJwk: TeePublicJwk;
  /** With GPUs: the additional-evidence string as delivered (`additional-evidence.json`), and the GPUs made. */
  additionalEvidence?: string;
  gpus?: NvidiaRehearsal['gpus'];
}

/** Reads and checks a challenge file (Trustee shape, from `ceremony challenge`). */
export function parseChallenge(text: string, file: string): { nonce: string; hashAlg: HashAlg } {
  let c: Challenge;
  try {
    c = JSON.parse(text) as Challenge;
  } catch {
    throw new InputError(file, 'challenge', 'not JSON');
  }
  if (typeof c?.nonce !== 'string' || c.nonce.length === 0) throw new InputError(file, 'nonce', 'missing');
  const alg = c['extra-params']?.['selected-hash-algorithm'] ?? 'sha384';
  if (!HASH_ALGS.includes(alg)) throw new InputError(file, 'extra-params.selected-hash-algorithm', `${String(alg)} is not sha256, sha384 or sha512`);
  return { nonce: c.nonce, hashAlg: alg };
}

/**
 * Makes the rehearsal evidence for `challenge`. `kty` selects the TEE key: EC (P-256, for
 * ECDH-ES+A256KW) or RSA (3072 bits, for RSA-OAEP-256). `options.policy` overrides the report's
 * guest POLICY (e.g. the fixtures' DEBUG_POLICY, to rehearse a refusal); `options.vcek: 'expired-vcek'`
 * signs with the fixtures' VCEK that expired on 2021-01-01 (to rehearse a backdating attempt).
 */
export async function rehearseSnp(challenge: { nonce: string; hashAlg: HashAlg }, kty: 'EC' | 'RSA' = 'EC', options: RehearsalOptions = {}): Promise<RehearsalFiles> {
  const { teePrivateJwk, teePublicJwk } = newTeeKeyPair(kty);
  return { ...(await rehearseSnpFor(challenge, teePublicJwk, options)), teePrivateJwk };
}

/** PEM certificates → DER, in order. */
const pemToDer = (pem: string): Buffer[] => (pem.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? []).map((b) => Buffer.from(new X509Certificate(b).raw));

/** Options of {@link rehearseSnpFor}: those of {@link rehearseSnp}, and the binding to rehearse. */
export interface RehearsalOptions {
  policy?: bigint;
  now?: Date;
  vcek?: 'valid' | 'expired-vcek';
  /** The guest's additional-evidence string to bind (and carry in attestation.json); default `""`. */
  additionalEvidence?: string;
  /** `pre-0.14` makes an older guest's REPORT_DATA ({nonce, tee-pubkey}); default Trustee ≥ 0.14. */
  bindingForm?: BindingForm;
  /**
   * Composite evidence (`rehearse snp --gpus N`): `count` TEST Hopper GPUs answering Trustee's device
   * nonce (rehearse/nvidia.ts; `core` canonicalises their RIMs), their evidence as the additional
   * evidence REPORT_DATA binds (replacing `additionalEvidence`). `faults` rehearse failing GPUs;
   * `tamperAdditionalEvidence` delivers the string edited after the CPU report was made.
   */
  gpus?: { count: number; core: Core; faults?: GpuFault[]; tamperAdditionalEvidence?: boolean };
}

/**
 * {@link rehearseSnp} for a TEE public key the guest generated itself (`custodian rehearse snp
 * --tee-pubkey`): the same files, no private key. `teePublicJwk` must be TeePubKey-shaped (with `alg`).
 */
export async function rehearseSnpFor(challenge: { nonce: string; hashAlg: HashAlg }, teePublicJwk: TeePublicJwk, options: RehearsalOptions = {}): Promise<Omit<RehearsalFiles, 'teePrivateJwk'>> {
  const which = options.vcek ?? 'valid';
  const vcek = createPrivateKey(readFileSync(join(FIXTURES, 'keys', which === 'valid' ? 'vcek.pkcs8.pem' : 'vcek-expired.pkcs8.pem'), 'utf8')).export({ format: 'jwk' });
  const scalar = new Uint8Array(Buffer.from(vcek.d!, 'base64url'));
  const gpu = options.gpus && options.gpus.count > 0
    ? await rehearseNvidia(options.gpus.core, { deviceNonce: deviceNonce(challenge.nonce, teePublicJwk, challenge.hashAlg), count: options.gpus.count, now: options.now, faults: options.gpus.faults })
    : undefined;
  const additionalEvidence = gpu?.additionalEvidence ?? options.additionalEvidence ?? '';
  // What the guest hands over; differs from what REPORT_DATA binds only when a tamper is rehearsed.
  const delivered = options.gpus?.tamperAdditionalEvidence ? additionalEvidence.replace('"uuid":"GPU-', '"uuid":"GPU-0') : additionalEvidence;
  const reportData = new Uint8Array(options.bindingForm === 'pre-0.14'
    ? legacyReportData(challenge.nonce, teePublicJwk, challenge.hashAlg)
    : expectedReportData(challenge.nonce, teePublicJwk, challenge.hashAlg, additionalEvidence));
  const { report } = makeReport(scalar, { chipId: CHIP_IDS[which], reportData, policy: options.policy });
  const pem = (p: string) => readFileSync(join(FIXTURES, p), 'utf8');
  const crl = await freshTestCrl(FIXTURES, options.now ?? new Date());
  const chain = pem(`${which}/vcek.pem`) + pem('pki/cert_chain.pem');
  const [vcekDer, askDer, arkDer] = pemToDer(chain);
  const attestation = writeAttestation({
    nonce: challenge.nonce, teePubkey: teePublicJwk, additionalEvidence: delivered,
    primary: { platform: 'snp', report, certChain: [{ type: 'VCEK', der: vcekDer! }, { type: 'ASK', der: askDer! }, { type: 'ARK', der: arkDer! }] },
  });
  return {
    files: {
      'report.bin': Buffer.from(report),
      'chain.pem': chain,
      'crl.der': Buffer.from(crl),
      'test-anchor.pem': pem('pki/ark.pem'),
      'tee-pubkey.jwk': `${JSON.stringify(teePublicJwk, null, 2)}\n`,
      'attestation.json': attestation,
      ...(gpu ? {
        ...gpu.files,
        'gpu-evidence.json': `${JSON.stringify(gpu.deviceEvidenceList, null, 2)}\n`,
        // Exactly the string REPORT_DATA hashes (no newline added).
        'additional-evidence.json': delivered,
      } : {}),
    },
    teePublicJwk,
    ...(gpu ? { additionalEvidence: delivered, gpus: gpu.gpus } : {}),
  };
}

/**
 * The rehearsal files as `ceremony evidence` input (as if read from DIR): report, chain, the TEST
 * anchor (omitted with `testAnchor: false`) and the TEE public key (`teePubkey` replaces it, e.g. to
 * present another key than the one the report binds).
 */
export function rehearsalEvidence(r: RehearsalFiles, opts: { teePubkey?: TeePublicJwk; testAnchor?: boolean; drop?: string[] } = {}): EvidenceInput {
  const file = (name: string) => ({ name, bytes: Buffer.from(r.files[name]!) });
  const jwk = opts.teePubkey ?? r.teePublicJwk;
  const have = (name: string) => r.files[name] !== undefined && !(opts.drop ?? []).includes(name);
  // Composite rehearsals: the RIMs and OCSP responses are endorsements, the GPU and RIM roots TEST anchors.
  const nvidia = Object.keys(r.files).filter((n) => /^(rim-(driver|vbios)\.xml|ocsp-.*\.der)$/.test(n)).filter(have);
  const anchors = ['test-anchor.pem', 'gpu-test-anchor.pem', 'rim-test-anchor.pem'].filter(have);
  return {
    evidence: file('report.bin'),
    endorsements: [file('chain.pem'), file('crl.der'), ...nvidia.map(file)],
    testAnchors: opts.testAnchor === false ? [] : anchors.map(file),
    teePubkey: { file: { name: 'tee-pubkey.jwk', bytes: Buffer.from(JSON.stringify(jwk)) }, jwk },
    ...(r.additionalEvidence !== undefined ? { additionalEvidence: r.additionalEvidence } : {}),
  };
}
