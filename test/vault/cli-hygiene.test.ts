/**
 * Input hygiene of the CLI around secrets and identity.
 *
 * Threats: a passphrase typed where a path goes (`--passphrase-file hunter2`) printed back in an error,
 * into scrollback, CI logs or a screen share; an operator writing any name they like into the signed,
 * append-only audit log with `--actor` (e.g. another custodian's).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { passphraseFromFile } from '../../electron/cli/passphrase.ts';
import { InputError } from '../../electron/core/errors.ts';
import { auditActor, osUser } from '../../electron/io/actor.ts';
import { userInfo } from 'node:os';
import { custodian, passphraseOf, put, tmp } from './helpers.ts';

/** Looks like a passphrase a user might paste where a path goes; must never come back. */
const SECRET = 'Violet-Anchor-Quietly-47-Lantern';

describe('a passphrase given where a path goes is never echoed', () => {
  const dir = tmp('cli-hygiene');
  const vault = join(dir, 'vault.db');
  const both = (r: { stdout: string; stderr: string }) => r.stdout + r.stderr;

  beforeAll(() => {
    const r = custodian('--vault', vault, 'vault', 'init', '--custodian', `alice:${put(dir, 'alice.pass', passphraseOf('alice'))}`, '--threshold', '1');
    expect(r.code, r.stderr).toBe(0);
  });

  it.each([
    ['--passphrase-file on audit export', ['--vault', vault, 'audit', 'export', '--custodian', 'alice', '--passphrase-file', SECRET]],
    ['--passphrase-file=… on audit export', ['--vault', vault, 'audit', 'export', '--custodian', 'alice', `--passphrase-file=${SECRET}`]],
    ['--passphrase-file on key generate', ['--vault', vault, 'key', 'generate', '--name', 'k', '--allow-test-anchor', '--custodian', 'alice', '--passphrase-file', SECRET]],
    ['--passphrase-fd on audit export', ['--vault', vault, 'audit', 'export', '--custodian', 'alice', '--passphrase-fd', SECRET]],
    ['--custodian NAME:FILE at vault init', ['--vault', join(dir, 'new.db'), 'vault', 'init', '--custodian', `alice:${SECRET}`, '--threshold', '1']],
  ])('%s: exit 2, the value given appears nowhere in the output', (_what, args) => {
    const r = custodian(...args);
    expect(r.code, r.stderr).toBe(2);
    expect(both(r)).not.toContain(SECRET);
    expect(both(r)).not.toContain('Violet'); // not even a part of it
    expect(r.stderr).toMatch(/not shown in case it is a passphrase/);
  });

  it('names the option and the custodian instead', () => {
    const r = custodian('--vault', vault, 'audit', 'export', '--custodian', 'alice', '--passphrase-file', SECRET);
    expect(r.stderr).toContain('custodian: error: --passphrase-file: passphrase of alice: the passphrase file given for alice cannot be read (no such file); the path given is not shown in case it is a passphrase');
  });

  it('passphraseFromFile: InputError naming the option and custodian, never the path, for every read failure', () => {
    for (const [path, why] of [[join(dir, SECRET), 'no such file'], [dir, 'is a directory, not a regular file: refused without reading it']] as const) {
      let err: unknown;
      try {
        passphraseFromFile(path, { who: 'bob', option: '--custodian bob:FILE' });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InputError);
      expect((err as Error).message).toBe(`--custodian bob:FILE: passphrase of bob: the passphrase file given for bob cannot be read (${why}); the path given is not shown in case it is a passphrase`);
      expect((err as Error).message).not.toContain(dir);
    }
    expect(() => passphraseFromFile(put(dir, 'empty.pass', '\n'), { who: 'bob' })).toThrow(/^--passphrase-file: passphrase of bob: is empty$/);
  });
});

describe('--actor: the audit log names the OS user; a label is only a note beside it', () => {
  const dir = tmp('cli-actor');
  const vault = join(dir, 'vault.db');
  const me = userInfo().username;

  it('osUser is the OS account name and uid; a label is marked unverified; bad labels are refused', () => {
    expect(osUser()).toBe(`${me} (uid ${process.getuid!()})`);
    expect(auditActor()).toBe(osUser());
    expect(auditActor('night shift')).toBe(`${osUser()} (label: night shift, unverified)`);
    for (const bad of ['', 'x'.repeat(65), 'bob) (label: x', 'a\nb', 'tab\there', '\u001b[2Jbob']) expect(() => auditActor(bad), JSON.stringify(bad)).toThrow(RangeError);
  });

  it('`--actor alice` does not make the audit log name alice alone', () => {
    const pass = put(dir, 'bob.pass', passphraseOf('bob'));
    const r = custodian('--vault', vault, '--actor', 'alice', 'vault', 'init', '--custodian', `bob:${pass}`, '--threshold', '1');
    expect(r.code, r.stderr).toBe(0);
    const out = join(dir, 'audit.json');
    const e = custodian('--vault', vault, '--actor=alice', 'audit', 'export', '--out', out, '--custodian', 'bob', '--passphrase-file', pass);
    expect(e.code, e.stderr).toBe(0);
    const actors = (JSON.parse(readFileSync(out, 'utf8')).entries as { actor: string }[]).map((x) => x.actor);
    expect(actors.length).toBeGreaterThan(0);
    expect(actors).not.toContain('alice');
    expect(actors[0]).toBe(`${osUser()} (label: alice, unverified)`);
  });

  it('refuses a label that could forge or garble a log line, without echoing it (exit 2)', () => {
    const r = custodian('--vault', vault, '--actor', 'bob (uid 0)\nvault.init by carol', 'key', 'list');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--actor: the label may hold only/);
    expect(r.stderr).not.toContain('carol');
  });
});
