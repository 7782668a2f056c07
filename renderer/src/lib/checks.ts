/** Checks for reading: problems first, the counts in words, and the filter the Checks table offers. */
import type { Appraisal } from '../api';

type Check = Appraisal['checks'][number];

const ORDER: Record<Check['status'], number> = { fail: 0, warn: 1, skip: 2, pass: 3 };

/** The checks with failing first, then warnings, skipped, passing; the core's order kept within each. */
export function problemsFirst(checks: readonly Check[]): Check[] {
  return checks.map((c, i) => ({ c, i })).sort((a, b) => ORDER[a.c.status] - ORDER[b.c.status] || a.i - b.i).map(({ c }) => c);
}

/** What the Checks table can show: every check, or those of one status. */
export const CHECK_FILTERS = ['all', 'fail', 'warn', 'skip', 'pass'] as const;
export type CheckFilter = (typeof CHECK_FILTERS)[number];

export function filterChecks(checks: readonly Check[], filter: CheckFilter): Check[] {
  return problemsFirst(filter === 'all' ? checks : checks.filter((c) => c.status === filter));
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * The counts in words: "2 failing and 1 warning of 55 checks", "1 failing of 1 check",
 * "all 55 checks pass", "53 of 55 checks pass, 2 skipped".
 */
export function tally(checks: readonly Check[]): string {
  const n = (s: Check['status']) => checks.filter((c) => c.status === s).length;
  const [fail, warn, skip, pass] = [n('fail'), n('warn'), n('skip'), n('pass')];
  const total = plural(checks.length, 'check');
  if (fail === 0 && warn === 0) return skip === 0 ? `all ${total} pass` : `${pass} of ${total} pass, ${skip} skipped`;
  return `${[fail ? `${fail} failing` : '', warn ? plural(warn, 'warning') : ''].filter(Boolean).join(' and ')} of ${total}`;
}
