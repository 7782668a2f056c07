/**
 * Human-readable rendering of an NVIDIA appraisal (verdict, anchors, one line per device, every
 * check) and of a composite one (CPU report + NVIDIA evidence, one line per EAR submodule).
 */
import type { Appraisal } from '../core/appraisal.ts';
import { MARK } from './render.ts';

type Claims = Record<string, unknown>;

function deviceLine(key: string, d: Claims): string {
  const fw = d['x-nvidia-gpu-vbios-version'] ?? d['x-nvidia-switch-bios-version'] ?? '?';
  const drv = d['x-nvidia-gpu-driver-version'] === undefined ? '' : `  driver ${d['x-nvidia-gpu-driver-version']}`;
  return `  ${key.padEnd(9)} ${String(d['ear.status']).padEnd(15)} ${d.hwmodel ?? '?'}  ueid ${d.ueid ?? '?'}${drv}  firmware ${fw}  measres ${d.measres}`;
}

function anchorText(t: Appraisal['trust_anchor']): string {
  const name = t.kind === 'test' ? `${t.name}  ** TEST ANCHOR — NOT A VENDOR ROOT **` : `${t.name} (${t.kind})`;
  return `${name}  SPKI SHA-256 ${t.spki_sha256}`;
}

function checkLines(a: Appraisal): string[] {
  const width = Math.max(...a.checks.map((k) => k.id.length));
  return [
    'Checks:',
    ...a.checks.map((k) => `  ${MARK[k.status]}  ${k.id.padEnd(width)}  ${k.detail}`),
    '',
    `(${a.checks.length} checks; --json prints every claim, incl. x-nvidia-mismatch-measurement-records)`,
  ];
}

/** Renders an NVIDIA appraisal `a` for a terminal; `source` is the evidence file name. */
export function renderNvidia(a: Appraisal, source: string): string {
  const devices = (a.claims.devices ?? {}) as Record<string, Claims>;
  return [
    `NVIDIA appraisal of ${source}`,
    `Verdict:        ${a.verdict.toUpperCase()}`,
    `Reference time: ${a.reference_time}`,
    `Trust anchor:   ${anchorText(a.trust_anchor)}`,
    `RIM anchor:     ${a.claims.rim_trust_anchor}`,
    '',
    'Devices:',
    ...Object.entries(devices).map(([key, d]) => deviceLine(key, d)),
    '',
    ...checkLines(a),
  ].join('\n');
}

/** Renders a composite appraisal: the CPU submodule, then one line per NVIDIA device. */
export function renderComposite(a: Appraisal, source: string): string {
  const submods = (a.claims.submods ?? {}) as Record<string, Claims>;
  const nvidia = (a.claims.nvidia ?? {}) as Claims;
  const cpu = submods.cpu0 ?? {};
  return [
    `Composite appraisal of ${source} (CPU report + NVIDIA evidence)`,
    `Verdict:        ${a.verdict.toUpperCase()}`,
    `Reference time: ${a.reference_time}`,
    `CPU anchor:     ${anchorText(a.trust_anchor)}`,
    `GPU anchor:     ${anchorText(nvidia.trust_anchor as Appraisal['trust_anchor'])}`,
    '',
    'Submodules:',
    `  cpu0      ${String(cpu['ear.status']).padEnd(15)} ${cpu.platform}`,
    ...Object.entries(submods)
      .filter(([key]) => key !== 'cpu0')
      .map(([key, d]) => deviceLine(key, d)),
    '',
    ...checkLines(a),
  ].join('\n');
}
