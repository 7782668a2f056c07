/**
 * Human-readable rendering of an NVIDIA appraisal (summary line, anchors, one entry per device, the
 * problems) and of a composite one (CPU report + NVIDIA evidence, one entry per EAR submodule), in the
 * same order and width rules as ./render.ts.
 */
import type { Appraisal } from '../core/appraisal.ts';
import { anchorLines, fetchLines, openingLines, problemLines, restLines, type Ctx } from './render.ts';
import { groupHex, wrap } from './text.ts';
import { deviceSummary } from '../evidence/summary.ts';

type Claims = Record<string, unknown>;

const MORE = '--json prints every claim, incl. x-nvidia-mismatch-measurement-records';

/** One device: "  GPU-0  affirming  GH100 A01 GSP BROM" then its ueid, driver, firmware and measurement result, wrapped. */
function deviceLines(key: string, d: Claims, c: Ctx): string[] {
  const [model, ...rest] = deviceSummary(d);
  const text = `${key.padEnd(9)} ${String(d['ear.status']).padEnd(15)} ${model![1]}  ${rest.map(([k, v]) => `${k} ${v}`).join('  ')}`;
  return wrap(text, c.width, 12, 2).map((l, i) => (i === 0 ? `  ${l}` : l));
}

/** Renders an NVIDIA appraisal `a` for a terminal; `source` is the evidence file name. */
export function renderNvidia(a: Appraisal, source: string, c: Ctx): string[] {
  const devices = (a.claims.devices ?? {}) as Record<string, Claims>;
  return [
    ...openingLines(a, `NVIDIA appraisal of ${source}`, c),
    ...anchorLines('Trust anchor:', a.trust_anchor, c),
    ...c.field('RIM anchor:', String(a.claims.rim_trust_anchor).replace(/\b[0-9a-f]{64}\b/g, groupHex)),
    '',
    c.paint('Devices:', 'bold'),
    ...Object.entries(devices).flatMap(([key, d]) => deviceLines(key, d, c)),
    ...problemLines(a, c),
    ...fetchLines(a, c),
    ...restLines(a, c, MORE),
  ];
}

/** Renders a composite appraisal: the CPU submodule, then one entry per NVIDIA device. */
export function renderComposite(a: Appraisal, source: string, c: Ctx): string[] {
  const submods = (a.claims.submods ?? {}) as Record<string, Claims>;
  const nvidia = (a.claims.nvidia ?? {}) as Claims;
  const cpu = submods.cpu0 ?? {};
  return [
    ...openingLines(a, `Composite appraisal of ${source} (CPU report + NVIDIA evidence)`, c),
    ...anchorLines('CPU anchor:', a.trust_anchor, c),
    ...anchorLines('GPU anchor:', nvidia.trust_anchor as Appraisal['trust_anchor'], c),
    '',
    c.paint('Submodules:', 'bold'),
    `  cpu0      ${String(cpu['ear.status']).padEnd(15)} ${cpu.platform}`,
    ...Object.entries(submods)
      .filter(([key]) => key !== 'cpu0')
      .flatMap(([key, d]) => deviceLines(key, d, c)),
    ...problemLines(a, c),
    ...fetchLines(a, c),
    ...restLines(a, c, MORE),
  ];
}
