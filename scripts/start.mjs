/**
 * `npm start`: builds the app and runs it in Electron, or, when the Electron binary is not installed
 * (installs on machines without network access skip its download: ELECTRON_SKIP_BINARY_DOWNLOAD), says
 * so in one sentence and points to the browser console instead of letting Electron print a stack trace
 * (requiring the `electron` package would try to download the binary first).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = join(root, 'node_modules', 'electron');

/** The Electron executable as the `electron` package would find it (path.txt under dist/), or undefined when missing. */
export function electronBinary() {
  const pathFile = join(pkg, 'path.txt');
  if (!existsSync(pathFile)) return undefined;
  const rel = readFileSync(pathFile, 'utf8');
  const full = process.env.ELECTRON_OVERRIDE_DIST_PATH ? join(process.env.ELECTRON_OVERRIDE_DIST_PATH, rel || 'electron') : join(pkg, 'dist', rel);
  return existsSync(full) ? full : undefined;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const electron = electronBinary();
  if (!electron) {
    process.stderr.write('npm start: the Electron binary is not installed (installs without network access skip its download): run `npx install-electron` on a connected machine, or open the console in a browser with `npm run console:browser`.\n');
    process.exit(1);
  }
  const run = (cmd, args) => spawnSync(cmd, args, { cwd: root, stdio: 'inherit' }).status ?? 1;
  const built = run(process.execPath, [join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build']);
  if (built !== 0) process.exit(built);
  process.exit(run(electron, ['.']));
}
