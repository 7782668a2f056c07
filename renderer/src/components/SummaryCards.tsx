/**
 * The platform summary under the verdict: one card per CPU report or NVIDIA device (per submodule for
 * composite evidence) with what it is and the values a policy judges — the same lines as the CLI's
 * header (electron/evidence/summary.ts).
 */
import type { Appraisal } from '../../../electron/core/appraisal';
import { summaryCards } from '../../../electron/evidence/summary';

const isHex = (v: string) => /^[0-9a-f]{32,}$/i.test(v);

export function SummaryCards({ appraisal }: { appraisal: Appraisal }) {
  const cards = summaryCards(appraisal);
  return (
    <div className="summary-cards">
      {cards.map((card) => (
        <section key={card.key} className="card summary-card" aria-label={`Summary: ${card.title}`}>
          <h3>
            {card.title} {card.status && <span className={`status verdict-${card.status}`}>{card.status}</span>}
          </h3>
          <dl className="details">
            {card.rows.map(([k, v]) => (
              <div key={k}>
                <dt>{k}</dt>
                <dd>{isHex(v) ? <code>{v}</code> : v}</dd>
              </div>
            ))}
          </dl>
        </section>
      ))}
    </div>
  );
}
