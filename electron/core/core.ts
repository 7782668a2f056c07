/**
 * Loads the wasm verification core once and exposes a typed, synchronous `verify`.
 *
 * ABI (see `wasm/src/abi.rs`): the request JSON is written into linear memory from
 * `custodian_alloc`, `custodian_verify(ptr, len)` returns `(out_ptr << 32) | out_len` pointing at the
 * response JSON, and both buffers are released with `custodian_free`.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Appraisal, Description, Identity, NamedBytes, PinnedRoot, VerifyRequest } from './appraisal.ts';
import { CoreTrap, InputError } from './errors.ts';

/** The core's exports that take a JSON request and answer JSON (wasm/src/abi.rs). */
type Entry = 'custodian_verify' | 'custodian_c14n' | 'custodian_identify' | 'custodian_describe' | 'custodian_sevsnp_proto';

interface Exports {
  memory: WebAssembly.Memory;
  custodian_alloc(len: number): number;
  custodian_free(ptr: number, len: number): void;
  custodian_verify(ptr: number, len: number): bigint;
  custodian_c14n(ptr: number, len: number): bigint;
  custodian_identify(ptr: number, len: number): bigint;
  custodian_describe(ptr: number, len: number): bigint;
  custodian_sevsnp_proto(ptr: number, len: number): bigint;
  custodian_pinned_roots(): bigint;
  custodian_set_cache(enabled: number): void;
  custodian_cache_stats(): bigint;
}

/** The verified-link cache's counters (wasm/src/cache.rs): since load or the last {@link Core.setCache}. */
export interface CacheStats {
  hits: number;
  misses: number;
  entries: number;
}

/**
 * go-sev-guest's `sevsnp.Attestation` as the core decodes it ({@link Core.sevsnpProto}); field names
 * are the .proto's. `report`: numbers for uint32, decimal strings for uint64, lower-case hex for
 * bytes (absent fields are 0 / ""). `unknown_bytes`: input bytes the decoded message does not hold
 * (fields this schema does not know; always 0 for text, whose parser refuses unknown names);
 * `unknown_fields`: those fields by path and number, e.g. "Attestation.report field 99 (varint)" (at most 16).
 */
export interface SevsnpAttestation {
  report: Record<string, number | string> | null;
  certificate_chain: { vcek_cert: string; vlek_cert: string; ask_cert: string; ark_cert: string; firmware_cert: string; extras: { guid: string; data: string }[] } | null;
  product: { name: string; stepping: number; machine_stepping: number | null } | null;
  unknown_bytes: number;
  unknown_fields: string[];
}

type Response = { ok: true; appraisal: Appraisal } | { ok: false; error: { file: string; field: string; message: string } };

/** Default location of the built module: `out/wasm/custodian_core.wasm` in the repository. */
export const DEFAULT_WASM_PATH = fileURLToPath(new URL('../../out/wasm/custodian_core.wasm', import.meta.url));

const b64 = (b: NamedBytes) => ({ name: b.name, base64: Buffer.from(b.bytes).toString('base64') });

/** The loaded core. Create with {@link loadCore}. */
/**
 * The core's build id: "sha256:" and the first 16 hex digits of the SHA-256 of the wasm module's bytes.
 * The module exports no version of its own, and its bytes are exactly what verified, so two
 * appraisals with the same build id ran the same core.
 */
export const buildIdOf = (wasm: Uint8Array): string => `sha256:${createHash('sha256').update(wasm).digest('hex').slice(0, 16)}`;

export class Core {
  private exports: Exports;

  private constructor(
    private readonly module: WebAssembly.Module,
    /** {@link buildIdOf} the module this core runs. */
    readonly buildId: string,
  ) {
    this.exports = Core.instantiate(module);
  }

  private static instantiate(module: WebAssembly.Module): Exports {
    return new WebAssembly.Instance(module, {}).exports as unknown as Exports;
  }

  /** Compiles the module at `wasmPath`. Throws if the file is missing (run `npm run build:wasm`). */
  static async load(wasmPath: string = process.env.CUSTODIAN_WASM ?? DEFAULT_WASM_PATH): Promise<Core> {
    let bytes: Buffer;
    try {
      bytes = await readFile(wasmPath);
    } catch {
      throw new Error(`the wasm core is not built (${wasmPath} missing): run \`npm run build:wasm\``);
    }
    return new Core(await WebAssembly.compile(new Uint8Array(bytes)), buildIdOf(bytes));
  }

  /**
   * Verifies and appraises evidence. Returns the appraisal for every verification outcome; throws
   * {@link InputError} when the input cannot be parsed and {@link CoreTrap} naming the evidence file
   * if the core traps (stack or memory exhausted: "the verifier ran out of stack on this input"); the
   * instance is then already recreated, so the next call works.
   */
  verify(req: VerifyRequest): Appraisal {
    const seconds = Math.floor(req.referenceTime.getTime() / 1000);
    if (!Number.isFinite(seconds)) throw new InputError('--at', 'reference time', 'not a valid date');
    const request = JSON.stringify({
      evidence: b64(req.evidence),
      endorsements: (req.endorsements ?? []).map(b64),
      test_anchors: (req.testAnchors ?? []).map(b64),
      policy: req.policy ?? null,
      reference_time: seconds,
      rims: (req.rims ?? []).map(b64),
      ocsp: (req.ocsp ?? []).map(b64),
      more_evidence: (req.moreEvidence ?? []).map(b64),
      ...(req.type === undefined ? {} : { type: req.type }),
    });
    let text: string;
    try {
      text = this.call(new TextEncoder().encode(request));
    } catch (e) {
      // The instance is already fresh (see call); name the file the core choked on.
      throw e instanceof CoreTrap ? new CoreTrap(e.cause, req.evidence.name) : e;
    }
    const response = JSON.parse(text) as Response;
    if (!response.ok) throw new InputError(response.error.file, response.error.field, response.error.message);
    return response.appraisal;
  }

  /**
   * The C14N 1.1 bytes an enveloped XMLDSig of NVIDIA's RIM profile covers, by the core's own
   * canonicaliser (wasm/src/nvidia/c14n.rs), for signing TEST RIMs: `documentWithoutSignature` (what
   * the Reference digests) or `signedInfo` (what SignatureValue signs). `xml` must hold exactly one
   * `ds:Signature` under its root. InputError (file "c14n request") when it cannot be canonicalised.
   */
  c14n(xml: string, subset: 'documentWithoutSignature' | 'signedInfo'): Buffer {
    return Buffer.from(this.answer<string>('custodian_c14n', { xml, subset: subset === 'signedInfo' ? 'signed_info' : 'document_without_signature' }, 'base64'), 'base64');
  }

  /**
   * What `file` offers to, or wants from, pairing by identity (wasm/src/identity.rs): the keys read
   * by the verifiers' own parsers. Throws {@link InputError} (naming the file and field) for a file
   * no parser recognises.
   */
  identify(file: NamedBytes): Identity {
    return this.answer<Identity>('custodian_identify', b64(file), 'identity');
  }

  /**
   * The core's field map of binary evidence (wasm/src/fields.rs): the fields its parsers read, with
   * decoded values, named bits and nested structures. Never throws for odd bytes: a cut or hostile
   * input gives the fields that fit and a `note`. `device` picks NVIDIA's opaque-data enum.
   */
  describe(file: NamedBytes, device?: 'gpu' | 'switch'): Description {
    return this.answer<Description>('custodian_describe', { ...b64(file), ...(device ? { device } : {}) }, 'description');
  }

  /**
   * go-sev-guest's `sevsnp.Attestation` (or bare `sevsnp.Report`) protobuf, binary or text format,
   * decoded by the core (wasm/src/snp/sevsnp_proto.rs, prost / prost-reflect over go-sev-guest's
   * sevsnp.proto) into its fields: uint64 as decimal strings, bytes as hex. The report's 1184 bytes
   * are rebuilt from them by the host (vault/trustee-snp.ts). Throws {@link InputError} naming the
   * file and the message.field path (binary) or line and column (text) where the input broke.
   */
  sevsnpProto(file: NamedBytes, form: 'binary' | 'text', message: 'Attestation' | 'Report'): SevsnpAttestation {
    return this.answer<SevsnpAttestation>('custodian_sevsnp_proto', { ...b64(file), form, message }, 'attestation');
  }

  /** The vendor roots embedded in the core (the pins every chain is checked against). */
  pinnedRoots(): PinnedRoot[] {
    return JSON.parse(this.takeText(this.exports.custodian_pinned_roots())) as PinnedRoot[];
  }

  /**
   * Turns the core's verified-link cache on or off (it is on after load), emptying it either way. The
   * cache only remembers signature outcomes that depend on nothing but their input bytes, so
   * appraisals are identical either way; off is for measurements and the equivalence test.
   */
  setCache(enabled: boolean): void {
    this.exports.custodian_set_cache(enabled ? 1 : 0);
  }

  /** Hits, misses and entries of the verified-link cache of this instance. */
  cacheStats(): CacheStats {
    return JSON.parse(this.takeText(this.exports.custodian_cache_stats())) as CacheStats;
  }

  /**
   * Runs `entry` on the JSON of `request` and returns the member `key` of its `{ok: true, …}` answer.
   * Throws {@link InputError} with the file and field of an `{ok: false, error}` answer.
   */
  private answer<T>(entry: Entry, request: object, key: string): T {
    const response = JSON.parse(this.call(new TextEncoder().encode(JSON.stringify(request)), undefined, entry)) as
      | ({ ok: true } & Record<string, unknown>)
      | { ok: false; error: { file: string; field: string; message: string } };
    if (!response.ok) throw new InputError(response.error.file, response.error.field, response.error.message);
    return response[key] as T;
  }

  /** Runs `custodian_verify` (or `entry`) on raw request bytes; exposed for the wrapper's own tests. */
  call(request: Uint8Array, overridePtr?: number, entry: Entry = 'custodian_verify'): string {
    const x = this.exports;
    try {
      const ptr = x.custodian_alloc(request.length);
      new Uint8Array(x.memory.buffer, ptr, request.length).set(request);
      const packed = x[entry](overridePtr ?? ptr, request.length);
      x.custodian_free(ptr, request.length);
      return this.takeText(packed);
    } catch (e) {
      // After a trap the instance's memory may be inconsistent: start a fresh instance.
      this.exports = Core.instantiate(this.module);
      throw new CoreTrap(e);
    }
  }

  /** Reads and frees a `(ptr << 32) | len` UTF-8 response. */
  private takeText(packed: bigint): string {
    const x = this.exports;
    const outPtr = Number(packed >> 32n);
    const outLen = Number(packed & 0xffffffffn);
    const text = new TextDecoder().decode(new Uint8Array(x.memory.buffer, outPtr, outLen));
    x.custodian_free(outPtr, outLen);
    return text;
  }
}

let shared: Promise<Core> | undefined;

/** The process-wide core, loaded on first use. */
export function loadCore(wasmPath?: string): Promise<Core> {
  shared ??= Core.load(wasmPath);
  return shared;
}
