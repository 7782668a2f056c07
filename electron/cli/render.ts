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

const TITLE: Record<Appraisal['platform'], string> = { 'sev-snp': 'SEV-SNP', tdx: 'Intel TDX', sgx: 'Intel SGX', nvidia: 'NVIDIA', composite: 'Composite' };

function snpSummary(c: Record<string, unknown>): { head: string[]; claims: string[] } {
  const policy = (c.policy ?? {}) as Record<string, unknown>;
  return {
    head: [`Product:        ${c.product_detail ?? 'unknown'}    Signing key: ${c.signing_key}`],
    claims: [
      `  measurement    ${c.measurement}`,
      `  report_data    ${c.report_data}`,
      `  host_data      ${c.host_data}`,
      `  chip_id        ${c.chip_id}`,
      `  policy         ${policy.raw} (debug=${policy.debug}, migrate_ma=${policy.migrate_ma}, smt=${policy.smt})`,
      `  vmpl           ${c.vmpl}    guest_svn ${c.guest_svn}    firmware ${c.current_version}`,
      `  reported_tcb   ${tcb(c.reported_tcb)}`,
      `  current_tcb    ${tcb(c.current_tcb)}`,
      `  committed_tcb  ${tcb(c.committed_tcb)}`,
    ],
  };
}

function intelSummary(c: Record<string, unknown>): { head: string[]; claims: string[] } {
  const advisories = Array.isArray(c.advisory_ids) && c.advisory_ids.length > 0 ? (c.advisory_ids as string[]).join(', ') : 'none';
  const head = [
    `TCB status:     ${c.tcb_status ?? 'unknown'}    advisories: ${advisories}    tcbDate: ${c.tcb_date ?? '-'}`,
    `Platform:       FMSPC ${c.fmspc ?? '-'}    ${c.body_type} quote v${c.quote_version}    collateral expires ${c.collateral_expiry ?? '-'}`,
  ];
  const td = ['mr_td', 'rtmr0', 'rtmr1', 'rtmr2', 'rtmr3', 'mr_seam', 'tee_tcb_svn', 'tee_tcb_svn2', 'td_attributes', 'xfam', 'mr_config_id', 'mr_owner', 'report_data'];
  const sgx = ['mr_enclave', 'mr_signer', 'isv_prod_id', 'isv_svn', 'attributes', 'report_data'];
  const names = (c.tee_type === 'SGX' ? sgx : td).filter((k) => c[k] !== undefined);
  return { head, claims: names.map((k) => `  ${k.padEnd(14)} ${c[k]}`) };
}

/** Renders `a` for a terminal; `source` is the evidence file name. */
export function renderText(a: Appraisal, source: string): string {
  if (a.platform === 'nvidia') return renderNvidia(a, source);
  if (a.platform === 'composite') return renderComposite(a, source);
  const c = a.claims;
  const width = Math.max(...a.checks.map((k) => k.id.length));
  const anchor =
    a.trust_anchor.kind === 'test'
      ? `${a.trust_anchor.name}  ** TEST ANCHOR — NOT A VENDOR ROOT **`
      : `${a.trust_anchor.name} (${a.trust_anchor.kind})`;
  const summary = a.platform === 'sev-snp' ? snpSummary(c) : intelSummary(c);
  const lines = [
    `${TITLE[a.platform]} appraisal of ${source}`,
    `Verdict:        ${a.verdict.toUpperCase()}`,
    `Reference time: ${a.reference_time}`,
    `Trust anchor:   ${anchor}${a.trust_anchor.spki_sha256 ? `  SPKI SHA-256 ${a.trust_anchor.spki_sha256}` : ''}`,
    ...summary.head,
    '',
    'Checks:',
    ...a.checks.map((k) => `  ${MARK[k.status]}  ${k.id.padEnd(width)}  ${k.detail}`),
    '',
    'Claims:',
    ...summary.claims,
  ];
  if (c.hcl_runtime_data !== undefined) lines.push(`  hcl_runtime_data ${JSON.stringify(c.hcl_runtime_data).slice(0, 120)}…`);
  lines.push('', `(${a.checks.length} checks; --json prints every claim)`);
  return lines.join('\n');
}
