/** Batch results: counts, filtering and CSV export. */
import type { BatchRow } from '../api';

export const VERDICTS = ['affirming', 'warning', 'contraindicated', 'error'] as const;
export type BatchVerdict = (typeof VERDICTS)[number];

/** Number of rows per verdict. */
export function countByVerdict(rows: readonly BatchRow[]): Record<BatchVerdict, number> {
  const counts = { affirming: 0, warning: 0, contraindicated: 0, error: 0 };
  for (const r of rows) counts[r.verdict]++;
  return counts;
}

/** Rows matching a verdict and platform filter (`all` = no filter). */
export function filterRows(rows: readonly BatchRow[], verdict: string, platform: string): BatchRow[] {
  return rows.filter((r) => (verdict === 'all' || r.verdict === verdict) && (platform === 'all' || (r.platform ?? 'unknown') === platform));
}

const csvCell = (v: string) => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** RFC 4180 CSV with a header row; lists joined with `;` (`pairing`: the pairing warnings). */
export function rowsToCsv(rows: readonly BatchRow[]): string {
  const header = ['path', 'platform', 'verdict', 'failing', 'warnings', 'detail', 'endorsements', 'at', 'policy', 'pairing'];
  const lines = rows.map((r) => [r.path, r.platform ?? '', r.verdict, r.failing.join(';'), String(r.warnings), r.detail, r.endorsements.join(';'), r.at, r.policy, r.pairing.filter((n) => n.level === 'warning').map((n) => n.text).join(';')].map(csvCell).join(','));
  return `${[header.join(','), ...lines].join('\r\n')}\r\n`;
}
