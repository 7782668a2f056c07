/**
 * The core's verified-link cache (wasm/src/cache.rs) never changes an appraisal: every real vector of
 * ../shared/vectors (SNP, TDX/SGX, NVIDIA and the formats set, from their manifest.json files), at
 * several reference times and with byte-flipped copies, is appraised by
 *   - a cold core (a fresh wasm instance per request),
 *   - one warm core that sees every request twice (second pass in reverse order, so genuine and
 *     tampered inputs each follow the other), and
 *   - a core with the cache turned off,
 * and the JSON (or the input error) must be identical byte for byte.
 * Threats: a cached "signature verifies" answering for different bytes (a tampered certificate, CRL,
 * collateral or RIM), and a cached validity/freshness outcome answering for another reference time.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Core } from '../../electron/core/core.ts';
import type { NamedBytes, VerifyRequest } from '../../electron/core/appraisal.ts';
import { VECTORS } from '../helpers.ts';

interface Case {
  label: string;
  req: VerifyRequest;
}

const named = (path: string): NamedBytes => ({ name: path, bytes: readFileSync(path) });
const readManifest = <T,>(set: string): T | undefined => {
  const p = join(VECTORS, set, 'manifest.json');
  return existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as T) : undefined;
};
const times = (...iso: string[]) => iso.map((t) => new Date(t));

/** A copy with the last byte flipped: for DER it lands in the signature, so verification must fail. */
function flipped(b: NamedBytes): NamedBytes {
  const bytes = Buffer.from(b.bytes);
  bytes[bytes.length - 1]! ^= 0x01;
  return { name: `${b.name} (last byte flipped)`, bytes };
}
const isBinary = (b: NamedBytes) => !/^\s*[-{<]/.test(Buffer.from(b.bytes.subarray(0, 16)).toString('latin1'));

/** Each request at each time, plus one copy per binary endorsement with that endorsement's last byte flipped. */
function expand(label: string, base: Omit<VerifyRequest, 'referenceTime'>, at: Date[]): Case[] {
  const out: Case[] = [];
  for (const t of at) {
    out.push({ label: `${label} @ ${t.toISOString()}`, req: { ...base, referenceTime: t } });
    (base.endorsements ?? []).forEach((e, i) => {
      if (!isBinary(e)) return;
      const endorsements = base.endorsements!.map((x, j) => (j === i ? flipped(x) : x));
      out.push({ label: `${label} @ ${t.toISOString()} with ${e.name} flipped`, req: { ...base, endorsements, referenceTime: t } });
    });
  }
  return out;
}

function snpCases(): Case[] {
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
    const cases: Case[] = [];
    if (evidence) {
      cases.push(...expand(`snp ${s.id}`, { evidence: named(join(SNP, evidence)), endorsements: certs, policy }, at));
      cases.push(...expand(`snp ${s.id} + CRL`, { evidence: named(join(SNP, evidence)), endorsements: withCrl, policy }, at.slice(0, 1)));
    }
    if (hcl) cases.push(...expand(`snp ${s.id} (HCL)`, { evidence: named(join(SNP, hcl)), endorsements: certs }, at.slice(0, 1)));
    return cases;
  });
}

function tdxCases(): Case[] {
  const TDX = join(VECTORS, 'tdx');
  const m = readManifest<{ cases: { id: string; quote: string; collateral: string; verify_at: string }[] }>('tdx');
  if (!m) return [];
  const HCL = 'quotes/azure_hcl_report_for_tdx_v4_00806f05.bin';
  return m.cases.flatMap((c) => {
    const endorsements = [c.collateral, ...(c.id.startsWith('tdx-08') ? [HCL] : [])].map((p) => named(join(TDX, p)));
    const t = new Date(c.verify_at);
    const later = new Date(t.getTime() + 3 * 365 * 86400_000); // collateral long past nextUpdate
    return expand(`tdx ${c.id}`, { evidence: named(join(TDX, c.quote)), endorsements }, [t, later]);
  });
}

function nvidiaCases(): Case[] {
  const NV = join(VECTORS, 'nvidia');
  type V = { vector: string; report?: string; chain?: string; rims_used?: string[]; parse?: { request?: { nonce?: string } }; entries?: { json_nonce?: string }[] };
  const m = readManifest<{ vectors: V[] }>('nvidia');
  if (!m) return [];
  const at = times('2025-06-01T00:00:00Z', '2026-11-22T00:00:00Z');
  const REF = 'gpu-hopper/h100-545.00-nonce4cff';
  return m.vectors.flatMap((v, i) => {
    const label = `nvidia[${i}] ${v.vector}`;
    if (v.entries) {
      const nonce = v.entries[0]?.json_nonce;
      return expand(label, { evidence: named(join(NV, v.vector)), policy: { nvidia: { ...(nonce ? { nonce } : {}), require_rims: false } } }, at);
    }
    if (!v.report) {
      // A chain without a report: appraised with the reference report.
      return expand(label, { evidence: named(join(NV, REF, 'report.hex')), endorsements: [named(join(NV, v.vector))] }, at);
    }
    const chain = v.chain!.includes('/') ? join(NV, v.chain!) : join(NV, v.vector, v.chain!);
    const nonce = v.parse?.request?.nonce;
    return expand(label, {
      evidence: named(join(NV, v.vector, v.report)),
      endorsements: [named(chain)],
      rims: (v.rims_used ?? []).map((r) => named(join(NV, r))),
      policy: { nvidia: { ...(nonce ? { nonce } : {}), require_rims: (v.rims_used ?? []).length > 0 } },
    }, at);
  });
}

function formatCases(): Case[] {
  const F = join(VECTORS, 'formats');
  const m = readManifest<{ cases: { id: string; files: string[] }[] }>('formats');
  if (!m) return [];
  return m.cases.flatMap((c) => {
    const [first, ...rest] = c.files.map((f) => named(join(F, f)));
    return first ? expand(`formats ${c.id}`, { evidence: first, endorsements: rest }, times('2025-12-01T00:00:00Z')) : [];
  });
}

const CASES: Case[] = [...snpCases(), ...tdxCases(), ...nvidiaCases(), ...formatCases()];

/** The appraisal JSON, or the error a request raised (an input error is an outcome too). */
function outcome(core: Core, req: VerifyRequest): string {
  try {
    return JSON.stringify(core.verify(req));
  } catch (e) {
    return `error: ${(e as Error).name}: ${(e as Error).message}`;
  }
}

describe.skipIf(CASES.length === 0)('verified-link cache: appraisals are identical cold, warm and with the cache off', () => {
  it(`covers the real vectors of every platform (${CASES.length} requests)`, () => {
    for (const p of ['snp ', 'tdx ', 'nvidia[', 'formats ']) expect(CASES.some((c) => c.label.startsWith(p)), p).toBe(true);
  });

  it('every request: cold (fresh instance) = warm (pass 1 and pass 2 in reverse) = cache off, byte for byte', async () => {
    const cold: string[] = [];
    for (const c of CASES) cold.push(outcome(await Core.load(), c.req));

    const warm = await Core.load();
    const pass1 = CASES.map((c) => outcome(warm, c.req));
    const pass2 = [...CASES].reverse().map((c) => outcome(warm, c.req)).reverse();
    const stats = warm.cacheStats();

    const off = await Core.load();
    off.setCache(false);
    const uncached = CASES.map((c) => outcome(off, c.req));
    expect(off.cacheStats()).toEqual({ hits: 0, misses: 0, entries: 0 });

    const differ = (other: string[]) => CASES.filter((_, i) => other[i] !== cold[i]).map((c) => c.label);
    expect(differ(pass1), 'warm pass 1').toEqual([]);
    expect(differ(pass2), 'warm pass 2').toEqual([]);
    expect(differ(uncached), 'cache off').toEqual([]);
    // The warm core really answered from the cache (else this test would prove nothing).
    expect(stats.hits).toBeGreaterThan(CASES.length);
    expect(stats.entries).toBeGreaterThan(0);
  });

  it('a flipped endorsement does not inherit the genuine one\'s cached signature outcome', async () => {
    const warm = await Core.load();
    const SNP = join(VECTORS, 'snp', 'milan', 'routex-v3');
    // The VCEK alone (ASK and ARK are the core's own): the flipped byte is the VCEK signature's last.
    const base = { evidence: named(join(SNP, 'report.bin')), endorsements: [named(join(SNP, 'vcek.der'))], referenceTime: new Date('2025-12-01T00:00:00Z') };
    const status = (a: ReturnType<Core['verify']>, id: string) => a.checks.find((k) => k.id === id)?.status;
    expect(status(warm.verify(base), 'chain.vek.signature')).toBe('pass');
    const tampered = warm.verify({ ...base, endorsements: [flipped(base.endorsements[0]!)] });
    expect(status(tampered, 'chain.vek.signature')).toBe('fail');
    expect(tampered.verdict).toBe('contraindicated');
    expect(status(warm.verify(base), 'chain.vek.signature')).toBe('pass');
  });
});
