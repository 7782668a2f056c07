/**
 * wasm traps are recoverable and reported (issue 13 item 6). Threat: input that exhausts the core's
 * stack or memory (as deep XML once did) crashing the CLI, the console's verifier or a whole batch.
 * The real core no longer has such an input, so two tiny stand-in modules with the core's ABI trap on
 * every call: one recurses until V8's stack limit (a RangeError), one executes `unreachable` (what a
 * Rust allocation failure becomes under panic=abort). Each must give a CoreTrap naming the file and
 * what ran out; a batch over them must report every file and finish.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BatchJobs } from '../electron/batch/jobs.ts';
import { Core } from '../electron/core/core.ts';
import { CoreTrap } from '../electron/core/errors.ts';
import { FIXTURES, T0, core as realCore, file } from './helpers.ts';

/** A wasm module with the core's exports whose `custodian_verify` body is `verifyBody`. */
function module(verifyBody: number[]): Uint8Array {
  const leb = (n: number) => {
    const out: number[] = [];
    do {
      let b = n & 0x7f;
      n >>>= 7;
      if (n) b |= 0x80;
      out.push(b);
    } while (n);
    return out;
  };
  const vec = (items: number[][]) => [...leb(items.length), ...items.flat()];
  const section = (id: number, content: number[]) => [id, ...leb(content.length), ...content];
  const name = (s: string) => [...leb(s.length), ...Buffer.from(s)];
  const body = (code: number[]) => [...leb(code.length + 1), 0x00, ...code];
  const [I32, I64] = [0x7f, 0x7e];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, 1, I32, 1, I32], [0x60, 2, I32, I32, 0], [0x60, 2, I32, I32, 1, I64], [0x60, 0, 1, I64]])),
    ...section(3, vec([[0], [1], [2], [3]])),
    ...section(5, vec([[0x00, 0x02]])),
    ...section(7, vec([[...name('memory'), 2, 0], [...name('custodian_alloc'), 0, 0], [...name('custodian_free'), 0, 1], [...name('custodian_verify'), 0, 2], [...name('custodian_pinned_roots'), 0, 3]])),
    ...section(10, vec([body([0x41, 0x10, 0x0b]), body([0x0b]), body(verifyBody), body([0x42, 0x00, 0x0b])])),
  ]);
}

const dir = mkdtempSync(join(tmpdir(), 'custodian-trap-'));
const RECURSE = join(dir, 'recurse.wasm');
const ABORT = join(dir, 'abort.wasm');
writeFileSync(RECURSE, module([0x20, 0x00, 0x20, 0x01, 0x10, 0x02, 0x0b])); // verify(p, n) = verify(p, n)
writeFileSync(ABORT, module([0x00, 0x0b])); // unreachable

const evidence = file(join(FIXTURES, 'valid', 'report.bin'));
const trapOf = (c: Core, name: string): CoreTrap => {
  try {
    c.verify({ evidence: { ...evidence, name }, referenceTime: T0 });
  } catch (e) {
    expect(e).toBeInstanceOf(CoreTrap);
    return e as CoreTrap;
  }
  throw new Error('expected a CoreTrap');
};

describe('a trap inside the core is a clear, recoverable error', () => {
  it('stack exhaustion names the file and says the verifier ran out of stack; the next call traps afresh', async () => {
    const c = await Core.load(RECURSE);
    const e = trapOf(c, 'deep.xml.bin');
    expect(e.kind).toBe('stack');
    expect(e.message).toMatch(/^deep\.xml\.bin: the verifier ran out of stack on this input \(wasm: .*\); the core was restarted$/);
    expect(trapOf(c, 'next.bin').message).toMatch(/^next\.bin: the verifier ran out of stack/);
  });

  it('an abort (allocation failure) names the file and says the verifier ran out of memory', async () => {
    const e = trapOf(await Core.load(ABORT), 'huge.bin');
    expect(e.kind).toBe('memory');
    expect(e.message).toMatch(/^huge\.bin: the verifier ran out of memory \(or aborted\) on this input/);
  });

  it('the real core recreates its instance after a genuine trap and verifies the next file', () => {
    expect(() => realCore.call(new TextEncoder().encode('{}'), 0xfffffff0)).toThrow(CoreTrap);
    expect(realCore.verify({ evidence, referenceTime: T0 }).platform).toBe('sev-snp');
  });

  it('a batch whose every file traps the core reports each file with the reason and finishes', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'custodian-trap-batch-'));
    for (const n of ['a.bin', 'b.bin', 'c.bin']) writeFileSync(join(folder, n), evidence.bytes);
    const jobs = new BatchJobs({ workerUrl: new URL('../electron/batch/worker.ts', import.meta.url), threads: 1, wasmPath: RECURSE });
    const { jobId, total } = await jobs.start({ folder, testAnchors: [], policy: null, referenceTime: T0.toISOString() });
    expect(total).toBe(3);
    let p = jobs.poll({ jobId, from: 0 });
    while (!p.finished) {
      await new Promise((r) => setTimeout(r, 50));
      p = jobs.poll({ jobId, from: 0 });
    }
    expect(p.rows.map((r) => [r.path, r.verdict])).toEqual([['a.bin', 'error'], ['b.bin', 'error'], ['c.bin', 'error']]);
    for (const r of p.rows) expect(r.detail).toMatch(new RegExp(`^${r.path.replace('.', '\\.')}: the verifier ran out of stack on this input`));
  });
});
