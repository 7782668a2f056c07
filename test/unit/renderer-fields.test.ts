/**
 * The Inspector's reading of the core's bit-field parts (renderer/src/lib/fields.ts partLines): which
 * lines fold. Threat covered: a fold that hid a set bit (DEBUG = 1, a feature the TD may use) or a
 * multi-bit part would hide exactly what a reviewer must see; only clear single bits may fold.
 */
import { describe, expect, it } from 'vitest';
import { FOLD_CLEAR_BITS_AT, partLines } from '../../renderer/src/lib/fields.ts';

const bit = (name: string, n: number, v: 0 | 1) => ({ name, at: `bit ${n}`, value: String(v) });

describe('bit-field part lines', () => {
  it('a field with many clear single bits folds exactly those, in the core order, keeping set bits and ranges', () => {
    const parts = [bit('X87', 0, 1), bit('SSE', 1, 1), ...Array.from({ length: FOLD_CLEAR_BITS_AT }, (_, i) => bit(`C${i}`, i + 2, 0)), bit('PKRU', 9, 1), { name: 'other bits', at: 'bits 63:19', value: '0x0' }];
    const { lines, folded } = partLines(parts);
    expect(lines.map((l) => l.text)).toEqual(parts.map((p) => `${p.name} = ${p.value} · ${p.at}`));
    expect(folded).toEqual(Array.from({ length: FOLD_CLEAR_BITS_AT }, (_, i) => `C${i}`));
    expect(lines.filter((l) => !l.clear).map((l) => l.name)).toEqual(['X87', 'SSE', 'PKRU', 'other bits']);
  });

  it('fewer clear bits than the threshold: nothing folds', () => {
    const parts = Array.from({ length: FOLD_CLEAR_BITS_AT - 1 }, (_, i) => bit(`C${i}`, i, 0));
    expect(partLines(parts).folded).toEqual([]);
  });

  it('a zero multi-bit part, a component or a decoded value is never a clear bit', () => {
    const parts = [
      { name: 'ABI_MAJOR', at: 'bits 15:8', value: '0' },
      { name: 'TEE', at: 'byte 1', value: '0' },
      { name: 'SIGNING_KEY', at: 'bits 4:2', value: '0 (VCEK)' },
      ...Array.from({ length: FOLD_CLEAR_BITS_AT }, (_, i) => ({ name: `R${i}`, at: `bit ${i}`, value: '0x0' })),
    ];
    const { lines, folded } = partLines(parts);
    expect(lines.some((l) => l.clear)).toBe(false);
    expect(folded).toEqual([]);
  });
});
