/** `npm run package:fuses -- <electron binary>`: a release step on the packaging machine. */
import { applyFuses } from './fuses.ts';

const target = process.argv[2];
if (!target) {
  process.stderr.write('usage: npm run package:fuses -- <path to the packaged Electron binary>\n');
  process.exit(2);
}
await applyFuses(target);
process.stdout.write(`fuses applied to ${target}\n`);
