/**
 * Usage errors in words: Node's parseArgs errors (never shown raw) turned into one sentence naming the
 * command and the option, with "did you mean --chain?" for a mistyped option or command.
 */

/**
 * Optimal-string-alignment edit distance (Levenshtein plus adjacent transpositions, so "chian" is one
 * edit from "chain"). Plain dynamic programming over two short strings; not used for anything secret.
 */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The candidate closest to `word`, if it is close enough to be a typo: at most 1 edit for words of up
 * to 4 characters, 2 up to 8, else 3; or a candidate that starts with `word` (an abbreviation).
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const w = word.toLowerCase();
  const max = w.length <= 4 ? 1 : w.length <= 8 ? 2 : 3;
  let best: { c: string; d: number } | undefined;
  for (const c of candidates) {
    const d = editDistance(w, c.toLowerCase());
    if (d <= max && (!best || d < best.d)) best = { c, d };
  }
  return best?.c ?? (w.length >= 3 ? candidates.find((c) => c.startsWith(w)) : undefined);
}

/** " (did you mean X?)" or "". */
export function didYouMean(word: string, candidates: readonly string[], show: (c: string) => string = (c) => c): string {
  const c = closest(word, candidates);
  return c === undefined ? '' : ` (did you mean ${show(c)}?)`;
}

/** Option descriptions as parseArgs takes them: name → `{ type }`. */
type Options = Record<string, { type: 'string' | 'boolean' }>;

/**
 * One sentence for a parseArgs error `e` of command `cmd` (e.g. "verify", "ceremony approve"), given
 * its `options`; undefined when `e` is not a parseArgs error.
 */
export function parseArgsMessage(e: unknown, cmd: string, options: Options): string | undefined {
  const code = (e as { code?: string }).code;
  const message = (e as Error).message ?? '';
  const opt = /'(-[^' ]*)/.exec(message)?.[1] ?? '';
  const name = opt.replace(/^-+/, '').replace(/=.*$/, '');
  const flags = Object.keys(options);
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `${cmd}: unknown option ${opt}${didYouMean(name, flags, (f) => `--${f}`)}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      if (options[name]?.type === 'boolean') return `${cmd}: --${name} takes no value`;
      return `${cmd}: --${name} needs a value${/argument missing/.test(message) ? ' (none was given, or the next argument starts with -)' : ''}`;
    }
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `${cmd}: unexpected argument ${/'([^']*)'/.exec(message)?.[1] ?? ''}`.trimEnd();
    default:
      return code?.startsWith('ERR_PARSE_ARGS') ? `${cmd}: the command line could not be read` : undefined;
  }
}
