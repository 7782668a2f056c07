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
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Core } from '../../electron/core/core.ts';
import type { NamedBytes, VerifyRequest } from '../../electron/core/appraisal.ts';
import { VECTORS } from '../helpers.ts';
import { vectorCases } from './cases.ts';

interface Case {
  label: string;
  req: VerifyRequest;
}

const named = (path: string): NamedBytes => ({ name: path, bytes: readFileSync(path) });

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

const CASES: Case[] = vectorCases().flatMap((c) => expand(c.label, c.req, c.at));

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
  }, 300_000); // one fresh core per request (~100 requests): minutes on 2 loaded cores

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
