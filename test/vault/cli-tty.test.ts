/**
 * The CLI's passphrase prompt on a real pseudo-terminal, driven deterministically: a small Python
 * driver (pty-driver.py) types only after the program has printed the prompt, and input "typed too
 * soon" is put into the terminal's queue before the program even starts. Nothing here waits on a clock.
 *
 * Threats: a passphrase shown on screen (shoulder surfing, terminal scrollback, `script` logs) because
 * echo was still on when the user started typing; keystrokes typed before the prompt silently becoming
 * part of the passphrase; a core dump of a process that holds a passphrase.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.ts';
import { custodian, passphraseOf, put, tmp } from './helpers.ts';

const HAVE_PYTHON = spawnSync('python3', ['-c', 'import pty, termios'], { encoding: 'utf8' }).status === 0;
const DRIVER = join(ROOT, 'test', 'vault', 'pty-driver.py');
const BIN = join(ROOT, 'bin', 'custodian');

interface Drive {
  code: number | null;
  output: string;
  marks: number[];
  limits: Record<string, string>;
  error: string | null;
}

/** Runs `argv` on a fresh pseudo-terminal; see pty-driver.py for the spec. */
function drive(spec: { argv: string[]; early?: string; steps: { expect: string; send?: string; limits?: boolean }[] }): Drive {
  const r = spawnSync('python3', [DRIVER, JSON.stringify({ deadline: 240, ...spec })], { encoding: 'utf8', env: process.env, maxBuffer: 16 << 20 });
  if (r.status !== 0) throw new Error(`pty driver failed: ${r.stderr}`);
  const d = JSON.parse(r.stdout) as Drive;
  if (d.error) throw new Error(`pty driver: ${d.error}; output so far: ${JSON.stringify(d.output)}`);
  return d;
}

/** The soft RLIMIT_CORE line of /proc/PID/limits ("Max core file size  SOFT  HARD  bytes"). */
const coreLimit = (limits: string) => /^Max core file size\s+(\S+)\s+(\S+)/m.exec(limits)?.slice(1, 3);

/** Starts `bin/custodian` with RLIMIT_CORE raised as far as the hard limit allows, as a user shell might have it. */
const withCoreDumpsOn = (args: string[]) => ['bash', '-c', 'ulimit -S -c "$(ulimit -H -c)"; exec "$0" "$@"', BIN, ...args];

describe.skipIf(!HAVE_PYTHON || !existsSync(BIN))('custodian passphrase prompt on a terminal', () => {
  const dir = tmp('cli-tty');
  const vault = join(dir, 'vault.db');
  const alice = passphraseOf('alice');
  const exportArgs = (out: string) => ['--vault', vault, 'audit', 'export', '--out', join(dir, out), '--custodian', 'alice'];

  beforeAll(() => {
    const r = custodian('--vault', vault, 'vault', 'init', '--custodian', `alice:${put(dir, 'alice.pass', `${alice}\n`)}`, '--threshold', '1');
    expect(r.code, r.stderr).toBe(0);
    const again = custodian('--vault', vault, 'vault', 'init', '--custodian', `alice:${join(dir, 'alice.pass')}`, '--threshold', '1');
    expect(again.code).toBe(2); // init never overwrites an existing vault
  });

  it('reads the passphrase typed after the prompt, echoes none of it, and runs with core dumps off', () => {
    const d = drive({ argv: withCoreDumpsOn(exportArgs('tty.json')), steps: [{ expect: 'Passphrase for alice: ', send: `${alice}\r`, limits: true }] });
    expect(d.code, d.output).toBe(0);
    expect(d.output).toMatch(/exported \d+ entries/); // stderr and stdout share the terminal
    expect(d.output).not.toContain(alice);
    expect(d.output).not.toContain('battery'); // not even part of it
    // RLIMIT_CORE of the running CLI (read while it waits at the prompt): 0, though its parent allowed dumps.
    expect(coreLimit(d.limits['0']!)?.[0]).toBe('0');
  });

  it('the harness really raises RLIMIT_CORE for what it starts (so the 0 above is bin/custodian\'s doing)', () => {
    const hard = spawnSync('bash', ['-c', 'ulimit -H -c'], { encoding: 'utf8' }).stdout.trim();
    const d = drive({ argv: ['bash', '-c', 'ulimit -S -c "$(ulimit -H -c)"; exec cat /proc/self/limits'], steps: [{ expect: 'Max core file size' }] });
    const soft = coreLimit(d.output)![0]!;
    expect(soft === 'unlimited' ? 'unlimited' : String(Number(soft) / 1024)).toBe(hard);
  });

  it('discards what was typed before the prompt appeared, neither echoing it again nor mixing it into the passphrase', () => {
    // A whole line and a partial one, both in the terminal's queue before the program starts: if either
    // were read as (part of) the passphrase, alice's passphrase would be wrong and the export refused.
    const early = 'typed-too-soon\rnot-yet';
    const d = drive({ argv: [BIN, ...exportArgs('early.json')], early, steps: [{ expect: 'Passphrase for alice: ', send: `${alice}\r` }] });
    expect(d.code, d.output).toBe(0);
    expect(d.output).toMatch(/exported \d+ entries/);
    const afterPrompt = d.output.slice(d.marks[0]);
    expect(afterPrompt).not.toContain('typed-too-soon');
    expect(afterPrompt).not.toContain('not-yet');
    expect(d.output).not.toContain(alice);
  });

  it('asks twice at vault init; a second line typed before the repeat prompt is discarded, not taken as the repeat', () => {
    const fresh = join(dir, 'init.db');
    const d = drive({
      argv: [BIN, '--vault', fresh, 'vault', 'init', '--custodian', 'alice', '--threshold', '1'],
      steps: [
        // Both lines at once: the second arrives before "Repeat" is shown, so it must not count.
        { expect: 'New passphrase for alice: ', send: `${alice}\rsomething else entirely\r` },
        { expect: 'Repeat the passphrase for alice: ', send: `${alice}\r` },
      ],
    });
    expect(d.code, d.output).toBe(0);
    expect(d.output).toMatch(/vault v_[0-9a-f]{16} created/);
    expect(d.output).not.toContain(alice);
    expect(d.output).not.toContain('something else');
  });

  it('Ctrl-C at the prompt stops with exit 2, showing nothing typed', () => {
    const d = drive({ argv: [BIN, ...exportArgs('ctrlc.json')], steps: [{ expect: 'Passphrase for alice: ', send: 'half a pass\u0003' }] });
    expect(d.code).toBe(2);
    expect(d.output).toMatch(/interrupted/);
    expect(d.output).not.toContain('half a pass');
  });
});
