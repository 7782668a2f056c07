/**
 * Exports of an appraisal: JSON, and a self-contained printable HTML report for incident records
 * (no scripts, no external resources; every value escaped).
 */
import type { Appraisal, Inspection } from '../api';
import { comparisonSummary } from './measurements';
import { flattenClaims } from './claims';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
/** HTML-escapes `text`. */
export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/**
 * What ties an exported appraisal to its artefacts (chain of custody): every input file with its
 * SHA-256 (hex) and role, the TEST anchors, the policy document (null: the core's default) with the
 * SHA-256 of its JSON text, and the Custodian version that appraised.
 */
export interface AppraisalRecord {
  evidenceName: string;
  files: { name: string; role: string; sha256: string }[];
  anchors: { name: string; sha256: string }[];
  policy: Record<string, unknown> | null;
  policySha256: string | null;
  version: string;
}

/** SHA-256 (hex) of `bytes` (Web Crypto). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  return [...digest].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * The record of an appraisal's inputs: `files` with the role the Inspector gave each (`roles` by
 * name; default "input"), `anchors`, and the policy as run (its SHA-256 over `JSON.stringify`).
 */
export async function recordOf(evidenceName: string, files: readonly { name: string; bytes: Uint8Array }[], roles: ReadonlyMap<string, string>, anchors: readonly { name: string; bytes: Uint8Array }[], policy: Record<string, unknown> | null, version: string): Promise<AppraisalRecord> {
  return {
    evidenceName,
    files: await Promise.all(files.map(async (f) => ({ name: f.name, role: roles.get(f.name) ?? 'input', sha256: await sha256Hex(f.bytes) }))),
    anchors: await Promise.all(anchors.map(async (f) => ({ name: f.name, sha256: await sha256Hex(f.bytes) }))),
    policy,
    policySha256: policy === null ? null : await sha256Hex(new TextEncoder().encode(JSON.stringify(policy))),
    version,
  };
}

/** `<evidence base name>-appraisal-<reference time as 20251201T000000Z>.<ext>`: what the export is named. */
export function exportName(evidenceName: string, appraisal: Appraisal, ext: string): string {
  const base = evidenceName.replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '');
  const at = appraisal.reference_time.replace(/[-:]/g, '').replace(/\.\d+/, '');
  return `${base}-appraisal-${at}.${ext}`;
}

/** The appraisal as pretty JSON, with its record (inputs and their hashes, policy, version). */
export function appraisalJson(record: AppraisalRecord, appraisal: Appraisal): string {
  const { evidenceName, ...inputs } = record;
  return `${JSON.stringify({ evidence: evidenceName, inputs, ...appraisal }, null, 2)}\n`;
}

const STATUS_RANK: Record<string, number> = { fail: 0, warn: 1, skip: 2, pass: 3 };

/** A check id that may wrap after each dot (never inside a word), e.g. `chain.vek.<wbr>validity`. */
const idHtml = (id: string) => `<code class="id">${escapeHtml(id).replace(/\./g, '.<wbr>')}</code>`;

/** One section per NVIDIA device: its summary line and the measured vs golden values per RIM index. */
function measurementsHtml(devices: Inspection['devices']): string {
  const e = escapeHtml;
  return devices
    .map((d) => {
      const rows = d.rows
        .map((r) => `<tr class="${r.status === 'mismatch' ? 'fail' : r.status === 'tolerated' ? 'warn' : 'pass'}"><td>${r.status.toUpperCase()}</td><td>${r.rim_index} / ${r.spdm_index}</td><td>${e(r.rim_role)}</td><td><code>${e(r.measured ?? '(no such block)')}</code></td><td>${r.golden.map((g) => `<code>${e(g)}</code>`).join('<br>')}</td></tr>`)
        .join('\n');
      return `<h3>${e(d.key)} ${e(d.hwmodel)}</h3>
<p>ueid <code>${e(d.ueid)}</code> · ${e(d.status)} · measurement result <code>${e(d.measres)}</code>. ${e(comparisonSummary(d.rows))}</p>
${rows ? `<table class="measurements"><tr><th>Result</th><th>RIM index / SPDM block</th><th>RIM</th><th>Measured</th><th>Golden value(s)</th></tr>\n${rows}\n</table>` : ''}`;
    })
    .join('\n');
}

/**
 * A printable HTML report (A4): verdict, trust anchor, reference time, the inputs with their SHA-256, the
 * policy, every check (problems first), the GPU measurement comparison of each device in `devices`, every claim.
 */
export function appraisalHtml(record: AppraisalRecord, appraisal: Appraisal, printedAt: Date, devices: Inspection['devices'] = []): string {
  const e = escapeHtml;
  const evidenceName = record.evidenceName;
  const inputs = [...record.files.map((f) => [f.name, f.role, f.sha256]), ...record.anchors.map((f) => [f.name, 'TEST anchor', f.sha256])]
    .map(([n, r, h]) => `<tr><td>${e(n!)}</td><td>${e(r!)}</td><td><code>${e(h!)}</code></td></tr>`)
    .join('\n');
  const policy = record.policy === null ? 'the default policy' : `<code>${e(JSON.stringify(record.policy))}</code> (SHA-256 <code>${e(record.policySha256 ?? '')}</code>)`;
  const checks = [...appraisal.checks]
    .sort((x, y) => (STATUS_RANK[x.status] ?? 4) - (STATUS_RANK[y.status] ?? 4))
    .map((c) => `<tr class="${e(c.status)}"><td>${e(c.status.toUpperCase())}</td><td>${idHtml(c.id)}</td><td>${e(c.detail)}</td></tr>`)
    .join('\n');
  const claims = flattenClaims(appraisal.claims)
    .map(([k, v]) => `<tr><td>${idHtml(k)}</td><td><code>${e(v)}</code></td></tr>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Custodian appraisal — ${e(evidenceName)}</title>
<style>
body{font:12px/1.4 system-ui,sans-serif;margin:2em}table{border-collapse:collapse;width:100%}
td,th{border:1px solid #999;padding:2px 6px;text-align:left;vertical-align:top;overflow-wrap:anywhere}code{word-break:break-all}code.id{word-break:normal;overflow-wrap:normal}
.measurements code{font-size:10px}.words tr>:first-child,.measurements tr>:nth-child(-n+3){overflow-wrap:normal;white-space:nowrap}
@page{size:A4;margin:12mm}@media print{body{margin:0}tr{break-inside:avoid}}
.fail td:first-child{font-weight:bold;color:#a00}.warn td:first-child{color:#850}
</style></head><body>
<h1>Attestation appraisal</h1>
<table>
<tr><th>Evidence</th><td>${e(evidenceName)}</td></tr>
<tr><th>Platform</th><td>${e(appraisal.platform)}</td></tr>
<tr><th>Verdict</th><td id="verdict"><strong>${e(appraisal.verdict.toUpperCase())}</strong></td></tr>
<tr><th>Reference time</th><td>${e(appraisal.reference_time)}</td></tr>
<tr><th>Trust anchor</th><td>${e(appraisal.trust_anchor.kind === 'test' ? 'TEST anchor (not a vendor root): ' : '')}${e(appraisal.trust_anchor.name)} — SPKI SHA-256 <code>${e(appraisal.trust_anchor.spki_sha256)}</code></td></tr>
<tr><th>Policy</th><td>${policy}</td></tr>
<tr><th>Printed</th><td>${e(printedAt.toISOString())} by Custodian ${e(record.version)} (offline)</td></tr>
</table>
<h2>Inputs</h2>
<table><tr><th>File</th><th>Role</th><th>SHA-256</th></tr>
${inputs}
</table>
<h2>Checks</h2>
<table class="words"><tr><th>Status</th><th>Check</th><th>What was compared</th></tr>
${checks}
</table>
${devices.length ? `<h2>GPU measurements</h2>\n${measurementsHtml(devices)}` : ''}
<h2>Claims</h2>
<table><tr><th>Claim</th><th>Value</th></tr>
${claims}
</table>
</body></html>
`;
}
