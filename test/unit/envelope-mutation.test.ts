/**
 * Mutation fuzzing of the envelope readers (electron/evidence/envelopes.ts, vault/trustee.ts,
 * vault/trustee-snp.ts), which are TypeScript and so outside the core's cargo-fuzz targets (issue 13).
 * Threat: a hostile envelope (a Trustee Attestation, SNP/TDX evidence JSON or an Azure vTPM envelope
 * posted by a guest or handed to a responder) makes the reader throw something other than a clear
 * InputError — a TypeError or RangeError that escapes as "undefined is not an object", loses the file
 * name, or crashes a batch.
 *
 * Seeds are synthetic envelopes over the project's fixtures; mutations are structure-aware (replace or
 * delete one JSON member at a random path) and byte-level (truncate, flip bytes). The PRNG is seeded,
 * so every run tries the same inputs and a failure names the seed and the mutation.
 */
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { openEnvelope } from '../../electron/evidence/envelopes.ts';
import { writeAttestation } from '../../electron/vault/trustee.ts';
import { sevReportFromBytes } from '../../electron/vault/trustee-snp.ts';
import { InputError } from '../../electron/core/errors.ts';
import { makeCcel } from '../../fixtures/lib/eventlog.mjs';

const fx = (p: string) => readFileSync(new URL(`../../fixtures/${p}`, import.meta.url));
const report = fx('snp/valid/report.bin');
const vcek = fx('snp/valid/vcek.der');
const quote = fx('tdx/sample/quote.bin');
const ccel = makeCcel([{ mr: 1, type: 0x80000001, data: new TextEncoder().encode('efi variable') }, { mr: 2, type: 0x0d, data: new TextEncoder().encode('grub_cmd linux') }]).log;
const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
const teePubkey = { ...(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' }) as Record<string, string>), alg: 'ECDH-ES+A256KW' };

const SEEDS: Record<string, unknown> = {
  'attestation-snp': JSON.parse(writeAttestation({ nonce: 'bm9uY2U', teePubkey: teePubkey as never, primary: { platform: 'snp', report } })),
  'attestation-tdx': JSON.parse(writeAttestation({ nonce: 'bm9uY2U', teePubkey: teePubkey as never, primary: { platform: 'tdx', quote, ccEventlog: ccel } })),
  'snp-json': { attestation_report: sevReportFromBytes(report), cert_chain: [{ cert_type: 'vcek', data: [...vcek.subarray(0, 64)] }] },
  'tdx-json': { quote: b64(quote), cc_eventlog: b64(ccel) },
  'az-snp-vtpm': { version: 1, hcl_report: b64(report), tpm_quote: { signature: 'AA', message: 'AA', pcrs: ['AA'] }, vcek: b64(vcek) },
  'az-tdx-vtpm': { version: 1, hcl_report: b64(report), tpm_quote: { signature: 'AA', message: 'AA', pcrs: [] }, td_quote: b64(quote) },
};

/** mulberry32: a small seeded PRNG (test inputs only, not cryptography). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NASTY: unknown[] = [null, 0, -1, 1e308, 2 ** 53 + 1, 3.5, '', '!!', '====', 'AAAA'.repeat(4096), 'x'.repeat(70_000), true, [], {}, [null], { a: 1 }, [[[[[]]]]], '\u0000', '__proto__', -0];

/** Every [parent, key] in `v`, depth first (the document is small; this is bounded by its size). */
function slots(v: unknown): [Record<string, unknown> | unknown[], string | number][] {
  const out: [Record<string, unknown> | unknown[], string | number][] = [];
  const stack: unknown[] = [v];
  while (stack.length) {
    const x = stack.pop();
    if (Array.isArray(x)) x.slice(0, 16).forEach((c, i) => { out.push([x, i]); stack.push(c); });
    else if (x && typeof x === 'object') for (const [k, c] of Object.entries(x)) { out.push([x as Record<string, unknown>, k]); stack.push(c); }
  }
  return out;
}

function mutate(seed: unknown, rnd: () => number): { bytes: Buffer; how: string } {
  const pick = <T,>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const doc = structuredClone(seed);
  const choice = rnd();
  if (choice < 0.6) {
    const [parent, key] = pick(slots(doc));
    if (rnd() < 0.25 && !Array.isArray(parent)) {
      delete parent[key as string];
      return { bytes: Buffer.from(JSON.stringify(doc)), how: `delete ${key}` };
    }
    const value = pick(NASTY);
    (parent as Record<string | number, unknown>)[key] = value;
    return { bytes: Buffer.from(JSON.stringify(doc)), how: `${key} = ${JSON.stringify(value)?.slice(0, 20)}` };
  }
  const text = Buffer.from(JSON.stringify(doc));
  const at = Math.floor(rnd() * text.length);
  if (choice < 0.75) return { bytes: text.subarray(0, at), how: `truncate at ${at}` };
  const out = Buffer.from(text);
  for (let i = 0; i < 1 + Math.floor(rnd() * 8); i++) out[Math.floor(rnd() * out.length)] = Math.floor(rnd() * 256);
  return { bytes: out, how: `flip bytes (first at ${at})` };
}

describe('envelope readers under mutation (threat: a hostile envelope escapes as a non-InputError)', () => {
  for (const [name, seed] of Object.entries(SEEDS)) {
    it(`${name}: the seed opens, and 3,000 mutants each open, return null or throw an InputError naming the file`, () => {
      const opened = openEnvelope({ name: `${name}.json`, bytes: Buffer.from(JSON.stringify(seed)) });
      expect(opened?.evidence.bytes.length).toBeGreaterThan(0);
      const rnd = prng(0xc0ffee ^ name.length);
      let refused = 0;
      for (let i = 0; i < 3000; i++) {
        const { bytes, how } = mutate(seed, rnd);
        try {
          openEnvelope({ name: `${name}.json`, bytes });
        } catch (e) {
          if (!(e instanceof InputError) || e.file !== `${name}.json`) throw new Error(`${name} mutant ${i} (${how}): ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
          refused++;
        }
      }
      // The mutations must reach the readers' checks, not only the JSON parser's "not an envelope".
      expect(refused).toBeGreaterThan(50);
    });
  }
});
