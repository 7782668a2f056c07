/**
 * How a composite (CPU + GPU) appraisal reads to a custodian: its CPU side and its devices, each with
 * its verdict, driver/VBIOS versions and measurement result. Pure and free of Node imports, so the
 * CLI (`ceremony show`), the vault and the console's review screen use the same reading.
 */
import type { Appraisal } from '../core/appraisal.ts';

/** The CPU side of an appraisal: itself, or the `cpu0` submodule of a composite one. */
export function cpuView(a: Appraisal): { platform: string; claims: Record<string, unknown>; trust_anchor: Appraisal['trust_anchor'] } {
  if (a.platform !== 'composite') return a;
  const cpu = (a.claims.submods as Record<string, { platform: string; claims: Record<string, unknown>; trust_anchor: Appraisal['trust_anchor'] }>).cpu0!;
  return { platform: cpu.platform, claims: cpu.claims, trust_anchor: cpu.trust_anchor };
}

/** One device of a composite appraisal, as the review screen and `ceremony show` list it. */
export interface DeviceReview {
  /** Submodule key: `gpu0`, `switch0`, … */
  id: string;
  /** The guest's uuid for it (from the additional evidence), when known. */
  uuid?: string;
  status: string;
  driver?: string;
  vbios?: string;
  /** NVIDIA's `measres`: `success`, `fail`, `incomplete` or `not-run`. */
  measres?: string;
  /** RIM indices whose measurement differs from every golden value. */
  mismatches: number[];
  /** The trust anchor of its chain: `TEST …` or the pinned NVIDIA root. */
  anchor?: string;
}

/** The devices of a composite appraisal, in submodule order (empty for CPU-only evidence). */
export function devicesOf(a: Appraisal, uuids: string[] = []): DeviceReview[] {
  if (a.platform !== 'composite') return [];
  const submods = a.claims.submods as Record<string, Record<string, unknown>>;
  const nv = a.claims.nvidia as { trust_anchor?: { kind: string; name: string } } | undefined;
  return Object.entries(submods).filter(([k]) => k !== 'cpu0').map(([id, d]) => {
    const gpu = /^gpu(\d+)$/.exec(id);
    const str = (k: string) => (typeof d[k] === 'string' ? (d[k] as string) : undefined);
    return {
      id,
      ...(gpu && uuids[Number(gpu[1])] ? { uuid: uuids[Number(gpu[1])] } : {}),
      status: String(d['ear.status'] ?? 'unknown'),
      driver: str('x-nvidia-gpu-driver-version'),
      vbios: str('x-nvidia-gpu-vbios-version') ?? str('x-nvidia-switch-bios-version'),
      measres: str('measres'),
      mismatches: ((d['x-nvidia-mismatch-measurement-records'] ?? []) as { index: number }[]).map((m) => m.index),
      anchor: nv?.trust_anchor ? `${nv.trust_anchor.kind === 'test' ? 'TEST' : nv.trust_anchor.kind}: ${nv.trust_anchor.name}` : undefined,
    };
  });
}
