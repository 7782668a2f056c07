/** Human-readable rendering of an appraisal: verdict, anchor, every check, key claims. */
import type { Appraisal, CheckStatus } from '../core/appraisal.ts';
import { renderComposite, renderNvidia } from './render-nvidia.ts';

export const MARK: Record<CheckStatus, string> = { pass: 'PASS', fail: 'FAIL', warn: 'WARN', skip: 'SKIP' };

function tcb(v: unknown): string {
  if (!v || typeof v !== 'object') return String(v);
  const t = v as Record<string, unknown>;
  const fmc = t.fmc === undefined ? '' : `fmc=${t.fmc} `;
  return `${fmc}bl=${t.boot_loader} tee=${t.tee} snp=${t.snp} ucode=${t.microcode} (${t.raw})`;
}

/** Renders `a` for a terminal; `source` is the evidence file name. */
export function renderText(a: Appraisal, source: string): string {
  if (a.platform === 'nvidia') return renderNvidia(a, source);
  if (a.platform === 'composite') return renderComposite(a, source);
  const c = a.claims;
  const policy = (c.policy ?? {}) as Record<string, unknown>;
  const width = Math.max(...a.checks.map((k) => k.id.length));
  const anchor =
    a.trust_anchor.kind === 'test'
      ? `${a.trust_anchor.name}  ** TEST ANCHOR — NOT A VENDOR ROOT **`
      : `${a.trust_anchor.name} (${a.trust_anchor.kind})`;
  const lines = [
    `SEV-SNP appraisal of ${source}`,
    `Verdict:        ${a.verdict.toUpperCase()}`,
    `Reference time: ${a.reference_time}`,
    `Trust anchor:   ${anchor}${a.trust_anchor.spki_sha256 ? `  SPKI SHA-256 ${a.trust_anchor.spki_sha256}` : ''}`,
    `Product:        ${c.product_detail ?? 'unknown'}    Signing key: ${c.signing_key}`,
    '',
    'Checks:',
    ...a.checks.map((k) => `  ${MARK[k.status]}  ${k.id.padEnd(width)}  ${k.detail}`),
    '',
    'Claims:',
    `  measurement    ${c.measurement}`,
    `  report_data    ${c.report_data}`,
    `  host_data      ${c.host_data}`,
    `  chip_id        ${c.chip_id}`,
    `  policy         ${policy.raw} (debug=${policy.debug}, migrate_ma=${policy.migrate_ma}, smt=${policy.smt})`,
    `  vmpl           ${c.vmpl}    guest_svn ${c.guest_svn}    firmware ${c.current_version}`,
    `  reported_tcb   ${tcb(c.reported_tcb)}`,
    `  current_tcb    ${tcb(c.current_tcb)}`,
    `  committed_tcb  ${tcb(c.committed_tcb)}`,
  ];
  if (c.hcl_runtime_data !== undefined) lines.push(`  hcl_runtime_data ${JSON.stringify(c.hcl_runtime_data).slice(0, 120)}…`);
  lines.push('', `(${a.checks.length} checks; --json prints every claim)`);
  return lines.join('\n');
}
