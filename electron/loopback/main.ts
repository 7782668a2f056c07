/**
 * `npm run console:browser`: starts the loopback host on 127.0.0.1 with the real wasm core and
 * prints the URL (with its one-time token) to open in a browser. Ctrl-C stops it.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startConsoleHost } from './compose.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const port = Number(process.env.CUSTODIAN_PORT ?? 0);
const host = await startConsoleHost({ rendererDir: `${root}out/renderer`, port });
const { version } = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string };
process.stdout.write(`Custodian ${version} console (loopback, 127.0.0.1 only)\nOpen: ${host.url}\n`);
process.on('SIGINT', () => void host.close().then(() => process.exit(0)));
