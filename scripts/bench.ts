/**
 * `npm run bench`: verifications per second of one real Milan report (../shared/vectors/snp/milan/
 * routex-v3 with its chain and the Milan CRL) through the wasm core in Node and through the native
 * build, measured back to back in one run, and their ratio. Then the same for one NVIDIA H100 GPU
 * evidence set (../shared/vectors/nvidia/gpu-hopper/h100-545.00-nonce4cff: report, device chain,
 * driver and VBIOS RIMs — chain, report signature, two XMLDSig/C14N 1.1 RIMs and 33 golden values).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCore } from '../electron/core/core.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SNP = join(ROOT, '..', 'shared', 'vectors', 'snp');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const AT = new Date('2025-12-01T00:00:00Z');

if (!existsSync(SNP)) {
  console.error(`bench: ${SNP} not found; the benchmark needs the real Milan vector`);
  process.exit(1);
}
const files = {
  evidence: join(SNP, 'milan/routex-v3/report.bin'),
  endorsements: [join(SNP, 'milan/routex-v3/vcek_chain.pem'), join(SNP, 'crl/milan_vcek_crl.der')],
};
const named = (p: string) => ({ name: p, bytes: readFileSync(p) });

const core = await loadCore();
const req = { evidence: named(files.evidence), endorsements: files.endorsements.map(named), referenceTime: AT };
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

execFileSync('bash', [join(ROOT, 'scripts/cargo.sh'), 'build', '--release', '--example', 'bench', '--quiet'], { stdio: 'inherit' });
const nativeOut = execFileSync(join(ROOT, 'wasm/target/release/examples/bench'), [String(SECONDS), String(AT.getTime() / 1000), files.evidence, ...files.endorsements], { encoding: 'utf8' });
const native = JSON.parse(nativeOut) as { per_second: number; iterations: number; verdict: string };

console.log(`verdict: wasm ${verdict}, native ${native.verdict}`);
console.log(`wasm (Node ${process.version}): ${wasm.toFixed(1)} verifications/s (${n} in ${wasmSeconds.toFixed(2)} s)`);
console.log(`native:               ${native.per_second.toFixed(1)} verifications/s (${native.iterations} in ${SECONDS} s)`);
console.log(`ratio native/wasm:    ${(native.per_second / wasm).toFixed(2)}x`);

// ---- NVIDIA GPU evidence ----------------------------------------------------------------------
const NV = join(ROOT, '..', 'shared', 'vectors', 'nvidia', 'gpu-hopper', 'h100-545.00-nonce4cff');
if (!existsSync(NV)) {
  console.log(`bench: ${NV} not found; GPU benchmark skipped`);
} else {
  const gpu = {
    evidence: join(NV, 'report.hex'),
    chain: join(NV, 'cert-chain.pem'),
    rims: [join(NV, 'rim-driver-545.00.swidtag'), join(NV, 'rim-vbios-1010_0200_882_96005E0001-test.swidtag')],
  };
  const GPU_AT = new Date('2025-06-01T00:00:00Z');
  const policy = { nvidia: { nonce: '4cff7f5380ead8fad8ec2c531c110aca4302a88f603792801a8ca29ee151af2e' } };
  const gpuReq = { evidence: named(gpu.evidence), endorsements: [named(gpu.chain)], rims: gpu.rims.map(named), policy, referenceTime: GPU_AT };
  const gpuVerdict = core.verify(gpuReq).verdict;
  for (let i = 0; i < 5; i++) core.verify(gpuReq); // warm-up
  let g = 0;
  const gStart = performance.now();
  while (performance.now() - gStart < SECONDS * 1000) {
    core.verify(gpuReq);
    g++;
  }
  const gSeconds = (performance.now() - gStart) / 1000;
  const gWasm = g / gSeconds;
  const gOut = execFileSync(
    join(ROOT, 'wasm/target/release/examples/bench'),
    [String(SECONDS), String(GPU_AT.getTime() / 1000), gpu.evidence, gpu.chain, ...gpu.rims.map((r) => `--rim=${r}`), `--policy=${JSON.stringify(policy)}`],
    { encoding: 'utf8' },
  );
  const gNative = JSON.parse(gOut) as { per_second: number; iterations: number; verdict: string };
  console.log(`GPU (H100 545.00 + 2 RIMs) verdict: wasm ${gpuVerdict}, native ${gNative.verdict}`);
  console.log(`GPU wasm (Node ${process.version}): ${gWasm.toFixed(1)} verifications/s (${g} in ${gSeconds.toFixed(2)} s)`);
  console.log(`GPU native:               ${gNative.per_second.toFixed(1)} verifications/s (${gNative.iterations} in ${SECONDS} s)`);
  console.log(`GPU ratio native/wasm:    ${(gNative.per_second / gWasm).toFixed(2)}x`);
}
