/**
 * The size limit of every kind of input file, and how a refusal reads: one table for the main process
 * (`limits.ts` reads files with it), the CLI, and the console's renderer (which checks `File.size`
 * before reading a picked or dropped file into memory). Node-free, so the renderer can import it.
 *
 * The limits, chosen from the largest real artefacts in ../shared/vectors (measured 2026-05) with
 * generous headroom, because a limit that refuses a genuine file is worse than a slow one:
 * - attestation 8 MiB (a Trustee Attestation JSON: the evidence and its certificates as JSON — SNP
 *   byte arrays take about 4 characters per byte, NVIDIA evidence is base64 inside a JSON string):
 *   twice the evidence limit;
 * - additional evidence 8 MiB (the guest's additional-evidence string, e.g. its GPUs' evidence as
 *   base64 in JSON): as an attestation;
 * - evidence 4 MiB: the largest real evidence is NVIDIA PPCIe 8-GPU evidence JSON at 97 KiB (TDX
 *   quotes 5 KiB, SNP reports 1.2 KiB, hex text 8.3 KiB): 40× headroom for bigger systems;
 * - endorsement 8 MiB (a certificate chain, CRL or collateral, recognised by content): the largest of
 *   the three limits below, since the role is only known after reading;
 * - certificate 1 MiB: the largest real chain is a 6.4 KiB PEM;
 * - CRL 8 MiB: real AMD/Intel CRLs are ≤ 3 KiB, but a public CA's CRL can reach megabytes;
 * - collateral 4 MiB: the largest real Intel collateral bundle is 21 KiB;
 * - RIM 4 MiB: the largest real RIM is 25 KiB (NVSwitch BIOS); the core's XML limits bound the rest;
 * - OCSP response 1 MiB: real responses are ~2 KiB;
 * - event log 16 MiB: the real TDX CCEL area is 1 MiB;
 * - policy, release policy 1 MiB: hand-written JSON of a few KiB;
 * - key file, JWK, TEE public key, TEE key, challenge, passphrase file 64 KiB: an RSA-4096 PKCS#8
 *   PEM is 3.3 KiB;
 * - bundle 16 MiB: a JWE carries one wrapped key (KiB) — headroom for future payloads;
 * - audit export 64 MiB: grows with the audit log (about 1 KiB per entry);
 * - receipt 1 MiB: a release receipt (roster, request, approvals) is about 10 KiB;
 * - batch manifest 16 MiB: a row is about 200 bytes, so some 80,000 rows.
 */

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

/** The largest accepted size in bytes of each kind of input file. See the module docstring for why. */
export const LIMITS = {
  evidence: 4 * MiB,
  attestation: 8 * MiB,
  'additional evidence': 8 * MiB,
  endorsement: 8 * MiB,
  'test anchor': 1 * MiB,
  certificate: 1 * MiB,
  CRL: 8 * MiB,
  collateral: 4 * MiB,
  RIM: 4 * MiB,
  'OCSP response': 1 * MiB,
  'event log': 16 * MiB,
  policy: 1 * MiB,
  'release policy': 1 * MiB,
  'key file': 64 * KiB,
  JWK: 64 * KiB,
  'tee-pubkey': 64 * KiB,
  'tee-key': 64 * KiB,
  challenge: 64 * KiB,
  'passphrase file': 64 * KiB,
  bundle: 16 * MiB,
  'audit export': 64 * MiB,
  receipt: 1 * MiB,
  'batch manifest': 16 * MiB,
} as const satisfies Record<string, number>;

/** What a file is read as; picks its limit in {@link LIMITS} and names it in errors. */
export type InputRole = keyof typeof LIMITS;

/** Deepest JSON nesting accepted in any JSON input file (policies, JWKs, bundles nest ≤ 4). */
export const MAX_JSON_DEPTH = 64;

/** `n` bytes for messages: "209715200 bytes (200.0 MiB)", "5368709120 bytes (5.0 GiB)". */
export function formatSize(n: number): string {
  const unit = n >= GiB ? `${(n / GiB).toFixed(1)} GiB` : n >= MiB ? `${(n / MiB).toFixed(1)} MiB` : n >= KiB ? `${(n / KiB).toFixed(1)} KiB` : null;
  return unit ? `${n} bytes (${unit})` : `${n} bytes`;
}

/**
 * The refusal for a file over its role's limit, in the words every boundary uses:
 * "is 209715200 bytes (200.0 MiB), over the evidence limit of 4194304 bytes (4.0 MiB): refused".
 * `what` replaces "is" (e.g. "grew while being read to more than").
 */
export function sizeRefusal(role: InputRole, size: number, what = 'is'): string {
  return `${what} ${formatSize(size)}, over the ${role} limit of ${formatSize(LIMITS[role])}: refused`;
}
