/** The TypeScript wrapper around the wasm core: typed errors, trap recovery, determinism. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CoreTrap, InputError } from '../electron/core/errors.ts';
import { FIXTURES, core, file, verify } from './helpers.ts';

const report = file(join(FIXTURES, 'valid', 'report.bin'));

describe('wasm core wrapper', () => {
  it('turns a trap inside wasm into a CoreTrap and keeps working afterwards', () => {
    const request = new TextEncoder().encode('{}');
    // A pointer beyond linear memory makes the core read out of bounds: a genuine wasm trap.
    expect(() => core.call(request, 0xfffffff0)).toThrow(CoreTrap);
    expect(verify({ evidence: report }).platform).toBe('sev-snp');
  });

  it('reports unparseable input as an InputError naming the file and field', () => {
    const err = (() => {
      try {
        verify({ evidence: { name: 'short.bin', bytes: report.bytes.subarray(0, 1183) } });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(InputError);
    expect(err).toMatchObject({ file: 'short.bin', field: 'ATTESTATION_REPORT' });
    expect(String((err as Error).message)).toContain('1183');
  });

  it('rejects a request that is not JSON without trapping', () => {
    expect(JSON.parse(core.call(new TextEncoder().encode('not json')))).toMatchObject({ ok: false, error: { field: 'request' } });
  });

  it('is a pure function: same input, same appraisal; the reference time is an input', () => {
    const a = verify({ evidence: report, endorsements: [file(join(FIXTURES, 'valid', 'vcek.der'))] });
    const b = verify({ evidence: report, endorsements: [file(join(FIXTURES, 'valid', 'vcek.der'))] });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    const later = verify({ evidence: report, endorsements: [file(join(FIXTURES, 'valid', 'vcek.der'))], referenceTime: new Date('2040-01-01T00:00:00Z') });
    expect(later.reference_time).toBe('2040-01-01T00:00:00Z');
    expect(later.checks.find((c) => c.id === 'chain.vek.validity')?.status).toBe('fail');
  });
});
