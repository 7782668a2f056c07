/** Human-readable rendering of an NVIDIA appraisal: verdict, anchors, one line per device, every check. */
import type { Appraisal } from '../core/appraisal.ts';
import { MARK } from './render.ts';

type Claims = Record<string, unknown>;

function deviceLine(key: string, d: Claims): string {
  const fw = d['x-nvidia-gpu-vbios-version'] ?? d['x-nvidia-switch-bios-version'] ?? '?';
  const drv = d['x-nvidia-gpu-driver-version'] === undefined ? '' : `  driver ${d['x-nvidia-gpu-driver-version']}`;
  return `  ${key.padEnd(9)} ${String(d['ear.status']).padEnd(15)} ${d.hwmodel ?? '?'}  ueid ${d.ueid ?? '?'}${drv}  firmware ${fw}  measres ${d.measres}`;
}

/** Renders an NVIDIA appraisal `a` for a terminal; `source` is the evidence file name. */
export function renderNvidia(a: Appraisal, source: string): string {
  const devices = (a.claims.devices ?? {}) as Record<string, Claims>;
  const width = Math.max(...a.checks.map((k) => k.id.length));
  const t = a.trust_anchor;
  const anchor = t.kind === 'test' ? `${t.name}  ** TEST ANCHOR — NOT A VENDOR ROOT **` : `${t.name} (${t.kind})`;
  return [
    `NVIDIA appraisal of ${source}`,
    `Verdict:        ${a.verdict.toUpperCase()}`,
    `Reference time: ${a.reference_time}`,
    `Trust anchor:   ${anchor}  SPKI SHA-256 ${t.spki_sha256}`,
    `RIM anchor:     ${a.claims.rim_trust_anchor}`,
    '',
    'Devices:',
    ...Object.entries(devices).map(([key, d]) => deviceLine(key, d)),
    '',
    'Checks:',
    ...a.checks.map((k) => `  ${MARK[k.status]}  ${k.id.padEnd(width)}  ${k.detail}`),
    '',
    `(${a.checks.length} checks; --json prints every claim, incl. x-nvidia-mismatch-measurement-records)`,
  ].join('\n');
}
