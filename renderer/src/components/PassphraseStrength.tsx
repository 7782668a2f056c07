/**
 * A custodian passphrase's strength while it is typed: main estimates it with zxcvbn-ts
 * (`vault:assess-passphrase`, the same estimate vault creation enforces); the renderer only shows it.
 */
import { useEffect, useState } from 'react';
import { Label, Meter } from 'react-aria-components';
import type { Response } from '../../../electron/ipc/contract';
import { call } from '../api';

export type Strength = Response<'vault:assess-passphrase'>;

/** zxcvbn's score 0..4 in words. */
export const SCORE_WORDS = ['very weak', 'weak', 'fair', 'good', 'strong'] as const;

/** Wait after the last keystroke before asking main, in milliseconds. */
const DEBOUNCE_MS = 150;

/**
 * The estimate of `passphrase` with `userInputs` (words an attacker tries first), asked
 * {@link DEBOUNCE_MS} after the last change. `strength`: the latest answer, possibly for an earlier
 * text; `current`: whether it is for `passphrase` as it is now. An answer for a text that changed
 * since it was asked is dropped. `error`: the call's failure, if any.
 */
export function usePassphraseStrength(passphrase: string, userInputs: string[]): { strength: Strength | null; current: boolean; error: unknown } {
  const [answer, setAnswer] = useState<{ text: string; strength: Strength | null; error: unknown } | null>(null);
  const inputs = JSON.stringify(userInputs);
  useEffect(() => {
    if (passphrase === '') return setAnswer(null);
    let live = true;
    const timer = setTimeout(() => {
      call('vault:assess-passphrase', { passphrase, userInputs: JSON.parse(inputs) as string[] }).then(
        (strength) => live && setAnswer({ text: passphrase, strength, error: null }),
        (error: unknown) => live && setAnswer({ text: passphrase, strength: null, error }),
      );
    }, DEBOUNCE_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [passphrase, inputs]);
  const shown = passphrase === '' ? null : answer;
  return { strength: shown?.strength ?? null, current: shown !== null && shown.text === passphrase, error: shown?.error ?? null };
}

/** The score as a meter with its word, zxcvbn's warning and first suggestion, and what is required. */
export function StrengthMeter({ strength, label }: { strength: Strength; label: string }) {
  const word = SCORE_WORDS[strength.score] ?? '';
  const tone = strength.score <= 1 ? 'weak' : strength.score === 2 ? 'fair' : 'strong';
  const advice = [strength.warning, strength.suggestions[0]].filter(Boolean).join(' ');
  return (
    <div className="strength" data-testid="passphrase-strength" data-score={strength.score}>
      <Meter className="progress" value={strength.score} minValue={0} maxValue={4} valueLabel={word}>
        {({ percentage, valueText }) => (
          <>
            <Label>{label}</Label> <strong>{valueText}</strong>{' '}
            <span className="muted">(about 10<sup>{Math.floor(strength.guessesLog10)}</sup> guesses)</span>
            <div className="progress-track">
              <div className={`progress-fill strength-${tone}`} style={{ width: `${Math.max(percentage, 4)}%` }} />
            </div>
          </>
        )}
      </Meter>
      {advice && <p className="muted" data-testid="passphrase-advice">{advice}</p>}
      {!strength.acceptable && <p className="muted">A custodian passphrase must be good or strong (score 3 of 4): four or more uncommon words, for example.</p>}
    </div>
  );
}
