/**
 * The core's field map (wasm/src/fields.rs) for display: the tree flattened into rows with their
 * depth, the field holding a byte, and which checks judged each field (Check.fields).
 */
import type { LayoutField } from '../api';

/** One row of the flattened tree. */
export interface FieldRow {
  field: LayoutField;
  /** 0 for top-level fields. */
  depth: number;
}

/** Every field of `layout`, depth first, parents before their children. */
export function flattenFields(layout: readonly LayoutField[], depth = 0, out: FieldRow[] = []): FieldRow[] {
  for (const field of layout) {
    out.push({ field, depth });
    if (field.children) flattenFields(field.children, depth + 1, out);
  }
  return out;
}

/** The innermost field holding byte `offset`, if any. */
export function fieldAt(layout: readonly LayoutField[], offset: number): LayoutField | undefined {
  const f = layout.find((x) => offset >= x.offset && offset < x.offset + x.length);
  if (!f) return undefined;
  return (f.children && fieldAt(f.children, offset)) ?? f;
}

/** A check that judged a field, as the table marks it. */
export interface FieldMark {
  id: string;
  status: 'fail' | 'warn';
}

/**
 * Failing and warning checks by the field ids they judged, for the view whose checks carry
 * `prefix` (`gpu0.`, `cpu0.`, or '' for the appraisal's own; an own view ignores device checks).
 */
export function fieldMarks(checks: readonly { id: string; status: string; fields?: string[] }[], prefix: string): Map<string, FieldMark[]> {
  const marks = new Map<string, FieldMark[]>();
  for (const c of checks) {
    if (c.status !== 'fail' && c.status !== 'warn') continue;
    if (prefix ? !c.id.startsWith(prefix) : /^(gpu|switch|cpu)\d+\./.test(c.id)) continue;
    for (const f of c.fields ?? []) marks.set(f, [...(marks.get(f) ?? []), { id: c.id, status: c.status }]);
  }
  return marks;
}

/** A field folds its clear single bits when it has at least this many (XFAM's XSAVE components, SNP POLICY). */
export const FOLD_CLEAR_BITS_AT = 8;

/** One line of a field's named parts, as the table shows it. */
export interface PartLine {
  /** `NAME = value · where`, e.g. `DEBUG = 0 · bit 19`. */
  text: string;
  /** A single bit (`bit N`) reading 0: folded away when the field has many of them. */
  clear: boolean;
  /** The core's name of the part (`DEBUG`, `AVX`), its value (`0`, `0 (VCEK)`) and where it is (`bit 19`). */
  name: string;
  value: string;
  at: string;
}

/**
 * The lines of a field's named parts (bits, bit ranges, TCB components), in the core's order, and the
 * names of its clear single bits when there are {@link FOLD_CLEAR_BITS_AT} or more of them (else
 * `folded` is empty: every line stays shown). The names and positions are the core's
 * (wasm/src/{snp,tdx}/fields.rs); this only decides what is folded.
 */
export function partLines(parts: readonly { name: string; value: string; at: string }[]): { lines: PartLine[]; folded: string[] } {
  const lines = parts.map((p) => ({ text: `${p.name} = ${p.value} · ${p.at}`, clear: /^bit \d+$/.test(p.at) && p.value === '0', name: p.name, value: p.value, at: p.at }));
  const clear = lines.filter((l) => l.clear).map((l) => l.name);
  return { lines, folded: clear.length >= FOLD_CLEAR_BITS_AT ? clear : [] };
}
