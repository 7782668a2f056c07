/**
 * `npm run bench`: verifications per second of real evidence through the wasm core in Node and
 * through the native build, measured back to back in one run, and their ratio, for each platform:
 * - SEV-SNP: ../shared/vectors/snp/milan/routex-v3 with its chain and the Milan CRL;
 * - TDX: ../shared/vectors/tdx case tdx-01 (v4 quote with its QuoteCollateralV3 bundle);
 * - NVIDIA: ../shared/vectors/nvidia/gpu-hopper/h100-545.00-nonce4cff (report, device chain, driver
 *   and VBIOS RIMs — chain, report signature, two XMLDSig/C14N 1.1 RIMs and 33 golden values).
 * Each is measured cold (the verified-link cache off: every signature verified) and warm (cache on,
 * endorsements seen before — the steady state of a fleet of one product/platform).
 * Then three peers on the same evidence, endorsements and reference time, as in-process loops for the
 * same BENCH_SECONDS, each against Custodian's four figures: Google's go-sev-guest (verify+validate
 * of the SNP case; bench/peers/go-sev-guest), Phala's dcap-qvl (verify of the TDX case;
 * bench/peers/dcap-qvl) and NVIDIA's Python verifier nv-local-gpu-verifier (the NVIDIA case through
 * its own classes in cc_admin.attest()'s order, offline; bench/peers/nvidia-verifier). Each is built
 * or installed on first use (Go module proxy, crates.io, PyPI into a gitignored venv); a peer that
 * cannot be built or run is skipped with its reason, and never fails the bench.
 * Then the CLI's whole-process wall time (bin/custodian verify of the SNP case, and --help) against
 * `node -e 0`, paired (the three commands alternate), median of BENCH_CLI_RUNS (default 9) ratios.
 * Then the RIM XML path alone (wasm/examples/xml_bench.rs): ms per MB for flat, deep and
 * namespace-heavy documents, and the time to refuse 100,000-deep and 3,000-level namespace nesting.
 * Then `custodian batch` on BENCH_BATCH_FILES (default 10,000) copies of the SNP case: files/s and
 * the process's peak RSS; then the console's Batch screen on the same folder (built renderer in
 * Chromium on the loopback host, scripts/bench-console-batch.ts): files/s, the page's p50/p99/max
 * animation-frame gap during the batch, and the host process's peak RSS.
 * Last, every target of issue 14 as "target: … — measured … — met/UNMET" from this run's figures.
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

/** Custodian's four figures per case, for the peers. */
const figures: { wasmCold: number; wasmWarm: number; nativeCold: number; nativeWarm: number }[] = [];

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
  figures.push({ wasmCold: wasmCold.perSecond, wasmWarm: wasmWarm.perSecond, nativeCold: nativeCold.per_second, nativeWarm: nativeWarm.per_second });
  (results.platforms as unknown[]).push({
    name: c.name,
    verdict,
    wasm: { cold_per_second: wasmCold.perSecond, warm_per_second: wasmWarm.perSecond },
    native: { cold_per_second: nativeCold.per_second, warm_per_second: nativeWarm.per_second },
  });
}

// ---- peers: go-sev-guest (SNP) and dcap-qvl (TDX), in-process loops on the same cases ---------------
// Each driver (bench/peers/*) is built here when its toolchain is present and prints one JSON line
// {per_second, iterations, ok, error?}; ok is the peer's own verdict on the case. Ratios are
// Custodian's figure divided by the peer's (above 1: Custodian is faster). Anything that stops a peer
// (no toolchain, a refused module or crate fetch, a build or run error) skips it with the reason.
interface PeerRun { per_second: number; iterations: number; ok: boolean; error?: string; status?: string }
class Skip extends Error {}

/** A command's failure as one line: from its first line that says error (else its last lines). */
function reason(r: ReturnType<typeof spawnSync>, what: string): string {
  if (r.error) return `${what}: ${r.error.message}`;
  if (r.signal) return `${what}: killed by ${r.signal}`;
  const lines = `${r.stderr ?? ''}\n${r.stdout ?? ''}`.split('\n').map((l) => l.trim()).filter((l) => l && !/^go: (downloading|finding|extracting) /.test(l));
  // cargo's and go's own headline ("error: …", "go: …") first, then any line that says why.
  let i = lines.findIndex((l) => /^(error\b|go: )/i.test(l));
  if (i < 0) i = lines.findIndex((l) => /error|denied|refused|not found|cannot|unable|timed? ?out/i.test(l));
  const picked = i >= 0 ? lines.slice(i, i + 3) : lines.slice(-3);
  return `${what}: exit ${r.status}${picked.length ? `: ${picked.join(' ')}` : ''}`.slice(0, 500);
}

/** The first of `candidates` that runs `args` with exit 0, with the environment it needs. */
function findTool(candidates: [string, NodeJS.ProcessEnv][], args: string[]): [string, NodeJS.ProcessEnv] | null {
  for (const [cmd, env] of candidates) {
    const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
    if (!r.error && r.status === 0) return [cmd, env];
  }
  return null;
}

/** Builds (when needed) and runs one peer; throws Skip with the reason when it cannot. */
function runPeer(build: () => string, args: string[]): PeerRun {
  const bin = build();
  const r = spawnSync(bin, args, { encoding: 'utf8', timeout: (SECONDS + 120) * 1000, maxBuffer: 1 << 26 });
  const last = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  let run: PeerRun | null = null;
  try { run = JSON.parse(last) as PeerRun; } catch { /* reported below */ }
  if (r.status !== 0 || r.error || run === null || typeof run.per_second !== 'number') {
    throw new Skip(run?.error ? `run: exit ${r.status}: ${run.error}` : reason(r, 'run'));
  }
  return run;
}

const BUILD_TIMEOUT = 30 * 60_000; // the first dcap-qvl build compiles ring and its dependencies
const peerDir = (name: string) => join(ROOT, 'bench', 'peers', name);

function buildGoSevGuest(): string {
  const go = findTool([['go', {}], ['/usr/local/go/bin/go', {}]], ['version']);
  if (!go) throw new Skip('no Go toolchain (neither go on PATH nor /usr/local/go/bin/go runs)');
  const out = join(peerDir('go-sev-guest'), 'go-sev-guest-bench');
  // go.mod and go.sum are committed: -mod=readonly (the default) fetches exactly those from the proxy.
  const r = spawnSync(go[0], ['build', '-buildvcs=false', '-o', out, '.'], { cwd: peerDir('go-sev-guest'), encoding: 'utf8', env: { ...process.env, ...go[1] }, timeout: BUILD_TIMEOUT });
  if (r.status !== 0 || r.error) throw new Skip(reason(r, 'go build'));
  return out;
}

function buildDcapQvl(): string {
  // rustup's cargo when present, else Debian's (as scripts/cargo.sh and scripts/interop.sh do).
  const cargo = findTool([['cargo', {}], ['/usr/bin/cargo', { RUSTC: '/usr/bin/rustc' }]], ['--version']);
  if (!cargo) throw new Skip('no Rust toolchain (neither cargo on PATH nor /usr/bin/cargo runs)');
  const dir = peerDir('dcap-qvl');
  const r = spawnSync(cargo[0], ['build', '--release', '--locked', '--quiet', '--manifest-path', join(dir, 'Cargo.toml'), '--target-dir', join(dir, 'target')], { encoding: 'utf8', env: { ...process.env, ...cargo[1] }, timeout: BUILD_TIMEOUT });
  if (r.status !== 0 || r.error) throw new Skip(reason(r, 'cargo build'));
  return join(dir, 'target', 'release', 'custodian-peer-dcap-qvl');
}

/**
 * NVIDIA's Python verifier: requirements.txt (nv-local-gpu-verifier and its dependencies, pinned)
 * installed from PyPI into bench/peers/nvidia-verifier/.venv (gitignored) on first use; returns that
 * venv's python, which runs driver.py.
 */
function buildNvidiaVerifier(): string {
  const dir = peerDir('nvidia-verifier');
  const venvPython = join(dir, '.venv', 'bin', 'python');
  const pinned = /^nv-local-gpu-verifier==(\S+)$/m.exec(readFileSync(join(dir, 'requirements.txt'), 'utf8'))?.[1];
  if (!pinned) throw new Skip('bench/peers/nvidia-verifier/requirements.txt pins no nv-local-gpu-verifier version');
  // Installed already (this exact version)? Asked through package metadata: importing verifier would
  // write a verifier.log into the working directory.
  const installed = () => spawnSync(venvPython, ['-c', `import importlib.metadata as m, sys; sys.exit(0 if m.version('nv-local-gpu-verifier') == '${pinned}' else 1)`], { encoding: 'utf8', timeout: 60_000 });
  if (existsSync(venvPython) && installed().status === 0) return venvPython;
  const python = findTool([['python3', {}], ['python', {}]], ['-c', 'import sys, venv; sys.exit(0 if sys.version_info >= (3, 8) else 1)']);
  if (!python) throw new Skip('no Python ≥ 3.8 with the venv module (neither python3 nor python)');
  console.log(`  (installing nv-local-gpu-verifier ${pinned} from PyPI into bench/peers/nvidia-verifier/.venv, once)`);
  const venv = spawnSync(python[0], ['-m', 'venv', '--clear', join(dir, '.venv')], { encoding: 'utf8', timeout: BUILD_TIMEOUT });
  if (venv.status !== 0 || venv.error) throw new Skip(reason(venv, 'python -m venv'));
  const pip = spawnSync(venvPython, ['-m', 'pip', 'install', '--disable-pip-version-check', '--quiet', '--require-virtualenv', '-r', join(dir, 'requirements.txt')], { encoding: 'utf8', timeout: BUILD_TIMEOUT });
  if (pip.status !== 0 || pip.error) throw new Skip(reason(pip, 'pip install'));
  if (installed().status !== 0) throw new Skip(`pip install: nv-local-gpu-verifier ${pinned} not importable afterwards`);
  return venvPython;
}

const tdx = CASES[1]!;
const nv = CASES[2]!;
const peers: { key: string; name: string; what: string; label: string; caseIndex: number; build: () => string; args: string[] }[] = [
  {
    key: 'go_sev_guest',
    name: 'go-sev-guest',
    what: 'verify+validate',
    label: 'SEV-SNP',
    caseIndex: 0,
    build: buildGoSevGuest,
    // report, the chain PEM (VCEK, ASK, ARK) and the CRL: the SNP case's own files.
    args: [String(SECONDS), CASES[0]!.at.toISOString(), CASES[0]!.evidence, ...CASES[0]!.endorsements],
  },
  {
    key: 'dcap_qvl',
    name: 'dcap-qvl',
    what: 'verify',
    label: 'TDX',
    caseIndex: 1,
    build: buildDcapQvl,
    // the quote and dcap-qvl's own QuoteCollateralV3 JSON: the TDX case's own files.
    args: [String(SECONDS), String(tdx.at.getTime() / 1000), tdx.evidence, ...tdx.endorsements],
  },
  {
    key: 'nvidia_verifier',
    name: 'NVIDIA nv-local-gpu-verifier',
    what: '',
    label: 'H100 + 2 RIMs',
    caseIndex: 2,
    build: buildNvidiaVerifier,
    // driver.py (NVIDIA's classes in cc_admin.attest()'s order, offline: no OCSP, no RIM service), the
    // NVIDIA case's own report, device chain, driver and VBIOS RIMs and nonce, at its reference time.
    args: [join(peerDir('nvidia-verifier'), 'driver.py'), String(SECONDS), String(nv.at.getTime() / 1000), nv.evidence, ...nv.endorsements, ...(nv.rims ?? []), (nv.policy as { nvidia: { nonce: string } }).nvidia.nonce],
  },
];
const peerResults: Record<string, unknown> = {};
console.log(`\nPeers (in-process loops, ${SECONDS} s each; ratio = Custodian's verifications/s ÷ the peer's)`);
for (const p of peers) {
  try {
    const run = runPeer(p.build, p.args);
    const f = figures[p.caseIndex]!;
    const ratios = { wasm_cold: f.wasmCold / run.per_second, wasm_warm: f.wasmWarm / run.per_second, native_cold: f.nativeCold / run.per_second, native_warm: f.nativeWarm / run.per_second };
    const x = (r: number) => `${r.toFixed(2)}x`;
    const head = `  ${p.name}${p.what ? ` ${p.what}` : ''} (${p.label}): ${run.per_second.toFixed(1)}/s`;
    if (run.ok) {
      console.log(`${head} — Custodian wasm cold ${x(ratios.wasm_cold)}, warm ${x(ratios.wasm_warm)}; native cold ${x(ratios.native_cold)}, warm ${x(ratios.native_warm)}`);
      console.log(`    ${p.name}'s verdict on the case: ok${run.status ? ` (TCB status ${run.status})` : ''}`);
    } else {
      console.log(`${head} — not a valid comparison: ${p.name} fails the case, so no ratios`);
      console.log(`    ${p.name}'s verdict on the case: FAILED — ${run.error ?? 'no reason given'}`);
    }
    peerResults[p.key] = {
      what: p.what,
      case: CASES[p.caseIndex]!.name,
      per_second: run.per_second,
      iterations: run.iterations,
      ok: run.ok,
      ...(run.status ? { status: run.status } : {}),
      ...(run.error ? { error: run.error } : {}),
      valid_comparison: run.ok,
      ...(run.ok ? { ratio_custodian_to_peer: ratios } : {}),
    };
  } catch (e) {
    const why = e instanceof Skip ? e.message : `unexpected: ${e instanceof Error ? e.message : String(e)}`;
    console.log(`  peer ${p.name}: skipped — ${why}`);
    peerResults[p.key] = { skipped: why };
  }
}
results.peers = peerResults;

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

  // The console's batch on the same folder: the built renderer in Chromium on the loopback host (2
  // worker threads, as the console runs), driven by scripts/bench-console-batch.ts in its own process
  // so that its peak RSS is the batch's. The page's frame gaps are recorded while the batch runs.
  console.log(`\nConsole batch: the Batch screen on the same ${BATCH_FILES} files (loopback host, 2 worker threads, Chromium)`);
  const build = spawnSync('npx', ['electron-vite', 'build'], { cwd: ROOT, encoding: 'utf8', timeout: 10 * 60_000 });
  if (build.status !== 0 || build.error) {
    const why = reason(build, 'npx electron-vite build');
    console.log(`  skipped — ${why}`);
    results.console_batch = { skipped: why };
  } else {
    const cb = spawnSync(process.execPath, ['--import', join(ROOT, 'node_modules/tsx/dist/loader.mjs'), join(ROOT, 'scripts/bench-console-batch.ts'), batchDir, snp.at.toISOString(), String(BATCH_FILES)], { cwd: ROOT, encoding: 'utf8', timeout: 40 * 60_000, maxBuffer: 1 << 26 });
    let out: Record<string, unknown> | null = null;
    try { out = JSON.parse((cb.stdout ?? '').trim().split('\n').pop() ?? '') as Record<string, unknown>; } catch { /* reported below */ }
    if (cb.status !== 0 || out === null) {
      const why = reason(cb, 'bench-console-batch');
      console.log(`  failed — ${why}`);
      results.console_batch = { failed: why };
    } else if (typeof out.skipped === 'string') {
      console.log(`  skipped — ${out.skipped}`);
      results.console_batch = out;
    } else {
      const o = out as { files_per_second: number; host_seconds: number; frames: number; p50_frame_gap_ms: number; p99_frame_gap_ms: number; max_frame_gap_ms: number; peak_rss_mib: number | null; rss_before_mib: number | null; counts: unknown };
      console.log(`  ${o.files_per_second.toFixed(0)} files/s (${o.host_seconds.toFixed(1)} s as the page reports it); ${JSON.stringify(o.counts)}`);
      console.log(`  page frame gaps during the batch: p99 ${o.p99_frame_gap_ms} ms (target ≤ 50 ms), p50 ${o.p50_frame_gap_ms} ms, max ${o.max_frame_gap_ms} ms over ${o.frames} frames`);
      console.log(`  peak RSS of the host process ${o.peak_rss_mib === null ? 'n/a' : `${o.peak_rss_mib.toFixed(0)} MiB`} (target ≤ 500 MiB for 10,000 files; ${o.rss_before_mib === null ? '' : `${o.rss_before_mib.toFixed(0)} MiB before the batch; `}Chromium not counted)`);
      results.console_batch = out;
    }
  }
} finally {
  rmSync(batchDir, { recursive: true, force: true });
}

// ---- the issue's targets (issue 14), each judged on this run's figures ----------------------------
// One line per target: what it asks, what this run measured, and met / UNMET (or "not measured" when a
// figure is missing: a peer skipped, no Chromium, no /usr/bin/time).
interface Target { target: string; measured: string; status: 'met' | 'UNMET' | 'not measured' }
const targets: Target[] = [];
const judge = (target: string, measured: string, ok: boolean | null): void => { targets.push({ target, measured, status: ok === null ? 'not measured' : ok ? 'met' : 'UNMET' }); };
const x2 = (r: number) => `${r.toFixed(2)}x`;
{
  const cliVerify = (cli['custodian verify (SNP)'] as { ratio_to_node: number }).ratio_to_node;
  const cliHelp = (cli['custodian --help'] as { ratio_to_node: number }).ratio_to_node;
  judge('CLI verify of one SNP report: wall time ≤ 2x node -e 0', x2(cliVerify), cliVerify <= 2);
  judge('custodian --help: wall time ≤ 1.3x node -e 0', x2(cliHelp), cliHelp <= 1.3);
  const peer = (key: string) => peerResults[key] as { per_second?: number; ok?: boolean; skipped?: string; error?: string } | undefined;
  const why = (key: string) => { const p = peer(key); return p?.skipped ? `peer skipped: ${p.skipped}` : p?.ok === false ? `peer fails the case: ${p.error ?? ''}` : 'no figure'; };
  const ratioTo = (key: string, mine: number): number | null => { const p = peer(key); return p?.ok && p.per_second ? mine / p.per_second : null; };
  const [snpF, tdxF, nvF] = figures as [typeof figures[0], typeof figures[0], typeof figures[0]];
  const r1 = ratioTo('go_sev_guest', snpF.wasmWarm);
  judge('SNP, wasm, one report with a chain seen before: ≥ go-sev-guest in-process rate', r1 === null ? why('go_sev_guest') : `${x2(r1)} (wasm warm ${snpF.wasmWarm.toFixed(1)}/s vs ${peer('go_sev_guest')!.per_second!.toFixed(1)}/s)`, r1 === null ? null : r1 >= 1);
  const r2 = ratioTo('go_sev_guest', snpF.nativeWarm);
  judge('SNP, native, chain seen before: ≥ 3x go-sev-guest', r2 === null ? why('go_sev_guest') : `${x2(r2)} (native warm ${snpF.nativeWarm.toFixed(1)}/s)`, r2 === null ? null : r2 >= 3);
  const r3 = ratioTo('dcap_qvl', tdxF.wasmWarm);
  judge('TDX, wasm, quote with collateral seen before: ≥ dcap-qvl in-process rate', r3 === null ? why('dcap_qvl') : `${x2(r3)} (wasm warm ${tdxF.wasmWarm.toFixed(1)}/s vs ${peer('dcap_qvl')!.per_second!.toFixed(1)}/s)`, r3 === null ? null : r3 >= 1);
  // NVIDIA's verifier keeps nothing between verifications; judged on the warm figure (the same driver
  // and VBIOS RIMs seen before, as for SNP and TDX), the cold ratio shown beside it.
  const r4 = ratioTo('nvidia_verifier', nvF.wasmWarm);
  const r4c = ratioTo('nvidia_verifier', nvF.wasmCold);
  judge('NVIDIA H100 + 2 RIMs, wasm: ≥ 5x NVIDIA Python verifier (judged warm)', r4 === null ? why('nvidia_verifier') : `warm ${x2(r4)}, cold ${x2(r4c!)} (wasm ${nvF.wasmWarm.toFixed(1)}/s warm, ${nvF.wasmCold.toFixed(1)}/s cold vs ${peer('nvidia_verifier')!.per_second!.toFixed(1)}/s)`, r4 === null ? null : r4 >= 5);
  CASES.forEach((c, i) => {
    const f = figures[i]!;
    const cold = f.nativeCold / f.wasmCold;
    const warm = f.nativeWarm / f.wasmWarm;
    judge(`native/wasm ≤ 1.5 on ${c.name.split(' (')[0]} (cold and warm)`, `cold ${cold.toFixed(2)}, warm ${warm.toFixed(2)}`, cold <= 1.5 && warm <= 1.5);
  });
  const batch = results.batch as { files: number; threads: number; files_per_second: number; peak_rss_mib: number | null } | undefined;
  const cons = results.console_batch as { files_per_second?: number; p99_frame_gap_ms?: number; peak_rss_mib?: number | null; skipped?: string; failed?: string } | undefined;
  const consOk = cons !== undefined && typeof cons.files_per_second === 'number';
  const consWhy = cons?.skipped ?? cons?.failed ?? 'no figure';
  if (batch) {
    const rates = [`custodian batch ${batch.files_per_second.toFixed(0)} files/s`, consOk ? `console ${cons.files_per_second!.toFixed(0)} files/s` : `console: ${consWhy}`];
    judge(`Batch of ${batch.files} SNP reports (with their chains) on ${batch.threads} cores: ≥ 1,000 files/s (CLI and console)`, rates.join(', '), batch.files_per_second >= 1000 && (!consOk || cons.files_per_second! >= 1000));
  }
  judge(`Console batch of ${BATCH_FILES} files: the page's p99 frame gap ≤ 50 ms`, consOk ? `${cons.p99_frame_gap_ms} ms` : consWhy, consOk ? cons.p99_frame_gap_ms! <= 50 : null);
  const peaks: [string, number | null | undefined][] = [['custodian batch', batch?.peak_rss_mib], ['console host', consOk ? cons.peak_rss_mib : undefined]];
  const known = peaks.filter(([, v]) => typeof v === 'number') as [string, number][];
  judge(`Peak memory of batch ≤ 500 MiB for ${BATCH_FILES} files (CLI process, console host process)`, peaks.map(([k, v]) => `${k} ${typeof v === 'number' ? `${v.toFixed(0)} MiB` : 'n/a'}`).join(', '), known.length === 0 ? null : known.every(([, v]) => v <= 500));
}
console.log('\nTargets (issue 14), judged on this run:');
for (const t of targets) console.log(`  target: ${t.target} — measured ${t.measured} — ${t.status}`);
results.targets = targets;

mkdirSync(join(ROOT, 'bench'), { recursive: true });
writeFileSync(join(ROOT, 'bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
console.log('\nwrote bench/results.json');
