/**
 * Exports of an appraisal: JSON, and a self-contained printable HTML report for incident records
 * (no scripts, no external resources; every value escaped).
 */
import type { Appraisal } from '../api';
import { flattenClaims } from './claims';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
/** HTML-escapes `text`. */
export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/** The appraisal as pretty JSON, with the evidence file name for the record. */
export function appraisalJson(evidenceName: string, appraisal: Appraisal): string {
  return `${JSON.stringify({ evidence: evidenceName, ...appraisal }, null, 2)}\n`;
}

/** A printable HTML report: verdict, trust anchor, reference time, every check, every claim. */
export function appraisalHtml(evidenceName: string, appraisal: Appraisal, printedAt: Date): string {
  const e = escapeHtml;
  const checks = appraisal.checks
    .map((c) => `<tr class="${e(c.status)}"><td>${e(c.status.toUpperCase())}</td><td><code>${e(c.id)}</code></td><td>${e(c.detail)}</td></tr>`)
    .join('\n');
  const claims = flattenClaims(appraisal.claims)
    .map(([k, v]) => `<tr><td><code>${e(k)}</code></td><td><code>${e(v)}</code></td></tr>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Custodian appraisal — ${e(evidenceName)}</title>
<style>
body{font:12px/1.4 system-ui,sans-serif;margin:2em}table{border-collapse:collapse;width:100%}
td,th{border:1px solid #999;padding:2px 6px;text-align:left;vertical-align:top}code{word-break:break-all}
.fail td:first-child{font-weight:bold;color:#a00}.warn td:first-child{color:#850}
</style></head><body>
<h1>Attestation appraisal</h1>
<table>
<tr><th>Evidence</th><td>${e(evidenceName)}</td></tr>
<tr><th>Platform</th><td>${e(appraisal.platform)}</td></tr>
<tr><th>Verdict</th><td id="verdict"><strong>${e(appraisal.verdict.toUpperCase())}</strong></td></tr>
<tr><th>Reference time</th><td>${e(appraisal.reference_time)}</td></tr>
<tr><th>Trust anchor</th><td>${e(appraisal.trust_anchor.kind === 'test' ? 'TEST anchor (not a vendor root): ' : '')}${e(appraisal.trust_anchor.name)} — SPKI SHA-256 <code>${e(appraisal.trust_anchor.spki_sha256)}</code></td></tr>
<tr><th>Printed</th><td>${e(printedAt.toISOString())} by Custodian (offline)</td></tr>
</table>
<h2>Checks</h2>
<table><tr><th>Status</th><th>Check</th><th>What was compared</th></tr>
${checks}
</table>
<h2>Claims</h2>
<table><tr><th>Claim</th><th>Value</th></tr>
${claims}
</table>
</body></html>
`;
}
