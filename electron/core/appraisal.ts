/**
 * Types of the core's appraisal, mirrored from `wasm/src/appraisal.rs`.
 * Verdicts are EAR `ear.status` values (draft-ietf-rats-ear §3).
 */

export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skip';
export type Verdict = 'affirming' | 'warning' | 'contraindicated';

/** One check: stable dotted id (e.g. `chain.vek.signature`), status, and what was compared. */
export interface Check {
  id: string;
  status: CheckStatus;
  detail: string;
  /** Ids of the evidence fields the check judged (wasm/src/fields.rs `judged`); absent when none. */
  fields?: string[];
}

/** One named bit, bit range or component of a field (wasm/src/fields.rs `Part`). */
export interface FieldPart {
  /** The vendor's name, e.g. `DEBUG`, `BOOT_LOADER`. */
  name: string;
  /** Where in the field: `bit 19`, `bits 4:2`, `byte 6`. */
  at: string;
  value: string;
}

/**
 * One field of the core's field map (wasm/src/fields.rs `Field`): offsets and lengths in bytes into
 * the described bytes; children nested inside their parent, ordered, not overlapping.
 */
export interface FieldNode {
  /** The core's claim name where the field decodes to one, else a layout name (unique in the tree). */
  id: string;
  /** The vendor's spelling, e.g. `MEASUREMENT`. */
  label: string;
  offset: number;
  length: number;
  /** The decoded value; absent for containers and opaque byte runs. */
  value?: string;
  meaning: string;
  parts?: FieldPart[];
  children?: FieldNode[];
}

/** The core's description of one piece of binary evidence (wasm/src/fields.rs `Description`). */
export interface Description {
  /** `sev-snp-report`, `dcap-quote`, `azure-hcl-report` or `spdm-report`. */
  format: string;
  length: number;
  fields: FieldNode[];
  /** Why the map stops early (`file: field: message`), or ''. */
  note: string;
}

/** `kind`: `pinned` (embedded vendor root), `test` (caller-supplied TEST root) or `none`. */
export interface TrustAnchor {
  kind: 'pinned' | 'test' | 'none';
  name: string;
  /** Lowercase hex SHA-256 of the root's SubjectPublicKeyInfo DER. */
  spki_sha256: string;
}

/** The evidence types the core verifies. */
export type EvidenceType = 'sev-snp' | 'tdx' | 'sgx' | 'nvidia';

export interface Appraisal {
  /** `composite`: a CPU report with NVIDIA evidence; `claims.submods` holds `cpu0`, `gpu0`, …. */
  platform: EvidenceType | 'composite';
  verdict: Verdict;
  /** RFC 3339 UTC. */
  reference_time: string;
  trust_anchor: TrustAnchor;
  checks: Check[];
  /** Decoded claims under the vendor's snake_case field names; byte strings are lowercase hex. */
  claims: Record<string, unknown>;
}

/** A file's name (used only in messages) and its bytes. */
export interface NamedBytes {
  name: string;
  bytes: Uint8Array;
}

export interface VerifyRequest {
  evidence: NamedBytes;
  /**
   * SEV-SNP: certificates (PEM bundles or DER) and CRLs. TDX/SGX: collateral — QuoteCollateralV3
   * JSON, raw Intel PCS bodies, CRLs, issuer chains, an Azure HCL report.
   */
  endorsements?: NamedBytes[];
  /** Roots to trust explicitly; the appraisal names them TEST anchors. Never for production. */
  testAnchors?: NamedBytes[];
  /** A policy document, e.g. `{ "snp": { "allow_debug": false } }`. */
  policy?: unknown;
  /** Every validity check uses this instant. */
  referenceTime: Date;
  /** Forces the evidence type; by default a DCAP quote is recognised by its header. */
  type?: EvidenceType;
  /** NVIDIA: reference integrity manifests (RIM XML), operator-imported. */
  rims?: NamedBytes[];
  /** NVIDIA: OCSP responses (DER), operator-imported. */
  ocsp?: NamedBytes[];
  /** NVIDIA: further serialized-evidence files appraised together (e.g. a node's switches). */
  moreEvidence?: NamedBytes[];
}

/**
 * A key an endorsement offers to pairing by identity (wasm/src/identity.rs lists the key forms, e.g.
 * `amd-vcek:Milan:{hwID hex}:{tcb}`, `intel-tcbinfo:TDX:{FMSPC}`, `nvidia-rim:firmware:{version}`).
 * `digest` is the lower-case hex SHA-256 of the item offering it (the same certificate in DER and PEM
 * has one digest); `issued` is Unix seconds (TCB Info / QE Identity issueDate, CRL thisUpdate).
 */
export interface Offer {
  key: string;
  digest: string;
  what: string;
  issued?: number;
}

/**
 * An endorsement evidence needs: any of `keys` meets it; `nearest`: only the nearest candidates
 * count; `variants`: the product line of each key when the evidence does not state it.
 */
export interface Want {
  keys: string[];
  what: string;
  nearest?: boolean;
  variants?: string[];
}

/** A file's pairing identity (the core's `custodian_identify`). */
export interface Identity {
  what: string;
  offers: Offer[];
  wants: Want[];
}

/** A vendor root embedded in the core (`wasm/src/pins.rs`). */
export interface PinnedRoot {
  vendor: string;
  name: string;
  /** Evidence types whose chains end at this root. */
  platforms: EvidenceType[];
  /** Lowercase hex SHA-256 of the root's SubjectPublicKeyInfo DER. */
  spki_sha256: string;
}
