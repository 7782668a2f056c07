/** A step's failure in plain words, shown inside the step that caused it (lib/errors.ts). */
import { explainError } from '../lib/errors';

export function StepError({ error, testId }: { error: unknown; testId?: string }) {
  if (error === null || error === undefined) return null;
  const { summary, detail } = explainError(error);
  return (
    <div role="alert" className="error step-error" data-testid={testId}>
      <strong>{summary}</strong>
      {detail && <span className="step-error-detail"> {detail}</span>}
    </div>
  );
}
