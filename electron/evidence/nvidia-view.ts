/**
 * What the inspector shows of NVIDIA devices beyond the appraisal itself: which devices the core
 * reported, the values of their report fields, and the measurement comparison — per RIM index, the
 * measured value, the golden value(s) and whether they match — as its own table.
 *
 * The rows are the core's (claim `measurement-comparison`): only the core reads RIMs.
 */
import type { Appraisal } from '../core/appraisal.ts';

type Claims = Record<string, unknown>;

/** One row of the measurement comparison (the core's `measurement-comparison` claim, wasm/src/nvidia/appraise.rs). */
export interface MeasurementRow {
  /** RIM `Resource` index (0-based). */
  rim_index: number;
  /** SPDM measurement block index (1-based) = `rim_index + 1`. */
  spdm_index: number;
  /** Which RIM: `driver`, `vbios` (GPUs) or `bios` (switches), as the core names it. */
  rim_role: string;
  /** The RIM's file name. */
  rim: string;
  /** The device's measurement (lowercase hex); null when the report has no such block. */
  measured: string | null;
  /** The RIM's golden value(s), lowercase hex; several when the RIM allows alternatives. */
  golden: string[];
  /** The core's finding; `tolerated`: differs, but NVIDIA's NVDEC0 rule or the policy exempts the index. */
  status: 'match' | 'mismatch' | 'tolerated';
}

/**
 * The NVIDIA devices in an appraisal, as `[key, claims]`: `claims.devices` (`GPU-0`, `SWITCH-1`, …)
 * for NVIDIA evidence, the submodules other than `cpu0` (`gpu0`, …) for composite evidence.
 */
export function nvidiaDevices(a: Appraisal): [string, Claims][] {
  if (a.platform === 'nvidia') return Object.entries((a.claims.devices ?? {}) as Record<string, Claims>);
  if (a.platform === 'composite') return Object.entries((a.claims.submods ?? {}) as Record<string, Claims>).filter(([k]) => k !== 'cpu0');
  return [];
}

/** The prefix of a device's check ids: `GPU-0` → `gpu0`, `SWITCH-1` → `switch1`, `gpu2` → `gpu2`. */
export const checkPrefix = (key: string) => key.toLowerCase().replace(/-/g, '');

/** True for an NVSwitch (its opaque-data types differ from a GPU's). */
export const isSwitch = (d: Claims) => d['x-nvidia-device-type'] === 'nvswitch' || d.arch === 'LS10';

/** The comparison rows of device `d`, sorted by RIM index then role (none when the core did not compare). */
export function measurementRows(d: Claims): MeasurementRow[] {
  const rows = (d['measurement-comparison'] ?? []) as { index: number; source: string; rim: string; golden_values: string[]; runtime_value: string | null; result: MeasurementRow['status'] }[];
  return rows
    .map((r) => ({ rim_index: r.index, spdm_index: r.index + 1, rim_role: r.source, rim: r.rim, measured: r.runtime_value, golden: r.golden_values, status: r.result }))
    .sort((a, b) => a.rim_index - b.rim_index || a.rim_role.localeCompare(b.rim_role));
}
