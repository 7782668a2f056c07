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
 * The vault room's channels (vault, key, ceremony, audit) live in contract-vault.ts and are merged here.
 */
import { z } from 'zod';
import type { FieldNode } from '../core/appraisal.ts';

export { AppraisalSchema, NamedFile } from './contract-shared.ts';
import { AppraisalSchema, Bytes, EvidenceType, Instant, NamedFile, Platform, Policy, Verdict } from './contract-shared.ts';
import { VAULT_CONTRACT } from './contract-vault.ts';

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
  /**
   * TCG crypto-agile event log ("Spec ID Event03"): a TDX CC event log, replayed by the core to
   * RTMR0..3, or a TPM event log, replayed to the PCRs an Azure vTPM quote attests (the core tells them
   * apart: wasm/src/eventlog.rs `LogKind`).
   */
  'event-log',
  /** Azure vTPM quote (Trustee's `tpm_quote` JSON `{signature, message, pcrs}`), verified by the core with the HCL report's AK. */
  'vtpm-quote',
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

/** One field of the core's field map (wasm/src/fields.rs), as the inspect response carries it. */
export type LayoutField = FieldNode;
export const LayoutField: z.ZodType<LayoutField> = z.lazy(() =>
  z.strictObject({
    id: z.string(),
    label: z.string(),
    offset: z.number().int().nonnegative(),
    length: z.number().int().positive(),
    value: z.string().optional(),
    meaning: z.string(),
    parts: z.array(z.strictObject({ name: z.string(), at: z.string(), value: z.string() })).optional(),
    children: z.array(LayoutField).optional(),
  }),
);

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
  /** The core's field map of `bytes` (wasm/src/fields.rs), a tree. */
  layout: z.array(LayoutField),
  /** Prefix of the check ids about this report (`gpu0.`, `cpu0.`), or '' for the appraisal's own. */
  checkPrefix: z.string(),
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
  status: z.enum(['match', 'mismatch', 'tolerated']),
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

/** One line of a pairing's account (electron/evidence/pairing.ts `PairingNote`). */
const PairingNote = z.strictObject({ level: z.enum(['info', 'warning']), text: z.string() });

const BatchRow = z.strictObject({
  /** Path of the evidence file relative to the batch folder. */
  path: z.string(),
  platform: Platform.nullable(),
  verdict: z.union([Verdict, z.literal('error')]),
  /** Ids of failing checks (or the error's field when `verdict` is `error`). */
  failing: z.array(z.string()),
  warnings: z.number().int().nonnegative(),
  /** The error message when `verdict` is `error`, else the first failing check's detail, else the first warning's, else ''. */
  detail: z.string(),
  /** The endorsement files the row used, relative to the batch folder (paired by identity, or listed in the manifest row). */
  endorsements: z.array(z.string()),
  /**
   * How the endorsements were paired by identity (folder batches): `info` names each file used and the
   * want it met; `warning` names files that fit one want alike (the one used and why) — see
   * electron/evidence/pairing.ts. Empty when the endorsements were given (manifest rows).
   */
  pairing: z.array(PairingNote),
  /** The reference time this row was appraised at (RFC 3339): the manifest row's, else the batch's. */
  at: z.string(),
  /** The policy applied: "default", "the batch policy", or the manifest row's ("inline" or a file name). */
  policy: z.string(),
});
export type BatchRow = z.infer<typeof BatchRow>;

/** Every channel: `request` and `response` schemas. */
/** What `evidence:inspect` and `evidence:ear` appraise: the files, explicit TEST roots, policy and time. */
const InspectInputs = {
  files: z.array(NamedFile).min(1).max(64),
  /** Roots to trust explicitly (TEST anchors); the appraisal names them as such. */
  testAnchors: z.array(NamedFile).max(8),
  policy: Policy,
  referenceTime: Instant,
};

export const CONTRACT = {
  /** Application facts for the status bar: version, pinned roots, offline mode. */
  'app:info': {
    request: z.strictObject({}),
    response: z.strictObject({
      version: z.string(),
      /** The wasm core's build id (electron/core/core.ts buildIdOf), for records. */
      coreBuild: z.string(),
      pinnedRoots: z.array(
        z.strictObject({ vendor: z.string(), name: z.string(), platforms: z.array(EvidenceType), spki_sha256: z.string() }),
      ),
      /** How the renderer is reached: `electron` (app:// + IPC) or `loopback` (127.0.0.1 + token). */
      shell: z.enum(['electron', 'loopback']),
    }),
  },
  /** Recognises each file, verifies the evidence among them with the rest as endorsements. */
  'evidence:inspect': {
    request: z.strictObject(InspectInputs),
    response: z.strictObject({
      files: z.array(z.strictObject({ name: z.string(), kind: FileKind, role: z.enum(['evidence', 'endorsement', 'ignored']) })),
      /** Where several different files fit one want, which was used and which set aside (electron/evidence/settle.ts). */
      pairing: z.array(PairingNote),
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
   * The EAR attestation result (electron/core/ear.ts) of the same inputs as `evidence:inspect`: main
   * appraises them again (the core is a pure function, so the result is the one shown) and builds the
   * EAR. Signed as a JWT when `keyPath` names a private EC JWK, which main reads; the key never
   * passes through the renderer, only the finished token does.
   */
  'evidence:ear': {
    request: z.strictObject({
      ...InspectInputs,
      profile: z.enum(['ietf', 'veraison']),
      keyPath: z.string().min(1).max(4096).nullable(),
    }),
    response: z.strictObject({ text: z.string(), signed: z.boolean() }),
  },
  /**
   * Asks the user for a folder with the system dialog (Electron only); `path` is null when cancelled
   * or when the shell has no dialog (the loopback host: type the path instead).
   */
  'dialog:chooseFolder': {
    request: z.strictObject({ title: z.string().max(200) }),
    response: z.strictObject({ path: z.string().nullable() }),
  },
  /**
   * Asks the user for a file with the system dialog (Electron only): an existing one (`save: false`)
   * or a new one to create (`save: true`). `path` is null when cancelled or in the loopback host.
   */
  'dialog:chooseFile': {
    request: z.strictObject({ title: z.string().max(200), save: z.boolean() }),
    response: z.strictObject({ path: z.string().nullable() }),
  },
  /**
   * Starts verifying off the UI thread: every evidence file under `folder` (recursively, with the
   * endorsements beside it), or, when `folder` names a file, the rows of that batch manifest
   * (electron/batch/manifest.ts).
   */
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
  ...VAULT_CONTRACT,
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
