/** Words for the NVIDIA measurement comparison, shared by the Inspector's table and the printable report. */
import type { Inspection } from '../api';

/** One device's comparison rows, as the inspect response gives them (RIM index order). */
export type ComparisonRows = Inspection['devices'][number]['rows'];

/** "33 golden values: 29 match, 4 MISMATCH at RIM indices 1, 2, 3, 9". */
export function comparisonSummary(rows: ComparisonRows): string {
  if (rows.length === 0) return 'No golden values compared (no authentic RIM, or none applies): see the checks.';
  const at = (status: string) => rows.filter((r) => r.status === status).map((r) => r.rim_index);
  const [mismatch, tolerated] = [at('mismatch'), at('tolerated')];
  return `${rows.length} golden values: ${at('match').length} match${mismatch.length ? `, ${mismatch.length} MISMATCH at RIM indices ${mismatch.join(', ')}` : ''}${tolerated.length ? `, ${tolerated.length} tolerated at RIM indices ${tolerated.join(', ')}` : ''}.`;
}
