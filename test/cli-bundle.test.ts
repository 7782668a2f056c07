/**
 * The CLI bundle (out/cli/custodian.mjs, built by scripts/build-cli.mjs): plain Node runs it with no
 * TypeScript loader, and `verify` / `--help` start without the vault code (SQLite, jose, Argon2),
 * which loads only for the commands that need it. Threats: a start-up path that silently depends on a
 * dev-only loader, and key-handling code loaded (and its native module opened) for a plain verify.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI_BUNDLE } from '../scripts/build-cli.mjs';
import { ROOT } from './helpers.ts';

/** The files the entry loads before running any command: its static `import … from "./x.mjs"` closure. */
function staticClosure(entry: string): { files: string[]; packages: string[] } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    for (const m of readFileSync(file, 'utf8').matchAll(/^import\s+(?:[^'"]*?\s+from\s+)?"([^"]+)";?$/gm)) {
      const spec = m[1]!;
      if (spec.startsWith('./')) visit(join(dirname(file), spec));
      else packages.add(spec);
    }
  };
  visit(entry);
  return { files: [...files], packages: [...packages] };
}

describe('CLI bundle', () => {
  it('runs under plain node (no tsx) and prints the usage', () => {
    const r = spawnSync(process.execPath, [CLI_BUNDLE, '--help'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('usage: custodian verify');
    expect(readFileSync(join(ROOT, 'bin', 'custodian'), 'utf8')).not.toMatch(/tsx|--import|--loader/);
  });

  it('starts verify and --help with node built-ins only: the vault code is imported on demand', () => {
    const { files, packages } = staticClosure(CLI_BUNDLE);
    expect(packages.every((p) => p.startsWith('node:')), `static imports: ${packages.join(', ')}`).toBe(true);
    const entryText = files.map((f) => readFileSync(f, 'utf8')).join('\n');
    expect(entryText).not.toMatch(/better-sqlite3|from "jose"|hash-wasm/);
    // …and the vault commands still reach that code through a dynamic import.
    expect(readFileSync(CLI_BUNDLE, 'utf8')).toMatch(/await import\("\.\/vault-[\w-]+\.mjs"\)/);
  });

  it('the vault commands load on demand and work from the bundle', () => {
    const r = spawnSync(process.execPath, [CLI_BUNDLE, 'vault', 'info'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(2); // no --vault: a usage error from the lazily loaded vault module
    expect(r.stderr).toMatch(/--vault FILE/);
  });

  it('a checkout that is not set up says so (exit 2) instead of failing obscurely', () => {
    const dir = mkdtempSync(join(tmpdir(), 'custodian-fresh-'));
    mkdirSync(join(dir, 'bin'));
    copyFileSync(join(ROOT, 'bin', 'custodian'), join(dir, 'bin', 'custodian'));
    const r = spawnSync('bash', [join(dir, 'bin', 'custodian'), '--help'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`custodian: not set up yet: run \`npm run setup\` in ${dir}\n`);
  });
});
