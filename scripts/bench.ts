/**
 * `npm run bench`: verifications per second of real evidence through the wasm core in Node and
 * through the native build, measured back to back in one run, and their ratio, for each platform:
 * - SEV-SNP: ../shared/vectors/snp/milan/routex-v3 with its chain and the Milan CRL;
 * - TDX: ../shared/vectors/tdx case tdx-01 (v4 quote with its QuoteCollateralV3 bundle);
 * - NVIDIA: ../shared/vectors/nvidia/gpu-hopper/h100-545.00-nonce4cff (report, device chain, driver
 *   and VBIOS RIMs — chain, report signature, two XMLDSig/C14N 1.1 RIMs and 33 golden values);
 * then the RIM XML path alone (wasm/examples/xml_bench.rs): ms per MB for flat, deep and
 * namespace-heavy documents, and the time to refuse 100,000-deep and 3,000-level namespace nesting.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
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

for (const c of CASES) {
  const req = { evidence: named(c.evidence), endorsements: c.endorsements.map(named), rims: (c.rims ?? []).map(named), policy: c.policy, referenceTime: c.at };
  const verdict = core.verify(req).verdict;
  for (let i = 0; i < 20; i++) core.verify(req); // warm-up
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < SECONDS * 1000) {
    core.verify(req);
    n++;
  }
  const wasmSeconds = (performance.now() - start) / 1000;
  const wasm = n / wasmSeconds;
  const extra = [...(c.rims ?? []).map((r) => `--rim=${r}`), ...(c.policy === undefined ? [] : [`--policy=${JSON.stringify(c.policy)}`])];
  const nativeOut = execFileSync(join(ROOT, 'wasm/target/release/examples/bench'), [String(SECONDS), String(c.at.getTime() / 1000), c.evidence, ...c.endorsements, ...extra], { encoding: 'utf8' });
  const native = JSON.parse(nativeOut) as { per_second: number; iterations: number; verdict: string };
  console.log(`\n${c.name}`);
  console.log(`  verdict: wasm ${verdict}, native ${native.verdict}`);
  console.log(`  wasm (Node ${process.version}): ${wasm.toFixed(1)} verifications/s (${n} in ${wasmSeconds.toFixed(2)} s)`);
  console.log(`  native:               ${native.per_second.toFixed(1)} verifications/s (${native.iterations} in ${SECONDS} s)`);
  console.log(`  ratio native/wasm:    ${(native.per_second / wasm).toFixed(2)}x`);
}

// RIM XML path (issue 13): shape pre-scan + roxmltree + C14N 1.1, time per MB for flat, deep and
// namespace-heavy documents at the limits, and the time to refuse what is over them (native build).
execFileSync('bash', [join(ROOT, 'scripts/cargo.sh'), 'build', '--release', '--example', 'xml_bench', '--quiet'], { stdio: 'inherit' });
console.log('\nRIM XML (pre-scan + parse + C14N 1.1 of the whole document), native:');
for (const line of execFileSync(join(ROOT, 'wasm/target/release/examples/xml_bench'), ['2'], { encoding: 'utf8' }).trim().split('\n')) {
  const r = JSON.parse(line) as { doc: string; bytes: number; ms: number; ms_per_mb: number; outcome: string };
  console.log(`  ${r.doc.padEnd(32)} ${(r.bytes / 1e6).toFixed(2).padStart(5)} MB  ${r.ms.toFixed(3).padStart(9)} ms  ${r.ms_per_mb.toFixed(2).padStart(8)} ms/MB  ${r.outcome}`);
}
