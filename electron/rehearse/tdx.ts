/**
 * `custodian rehearse tdx`: evidence for rehearsing a release ceremony with an Intel TDX workload. A
 * TDX v4 quote made by the project's TEST PKI (fixtures/lib/tdx.mjs: ECDSA P-256 attestation key, QE
 * report signed by the TEST PCK certificate, PCK chain "Custodian TEST PCK Certificate / PCK Platform
 * CA / Root CA (not Intel)" in the quote) whose REPORT_DATA binds the TEE public key to the challenge
 * exactly as a Trustee ≥ 0.14 guest would (binding.ts `expectedReportData`, with the additional
 * evidence, `""` by default), with TEST-signed collateral issued now and valid 30 days. It verifies only when the TEST root is passed explicitly (`--test-anchor`), and is then
 * recorded as TEST everywhere (trust anchor kind `test`).
 *
 * Output (file names as `ceremony evidence` and `verify` take them):
 * - `DIR/quote.bin`       the quote (evidence);
 * - `DIR/collateral.json` dcap-qvl QuoteCollateralV3: TCB Info v3 (TDX, the quote's FMSPC, its TCB
 *                         level UpToDate), QE Identity (TD_QE), Root CA CRL and PCK CRL, issuer chains
 *                         (`--collateral`);
 * - `DIR/test-anchor.pem` the TEST root (`--test-anchor`);
 * - `DIR/tee-pubkey.jwk`  the TEE public JWK (`--tee-pubkey`);
 * - `DIR/attestation.json` the Trustee `Attestation` a guest-components TDX guest would POST for this
 *                         quote (trustee.ts `writeAttestation`: `{cc_eventlog: null, quote}`), for
 *                         `ceremony evidence --attestation` (the collateral and anchor still go beside it);
 * - the TEE private JWK at `--tee-key-out` (mode 0600, for `custodian unwrap`), unless the public key
 *   was given (`--tee-pubkey`: the key pair was made elsewhere, e.g. by a real guest's attester).
 */
import type { JsonWebKey } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { loadTdxTestPki, makeTdxCollateral, makeTdxQuote, TD_ATTRIBUTES_DEFAULT, tdxTestAnchorPem } from '../../fixtures/lib/tdx.mjs';
import { deviceNonce, expectedReportData, legacyReportData, type BindingForm, type HashAlg, type TeePublicJwk } from '../vault/binding.ts';
import type { Core } from '../core/core.ts';
import { rehearseNvidia, type GpuFault, type NvidiaRehearsal } from './nvidia.ts';
import type { EvidenceInput } from '../vault/ceremony.ts';
import { writeAttestation } from '../vault/trustee.ts';
import { newTeeKeyPair } from './tee-key.ts';

const KEYS = fileURLToPath(new URL('../../fixtures/tdx/keys/', import.meta.url));

/** TD_ATTRIBUTES.DEBUG (bit 0), to rehearse a refusal. */
export const TD_DEBUG = 1n;
/** TD_ATTRIBUTES of a rehearsal quote by default: SEPT_VE_DISABLE (bit 28), not debug. */
export const TD_ATTRIBUTES = TD_ATTRIBUTES_DEFAULT;

/** Options of {@link rehearseTdx}. */
export interface TdxRehearsalOptions {
  /** Kind of TEE key to generate (default EC P-256); ignored with `teePubkey`. */
  kty?: 'EC' | 'RSA';
  /** An externally generated TEE public key to bind instead of generating a pair (no private key is returned). */
  teePubkey?: TeePublicJwk;
  /** Issue time of the collateral (default: now). Collateral is valid from a minute before for 30 days. */
  now?: Date;
  /** TD_ATTRIBUTES of the quote (default {@link TD_ATTRIBUTES}; `TD_ATTRIBUTES | TD_DEBUG` rehearses a refusal). */
  tdAttributes?: bigint;
  /** The guest's additional-evidence string to bind (e.g. GPU evidence of a composite rehearsal) and carry in attestation.json; default `""`. */
  additionalEvidence?: string;
  /** `pre-0.14` makes an older guest's REPORT_DATA ({nonce, tee-pubkey}); default Trustee ≥ 0.14. */
  bindingForm?: BindingForm;
  /**
   * Composite evidence (`rehearse tdx --gpus N`): `count` TEST Hopper GPUs answering Trustee's device
   * nonce (rehearse/nvidia.ts), their evidence as the additional evidence REPORT_DATA binds (replacing
   * `additionalEvidence`).
   */
  gpus?: { count: number; core: Core; faults?: GpuFault[] };
}

/** The rehearsal: files for `DIR` and the TEE key (the private half only when generated here). */
export interface TdxRehearsal {
  /** File name (in `DIR`) → contents. */
  files: Record<string, Buffer | string>;
  teePrivateJwk?: JsonWebKey;
  teePublicJwk: TeePublicJwk;
  /** The additional-evidence string REPORT_DATA binds (`""` when none; with GPUs, `additional-evidence.json`). */
  additionalEvidence: string;
  /** With GPUs: the GPUs made. */
  gpus?: NvidiaRehearsal['gpus'];
}

/**
 * Makes TEST TDX evidence for `challenge` (its nonce and selected hash, as `parseChallenge` reads a
 * challenge file). REPORT_DATA = `expectedReportData(nonce, teePublicJwk, hashAlg, additionalEvidence)`
 * (or `legacyReportData` with `bindingForm: 'pre-0.14'`).
 * @throws InputError from `writeAttestation` when an external `teePubkey` is not TeePubKey-shaped (no `alg`, extra members).
 */
export async function rehearseTdx(challenge: { nonce: string; hashAlg: HashAlg }, opts: TdxRehearsalOptions = {}): Promise<TdxRehearsal> {
  const pair = opts.teePubkey ? { teePrivateJwk: undefined, teePublicJwk: opts.teePubkey } : newTeeKeyPair(opts.kty ?? 'EC');
  const gpu = opts.gpus && opts.gpus.count > 0
    ? await rehearseNvidia(opts.gpus.core, { deviceNonce: deviceNonce(challenge.nonce, pair.teePublicJwk, challenge.hashAlg), count: opts.gpus.count, now: opts.now, faults: opts.gpus.faults })
    : undefined;
  const additionalEvidence = gpu?.additionalEvidence ?? opts.additionalEvidence ?? '';
  const reportData = new Uint8Array(opts.bindingForm === 'pre-0.14'
    ? legacyReportData(challenge.nonce, pair.teePublicJwk, challenge.hashAlg)
    : expectedReportData(challenge.nonce, pair.teePublicJwk, challenge.hashAlg, additionalEvidence));
  const pki = await loadTdxTestPki(KEYS);
  const quote = makeTdxQuote(pki, { reportData, tdAttributes: opts.tdAttributes ?? TD_ATTRIBUTES });
  const attestation = writeAttestation({ nonce: challenge.nonce, teePubkey: pair.teePublicJwk, additionalEvidence, primary: { platform: 'tdx', quote } });
  return {
    files: {
      'quote.bin': Buffer.from(quote),
      'collateral.json': await makeTdxCollateral(pki, { now: opts.now ?? new Date(), days: 30 }),
      'test-anchor.pem': tdxTestAnchorPem(pki),
      'tee-pubkey.jwk': `${JSON.stringify(pair.teePublicJwk, null, 2)}\n`,
      'attestation.json': attestation,
      ...(gpu ? { ...gpu.files, 'gpu-evidence.json': `${JSON.stringify(gpu.deviceEvidenceList, null, 2)}\n`, 'additional-evidence.json': gpu.additionalEvidence } : {}),
    },
    ...pair,
    additionalEvidence,
    ...(gpu ? { gpus: gpu.gpus } : {}),
  };
}

/**
 * The rehearsal files as `ceremony evidence` input (as if read from DIR): quote, collateral, the TEST
 * anchor (omitted with `testAnchor: false`), the TEE public key (`teePubkey` replaces it, e.g. to
 * present another key than the one the quote binds) and the additional evidence, if any.
 */
export function tdxRehearsalEvidence(r: TdxRehearsal, opts: { teePubkey?: TeePublicJwk; testAnchor?: boolean } = {}): EvidenceInput {
  const file = (name: string) => ({ name, bytes: Buffer.from(r.files[name]!) });
  const jwk = opts.teePubkey ?? r.teePublicJwk;
  // Composite rehearsals: the RIMs and OCSP responses are endorsements, the GPU and RIM roots TEST anchors.
  const nvidia = Object.keys(r.files).filter((n) => /^(rim-(driver|vbios)\.xml|ocsp-.*\.der)$/.test(n));
  const anchors = ['test-anchor.pem', 'gpu-test-anchor.pem', 'rim-test-anchor.pem'].filter((n) => r.files[n] !== undefined);
  return {
    evidence: file('quote.bin'),
    endorsements: [file('collateral.json'), ...nvidia.map(file)],
    testAnchors: opts.testAnchor === false ? [] : anchors.map(file),
    teePubkey: { file: { name: 'tee-pubkey.jwk', bytes: Buffer.from(JSON.stringify(jwk)) }, jwk },
    ...(r.additionalEvidence ? { additionalEvidence: r.additionalEvidence } : {}),
  };
}
