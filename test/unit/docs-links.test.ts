/**
 * The README and docs/*.md hold together: every relative link points to an existing file, every
 * `#anchor` (alone or as `file.md#anchor`) is a heading of its target under GitHub's slug rules, each
 * doc has a Contents list naming all its sections, and the README stays short and keeps the test
 * command CI runs (`.ci/run` runs "the test command from the README": `npm test`).
 *
 * Threat: documentation that silently rots — a moved section leaving dead links, a README that grows
 * back into the reference manual, or loses the one command a new user (and CI) must run.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DOCS = join(ROOT, 'docs');
const FILES = [join(ROOT, 'README.md'), ...readdirSync(DOCS).filter((f) => f.endsWith('.md')).sort().map((f) => join(DOCS, f))];
const README_MAX_WORDS = 1500;

/** The file's lines outside fenced code blocks (``` or ~~~), each with its line number. */
function prose(text: string): { line: string; n: number }[] {
  const out: { line: string; n: number }[] = [];
  let fence: string | null = null;
  text.split('\n').forEach((line, i) => {
    const m = /^\s{0,3}(`{3,}|~{3,})/.exec(line);
    if (m) {
      if (fence === null) fence = m[1]![0]!.repeat(m[1]!.length);
      else if (m[1]!.startsWith(fence)) fence = null;
      return;
    }
    if (fence === null) out.push({ line, n: i + 1 });
  });
  return out;
}

/** GitHub's heading anchor (github-slugger): the rendered text lowercased, punctuation dropped except `-` and `_`, spaces → `-`. */
function slug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // a link renders as its text
    .replace(/<[^>]+>/g, '') // inline HTML tags render as nothing
    .trim();
  return text.toLowerCase().replace(/[^\p{L}\p{M}\p{N}_\- ]/gu, '').replace(/ /g, '-');
}

/** Every heading anchor of a Markdown file, with GitHub's `-1`, `-2`, … suffixes for repeats. */
function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const { line } of prose(text)) {
    const m = /^\s{0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(line);
    if (!m) continue;
    const base = slug(m[1]!);
    let s = base;
    const count = seen.get(base) ?? 0;
    if (count > 0) s = `${base}-${count}`;
    seen.set(base, count + 1);
    out.add(s);
  }
  return out;
}

/** Inline links `[text](target)` outside code blocks and code spans. */
function links(text: string): { target: string; n: number }[] {
  const out: { target: string; n: number }[] = [];
  for (const { line, n } of prose(text)) {
    const plain = line.replace(/(`+)(?:(?!\1).)+?\1/g, 'code');
    for (const m of plain.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) out.push({ target: m[1]!, n });
  }
  return out;
}

const read = (f: string) => readFileSync(f, 'utf8');
const rel = (f: string) => relative(ROOT, f);

describe('slug: GitHub heading anchors', () => {
  it('lowercases, drops punctuation but - and _, turns spaces into -', () => {
    expect(slug('Verify an Intel TDX or SGX quote')).toBe('verify-an-intel-tdx-or-sgx-quote');
    expect(slug('Many files: `custodian batch`')).toBe('many-files-custodian-batch');
    expect(slug('Evidence / endorsements (IETF RATS)')).toBe('evidence--endorsements-ietf-rats');
    expect(slug('snake_case and M-of-N — done.')).toBe('snake_case-and-m-of-n--done');
    expect(slug('See [the docs](docs/verify.md)')).toBe('see-the-docs');
  });

  it('numbers repeated headings -1, -2, … and ignores # lines in code blocks', () => {
    const a = anchors('# Top\n## Vault\n```sh\n# Vault\n```\n### Vault\n## Vault\n');
    expect([...a]).toEqual(['top', 'vault', 'vault-1', 'vault-2']);
  });
});

describe('links in README.md and docs/*.md', () => {
  it('docs/ holds the reference files the README links to', () => {
    expect(FILES.length).toBeGreaterThan(2);
    const readmeTargets = links(read(FILES[0]!)).map((l) => l.target.split('#')[0]);
    for (const f of FILES.slice(1)) expect(readmeTargets, `README.md links to ${rel(f)}`).toContain(rel(f));
  });

  for (const file of FILES) {
    it(`${rel(file)}: every relative link names an existing file and an existing heading`, () => {
      const bad: string[] = [];
      const all = links(read(file));
      for (const { target, n } of all) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:, …: not ours to check offline
        const hash = target.indexOf('#');
        const path = hash === -1 ? target : target.slice(0, hash);
        const anchor = hash === -1 ? null : decodeURIComponent(target.slice(hash + 1));
        const dest = path === '' ? file : resolve(dirname(file), decodeURIComponent(path));
        if (!existsSync(dest)) {
          bad.push(`${rel(file)}:${n}: ${target}: no such file ${rel(dest)}`);
          continue;
        }
        if (anchor !== null) {
          if (!statSync(dest).isFile() || !dest.endsWith('.md')) bad.push(`${rel(file)}:${n}: ${target}: an anchor into a file that is not Markdown`);
          else if (!anchors(read(dest)).has(anchor)) bad.push(`${rel(file)}:${n}: ${target}: ${rel(dest)} has no heading #${anchor}`);
        }
      }
      expect(all.length).toBeGreaterThan(0);
      expect(bad).toEqual([]);
    });
  }
});

describe('docs/*.md: a purpose paragraph, then a Contents list of every section', () => {
  for (const file of FILES.slice(1)) {
    it(rel(file), () => {
      const text = read(file);
      const lines = prose(text).map((l) => l.line);
      expect(lines[0]).toMatch(/^# \S/);
      const contents = lines.indexOf('## Contents');
      expect(contents, 'a "## Contents" heading').toBeGreaterThan(1);
      expect(lines.slice(1, contents).join(' ').trim().length, 'a purpose paragraph before Contents').toBeGreaterThan(100);
      const next = lines.findIndex((l, i) => i > contents && /^## /.test(l));
      const listed = new Set(lines.slice(contents + 1, next).flatMap((l) => [...l.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]!)));
      const sections = lines.filter((l) => /^##{1,2} /.test(l) && l !== '## Contents').map((l) => slug(l.replace(/^#+\s+/, '')));
      expect(sections.filter((s) => !listed.has(s))).toEqual([]);
    });
  }
});

describe('README.md stays short and keeps the commands', () => {
  const readme = read(join(ROOT, 'README.md'));

  it(`has fewer than ${README_MAX_WORDS} words (whitespace-separated tokens of the whole file, code blocks included)`, () => {
    const words = readme.split(/\s+/).filter(Boolean).length;
    expect(words).toBeLessThan(README_MAX_WORDS);
  });

  it('has the test command `npm test` (what .ci/run runs) and `npm run demo` on lines of an sh block', () => {
    const blocks = [...readme.matchAll(/^```sh\n([\s\S]*?)^```/gm)].map((m) => m[1]!);
    const lines = blocks.flatMap((b) => b.split('\n'));
    expect(lines.some((l) => /^npm test(\s|$)/.test(l))).toBe(true);
    expect(lines.some((l) => /^npm run demo(\s|$)/.test(l))).toBe(true);
    expect(read(join(ROOT, '.ci', 'run'))).toMatch(/^npm test$/m);
  });
});
