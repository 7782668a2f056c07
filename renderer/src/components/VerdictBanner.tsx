/** The verdict at a glance: EAR status, platform, trust anchor kind and the reference time. */
import type { Appraisal } from '../api';

const WORDS = { affirming: 'Affirming', warning: 'Warning', contraindicated: 'Contraindicated' } as const;

export function VerdictBanner({ appraisal, evidenceName }: { appraisal: Appraisal; evidenceName: string }) {
  const fails = appraisal.checks.filter((c) => c.status === 'fail').length;
  const warns = appraisal.checks.filter((c) => c.status === 'warn').length;
  return (
    <section className={`verdict verdict-${appraisal.verdict}`} aria-label="Verdict" data-verdict={appraisal.verdict}>
      <strong className="verdict-word">{WORDS[appraisal.verdict]}</strong>
      <span>
        {evidenceName} · {appraisal.platform} · as of {appraisal.reference_time} · {fails} failing, {warns} warning of {appraisal.checks.length} checks
      </span>
      {appraisal.trust_anchor.kind === 'test' && <span className="badge badge-warn">TEST anchor: {appraisal.trust_anchor.name}, not a vendor root</span>}
      {appraisal.trust_anchor.kind === 'none' && <span className="badge badge-fail">No trust anchor</span>}
    </section>
  );
}
