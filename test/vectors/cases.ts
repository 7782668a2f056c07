/**
 * Every appraisal request the real vectors of ../shared/vectors support (SNP, TDX/SGX, NVIDIA and the
 * formats set, from their manifest.json files), each with the reference times worth trying. Read at
 * test time, never copied; an absent set gives no cases (tests skip visibly).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NamedBytes, VerifyRequest } from '../../electron/core/appraisal.ts';
import { VECTORS } from '../helpers.ts';

/** One request without its reference time, and the times to appraise it at. */
export interface VectorCase {
  label: string;
  req: Omit<VerifyRequest, 'referenceTime'>;
  at: Date[];
}

const named = (path: string): NamedBytes => ({ name: path, bytes: readFileSync(path) });
const readManifest = <T,>(set: string): T | undefined => {
  const p = join(VECTORS, set, 'manifest.json');
  return existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as T) : undefined;
};
const times = (...iso: string[]) => iso.map((t) => new Date(t));
const vc = (label: string, req: VectorCase['req'], at: Date[]): VectorCase => ({ label, req, at });

function snpCases(): VectorCase[] {
  const SNP = join(VECTORS, 'snp');
  const m = readManifest<{ sets: { id: string; product: string; files: { path: string; kind: string }[] }[] }>('snp');
  if (!m) return [];
  const host: Record<string, string> = { Milan: 'milan/routex-v3/report.bin', Genoa: 'genoa/routex-v3/report.bin', Turin: 'turin/routex-v5/report.bin' };
  const crl: Record<string, string> = { Milan: 'crl/milan_vcek_crl.der', Genoa: 'crl/genoa_vcek_crl.der' };
  const at = times('2025-12-01T00:00:00Z', '2019-01-01T00:00:00Z', '2060-01-01T00:00:00Z');
  return m.sets.flatMap((s) => {
    const report = s.files.find((f) => f.kind === 'report' || f.kind === 'report-hex')?.path;
    const hcl = s.files.find((f) => f.kind === 'hcl')?.path;
    const certs = s.files.filter((f) => !['report', 'report-hex', 'hcl'].includes(f.kind)).map((f) => named(join(SNP, f.path)));
    const withCrl = crl[s.product] ? [...certs, named(join(SNP, crl[s.product]!))] : certs;
    const evidence = report ?? host[s.product.split('+')[0]!];
    const policy = s.id === 'parse-only-genoa-v2' ? { snp: { product: 'Genoa' } } : undefined;
    const cases: VectorCase[] = [];
    if (evidence) {
      cases.push(vc(`snp ${s.id}`, { evidence: named(join(SNP, evidence)), endorsements: certs, policy }, at));
      cases.push(vc(`snp ${s.id} + CRL`, { evidence: named(join(SNP, evidence)), endorsements: withCrl, policy }, at.slice(0, 1)));
    }
    if (hcl) cases.push(vc(`snp ${s.id} (HCL)`, { evidence: named(join(SNP, hcl)), endorsements: certs }, at.slice(0, 1)));
    return cases;
  });
}

function tdxCases(): VectorCase[] {
  const TDX = join(VECTORS, 'tdx');
  const m = readManifest<{ cases: { id: string; quote: string; collateral: string; verify_at: string }[] }>('tdx');
  if (!m) return [];
  const HCL = 'quotes/azure_hcl_report_for_tdx_v4_00806f05.bin';
  return m.cases.map((c): VectorCase => {
    const endorsements = [c.collateral, ...(c.id.startsWith('tdx-08') ? [HCL] : [])].map((p) => named(join(TDX, p)));
    const t = new Date(c.verify_at);
    const later = new Date(t.getTime() + 3 * 365 * 86400_000); // collateral long past nextUpdate
    return vc(`tdx ${c.id}`, { evidence: named(join(TDX, c.quote)), endorsements }, [t, later]);
  });
}

function nvidiaCases(): VectorCase[] {
  const NV = join(VECTORS, 'nvidia');
  type V = { vector: string; report?: string; chain?: string; rims_used?: string[]; parse?: { request?: { nonce?: string } }; entries?: { json_nonce?: string }[] };
  const m = readManifest<{ vectors: V[] }>('nvidia');
  if (!m) return [];
  const at = times('2025-06-01T00:00:00Z', '2026-11-22T00:00:00Z');
  const REF = 'gpu-hopper/h100-545.00-nonce4cff';
  return m.vectors.map((v, i): VectorCase => {
    const label = `nvidia[${i}] ${v.vector}`;
    if (v.entries) {
      const nonce = v.entries[0]?.json_nonce;
      return vc(label, { evidence: named(join(NV, v.vector)), policy: { nvidia: { ...(nonce ? { nonce } : {}), require_rims: false } } }, at);
    }
    if (!v.report) {
      // A chain without a report: appraised with the reference report.
      return vc(label, { evidence: named(join(NV, REF, 'report.hex')), endorsements: [named(join(NV, v.vector))] }, at);
    }
    const chain = v.chain!.includes('/') ? join(NV, v.chain!) : join(NV, v.vector, v.chain!);
    const nonce = v.parse?.request?.nonce;
    return vc(label, {
      evidence: named(join(NV, v.vector, v.report)),
      endorsements: [named(chain)],
      rims: (v.rims_used ?? []).map((r) => named(join(NV, r))),
      policy: { nvidia: { ...(nonce ? { nonce } : {}), require_rims: (v.rims_used ?? []).length > 0 } },
    }, at);
  });
}

function formatCases(): VectorCase[] {
  const F = join(VECTORS, 'formats');
  const m = readManifest<{ cases: { id: string; files: string[] }[] }>('formats');
  if (!m) return [];
  return m.cases.flatMap((c): VectorCase[] => {
    const [first, ...rest] = c.files.map((f) => named(join(F, f)));
    return first ? [vc(`formats ${c.id}`, { evidence: first, endorsements: rest }, times('2025-12-01T00:00:00Z'))] : [];
  });
}
/** Every case of every set. */
export function vectorCases(): VectorCase[] {
  return [...snpCases(), ...tdxCases(), ...nvidiaCases(), ...formatCases()];
}
