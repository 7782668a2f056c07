/**
 * Core dumps off in the long-running processes that handle passphrases and shares.
 *
 * Threat: a crash (or a deliberate SIGQUIT/SIGSEGV by another process of the same user) writes the
 * process memory — passphrases, unsealed shares, the master key — to a core file on disk.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { coreLimit } from '../../electron/io/no-core-dumps.ts';
import { ROOT } from '../helpers.ts';

const TSX = join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs');
/** Runs argv with RLIMIT_CORE raised to the hard limit, as a user's shell might have it. */
const dumpsOn = (argv: string[]) => ['bash', ['-c', 'ulimit -S -c "$(ulimit -H -c)"; exec "$@"', 'sh', ...argv]] as const;
/** Whether the optional FFI module for prctl(PR_SET_DUMPABLE) is installed. */
const HAVE_KOFFI = (() => {
  try {
    createRequire(join(ROOT, 'package.json')).resolve('koffi');
    return true;
  } catch {
    return false;
  }
})();
const HARD = spawnSync('bash', ['-c', 'ulimit -H -c'], { encoding: 'utf8' }).stdout.trim();

describe.skipIf(process.platform !== 'linux')('disableCoreDumps', () => {
  it('sets RLIMIT_CORE to 0/0 and coredump_filter to 0 in the running process (it started with dumps allowed)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'custodian-cores-'));
    const script = join(dir, 'probe.mts');
    writeFileSync(script, `import { readFileSync } from 'node:fs';
import { coreLimit, disableCoreDumps } from ${JSON.stringify(join(ROOT, 'electron', 'io', 'no-core-dumps.ts'))};
const before = coreLimit();
const status = disableCoreDumps();
const again = disableCoreDumps();
console.log(JSON.stringify({ before, status, again, after: coreLimit(), filter: readFileSync('/proc/self/coredump_filter', 'utf8').trim() }));
`);
    const [cmd, args] = dumpsOn(['node', '--import', TSX, script]);
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const o = JSON.parse(r.stdout);
    expect(o.before.soft).toBe(HARD === 'unlimited' ? 'unlimited' : String(Number(HARD) * 1024)); // the control: dumps were on
    expect(o.after).toEqual({ soft: '0', hard: '0' });
    const dumpable = HAVE_KOFFI ? 'off' : 'unavailable';
    expect(o.status).toMatchObject({ rlimitZero: true, filterZero: true, dumpable });
    expect(o.again).toMatchObject({ rlimitZero: true, filterZero: true, dumpable });
    if (!HAVE_KOFFI) console.warn('koffi is not installed: PR_SET_DUMPABLE is not tested (optional)');
    expect(parseInt(o.filter, 16)).toBe(0);
  });

  it('the loopback console host runs with RLIMIT_CORE 0 (read from /proc while it serves)', async () => {
    const [cmd, args] = dumpsOn(['node', '--import', TSX, join(ROOT, 'electron', 'loopback', 'main.ts'), '--root', tmpdir()]);
    const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, CUSTODIAN_PORT: '0' } });
    try {
      const out = await new Promise<string>((resolve, reject) => {
        let text = '';
        child.stdout.on('data', (d: Buffer) => {
          text += d.toString();
          if (text.includes('Open: ')) resolve(text); // it is up: core dumps were handled before this line
        });
        child.on('exit', (code) => reject(new Error(`the host exited (${code}) before serving: ${text}`)));
      });
      expect(out).toContain(`Files: only under ${tmpdir()}`);
      expect(coreLimit(child.pid!)).toEqual({ soft: '0', hard: '0' });
    } finally {
      child.kill('SIGINT');
    }
  });

  it('the loopback console refuses a --root that does not exist (exit 2, naming it)', () => {
    const r = spawnSync('node', ['--import', TSX, join(ROOT, 'electron', 'loopback', 'main.ts'), '--root', '/no/such/dir'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/\/no\/such\/dir: --root: no such folder/);
  });
});
