/**
 * `npm run bench`: verifications per second of real evidence through the wasm core in Node and
 * through the native build, measured back to back in one run, and their ratio, for each platform:
 * - SEV-SNP: ../shared/vectors/snp/milan/routex-v3 with its chain and the Milan CRL;
 * - TDX: ../shared/vectors/tdx case tdx-01 (v4 quote with its QuoteCollateralV3 bundle);
 * - NVIDIA: ../shared/vectors/nvidia/gpu-hopper/h100-545.00-nonce4cff (report, device chain, driver
 *   and VBIOS RIMs — chain, report signature, two XMLDSig/C14N 1.1 RIMs and 33 golden values).
 * Each is measured cold (the verified-link cache off: every signature verified) and warm (cache on,
 * endorsements seen before — the steady state of a fleet of one product/platform).
 * Then the CLI's whole-process wall time (bin/custodian verify of the SNP case, and --help) against
 * `node -e 0`, paired (the three commands alternate), median of BENCH_CLI_RUNS (default 9) ratios.
 * Then the RIM XML path alone (wasm/examples/xml_bench.rs): ms per MB for flat, deep and
 * namespace-heavy documents, and the time to refuse 100,000-deep and 3,000-level namespace nesting.
 * Then `custodian batch` on BENCH_BATCH_FILES (default 10,000) copies of the SNP case: files/s and
 * the process's peak RSS.
 * Everything is also written to bench/results.json for comparison between commits.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCore } from '../electron/core/core.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const VECTORS = join(ROOT, '..', 'shared', 'vectors');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);

interface BenchCase {
  name: string;
  evidence: string;
  endorsements: string[];
  at: Date;
  /** NVIDIA: RIM files and the policy (nonce). */
  rims?: string[];
  policy?: unknown;
}

const NV = join(VECTORS, 'nvidia/gpu-hopper/h100-545.00-nonce4cff');

const CASES: BenchCase[] = [
  {
    name: 'SEV-SNP (Milan report + VCEK chain + CRL)',
    evidence: join(VECTORS, 'snp/milan/routex-v3/report.bin'),
    endorsements: [join(VECTORS, 'snp/milan/routex-v3/vcek_chain.pem'), join(VECTORS, 'snp/crl/milan_vcek_crl.der')],
    at: new Date('2025-12-01T00:00:00Z'),
  },
  {
    name: 'TDX (v4 quote + QuoteCollateralV3)',
    evidence: join(VECTORS, 'tdx/quotes/tdx_v4_b0c06f_dcapqvl.bin'),
    endorsements: [join(VECTORS, 'tdx/collateral/dcapqvl_2025-06_B0C06F.json')],
    at: new Date('2025-07-01T00:00:00Z'),
  },
  {
    name: 'NVIDIA GPU (H100 report + device chain + driver and VBIOS RIMs)',
    evidence: join(NV, 'report.hex'),
    endorsements: [join(NV, 'cert-chain.pem')],
    rims: [join(NV, 'rim-driver-545.00.swidtag'), join(NV, 'rim-vbios-1010_0200_882_96005E0001-test.swidtag')],
    policy: { nvidia: { nonce: '4cff7f5380ead8fad8ec2c531c110aca4302a88f603792801a8ca29ee151af2e' } },
    at: new Date('2025-06-01T00:00:00Z'),
  },
];

if (!existsSync(VECTORS)) {
  console.error(`bench: ${VECTORS} not found; the benchmark needs the real vectors`);
  process.exit(1);
}
const named = (p: string) => ({ name: p, bytes: readFileSync(p) });
const core = await loadCore();
execFileSync('bash', [join(ROOT, 'scripts/cargo.sh'), 'build', '--release', '--example', 'bench', '--quiet'], { stdio: 'inherit' });

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
type Req = Parameters<typeof core.verify>[0];

/** Verifications per second of `req` for SECONDS, after a warm-up. */
function rate(req: Req): { perSecond: number; n: number; seconds: number } {
  for (let i = 0; i < 10; i++) core.verify(req); // warm-up (and, with the cache on, fills it)
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < SECONDS * 1000) {
    core.verify(req);
    n++;
  }
  const seconds = (performance.now() - start) / 1000;
  return { perSecond: n / seconds, n, seconds };
}

function native(c: BenchCase, cache: boolean): { per_second: number; iterations: number; verdict: string } {
  const extra = [...(c.rims ?? []).map((r) => `--rim=${r}`), ...(c.policy === undefined ? [] : [`--policy=${JSON.stringify(c.policy)}`]), ...(cache ? [] : ['--no-cache'])];
  const out = execFileSync(join(ROOT, 'wasm/target/release/examples/bench'), [String(SECONDS), String(c.at.getTime() / 1000), c.evidence, ...c.endorsements, ...extra], { encoding: 'utf8' });
  return JSON.parse(out) as { per_second: number; iterations: number; verdict: string };
}

const fmt = (x: number) => x.toFixed(1).padStart(7);
const results: Record<string, unknown> = {
  date: new Date().toISOString(),
  commit: (() => { try { return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim(); } catch { return null; } })(),
  node: process.version,
  seconds_per_measurement: SECONDS,
  platforms: [] as unknown[],
};

for (const c of CASES) {
  const req = { evidence: named(c.evidence), endorsements: c.endorsements.map(named), rims: (c.rims ?? []).map(named), policy: c.policy, referenceTime: c.at };
  const verdict = core.verify(req).verdict;
  core.setCache(false);
  const wasmCold = rate(req);
  core.setCache(true);
  const wasmWarm = rate(req);
  const nativeCold = native(c, false);
  const nativeWarm = native(c, true);
  console.log(`\n${c.name}`);
  console.log(`  verdict: wasm ${verdict}, native ${nativeWarm.verdict}`);
  console.log(`  verifications/s          cold (cache off)   warm (cache on)   warm/cold`);
  console.log(`  wasm (Node ${process.version}):     ${fmt(wasmCold.perSecond)}           ${fmt(wasmWarm.perSecond)}        ${(wasmWarm.perSecond / wasmCold.perSecond).toFixed(2)}x`);
  console.log(`  native:                  ${fmt(nativeCold.per_second)}           ${fmt(nativeWarm.per_second)}        ${(nativeWarm.per_second / nativeCold.per_second).toFixed(2)}x`);
  console.log(`  native/wasm:             ${(nativeCold.per_second / wasmCold.perSecond).toFixed(2).padStart(6)}x           ${(nativeWarm.per_second / wasmWarm.perSecond).toFixed(2).padStart(6)}x`);
  (results.platforms as unknown[]).push({
    name: c.name,
    verdict,
    wasm: { cold_per_second: wasmCold.perSecond, warm_per_second: wasmWarm.perSecond },
    native: { cold_per_second: nativeCold.per_second, warm_per_second: nativeWarm.per_second },
  });
}

// ---- the CLI as a whole process, against `node -e 0` --------------------------------------------
const CLI_RUNS = Math.max(5, Number(process.env.BENCH_CLI_RUNS ?? 9));
const snp = CASES[0]!;
const bin = join(ROOT, 'bin', 'custodian');
const commands: Record<string, [string, string[]]> = {
  'node -e 0': [process.execPath, ['-e', '0']],
  'custodian verify (SNP)': [bin, ['verify', snp.evidence, ...snp.endorsements.flatMap((e) => ['--chain', e]), '--at', snp.at.toISOString()]],
  'custodian --help': [bin, ['--help']],
};
/** Wall time of one run in ms; throws if the command fails (a benchmark of an error path is no benchmark). */
function wall([cmd, args]: [string, string[]]): number {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return ms;
}
for (const c of Object.values(commands)) wall(c); // warm the file cache
const times: Record<string, number[]> = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
for (let i = 0; i < CLI_RUNS; i++) for (const [k, c] of Object.entries(commands)) times[k]!.push(wall(c));
const base = times['node -e 0']!;
const cli: Record<string, unknown> = { runs: CLI_RUNS, node_e_0_median_ms: median(base) };
console.log(`\nCLI whole process (wall, ${CLI_RUNS} paired runs; ratio = median of per-run ratios to node -e 0)`);
for (const [k, xs] of Object.entries(times)) {
  const ratio = median(xs.map((x, i) => x / base[i]!));
  console.log(`  ${k.padEnd(24)} median ${median(xs).toFixed(1).padStart(6)} ms   ${ratio.toFixed(2)}x`);
  if (k !== 'node -e 0') cli[k] = { median_ms: median(xs), ratio_to_node: ratio };
}
results.cli = cli;

// RIM XML path (issue 13): shape pre-scan + roxmltree + C14N 1.1, time per MB for flat, deep and
// namespace-heavy documents at the limits, and the time to refuse what is over them (native build).
execFileSync('bash', [join(ROOT, 'scripts/cargo.sh'), 'build', '--release', '--example', 'xml_bench', '--quiet'], { stdio: 'inherit' });
console.log('\nRIM XML (pre-scan + parse + C14N 1.1 of the whole document), native:');
for (const line of execFileSync(join(ROOT, 'wasm/target/release/examples/xml_bench'), ['2'], { encoding: 'utf8' }).trim().split('\n')) {
  const r = JSON.parse(line) as { doc: string; bytes: number; ms: number; ms_per_mb: number; outcome: string };
  console.log(`  ${r.doc.padEnd(32)} ${(r.bytes / 1e6).toFixed(2).padStart(5)} MB  ${r.ms.toFixed(3).padStart(9)} ms  ${r.ms_per_mb.toFixed(2).padStart(8)} ms/MB  ${r.outcome}`);
}

// ---- batch: `custodian batch` on a folder of BENCH_BATCH_FILES copies of the SNP case -------------
// The folder (in the OS temp dir) holds the report copies with the case's chain and CRL beside them;
// one worker thread per core. Peak memory: the whole CLI process (main thread + workers), from
// /usr/bin/time when the machine has it.
const BATCH_FILES = Number(process.env.BENCH_BATCH_FILES ?? 10_000);
const batchDir = mkdtempSync(join(tmpdir(), 'custodian-bench-batch-'));
try {
  for (const e of snp.endorsements) copyFileSync(e, join(batchDir, basename(e)));
  for (let i = 0; i < BATCH_FILES; i++) copyFileSync(snp.evidence, join(batchDir, `report-${String(i).padStart(6, '0')}.bin`));
  const threads = availableParallelism();
  const args = ['batch', batchDir, '--json', '--at', snp.at.toISOString(), '--threads', String(threads)];
  const timed = existsSync('/usr/bin/time');
  const t = process.hrtime.bigint();
  const r = timed ? spawnSync('/usr/bin/time', ['-f', '%M', bin, ...args], { encoding: 'utf8', maxBuffer: 1 << 30 }) : spawnSync(bin, args, { encoding: 'utf8', maxBuffer: 1 << 30 });
  const seconds = Number(process.hrtime.bigint() - t) / 1e9;
  if (r.status !== 0 && r.status !== 1) throw new Error(`custodian batch: exit ${r.status}: ${r.stderr}`);
  const counts = (JSON.parse(r.stdout) as { counts: Record<string, number> }).counts;
  const peakMiB = timed ? Number(r.stderr.trim().split('\n').pop()) / 1024 : null;
  const filesPerSecond = BATCH_FILES / seconds;
  console.log(`\nBatch: custodian batch on ${BATCH_FILES} copies of the SNP case (${threads} worker threads)`);
  console.log(`  ${filesPerSecond.toFixed(0)} files/s (${seconds.toFixed(1)} s wall), peak RSS ${peakMiB === null ? 'n/a (no /usr/bin/time)' : `${peakMiB.toFixed(0)} MiB`}; ${JSON.stringify(counts)}`);
  results.batch = { files: BATCH_FILES, threads, seconds, files_per_second: filesPerSecond, peak_rss_mib: peakMiB, counts };
} finally {
  rmSync(batchDir, { recursive: true, force: true });
}

mkdirSync(join(ROOT, 'bench'), { recursive: true });
writeFileSync(join(ROOT, 'bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
console.log('\nwrote bench/results.json');
