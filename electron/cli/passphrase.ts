/**
 * Passphrases for the CLI: never from argv. From a file (`--passphrase-file FILE`), a file
 * descriptor (`--passphrase-fd N`), or an interactive prompt on the terminal with echo off. One trailing newline is removed; the passphrase itself is never printed.
 */
import { readFileSync } from 'node:fs';
import { InputError } from '../core/errors.ts';
import { UsageError } from './args.ts';

function clean(text: string, source: string): string {
  const p = text.replace(/\r?\n$/, '');
  if (p.length === 0) throw new InputError(source, 'passphrase', 'is empty');
  return p;
}

/** Reads a passphrase from a file path or an open file descriptor. */
export function passphraseFromFile(path: string | number): string {
  const name = typeof path === 'number' ? `file descriptor ${path}` : path;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(name, 'passphrase file', code === 'ENOENT' ? 'no such file' : `cannot read (${code})`);
  }
  return clean(text, name);
}

/** Prompts on the terminal (stderr) with echo off; UsageError when stdin is not a terminal. */
export async function promptPassphrase(prompt: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) throw new UsageError(`${prompt.trim()}: no terminal to prompt on; use --passphrase-file FILE or --passphrase-fd N`);
  // Echo off before the prompt shows: a passphrase typed as soon as the prompt appears is never echoed.
  stdin.setRawMode(true);
  process.stderr.write(prompt);
  stdin.resume();
  let text = '';
  try {
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        for (const ch of chunk.toString('utf8')) {
          if (ch === '\r' || ch === '\n') return done(resolve);
          if (ch === '\u0003') return done(() => reject(new UsageError('interrupted')));
          if (ch === '\u007f') text = [...text].slice(0, -1).join('');
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
  return clean(text, 'terminal');
}

/** The passphrase from `--passphrase-file`, `--passphrase-fd`, or the terminal, in that order. */
export async function getPassphrase(o: { file?: string; fd?: string }, who: string): Promise<string> {
  if (o.file !== undefined) return passphraseFromFile(o.file);
  if (o.fd !== undefined) {
    if (!/^\d+$/.test(o.fd)) throw new UsageError(`--passphrase-fd: "${o.fd}" is not a file descriptor number`);
    return passphraseFromFile(Number(o.fd));
  }
  return promptPassphrase(`Passphrase for ${who}: `);
}
