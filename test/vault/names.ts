/** Custodian names and passphrases of the test vaults (shared with the crash-test child process). */
export const NAMES = ['alice', 'bob', 'carol', 'dave', 'erin'];
export const passphraseOf = (name: string) => `correct horse battery ${name}`;
