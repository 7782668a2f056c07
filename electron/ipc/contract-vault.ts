/**
 * The vault room's channels (`vault:`, `key:`, `ceremony:`, `audit:`), merged into the one contract
 * (contract.ts). The same rules hold: strict responses, so nothing the contract does not name
 * reaches the renderer. In particular:
 * - no channel returns key material, shares, passphrase-derived keys or the escrow: a model key is
 *   described by its metadata and fingerprint only; the release bundle (a JWE only the TEE's private
 *   key opens) and the receipt are written to files by main, and only their paths and digests return;
 * - passphrases travel renderer → main only (a custodian types theirs), are used once and never stored
 *   or echoed;
 * - model key material never passes through the renderer: keys are generated in main, or imported by
 *   main from a path the user chose.
 */
import { z } from 'zod';
import { AppraisalSchema, Instant, NamedFile } from './contract-shared.ts';

const Hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const Path = z.string().min(1).max(4096);
const Name = z.string().min(1).max(64);
/** A passphrase as typed (the vault enforces ≥ 8 characters when enrolling). */
const Passphrase = z.string().min(1).max(1024);
const HashAlg = z.enum(['sha256', 'sha384', 'sha512']);
const Tee = z.enum(['sev-snp', 'tdx']);

/** The vault's public facts. `schema`: the SQLite `user_version` this build writes. */
export const VaultSummary = z.strictObject({
  path: z.string(),
  vaultId: z.string(),
  schema: z.number().int(),
  threshold: z.number().int().positive(),
  createdAt: z.string(),
  custodians: z.array(
    z.strictObject({
      name: z.string(),
      /** Argon2id parameters of this custodian's passphrase: memory in KiB, iterations, lanes. */
      kdf: z.strictObject({ alg: z.literal('argon2id'), memoryKiB: z.number().int(), iterations: z.number().int(), parallelism: z.number().int() }),
    }),
  ),
  /**
   * RFC 7638 thumbprint of the vault key, which signed the roster at creation and was then destroyed;
   * pinned on this machine; receipts and checkpoints are checked against it.
   */
  vaultKeyThumbprint: z.string(),
  /** Warnings from opening the vault (a shared file allowed, leftovers of a crash removed). */
  warnings: z.array(z.string()),
});

/** A release policy as stored with a key (electron/vault/policy.ts). TTLs in seconds. */
export const ReleasePolicySchema = z.strictObject({
  appraisal_policy: z.record(z.string(), z.unknown()),
  tee: z.array(Tee),
  gpu: z.boolean(),
  /** With gpu: at least this many GPUs (absent: 1). */
  gpus: z.number().int().optional(),
  approvals: z.number().int(),
  allow_test_anchor: z.boolean(),
  accept_warnings: z.array(z.string()),
  no_reference_values: z.boolean(),
  nonce_ttl_seconds: z.number().int(),
  ceremony_ttl_seconds: z.number().int(),
});

/** A model key as the console shows it: metadata, fingerprint (hex SHA-256, keys.ts), policy. Never material. */
export const KeyView = z.strictObject({
  id: z.string(),
  name: z.string(),
  kind: z.enum(['aes', 'rsa', 'ec']),
  bits: z.number().int(),
  format: z.enum(['raw', 'pkcs8']),
  source: z.enum(['generated', 'raw', 'jwk', 'pkcs8-pem']),
  fingerprint: Hex64,
  createdAt: z.string(),
  policy: ReleasePolicySchema,
  /** SHA-256 (hex) of the RFC 8785 JSON of the policy, as named in ceremonies and receipts. */
  policySha256: Hex64,
  /** The custodian whose key signed the key record at import. */
  importedBy: z.string(),
  /** The reference values the policy pins (`snp.measurements`, …); empty only for TEST keys or an explicit opt-out. */
  referenceValues: z.array(z.string()),
});

const FileDigest = z.strictObject({ name: z.string(), role: z.enum(['evidence', 'endorsement', 'test-anchor', 'tee-pubkey', 'additional-evidence', 'attestation']), sha256: Hex64 });
const AnchorLabel = z.strictObject({ kind: z.string(), name: z.string(), spki_sha256: z.string() });
const CeremonyState = z.enum(['open', 'challenged', 'appraised', 'approved', 'released', 'closed', 'aborted', 'expired', 'refused']);

/** The release request custodians approve (ceremony.ts `ReleaseRequest`); its JCS SHA-256 is the fingerprint. */
const ReleaseRequestSchema = z.strictObject({
  type: z.literal('custodian-release-request'),
  version: z.literal(2),
  vault_id: z.string(),
  vault_key_thumbprint: z.string(),
  ceremony_id: z.string(),
  key_id: z.string(),
  key_name: z.string(),
  key_fingerprint: z.string(),
  policy: ReleasePolicySchema,
  policy_sha256: z.string(),
  approvals_required: z.number().int(),
  nonce: z.string(),
  hash_alg: HashAlg,
  /** The TEE's public JWK (EC: kty crv x y; RSA: kty n e). */
  tee_pubkey: z.record(z.string(), z.unknown()),
  tee_pubkey_thumbprint: z.string(),
  evidence: z.array(FileDigest),
  appraisal_sha256: z.string(),
  verdict: z.string(),
  tolerated_warnings: z.array(z.string()),
  trust_anchor: AnchorLabel,
  /** The vault machine's clock when the evidence was taken. */
  reference_time: z.string(),
  /** Public JWK of the ceremony's receipt-signing key. */
  receipt_key: z.record(z.string(), z.unknown()),
});

/** A ceremony as stored (ceremony.ts `Ceremony`), without the escrowed shares. Times RFC 3339 UTC. */
export const CeremonyView = z.strictObject({
  id: z.string(),
  state: CeremonyState,
  opened_at: z.string(),
  updated_at: z.string(),
  approvals: z.array(z.strictObject({ custodian: z.string(), approved_at: z.string(), request_sha256: z.string() })),
  data: z.strictObject({
    key_id: z.string(),
    key_name: z.string(),
    key_fingerprint: z.string(),
    policy_sha256: z.string(),
    approvals_required: z.number().int(),
    participants: z.array(z.string()),
    expires_at: z.string(),
    challenge: z.strictObject({ nonce: z.string(), hash_alg: HashAlg, issued_at: z.string(), expires_at: z.string() }).optional(),
    evidence: z
      .strictObject({
        /** A composite ceremony's GPU uuids, as the guest named them. */
        gpu_uuids: z.array(z.string()).optional(),
        files: z.array(FileDigest),
        binding: z.strictObject({ hash_alg: HashAlg, report_data: z.string(), form: z.enum(['trustee-0.14', 'pre-0.14']).optional() }),
        appraisal: AppraisalSchema,
        appraisal_sha256: z.string(),
      })
      .optional(),
    request: ReleaseRequestSchema.optional(),
    request_sha256: z.string().optional(),
    outputs: z.strictObject({ bundle: z.string(), receipt: z.string() }).optional(),
    released: z.strictObject({ at: z.string(), bundle_sha256: z.string(), receipt_sha256: z.string() }).optional(),
    end: z.strictObject({ at: z.string(), reason: z.string() }).optional(),
  }),
});
export type CeremonyView = z.infer<typeof CeremonyView>;

const AuditEntrySchema = z.strictObject({
  seq: z.number().int(),
  time: z.string(),
  actor: z.string(),
  event: z.string(),
  payload: z.record(z.string(), z.unknown()),
  prev_hash: z.string(),
  hash: z.string(),
});
export type AuditEntryView = z.infer<typeof AuditEntrySchema>;

/** The audit chain's verification (audit.ts `ChainReport`): `firstBad` names the first entry that fails. */
const ChainStatus = z.strictObject({
  ok: z.boolean(),
  size: z.number().int(),
  head: z.string(),
  firstBad: z.strictObject({ seq: z.number().int(), reason: z.string() }).optional(),
});

const Checkpoint = z.strictObject({ type: z.literal('custodian-audit-checkpoint'), origin: z.string(), size: z.number().int(), head_sha256: z.string(), time: z.string(), signer: z.string() });

const Empty = z.strictObject({});
const Ceremony = z.strictObject({ ceremony: CeremonyView });

export const VAULT_CONTRACT = {
  /** The open vault, or null. The console has at most one vault open at a time. */
  'vault:status': { request: Empty, response: z.strictObject({ vault: VaultSummary.nullable() }) },
  /**
   * Opens the vault file at `path` (closing any other). InputError naming the file when it is not a
   * vault; Refused('authentication') when its vault key is not pinned on this machine (the message
   * gives the thumbprint) unless `vaultKey` is given and matches (it is then pinned).
   */
  'vault:open': { request: z.strictObject({ path: Path, vaultKey: z.string().max(64).optional() }), response: z.strictObject({ vault: VaultSummary }) },
  /**
   * Creates a vault at `path` (refused if the file exists) with the custodians and threshold M, each
   * passphrase sealing that custodian's own keys (Argon2id, RFC 9106 second recommendation), then opens it.
   */
  'vault:create': {
    request: z.strictObject({
      path: Path,
      threshold: z.number().int().min(1).max(255),
      custodians: z.array(z.strictObject({ name: Name, passphrase: Passphrase })).min(1).max(255),
    }),
    response: z.strictObject({ vault: VaultSummary }),
  },
  /**
   * zxcvbn's estimate of a custodian passphrase while it is typed in the wizard, the same one
   * `vault:create` enforces (electron/vault/passphrase-strength.ts). `userInputs`: words an attacker
   * tries first (the custodian's name, the other names, the vault file's name). Pure: needs no open
   * vault, stores and logs nothing. `score` 0..4; `guessesLog10`: log10 of the estimated guesses;
   * `acceptable`: score ≥ MIN_PASSPHRASE_SCORE (3), as enrolment requires.
   */
  'vault:assess-passphrase': {
    request: z.strictObject({ passphrase: Passphrase, userInputs: z.array(z.string().min(1).max(255)).max(256) }),
    response: z.strictObject({
      score: z.number().int().min(0).max(4),
      guessesLog10: z.number(),
      warning: z.string(),
      suggestions: z.array(z.string()),
      acceptable: z.boolean(),
    }),
  },
  'vault:close': { request: Empty, response: z.strictObject({ closed: z.boolean() }) },
  /** Every model key of the open vault (metadata and fingerprints only). */
  'key:list': { request: Empty, response: z.strictObject({ keys: z.array(KeyView), altered: z.array(z.strictObject({ id: z.string(), name: z.string(), reason: z.string() })) }) },
  /**
   * Adds a model key: generated in main (`bits` 128 or 256) or imported by main from `path` (raw AES
   * key, JWK, PKCS#8 PEM), with a release policy document (fields of policy.ts; defaults filled in).
   * `custodian`'s passphrase unlocks the key that signs the key record.
   */
  'key:add': {
    request: z.strictObject({
      name: Name,
      custodian: Name,
      passphrase: Passphrase,
      source: z.union([z.strictObject({ generate: z.union([z.literal(128), z.literal(256)]) }), z.strictObject({ importPath: Path })]),
      policy: z.record(z.string(), z.unknown()),
    }),
    response: z.strictObject({ key: KeyView }),
  },
  'ceremony:list': {
    request: Empty,
    response: z.strictObject({ ceremonies: z.array(z.strictObject({ id: z.string(), key_id: z.string(), key_name: z.string(), state: CeremonyState, opened_at: z.string() })) }),
  },
  'ceremony:show': { request: z.strictObject({ id: z.string() }), response: Ceremony },
  /** Opens a ceremony for a key (id or name); `participants` default to every custodian. */
  'ceremony:open': {
    request: z.strictObject({ key: z.string().min(1), participants: z.array(Name).optional(), ttlSeconds: z.number().int().positive().optional() }),
    response: Ceremony,
  },
  /**
   * Issues the challenge (or re-exports it) and writes it, Trustee-shaped, to
   * `<folder>/<ceremony>-challenge.json` for the workload operator.
   */
  'ceremony:challenge': {
    request: z.strictObject({ id: z.string(), hashAlg: HashAlg, folder: Path }),
    response: z.strictObject({ ceremony: CeremonyView, file: z.string() }),
  },
  /** Takes the workload's evidence, endorsements, TEST anchors and TEE public key (JWK file); appraised as of main's clock. */
  'ceremony:evidence': {
    request: z.strictObject({
      id: z.string(),
      evidence: NamedFile,
      endorsements: z.array(NamedFile).max(32),
      testAnchors: z.array(NamedFile).max(8),
      teePubkey: NamedFile,
      /** The guest's additional-evidence string as a file (e.g. its GPUs' evidence), exactly as REPORT_DATA hashes it. */
      additionalEvidence: NamedFile.optional(),
    }),
    response: Ceremony,
  },
  /**
   * One custodian's approval of exactly the request whose fingerprint (`requestSha256`, hex) they
   * compared; their passphrase unseals their share in main.
   */
  'ceremony:approve': {
    request: z.strictObject({ id: z.string(), custodian: Name, passphrase: Passphrase, requestSha256: Hex64 }),
    response: Ceremony,
  },
  /**
   * Releases the key and writes `<folder>/<ceremony>-bundle.jwe.json` (flattened JWE to the TEE key)
   * and `<folder>/<ceremony>-receipt.jws` (compact JWS), then closes the ceremony.
   */
  'ceremony:release': {
    request: z.strictObject({ id: z.string(), folder: Path }),
    response: z.strictObject({ ceremony: CeremonyView, bundleFile: z.string(), receiptFile: z.string(), again: z.boolean() }),
  },
  'ceremony:abort': { request: z.strictObject({ id: z.string(), reason: z.string().min(1).max(500) }), response: Ceremony },
  /**
   * Audit entries matching every given filter (event prefix, actor, ceremony id, text anywhere in the
   * payload, time range), newest first, `limit` from `offset`; plus the whole chain's verification.
   */
  'audit:read': {
    request: z.strictObject({
      event: z.string().max(100).optional(),
      actor: z.string().max(100).optional(),
      ceremony: z.string().max(100).optional(),
      text: z.string().max(200).optional(),
      from: Instant.optional(),
      to: Instant.optional(),
      offset: z.number().int().nonnegative(),
      limit: z.number().int().min(1).max(1000),
    }),
    response: z.strictObject({ total: z.number().int(), matched: z.number().int(), entries: z.array(AuditEntrySchema), chain: ChainStatus, events: z.array(z.string()), actors: z.array(z.string()) }),
  },
  /**
   * Exports the whole log with a checkpoint signed by one custodian's own key (unlocked with their
   * passphrase) to `<folder>/audit-<vault>-<seq>.json`.
   */
  'audit:export': {
    request: z.strictObject({ custodian: Name, passphrase: Passphrase, folder: Path }),
    response: z.strictObject({ file: z.string(), entries: z.number().int(), checkpoint: Checkpoint }),
  },
  /** Checks the open vault's log against an earlier export's signed checkpoint (no truncation, no rewrite). */
  'audit:checkpoint': { request: z.strictObject({ file: NamedFile }), response: z.strictObject({ checkpoint: Checkpoint }) },
} as const;
