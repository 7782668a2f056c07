/**
 * `npm start` (scripts/start.mjs) on a machine without the Electron binary: one sentence saying how
 * to get it and pointing to `npm run console:browser`, exit 1, no stack trace and no download attempt.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.ts';

describe('npm start without the Electron binary', () => {
  it('prints one sentence naming the way to get it and the browser console, and exits 1', () => {
    // An empty dist directory stands in for a machine whose install skipped the binary download.
    const empty = mkdtempSync(join(tmpdir(), 'custodian-no-electron-'));
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'start.mjs')], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: empty } });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^npm start: the Electron binary is not installed .*npx install-electron.*npm run console:browser/);
    expect(r.stderr).not.toMatch(/\n\s+at |Downloading/);
  });
});
