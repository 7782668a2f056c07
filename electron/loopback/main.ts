/**
 * `npm run console:browser [-- --root DIR]... [--actor LABEL]`: starts the loopback host on 127.0.0.1
 * with the real wasm core and prints the URL (with its one-time token) to open in a browser. Ctrl-C
 * stops it. `--root DIR` (repeatable; default the working directory): the only folders whose files
 * the console may open or write (./roots.ts). `--actor LABEL`: an unverified label shown beside the
 * OS user in the audit log. Core dumps are turned off first (the host handles passphrases and shares).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { disableCoreDumps } from '../io/no-core-dumps.ts';
import { startConsoleHost } from './compose.ts';

const dumps = disableCoreDumps();
if (!dumps.rlimitZero) process.stderr.write(`custodian console: warning: ${dumps.detail}\n`);

let args;
try {
  args = parseArgs({ args: process.argv.slice(2), options: { root: { type: 'string', multiple: true }, actor: { type: 'string' } }, strict: true, allowPositionals: false }).values;
} catch (e) {
  process.stderr.write(`custodian console: error: ${(e as Error).message}\nusage: console [--root DIR]... [--actor LABEL]\n`);
  process.exit(2);
}
const root = fileURLToPath(new URL('../..', import.meta.url));
const port = Number(process.env.CUSTODIAN_PORT ?? 0);
let host;
try {
  host = await startConsoleHost({ rendererDir: `${root}out/renderer`, port, roots: args.root, actorLabel: args.actor });
} catch (e) {
  process.stderr.write(`custodian console: error: ${(e as Error).message}\n`);
  process.exit(2);
}
const { version } = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string };
process.stdout.write(`Custodian ${version} console (loopback, 127.0.0.1 only)\nFiles: only under ${host.roots.join(', ')} (--root DIR to choose)\nOpen: ${host.url}\n`);
process.on('SIGINT', () => void host.close().then(() => process.exit(0)));
