/**
 * Terminal text for the CLI: whether to colour, how wide to wrap, word wrapping with a hanging
 * indent, and hex grouped in fours (as the console shows fingerprints).
 *
 * Colour (https://no-color.org, https://force-color.org, as Node itself reads them): `FORCE_COLOR`
 * set to anything but `0`/`false` turns colour on even when piped; `FORCE_COLOR=0` turns it off; else
 * `NO_COLOR` set and non-empty turns it off; else colour only when the stream is a terminal and
 * `TERM` is not `dumb`. Width: the terminal's columns, 80 when not a terminal.
 */

/** The parts of a stream and of the environment the choices read (process.stdout and process.env in use). */
export interface Terminal {
  isTTY?: boolean;
  columns?: number;
}

/** True when output to `stream` should carry ANSI colour, per the conventions above. */
export function colorEnabled(stream: Terminal, env: NodeJS.ProcessEnv = process.env): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force !== '0' && force.toLowerCase() !== 'false';
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return stream.isTTY === true && env.TERM !== 'dumb';
}

/** The width to wrap at: the terminal's columns (at least 40), 80 when not a terminal. */
export function terminalWidth(stream: Terminal): number {
  return stream.isTTY && stream.columns ? Math.max(40, stream.columns) : 80;
}

/** ANSI styles used by the renderers; `paint` is the identity when colour is off. */
export type Style = 'red' | 'green' | 'yellow' | 'dim' | 'bold';
const SGR: Record<Style, [number, number]> = { red: [31, 39], green: [32, 39], yellow: [33, 39], dim: [2, 22], bold: [1, 22] };

/** A painter: `paint(text, style)` wraps `text` in the style's escape codes when `color` is true. */
export function painter(color: boolean): (text: string, style: Style) => string {
  return (text, style) => (color ? `\u001b[${SGR[style][0]}m${text}\u001b[${SGR[style][1]}m` : text);
}

/**
 * Wraps `text` (one paragraph, no newlines) into lines of at most `width` characters. The first line
 * starts after `first` characters (already printed by the caller, counted but not repeated); following
 * lines start with `indent` spaces. Runs of spaces between words are kept within a line (columns stay
 * aligned) and dropped at a break. Words longer than a line are cut (hex at a multiple of 8 digits).
 */
export function wrap(text: string, width: number, indent: number, first = indent): string[] {
  const lines: string[] = [];
  let line = '';
  let used = first;
  const flush = () => {
    lines.push(line);
    line = '';
    used = indent;
  };
  const parts = text.trim().split(/( +)/);
  for (let i = 0; i < parts.length; i += 2) {
    let word = parts[i]!;
    const gap = line ? (parts[i - 1] ?? ' ') : '';
    if (!word) continue;
    if (used + line.length + gap.length + word.length <= width) {
      line += gap + word;
      continue;
    }
    if (line) flush();
    while (word.length > width - used) {
      const room = width - used;
      const cut = /^[0-9a-fA-F]+$/.test(word) && room >= 8 ? room - (room % 8) : Math.max(1, room);
      line = word.slice(0, cut);
      word = word.slice(cut);
      flush();
    }
    line = word;
  }
  if (line || lines.length === 0) lines.push(line);
  const pad = ' '.repeat(indent);
  return lines.map((l, i) => (i === 0 ? l : `${pad}${l}`));
}

/** `label` then `value` wrapped at `width`, continuation lines indented under the value. */
export function field(label: string, value: string, width: number, column = 16): string[] {
  const head = label.length >= column ? `${label} ` : label.padEnd(column);
  const [first, ...rest] = wrap(value, width, column, head.length);
  return [`${head}${first}`, ...rest];
}

/** A 64-hex-digit fingerprint or hash in 16 groups of 4 ("3f2a 9c01 …"), as the console shows them; anything else unchanged. */
export function groupHex(hex: string): string {
  return /^[0-9a-fA-F]{64}$/.test(hex) ? hex.match(/.{4}/g)!.join(' ') : hex;
}

/** A hash typed or pasted by a user, grouped or not ("3f2a 9c01 …" or "3f2a9c01…"): whitespace removed, lowercase. */
export function ungroupHex(text: string): string {
  return text.replace(/\s+/g, '').toLowerCase();
}
