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
