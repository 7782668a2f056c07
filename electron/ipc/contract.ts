/**
 * The one IPC contract between the renderer and the main process: channel names, and for each the
 * zod schema of its request and of its response. Shared by the preload (electron/preload), the main
 * handlers (electron/main/ipc.ts), the loopback host (electron/loopback) and the tests.
 *
 * Rules every channel follows:
 * - requests and responses are plain data (strings, numbers, booleans, arrays, objects, Uint8Array);
 * - response objects are `strict`: a handler that returns a field the contract does not name fails
 *   validation in main, so nothing (in particular no key material) slips through to the renderer;
 * - errors travel as {@link IpcError} values naming the file and field, never as thrown objects.
 *
 * Later rooms (vault, ceremony, audit) add their channels to {@link CONTRACT} under their own prefix.
 */
import { z } from 'zod';

/** Raw bytes (Electron's structured clone keeps Uint8Array; the loopback transport encodes them). */
const Bytes = z.custom<Uint8Array>((v) => v instanceof Uint8Array, 'expected bytes (Uint8Array)');

/** A file the user opened or dropped: its name (for messages only) and its bytes. */
export const NamedFile = z.strictObject({ name: z.string().min(1).max(4096), bytes: Bytes });
export type NamedFile = z.infer<typeof NamedFile>;

const EvidenceType = z.enum(['sev-snp', 'tdx', 'sgx', 'nvidia']);
/** An appraisal's platform: one evidence type, or `composite` (a CPU report with GPU evidence). */
const Platform = z.union([EvidenceType, z.literal('composite')]);
/** RFC 3339 instant, e.g. `2025-12-01T00:00:00Z`. */
const Instant = z.iso.datetime({ offset: true });
/** An appraisal policy document (validated in depth by the core, which names unknown keys). */
const Policy = z.record(z.string(), z.unknown()).nullable();

const Check = z.strictObject({
  id: z.string(),
  status: z.enum(['pass', 'fail', 'warn', 'skip']),
  detail: z.string(),
});
const Verdict = z.enum(['affirming', 'warning', 'contraindicated']);

/** The core's appraisal (see electron/core/appraisal.ts). Claims stay open: they are the vendor's fields. */
export const AppraisalSchema = z.strictObject({
  platform: Platform,
  verdict: Verdict,
  reference_time: z.string(),
  trust_anchor: z.strictObject({ kind: z.enum(['pinned', 'test', 'none']), name: z.string(), spki_sha256: z.string() }),
  checks: z.array(Check),
  claims: z.record(z.string(), z.unknown()),
});

/** What a file was recognised as (electron/evidence/classify.ts). */
export const FileKind = z.enum([
  'sev-snp-report',
  'tdx-quote',
  'sgx-quote',
  'certificate',
  'crl',
  'der-endorsement',
  'tdx-collateral',
  'azure-hcl-report',
  /** NVIDIA attestation report: SPDM 1.1 GET_MEASUREMENTS request ‖ MEASUREMENTS response, binary or hex text. */
  'nvidia-report',
  /** NVIDIA SDK serialized evidence JSON: `[{arch, nonce, evidence, certificate}, …]`, one entry per device. */
  'nvidia-evidence',
  /** NVIDIA reference integrity manifest (signed SWID tag XML, or the RIM service's `{id, rim}` JSON). */
  'nvidia-rim',
  /** RFC 6960 OCSPResponse (DER), imported for offline revocation of NVIDIA chains. */
  'ocsp-response',
  'unknown',
]);
export type FileKind = z.infer<typeof FileKind>;

/** One field of the evidence layout: `offset`/`length` in bytes into the hex-view bytes. */
export const LayoutField = z.strictObject({
  /** The claim name (snake_case) the field decodes to, or a layout-only name such as `reserved_0x4c`. */
  id: z.string(),
  /** The vendor's spelling, e.g. `MEASUREMENT`. */
  label: z.string(),
  offset: z.number().int().nonnegative(),
  length: z.number().int().positive(),
  /** One line saying what the field means. */
  meaning: z.string(),
});
export type LayoutField = z.infer<typeof LayoutField>;

/**
 * One piece of binary evidence shown in the hex view: the CPU report or quote, or one NVIDIA device's
 * attestation report (a serialized-evidence file holds several).
 */
const EvidenceView = z.strictObject({
  /** `evidence` for the opened file itself, else the core's device key (`GPU-0`, `SWITCH-1`, composite `gpu0`). */
  id: z.string(),
  /** What the user picks it by, e.g. `GPU-0 — evidence.json[0]`. */
  label: z.string(),
  bytes: Bytes,
  layout: z.array(LayoutField),
  /** Display values by layout field id (decoded claims); fields without one show their raw bytes. */
  values: z.record(z.string(), z.unknown()),
  /** Why the layout stops early (file: field: message), or ''. */
  note: z.string(),
});

/** One RIM golden-value comparison (electron/evidence/nvidia-view.ts MeasurementRow). */
const MeasurementRow = z.strictObject({
  rim_index: z.number().int().nonnegative(),
  spdm_index: z.number().int().positive(),
  rim_role: z.string(),
  rim: z.string(),
  measured: z.string().nullable(),
  golden: z.array(z.string()),
  status: z.enum(['match', 'mismatch', 'not compared']),
});

/** An NVIDIA device of the appraisal with its measurement comparison. */
const NvidiaDevice = z.strictObject({
  /** The core's device key, e.g. `GPU-0`. */
  key: z.string(),
  /** Prefix of this device's check ids, e.g. `gpu0`. */
  checks: z.string(),
  /** Where its report came from (file, or `file[i]`). */
  source: z.string(),
  hwmodel: z.string(),
  ueid: z.string(),
  /** The device's EAR status. */
  status: z.string(),
  /** NVIDIA's measurement result: `success`, `fail`, `not-run`. */
  measres: z.string(),
  rows: z.array(MeasurementRow),
});

/** A failure the user can act on: which file, which field, what is wrong. */
export const IpcError = z.strictObject({ file: z.string(), field: z.string(), message: z.string() });
export type IpcError = z.infer<typeof IpcError>;

const BatchRow = z.strictObject({
  /** Path of the evidence file relative to the batch folder. */
  path: z.string(),
  platform: Platform.nullable(),
  verdict: z.union([Verdict, z.literal('error')]),
  /** Ids of failing checks (or the error's field when `verdict` is `error`). */
  failing: z.array(z.string()),
  warnings: z.number().int().nonnegative(),
  /** The error message when `verdict` is `error`, else the first failing check's detail, else ''. */
  detail: z.string(),
  /** Names of the endorsement files found beside the evidence and used. */
  endorsements: z.array(z.string()),
});
export type BatchRow = z.infer<typeof BatchRow>;

/** Every channel: `request` and `response` schemas. */
export const CONTRACT = {
  /** Application facts for the status bar: version, pinned roots, offline mode. */
  'app:info': {
    request: z.strictObject({}),
    response: z.strictObject({
      version: z.string(),
      pinnedRoots: z.array(
        z.strictObject({ vendor: z.string(), name: z.string(), platforms: z.array(EvidenceType), spki_sha256: z.string() }),
      ),
      /** How the renderer is reached: `electron` (app:// + IPC) or `loopback` (127.0.0.1 + token). */
      shell: z.enum(['electron', 'loopback']),
    }),
  },
  /** Recognises each file, verifies the evidence among them with the rest as endorsements. */
  'evidence:inspect': {
    request: z.strictObject({
      files: z.array(NamedFile).min(1).max(64),
      /** Roots to trust explicitly (TEST anchors); the appraisal names them as such. */
      testAnchors: z.array(NamedFile).max(8),
      policy: Policy,
      referenceTime: Instant,
    }),
    response: z.strictObject({
      files: z.array(z.strictObject({ name: z.string(), kind: FileKind, role: z.enum(['evidence', 'endorsement', 'ignored']) })),
      evidence: z.strictObject({
        name: z.string(),
        kind: FileKind,
        /** The binary evidence the layout indexes (hex-text reports are decoded). */
        bytes: Bytes,
        layout: z.array(LayoutField),
      }),
      /** The binary evidence to show, one per report (CPU report first, then NVIDIA devices). */
      views: z.array(EvidenceView),
      /** NVIDIA devices (empty for CPU-only evidence), with their RIM measurement comparison. */
      devices: z.array(NvidiaDevice),
      appraisal: AppraisalSchema,
      /** Certificates found in the files, described for display (electron/evidence/certificates.ts). */
      certificates: z.array(
        z.strictObject({
          source: z.string(),
          subject: z.string(),
          issuer: z.string(),
          serial: z.string(),
          not_before: z.string(),
          not_after: z.string(),
          valid_at_reference_time: z.boolean(),
          self_issued: z.boolean(),
          spki_sha256: z.string(),
          pin: z.enum(['pinned', 'test anchor', 'none']),
          pinned_as: z.string(),
          /** Decoded extensions (electron/evidence/cert-extensions.ts): vendor ones under their vendor's names. */
          extensions: z.array(
            z.strictObject({
              oid: z.string(),
              name: z.string(),
              vendor: z.enum(['amd', 'intel', 'nvidia', 'tcg', 'dmtf', 'x509', 'other']),
              critical: z.boolean(),
              value: z.string(),
            }),
          ),
        }),
      ),
    }),
  },
  /**
   * Asks the user for a folder with the system dialog (Electron only); `path` is null when cancelled
   * or when the shell has no dialog (the loopback host: type the path instead).
   */
  'dialog:chooseFolder': {
    request: z.strictObject({ title: z.string().max(200) }),
    response: z.strictObject({ path: z.string().nullable() }),
  },
  /** Starts verifying every evidence file under `folder` (recursively) off the UI thread. */
  'batch:start': {
    request: z.strictObject({
      folder: z.string().min(1).max(4096),
      testAnchors: z.array(NamedFile).max(8),
      policy: Policy,
      referenceTime: Instant,
    }),
    response: z.strictObject({ jobId: z.string(), total: z.number().int().nonnegative() }),
  },
  /** Progress of a batch: rows from index `from` on (so the renderer fetches each row once). */
  'batch:poll': {
    request: z.strictObject({ jobId: z.string(), from: z.number().int().nonnegative() }),
    response: z.strictObject({
      total: z.number().int().nonnegative(),
      done: z.number().int().nonnegative(),
      finished: z.boolean(),
      /** Wall time since the start, in milliseconds. */
      elapsedMs: z.number().nonnegative(),
      rows: z.array(BatchRow),
    }),
  },
  /** Stops a running batch; rows already verified stay available. */
  'batch:cancel': {
    request: z.strictObject({ jobId: z.string() }),
    response: z.strictObject({ cancelled: z.boolean() }),
  },
} as const;

export type Channel = keyof typeof CONTRACT;
export type Request<C extends Channel> = z.input<(typeof CONTRACT)[C]['request']>;
export type Response<C extends Channel> = z.output<(typeof CONTRACT)[C]['response']>;

/** What crosses the transport for every call: a value or an {@link IpcError}. */
export type Result<C extends Channel> = { ok: true; value: Response<C> } | { ok: false; error: IpcError };

/** The channel list, for registering handlers and for the loopback host's routes. */
export const CHANNELS = Object.keys(CONTRACT) as Channel[];

/** True when `name` is a channel of the contract (guards untrusted channel names). */
export function isChannel(name: string): name is Channel {
  return Object.hasOwn(CONTRACT, name);
}
