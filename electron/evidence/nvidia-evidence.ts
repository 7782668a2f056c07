/**
 * Splits NVIDIA evidence into its devices' attestation reports, for the inspector's per-device views
 * and certificate list (the core splits it again for verifying; see wasm/src/nvidia/evidence.rs).
 * Forms: a bare report (binary, or hex text as NVML and nvtrust store it), or NVIDIA attestation SDK
 * "serialized evidence" JSON — `[{"arch": "HOPPER"|"BLACKWELL"|"LS10", "nonce": hex, "evidence":
 * base64(report), "certificate": base64(PEM chain)}, …]` (one object instead of an array too).
 * Never throws: a problem comes back naming the file (entry) and the field.
 */
import type { NamedBytes } from '../core/appraisal.ts';
import type { IpcError } from '../ipc/contract.ts';
import { evidenceBytes } from './classify.ts';

/** One device's report. */
export interface NvidiaPart {
  /** Where it came from as the core names it: the file name, or `file[i]` for entry i of serialized evidence. */
  source: string;
  /** `arch` as serialized evidence states it; null for a bare report. */
  arch: string | null;
  /** The raw report bytes (SPDM request ‖ response). */
  report: Uint8Array;
  /** The PEM device chain carried by serialized evidence; null for a bare report (its chain is a separate file). */
  chain: Uint8Array | null;
}

/** Base64 with line breaks allowed; null when it is not base64. */
function base64(text: unknown): Uint8Array | null {
  if (typeof text !== 'string') return null;
  const clean = text.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 !== 0) return null;
  return new Uint8Array(Buffer.from(clean, 'base64'));
}

/**
 * The devices of `file`: one part for a bare report (`serialized` false), one per entry of serialized
 * evidence. Entries before a bad one are kept; the bad one is named in `error`.
 */
export function nvidiaParts(file: NamedBytes, serialized: boolean): { parts: NvidiaPart[]; error: IpcError | null } {
  if (!serialized) return { parts: [{ source: file.name, arch: null, report: evidenceBytes(file.bytes), chain: null }], error: null };
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(file.bytes));
  } catch (e) {
    return { parts: [], error: { file: file.name, field: 'JSON', message: (e as Error).message } };
  }
  const items = Array.isArray(value) ? value : [value];
  const parts: NvidiaPart[] = [];
  for (const [i, item] of items.entries()) {
    const source = `${file.name}[${i}]`;
    const entry = (item ?? {}) as Record<string, unknown>;
    const report = base64(entry.evidence);
    if (!report) return { parts, error: { file: source, field: 'evidence', message: 'missing or not base64' } };
    const chain = base64(entry.certificate);
    if (!chain) return { parts, error: { file: source, field: 'certificate', message: 'missing or not base64' } };
    parts.push({ source, arch: typeof entry.arch === 'string' ? entry.arch : null, report, chain });
  }
  return { parts, error: null };
}
