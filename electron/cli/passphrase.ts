/**
 * Passphrases for the CLI: never from argv. From a file (`--passphrase-file FILE`), a file
 * descriptor (`--passphrase-fd N`), or an interactive prompt on the terminal with echo off. One
 * trailing newline is removed; the passphrase itself is never printed.
 *
 * A passphrase typed where a path goes (`--passphrase-file hunter2`, `--custodian alice:hunter2`,
 * `--passphrase-fd hunter2`) must not end up on the screen or in a terminal log either: errors about
 * these sources say which option and which custodian, never the value given.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync, constants as fsc } from 'node:fs';
import { InputError } from '../core/errors.ts';
import { UsageError } from './args.ts';
import { readLimited } from '../io/limits.ts';

/** Why the value of a passphrase option is not shown in an error. */
const NOT_SHOWN = 'the path given is not shown in case it is a passphrase';

function clean(text: string, source: string, who: string): string {
  const p = text.replace(/\r?\n$/, '');
  if (p.length === 0) throw new InputError(source, `passphrase of ${who}`, 'is empty');
  return p;
}

/** Where a passphrase comes from, for error messages that never show the path itself. */
export interface PassphraseSource {
  /** The custodian whose passphrase it is (shown), e.g. `alice`; default `the custodian`. */
  who?: string;
  /** The option that gave it (shown), e.g. `--passphrase-file` or `--custodian alice:FILE`. */
  option?: string;
}

/**
 * Reads a passphrase from a file path or an open file descriptor (whole content, one trailing
 * newline removed). Errors are InputError naming the option and the custodian but never the path,
 * e.g. `--custodian alice:FILE: passphrase of alice: the passphrase file given for alice cannot be
 * read (no such file); the path given is not shown in case it is a passphrase`.
 */
export function passphraseFromFile(path: string | number, source: PassphraseSource = {}): string {
  const who = source.who ?? 'the custodian';
  const option = source.option ?? (typeof path === 'number' ? '--passphrase-fd' : '--passphrase-file');
  const what = typeof path === 'number' ? `file descriptor ${path}` : 'the passphrase file given';
  let text: string;
  try {
    // A path is held to the file limits (no FIFO, device or huge file); a descriptor is the caller's pipe.
    text = typeof path === 'number' ? readFileSync(path, 'utf8') : readLimited(path, 'passphrase file').toString('utf8');
  } catch (e) {
    // readLimited's own errors name the path: say what was wrong, never where (it may be a passphrase).
    if (e instanceof InputError) throw new InputError(option, `passphrase of ${who}`, `${what} for ${who} cannot be read (${e.detail})${typeof path === 'number' ? '' : `; ${NOT_SHOWN}`}`);
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a folder' : code === 'EACCES' ? 'permission denied' : code === 'EBADF' ? 'not an open file descriptor' : code;
    throw new InputError(option, `passphrase of ${who}`, `${what} for ${who} cannot be read (${why})${typeof path === 'number' ? '' : `; ${NOT_SHOWN}`}`);
  }
  return clean(text, option, who);
}

/**
 * Discards whatever sits in the terminal's input queue: bytes typed before the prompt appeared
 * (including a whole line typed while the terminal still echoed). Reads a second, non-blocking open
 * of the same terminal device (`/proc/self/fd/0`, checked to be the same device as stdin), so stdin's
 * own blocking mode does not matter. Linux; elsewhere nothing is discarded. Returns the number of
 * bytes discarded (never their content).
 */
export function discardPendingInput(): number {
  let fd: number;
  try {
    fd = openSync('/proc/self/fd/0', fsc.O_RDONLY | fsc.O_NONBLOCK | fsc.O_NOCTTY);
  } catch {
    return 0;
  }
  let dropped = 0;
  try {
    if (fstatSync(fd).rdev !== fstatSync(0).rdev) return 0;
    const buf = Buffer.alloc(4096);
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buf, 0, buf.length, null);
      } catch {
        break; // EAGAIN: the queue is empty
      }
      if (n <= 0) break;
      dropped += n;
    }
    buf.fill(0);
  } finally {
    closeSync(fd);
  }
  return dropped;
}

/**
 * Prompts on the terminal (prompt on stderr, answer from stdin) with echo off; UsageError when stdin
 * is not a terminal. Order matters: the terminal goes to raw mode (no echo) first, then input typed
 * before the prompt is discarded (stream buffer and terminal queue), and only then is the prompt
 * written; so a passphrase typed early is neither echoed nor mixed into the answer. Enter ends the
 * answer, Backspace deletes, Ctrl-C is UsageError('interrupted').
 */
export async function promptPassphrase(prompt: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) throw new UsageError(`${prompt.trim().replace(/:$/, "")}: no terminal to prompt on; use --passphrase-file FILE or --passphrase-fd N`);
  stdin.setRawMode(true);
  let text = '';
  try {
    while (stdin.read() !== null) {
      // bytes an earlier prompt's stream had already read past its Enter: typed before this prompt
    }
    discardPendingInput();
    process.stderr.write(prompt);
    stdin.resume();
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        for (const ch of chunk.toString('utf8')) {
          if (ch === '\r' || ch === '\n') return done(resolve);
          if (ch === '\u0003') return done(() => reject(new UsageError('interrupted')));
          if (ch === '\u007f' || ch === '\b') text = [...text].slice(0, -1).join('');
          else text += ch;
        }
      };
      const done = (f: () => void) => {
        stdin.off('data', onData);
        f();
      };
      stdin.on('data', onData);
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    process.stderr.write('\n');
  }
  return clean(text, 'terminal', 'the custodian');
}

/** The passphrase from `--passphrase-file`, `--passphrase-fd`, or the terminal, in that order. */
export async function getPassphrase(o: { file?: string; fd?: string }, who: string): Promise<string> {
  if (o.file !== undefined) return passphraseFromFile(o.file, { who, option: '--passphrase-file' });
  if (o.fd !== undefined) {
    if (!/^\d+$/.test(o.fd)) throw new UsageError(`--passphrase-fd: the value given for ${who} is not a file descriptor number (it is not shown in case it is a passphrase)`);
    return passphraseFromFile(Number(o.fd), { who, option: '--passphrase-fd' });
  }
  return promptPassphrase(`Passphrase for ${who}: `);
}
