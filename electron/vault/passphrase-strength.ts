/**
 * Passphrase strength at enrolment, estimated with zxcvbn-ts (`@zxcvbn-ts/core` 4 with the common
 * and English dictionaries): pattern matching against ~30k common passwords, names, English words,
 * keyboard walks, dates, repeats, l33t and near-misses (Levenshtein), giving a guess count and a 0..4
 * score. A custodian passphrase guards a Shamir share against offline guessing by anyone who copies
 * the vault file, so enrolment requires score ≥ 3 ("safely unguessable", about 10^8+ guesses,
 * before Argon2id multiplies each guess's cost).
 *
 * The dictionaries (several MB) are loaded on first use only, i.e. at enrolment, never when the CLI
 * or console starts. The estimator is built once per process.
 */
import { createRequire } from 'node:module';
import { InputError } from './errors.ts';

/** zxcvbn's estimate, trimmed to what we show. `guessesLog10`: log10 of the estimated guesses. */
export interface PassphraseAssessment {
  score: 0 | 1 | 2 | 3 | 4;
  guessesLog10: number;
  /** zxcvbn's main warning in English ('' when none). */
  warning: string;
  suggestions: string[];
}

/** Lowest accepted zxcvbn score for a custodian passphrase. */
export const MIN_PASSPHRASE_SCORE = 3;

interface Estimator {
  check(password: string, userInputs?: (string | number)[]): { score: number; guessesLog10: number; feedback: { warning: string | null; suggestions: string[] } };
}

let estimator: Estimator | null = null;

/** Builds the estimator on first use (synchronous require of the CommonJS builds; loads the dictionaries once). */
function getEstimator(): Estimator {
  if (estimator) return estimator;
  const require = createRequire(import.meta.url);
  const { ZxcvbnFactory } = require('@zxcvbn-ts/core') as { ZxcvbnFactory: new (options: unknown) => Estimator };
  const common = require('@zxcvbn-ts/language-common') as { dictionary: Record<string, unknown>; adjacencyGraphs: unknown };
  const en = require('@zxcvbn-ts/language-en') as { dictionary: Record<string, unknown>; translations: unknown };
  estimator = new ZxcvbnFactory({
    dictionary: { ...common.dictionary, ...en.dictionary },
    graphs: common.adjacencyGraphs,
    translations: en.translations,
    useLevenshteinDistance: true, // "Tr0ub4dor&3" is a near-miss of a dictionary word, not 10^11 guesses
  });
  return estimator;
}

/**
 * Estimates `passphrase` with zxcvbn-ts. `userInputs`: words an attacker would try first for this
 * passphrase (custodian name, vault name, organisation), matched like dictionary words. Pure; the
 * passphrase is neither stored nor logged.
 */
export function assessPassphrase(passphrase: string, userInputs: string[]): PassphraseAssessment {
  const r = getEstimator().check(passphrase, userInputs);
  return {
    score: Math.max(0, Math.min(4, Math.floor(r.score))) as PassphraseAssessment['score'],
    guessesLog10: r.guessesLog10,
    warning: r.feedback.warning ?? '',
    suggestions: [...r.feedback.suggestions],
  };
}

/**
 * Refuses a weak passphrase for custodian `custodian` at enrolment: InputError('--custodian',
 * 'passphrase', "the passphrase of alice is too weak: zxcvbn score 1/4, about 10^4 guesses (There
 * should not be any personal or page related data.)") when the score is below
 * {@link MIN_PASSPHRASE_SCORE}. The custodian's name is always among the user inputs. The message
 * shows the estimate and zxcvbn's warning (or first suggestion), never the passphrase.
 */
export function requireStrongPassphrase(passphrase: string, custodian: string, userInputs: string[]): void {
  const a = assessPassphrase(passphrase, [custodian, ...userInputs]);
  if (a.score >= MIN_PASSPHRASE_SCORE) return;
  const why = a.warning || a.suggestions[0] || 'too easy to guess';
  throw new InputError('--custodian', 'passphrase', `the passphrase of ${custodian} is too weak: zxcvbn score ${a.score}/4, about 10^${Math.floor(a.guessesLog10)} guesses (${why}); use ${MIN_PASSPHRASE_SCORE}/4 or better, e.g. four or more uncommon words`);
}
