/**
 * The verdict at a glance, reason first: the EAR status, platform, trust anchor kind, reference time,
 * the counts in words, and every failing and warning check with its sentence. With `onJump`, each
 * problem links to its row in the Checks table.
 */
import type { Appraisal } from '../api';
import { problemsFirst, tally } from '../lib/checks';

const WORDS = { affirming: 'Affirming', warning: 'Warning', contraindicated: 'Contraindicated' } as const;

export interface VerdictBannerProps {
  appraisal: Appraisal;
  evidenceName: string;
  /** Shows the check `id` in the Checks table (switching to it). */
  onJump?(id: string): void;
}

export function VerdictBanner({ appraisal, evidenceName, onJump }: VerdictBannerProps) {
  const problems = problemsFirst(appraisal.checks.filter((c) => c.status === 'fail' || c.status === 'warn'));
  return (
    <section className={`verdict verdict-${appraisal.verdict}`} aria-label="Verdict" data-verdict={appraisal.verdict}>
      <strong className="verdict-word">{WORDS[appraisal.verdict]}</strong>
      <span>
        {evidenceName} · {appraisal.platform} · as of {appraisal.reference_time} · {tally(appraisal.checks)}
      </span>
      {appraisal.trust_anchor.kind === 'test' && <span className="badge badge-warn">TEST anchor: {appraisal.trust_anchor.name}, not a vendor root</span>}
      {appraisal.trust_anchor.kind === 'none' && <span className="badge badge-fail">No trust anchor</span>}
      {problems.length > 0 && (
        <ul className="problems" aria-label="Why">
          {problems.map((c) => (
            <li key={c.id} data-status={c.status}>
              <span className={`status status-${c.status}`}>{c.status.toUpperCase()}</span>{' '}
              {onJump ? (
                <button type="button" className="link" onClick={() => onJump(c.id)}>
                  <code>{c.id}</code>
                </button>
              ) : (
                <code>{c.id}</code>
              )}{' '}
              {c.detail}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
