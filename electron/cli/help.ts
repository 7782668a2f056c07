/**
 * `custodian COMMAND [SUB] --help`: the part of the usage text (./args.ts USAGE, the one text) about
 * that command, so per-command help can never disagree with the full usage. `custodian --version`:
 * the package version and the core's build id.
 */
import { readFileSync } from 'node:fs';
import { USAGE } from './args.ts';
import { coreBuildId } from '../core/build-id.ts';

/** Commands that take the global vault options (--vault FILE, --actor, …). */
const VAULT_GROUPS = new Set(['vault', 'key', 'ceremony', 'audit']);

/** The commands `custodian` knows (for "did you mean"). */
export const COMMANDS = ['verify', 'batch', 'vault', 'key', 'ceremony', 'audit', 'receipt', 'unwrap', 'rehearse', 'help'];

/**
 * The help for `path` (e.g. `['verify']`, `['ceremony']`, `['ceremony', 'approve']`) cut from `usage`;
 * undefined when no line of it is about that command.
 */
export function helpFor(path: readonly string[], usage: string = USAGE): string | undefined {
  const lines = usage.split('\n');
  const exitAt = lines.findIndex((l) => l.startsWith('exit codes:'));
  const exitCodes = exitAt < 0 ? [] : lines.slice(exitAt);
  const body = exitAt < 0 ? lines : lines.slice(0, exitAt);
  const [cmd, sub] = path;
  if (cmd === 'verify') {
    const end = body.findIndex((l) => /^\S/.test(l) && !l.startsWith('usage:'));
    return [...body.slice(0, end < 0 ? body.length : end).filter((l, i, all) => !(l.trim() === '' && i === all.length - 1)), '', ...exitCodes].join('\n');
  }
  const words = sub && !sub.startsWith('-') ? `${cmd} ${sub}` : cmd;
  const command = new RegExp(`^\\s*(usage: )?custodian (--vault FILE )?${words!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`);
  const picked: string[] = [];
  for (let i = 0; i < body.length; i++) {
    if (!command.test(body[i]!)) continue;
    picked.push(body[i]!);
    // Continuation lines: deeper indented, not another command.
    while (i + 1 < body.length && /^ {20,}\S/.test(body[i + 1]!) && !/^\s*custodian /.test(body[i + 1]!)) picked.push(body[++i]!);
  }
  if (picked.length === 0) return undefined;
  const globals = VAULT_GROUPS.has(cmd!) ? body.slice(body.findIndex((l) => l.startsWith('Key vault')), body.findIndex((l) => /^\s+custodian --vault/.test(l))) : [];
  const notes = body.filter((l) => /^\s+Passphrases are never/.test(l));
  return [`usage:`, ...picked, '', ...globals, ...(notes.length && /passphrase|approve|import|generate|init|export/.test(picked.join(' ')) ? [...notes, ''] : []), ...exitCodes].join('\n');
}

/** The package version, from package.json two folders up (electron/cli/ and the bundle's out/cli/ alike). */
export function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** `custodian --version`: "custodian 0.1.0 (core sha256:…)". */
export function versionText(): string {
  return `custodian ${packageVersion()} (core ${coreBuildId()})`;
}
