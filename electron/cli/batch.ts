/**
 * `custodian batch DIR|MANIFEST`: verifies many evidence files in worker threads, as the console's
 * Batch does (electron/batch/jobs.ts, the same rows): every evidence file under a folder with the
 * endorsements beside it, or the rows of a batch manifest (electron/batch/manifest.ts: evidence,
 * endorsements, reference time and policy per row). Prints a table (default), `--json` (the rows and
 * the counts) or `--csv` (the console's CSV export). Progress goes to stderr on a terminal.
 *
 * Exit codes: 0 every row affirming (or warning, without --strict); 1 a row contraindicated (or
 * warning, with --strict); 2 a row's input could not be read or parsed, or the folder/manifest itself.
 */
import { availableParallelism } from 'node:os';
import { loadCore } from '../core/core.ts';
import { BatchJobs } from '../batch/jobs.ts';
import { batchTasks } from '../batch/manifest.ts';
import type { BatchRow } from '../ipc/contract.ts';
import { countByVerdict, rowsToCsv, VERDICTS } from '../../renderer/src/lib/batch.ts';
import { readEndorsementPath, readJson } from '../io/files.ts';
import { int, parseCommand, parseRfc3339, UsageError } from './args.ts';
import { colorEnabled, painter, terminalWidth, wrap, type Style } from './text.ts';

const OPTIONS = {
  json: { type: 'boolean' },
  csv: { type: 'boolean' },
  at: { type: 'string' },
  policy: { type: 'string' },
  'test-anchor': { type: 'string', multiple: true },
  threads: { type: 'string' },
  strict: { type: 'boolean' },
} as const;

/** The worker script beside this module: the TypeScript source under tsx, the bundled one in out/cli/. */
function workerUrl(): URL {
  return import.meta.url.endsWith('.ts') ? new URL('../batch/worker.ts', import.meta.url) : new URL('./batch-worker.mjs', import.meta.url);
}

/** One line per row: verdict, platform, path; then the reason (failing checks, detail) wrapped under it. */
function table(rows: readonly BatchRow[], color: boolean, width: number): string {
  const paint = painter(color);
  const style: Record<BatchRow['verdict'], Style> = { affirming: 'green', warning: 'yellow', contraindicated: 'red', error: 'red' };
  const out: string[] = [];
  for (const r of rows) {
    out.push(`${paint(r.verdict.toUpperCase().padEnd(15), style[r.verdict])} ${(r.platform ?? '-').padEnd(9)} ${r.path}`);
    const why = [r.failing.length && r.verdict !== 'error' ? `failing: ${r.failing.join(', ')}` : '', r.detail].filter(Boolean).join(' — ');
    if (why) out.push(...wrap(why, width, 26).map((l, i) => (i === 0 ? `${' '.repeat(26)}${l}` : l)));
  }
  return out.join('\n');
}

/** "39 files: 20 affirming, 3 warning, 14 contraindicated, 2 error" (the caller adds what the rows ran with). */
function summary(rows: readonly BatchRow[]): string {
  const c = countByVerdict(rows);
  return `${rows.length} file${rows.length === 1 ? '' : 's'}: ${VERDICTS.map((v) => `${c[v]} ${v}`).join(', ')}`;
}

/** Runs `custodian batch` with `argv` (after the command name); returns the exit code. */
export async function batchCmd(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, 'batch', OPTIONS, 1);
  if (values.json && values.csv) throw new UsageError('batch: --json and --csv exclude each other');
  const source = positionals[0]!;
  const threads = int(values.threads, '--threads') ?? availableParallelism();
  if (threads < 1 || threads > 64) throw new UsageError(`--threads: ${threads} is not between 1 and 64`);
  const at = values.at === undefined ? new Date() : parseRfc3339(values.at);
  const policy = values.policy === undefined ? undefined : readJson(values.policy, 'policy');
  const testAnchors = (values['test-anchor'] ?? []).flatMap((p) => readEndorsementPath(p, 'test anchor'));
  const { tasks, manifest: isManifest, pool } = await batchTasks(source);
  // Checked here once, so a missing or broken core fails the command rather than every row.
  await loadCore();
  const jobs = new BatchJobs({ workerUrl: workerUrl(), threads });
  const { jobId, total } = jobs.startTasks(tasks, { testAnchors, policy, referenceTime: at.toISOString(), pool });
  const progress = process.stderr.isTTY && !values.json && !values.csv;
  let timer: NodeJS.Timeout | undefined;
  if (progress) timer = setInterval(() => process.stderr.write(`\r${jobs.poll({ jobId, from: total }).done}/${total} verified`), 250);
  await jobs.finished(jobId);
  if (timer) {
    clearInterval(timer);
    process.stderr.write('\r\x1b[K');
  }
  // Rows arrive in completion order; print them in the folder's (or manifest's) order.
  const order = new Map(tasks.map((t, i) => [t.rel, i]));
  const rows = jobs.poll({ jobId, from: 0 }).rows.sort((a, b) => order.get(a.path)! - order.get(b.path)!);
  if (values.json) process.stdout.write(`${JSON.stringify({ source, counts: countByVerdict(rows), rows }, null, 2)}\n`);
  else if (values.csv) process.stdout.write(rowsToCsv(rows));
  else {
    const used = isManifest ? 'per manifest row' : `as of ${at.toISOString()}, ${policy === undefined ? 'default policy' : `policy ${values.policy}`}`;
    process.stdout.write(`${table(rows, colorEnabled(process.stdout), terminalWidth(process.stdout))}\n${summary(rows)} (${used})\n`);
  }
  const c = countByVerdict(rows);
  if (c.error > 0) return 2;
  if (c.contraindicated > 0) return 1;
  return c.warning > 0 && values.strict ? 1 : 0;
}
