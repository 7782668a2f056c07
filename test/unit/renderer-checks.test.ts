/** The Checks helpers: problems first (stable within a status), filters, and the counts in words. */
import { describe, expect, it } from 'vitest';
import { filterChecks, problemsFirst, tally } from '../../renderer/src/lib/checks.ts';

const c = (id: string, status: 'pass' | 'fail' | 'warn' | 'skip') => ({ id, status, detail: id });

describe('checks for reading', () => {
  const checks = [c('a', 'pass'), c('b', 'skip'), c('c', 'fail'), c('d', 'warn'), c('e', 'fail'), c('f', 'pass')];

  it('lists failing, then warning, skipped and passing checks, keeping the core order within each', () => {
    expect(problemsFirst(checks).map((x) => x.id)).toEqual(['c', 'e', 'd', 'b', 'a', 'f']);
    expect(filterChecks(checks, 'fail').map((x) => x.id)).toEqual(['c', 'e']);
    expect(filterChecks(checks, 'all')).toHaveLength(6);
  });

  it('says the counts in words, with plurals right', () => {
    expect(tally(checks)).toBe('2 failing and 1 warning of 6 checks');
    expect(tally([c('a', 'warn'), c('b', 'warn')])).toBe('2 warnings of 2 checks');
    expect(tally([c('a', 'fail')])).toBe('1 failing of 1 check');
    expect(tally([c('a', 'pass'), c('b', 'pass')])).toBe('all 2 checks pass');
    expect(tally([c('a', 'pass'), c('b', 'skip')])).toBe('1 of 2 checks pass, 1 skipped');
  });
});
