/**
 * Passphrase strength at enrolment (zxcvbn-ts).
 *
 * Threat: whoever copies the vault file guesses a custodian's passphrase offline; Argon2id makes each
 * guess cost ~0.5 s of one core, which does not save "password123" or the custodian's own name with a
 * year. Weak passphrases are refused when the custodian is enrolled, with the estimate shown.
 */
import { describe, expect, it } from 'vitest';
import { InputError } from '../../electron/core/errors.ts';
import { assessPassphrase, MIN_PASSPHRASE_SCORE, requireStrongPassphrase } from '../../electron/vault/passphrase-strength.ts';
import { NAMES, passphraseOf } from './names.ts';

function refusal(passphrase: string, custodian: string, inputs: string[] = []): InputError {
  try {
    requireStrongPassphrase(passphrase, custodian, inputs);
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error(`accepted a weak passphrase for ${custodian}`);
}

describe('passphrase strength (zxcvbn-ts, common + English dictionaries)', () => {
  it('the test vaults\' passphrases score at least 3/4 (they are what every vault test enrols)', () => {
    for (const name of NAMES) {
      const a = assessPassphrase(passphraseOf(name), [name]);
      expect(a.score, name).toBeGreaterThanOrEqual(MIN_PASSPHRASE_SCORE);
      expect(() => requireStrongPassphrase(passphraseOf(name), name, [])).not.toThrow();
    }
  });

  it.each([
    ['a common password', 'password123', 'alice', /score 0\/4, about 10\^2 guesses \(This is a commonly used password\.\)/],
    ['the custodian\'s own name and a year', 'alice2024', 'alice', /score [01]\/4, about 10\^\d guesses \(There should not be any personal or page related data\.\)/],
    ['the custodian\'s own name and digits', 'alice12345678', 'alice', /score [01]\/4/],
    ['the custodian\'s name capitalised with digits', 'Carol1234', 'carol', /score [01]\/4, about 10\^4 guesses/],
    ['l33t of a dictionary word', 'Tr0ub4dor&3', 'bob', /score [012]\/4/],
    ['two common words', 'long enough', 'bob', /score [012]\/4/],
    ['a keyboard walk', 'qwertyuiop[]', 'dave', /score [012]\/4/],
  ])('refuses %s, showing the estimate and never the passphrase', (_what, passphrase, name, estimate) => {
    const e = refusal(passphrase, name);
    expect(e.file).toBe('--custodian');
    expect(e.field).toBe('passphrase');
    expect(e.detail).toMatch(new RegExp(`^the passphrase of ${name} is too weak: zxcvbn score \\d/4, about 10\\^\\d+ guesses \\(`));
    expect(e.detail).toMatch(estimate);
    expect(e.message).not.toContain(passphrase);
  });

  it('counts the user inputs given (e.g. the vault or organisation name) as known words', () => {
    const p = 'zanzibar-quokka-1987';
    expect(assessPassphrase(p, ['zanzibar', 'quokka']).guessesLog10).toBeLessThan(assessPassphrase(p, []).guessesLog10);
  });

  it('accepts strong passphrases', () => {
    for (const p of ['violet anchor quietly 47 lantern', 'Marmalade-Cobalt-Sunrise-Orbit', 'q7#Lp!v9@Zr2&Xe4']) {
      const a = assessPassphrase(p, ['alice']);
      expect(a.score, p).toBeGreaterThanOrEqual(3);
      expect(a.guessesLog10).toBeGreaterThanOrEqual(8);
      expect(() => requireStrongPassphrase(p, 'alice', [])).not.toThrow();
    }
  });
});
