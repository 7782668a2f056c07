/**
 * Schemas shared by the contract's rooms (contract.ts, contract-vault.ts): bytes, named files, the
 * core's appraisal. Kept apart so the room files do not import each other.
 */
import { z } from 'zod';

/** Raw bytes (Electron's structured clone keeps Uint8Array; the loopback transport encodes them). */
export const Bytes = z.custom<Uint8Array>((v) => v instanceof Uint8Array, 'expected bytes (Uint8Array)');

/** A file the user opened or dropped: its name (for messages only) and its bytes. */
export const NamedFile = z.strictObject({ name: z.string().min(1).max(4096), bytes: Bytes });
export type NamedFile = z.infer<typeof NamedFile>;

export const EvidenceType = z.enum(['sev-snp', 'tdx', 'sgx', 'nvidia']);
/** An appraisal's platform: one evidence type, or `composite` (a CPU report with GPU evidence). */
export const Platform = z.union([EvidenceType, z.literal('composite')]);
/** RFC 3339 instant, e.g. `2025-12-01T00:00:00Z`. */
export const Instant = z.iso.datetime({ offset: true });
/** An appraisal policy document (validated in depth by the core, which names unknown keys). */
export const Policy = z.record(z.string(), z.unknown()).nullable();

export const Check = z.strictObject({
  id: z.string(),
  status: z.enum(['pass', 'fail', 'warn', 'skip']),
  detail: z.string(),
  /** Ids of the evidence fields the check judged (the core's field map ids). */
  fields: z.array(z.string()).optional(),
});
export const Verdict = z.enum(['affirming', 'warning', 'contraindicated']);

/** The core's appraisal (see electron/core/appraisal.ts). Claims stay open: they are the vendor's fields. */
export const AppraisalSchema = z.strictObject({
  platform: Platform,
  verdict: Verdict,
  reference_time: z.string(),
  trust_anchor: z.strictObject({ kind: z.enum(['pinned', 'test', 'none']), name: z.string(), spki_sha256: z.string() }),
  checks: z.array(Check),
  claims: z.record(z.string(), z.unknown()),
});

