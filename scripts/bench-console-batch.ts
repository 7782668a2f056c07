/**
 * `npm run bench`, the console's batch: the loopback host (real wasm core, 2 batch worker threads,
 * in this process) serving the built renderer in Debian's Chromium through playwright-core, exactly
 * as the end-to-end tests drive it (test/e2e/harness.ts). The page's Batch screen verifies FOLDER at
 * the reference time AT while the page records the gap between its animation frames
 * (requestAnimationFrame, from the click on "Verify folder" to the summary line).
 *
 * Usage: node --import tsx scripts/bench-console-batch.ts FOLDER AT_ISO EXPECTED_FILES
 *
 * Prints one JSON line: {files, host_seconds, files_per_second, wall_ms, frames, p50_frame_gap_ms,
 * p99_frame_gap_ms, max_frame_gap_ms, counts, rss_before_mib, peak_rss_mib} — host_seconds is the
 * batch's own time as the page shows it ("N files in S s"); peak_rss_mib is this process's VmHWM
 * (/proc/self/status: host, its worker threads and the playwright client; Chromium is another process
 * and not counted), rss_before_mib its RSS just before the batch started. Or {skipped: reason} (exit 0)
 * when Chromium or the built renderer is missing. Exit 1 on any other failure, with the reason on stderr.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { applySettings, CHROMIUM, HAVE_CHROMIUM, openConsole, startFrameGaps, stopFrameGaps } from '../test/e2e/harness.ts';
import { ROOT } from '../test/helpers.ts';

const [folder, at, expected] = process.argv.slice(2);
if (!folder || !at || !expected) {
  console.error('usage: bench-console-batch.ts FOLDER AT_ISO EXPECTED_FILES');
  process.exit(2);
}
const files = Number(expected);

/** A field of /proc/self/status in MiB (VmRSS, VmHWM), or null off Linux. */
function statusMiB(field: string): number | null {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

if (!HAVE_CHROMIUM) {
  console.log(JSON.stringify({ skipped: `no Chromium at ${CHROMIUM} (apt-get install -y chromium)` }));
  process.exit(0);
}
if (!existsSync(join(ROOT, 'out', 'renderer', 'loopback-bridge.js'))) {
  console.log(JSON.stringify({ skipped: 'out/renderer is not built (npx electron-vite build)' }));
  process.exit(0);
}

const c = await openConsole();
try {
  const panel = c.page.getByRole('tabpanel', { name: 'Batch' });
  await c.page.getByRole('tab', { name: 'Batch' }).click();
  await applySettings(panel, at, undefined, 'Use for the next batch');
  await panel.getByLabel(/Folder of evidence/).fill(folder);
  const rssBefore = statusMiB('VmRSS');
  await startFrameGaps(c.page);
  const started = Date.now();
  await panel.getByRole('button', { name: 'Verify folder' }).click();
  const summary = panel.getByTestId('batch-summary');
  const deadline = started + 30 * 60_000;
  let text = '';
  for (;;) {
    text = (await summary.textContent()) ?? '';
    if (text.includes(`${files} files in`)) break;
    if (Date.now() > deadline) throw new Error(`the batch did not finish in 30 min; summary: ${text}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const wallMs = Date.now() - started;
  const frames = await stopFrameGaps(c.page);
  const hostSeconds = Number(/files in ([\d.]+) s/.exec(text)![1]);
  const counts: Record<string, number> = {};
  for (const v of ['affirming', 'warning', 'contraindicated', 'error']) counts[v] = Number(await c.page.getByTestId(`count-${v}`).getAttribute('data-count'));
  if (c.errors.length > 0) throw new Error(`page errors: ${c.errors.join(' | ')}`);
  console.log(
    JSON.stringify({
      files,
      host_seconds: hostSeconds,
      files_per_second: files / hostSeconds,
      wall_ms: wallMs,
      frames: frames.frames,
      p50_frame_gap_ms: frames.p50FrameGapMs,
      p99_frame_gap_ms: frames.p99FrameGapMs,
      max_frame_gap_ms: frames.maxFrameGapMs,
      counts,
      rss_before_mib: rssBefore,
      peak_rss_mib: statusMiB('VmHWM'),
    }),
  );
} finally {
  await c.close();
}
