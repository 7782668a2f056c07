/**
 * Human-readable rendering of an appraisal, reason first:
 *   1. the summary line ("CONTRAINDICATED — 1 failing: policy.debug; 1 warning: crl.revocation");
 *   2. what was appraised (platform, source, reference time, trust anchor, platform header);
 *   3. the failing, then the warning checks, each with its sentence;
 *   4. where to fetch a missing endorsement (AMD KDS VCEK URL, NVIDIA RIM service URLs);
 *   5. the key claims;
 *   6. with `--all` the passed and skipped checks; last, the count of checks by status.
 * Every line fits `width` columns (wrapped with a hanging indent); colour only when asked for.
 */
import type { Appraisal, Check, CheckStatus } from '../core/appraisal.ts';
import { rimUrl } from '../evidence/endorsement-urls.ts';
import { renderComposite, renderNvidia } from './render-nvidia.ts';
import { intelSummary, snpSummary } from '../evidence/summary.ts';
import { field, groupHex, painter, wrap, type Style } from './text.ts';

export const MARK: Record<CheckStatus, string> = { pass: 'PASS', fail: 'FAIL', warn: 'WARN', skip: 'SKIP' };
const MARK_STYLE: Record<CheckStatus, Style> = { pass: 'green', fail: 'red', warn: 'yellow', skip: 'dim' };
const VERDICT_STYLE: Record<Appraisal['verdict'], Style> = { affirming: 'green', warning: 'yellow', contraindicated: 'red' };

/** How to render: list every check (`all`), ANSI colour, and the width to wrap at. */
export interface RenderOptions {
  all: boolean;
  color: boolean;
  width: number;
}

export const PLAIN: RenderOptions = { all: false, color: false, width: 80 };

/** The shared pieces of a rendering: options plus the painter and field helper. */
export interface Ctx extends RenderOptions {
  paint: (text: string, style: Style) => string;
  field: (label: string, value: string) => string[];
}

export function context(opts: RenderOptions): Ctx {
  return { ...opts, paint: painter(opts.color), field: (label, value) => field(label, value, opts.width) };
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * The summary line: the verdict, then the failing and warning check ids (as many as fit in `width`,
 * then "+N more"); for a clean appraisal the count of passed and skipped checks.
 */
export function summaryLine(a: Appraisal, width = 80): string {
  const fail = a.checks.filter((k) => k.status === 'fail').map((k) => k.id);
  const warn = a.checks.filter((k) => k.status === 'warn').map((k) => k.id);
  const head = `${a.verdict.toUpperCase()} — `;
  if (fail.length + warn.length === 0) {
    return `${head}${plural(a.checks.filter((k) => k.status === 'pass').length, 'check')} passed, ${a.checks.filter((k) => k.status === 'skip').length} skipped`;
  }
  const groups = [
    ...(fail.length ? [{ label: `${fail.length} failing`, ids: fail }] : []),
    ...(warn.length ? [{ label: plural(warn.length, 'warning'), ids: warn }] : []),
  ];
  // Full form if it fits; else as many ids as fit, failing ones first, each group ending in "+N more".
  const text = (n: number[]) =>
    head +
    groups
      .map((g, i) => (n[i] === 0 ? g.label : `${g.label}: ${[...g.ids.slice(0, n[i]), ...(n[i]! < g.ids.length ? [`+${g.ids.length - n[i]!} more`] : [])].join(', ')}`))
      .join('; ');
  let shown = groups.map((g) => g.ids.length);
  if (text(shown).length <= width) return text(shown);
  shown = groups.map(() => 0);
  for (let i = 0; i < groups.length; i++) {
    while (shown[i]! < groups[i]!.ids.length && text(shown.map((n, j) => (j === i ? n + 1 : n))).length <= width) shown[i]!++;
    if (shown[i]! < groups[i]!.ids.length) break;
  }
  return text(shown);
}

/** Check lines: "  FAIL  id  sentence", the sentence wrapped under itself (or under the id when ids are long). */
export function checkLines(checks: Check[], c: Ctx): string[] {
  if (checks.length === 0) return [];
  const idWidth = Math.max(...checks.map((k) => k.id.length));
  const column = 2 + 4 + 2 + idWidth + 2;
  const out: string[] = [];
  for (const k of checks) {
    const mark = c.paint(MARK[k.status], MARK_STYLE[k.status]);
    if (column <= c.width / 2) {
      const [first, ...rest] = wrap(k.detail, c.width, column);
      out.push(`  ${mark}  ${k.id.padEnd(idWidth)}  ${first}`, ...rest);
    } else {
      out.push(`  ${mark}  ${k.id}`, ...wrap(k.detail, c.width, 8).map((l, i) => (i === 0 ? `        ${l}` : l)));
    }
  }
  return out;
}

/** The problems: the failing checks, then the warnings, each with its sentence. */
export function problemLines(a: Appraisal, c: Ctx): string[] {
  const fail = a.checks.filter((k) => k.status === 'fail');
  const warn = a.checks.filter((k) => k.status === 'warn');
  return [
    ...(fail.length ? ['', c.paint('Failing:', 'bold'), ...checkLines(fail, c)] : []),
    ...(warn.length ? ['', c.paint('Warnings:', 'bold'), ...checkLines(warn, c)] : []),
  ];
}

/** With `all`, the passed and skipped checks (in the core's order); then the tally of every status. */
export function restLines(a: Appraisal, c: Ctx, more = '--json prints every claim'): string[] {
  const n = (s: CheckStatus) => a.checks.filter((k) => k.status === s).length;
  const others = a.checks.filter((k) => k.status === 'pass' || k.status === 'skip');
  const out: string[] = [];
  if (c.all && others.length) out.push('', c.paint('Passed and skipped:', 'bold'), ...checkLines(others, c));
  const tally = `${plural(a.checks.length, 'check')}: ${n('pass')} passed, ${n('skip')} skipped, ${n('fail')} failing, ${plural(n('warn'), 'warning')}`;
  out.push('', ...wrap(`${tally}${c.all || others.length === 0 ? '' : ' (--all lists them all)'}; ${more}`, c.width, 0));
  return out;
}

/** Where to fetch the endorsements the appraisal says are missing: the AMD KDS VCEK URL, NVIDIA RIM service URLs. */
export function fetchLines(a: Appraisal, c: Ctx): string[] {
  const items: [string, string][] = [];
  const vekMissing = a.checks.some((k) => /(^|\.)chain\.vek\.present$/.test(k.id) && k.status !== 'pass');
  const claimSets = [a.claims, ...Object.values((a.claims.submods ?? {}) as Record<string, Record<string, unknown>>).map((s) => (s.claims ?? s) as Record<string, unknown>)];
  if (vekMissing) for (const s of claimSets) if (typeof s.kds_vcek_url === 'string') items.push(['VCEK (AMD KDS)', s.kds_vcek_url]);
  const missing = a.checks.filter((k) => /\.rim\.[\w-]+\.available$/.test(k.id) && k.status !== 'pass');
  for (const d of nvidiaDeviceClaims(a)) {
    for (const [which, id] of Object.entries((d.rim_ids ?? {}) as Record<string, string>)) {
      if (missing.some((k) => k.id.endsWith(`.rim.${which}.available`) && k.detail.includes(id))) items.push([`${which} RIM (NVIDIA)`, rimUrl(id)]);
    }
  }
  if (items.length === 0) return [];
  return ['', c.paint('Missing endorsements, to fetch on a connected machine:', 'bold'), ...items.flatMap(([what, url]) => [`  ${what}`, ...wrap(url, c.width, 4).map((l, i) => (i === 0 ? `    ${l}` : l))])];
}

/** Device claims of an NVIDIA or composite appraisal (`claims.devices`, or the non-CPU submodules). */
export function nvidiaDeviceClaims(a: Appraisal): Record<string, unknown>[] {
  const devices = Object.values((a.claims.devices ?? {}) as Record<string, Record<string, unknown>>);
  const subs = Object.entries((a.claims.submods ?? {}) as Record<string, Record<string, unknown>>).filter(([k]) => k !== 'cpu0').map(([, v]) => v);
  return [...devices, ...subs];
}

const TITLE: Record<Appraisal['platform'], string> = { 'sev-snp': 'SEV-SNP', tdx: 'Intel TDX', sgx: 'Intel SGX', nvidia: 'NVIDIA', composite: 'Composite' };

/** The trust anchor: name and kind, a TEST warning, and its SPKI SHA-256 grouped in fours. */
export function anchorLines(label: string, t: Appraisal['trust_anchor'], c: Ctx): string[] {
  const name = t.kind === 'test' ? `${t.name}  ${c.paint('** TEST ANCHOR — NOT A VENDOR ROOT **', 'red')}` : `${t.name} (${t.kind})`;
  // Wrapping counts the plain text; the painted warning is a fixed suffix, so wrap the plain form.
  const plain = t.kind === 'test' ? `${t.name}  ** TEST ANCHOR — NOT A VENDOR ROOT **` : name;
  const lines = c.field(label, plain);
  if (t.kind === 'test' && c.color) lines[lines.length - 1] = lines[lines.length - 1]!.replace('** TEST ANCHOR — NOT A VENDOR ROOT **', c.paint('** TEST ANCHOR — NOT A VENDOR ROOT **', 'red'));
  if (t.spki_sha256) lines.push(...c.field('', `SPKI SHA-256 ${groupHex(t.spki_sha256)}`));
  return lines;
}

/** Claim lines "  name  value", values wrapped under themselves. */
export function claimLines(claims: [string, string][], c: Ctx): string[] {
  if (claims.length === 0) return [];
  const w = Math.max(...claims.map(([k]) => k.length));
  return ['', c.paint('Claims:', 'bold'), ...claims.flatMap(([k, v]) => {
    const [first, ...rest] = wrap(v, c.width, w + 4);
    return [`  ${k.padEnd(w)}  ${first}`, ...rest];
  })];
}

/** The opening lines every rendering shares: the summary line (coloured by verdict), then what was appraised. */
export function openingLines(a: Appraisal, title: string, c: Ctx): string[] {
  const summary = summaryLine(a, c.width);
  const verdict = a.verdict.toUpperCase();
  return [summary.replace(verdict, c.paint(verdict, VERDICT_STYLE[a.verdict])), ...wrap(title, c.width, 2), ...c.field('Reference time:', a.reference_time)];
}

/** Renders `a` for a terminal; `source` is the evidence file name. */
export function renderText(a: Appraisal, source: string, opts: RenderOptions = PLAIN): string {
  const c = context(opts);
  if (a.platform === 'nvidia') return renderNvidia(a, source, c).join('\n');
  if (a.platform === 'composite') return renderComposite(a, source, c).join('\n');
  const cl = a.claims;
  const summary = a.platform === 'sev-snp' ? snpSummary(cl) : intelSummary(cl);
  const claims = summary.claims;
  if (cl.hcl_runtime_data !== undefined) claims.push(['hcl_runtime_data', `${JSON.stringify(cl.hcl_runtime_data).slice(0, 120)}…`]);
  return [
    ...openingLines(a, `${TITLE[a.platform]} appraisal of ${source}`, c),
    ...anchorLines('Trust anchor:', a.trust_anchor, c),
    ...summary.head.flatMap(([k, v]) => c.field(k, v)),
    ...problemLines(a, c),
    ...fetchLines(a, c),
    ...claimLines(claims, c),
    ...restLines(a, c),
  ].join('\n');
}
