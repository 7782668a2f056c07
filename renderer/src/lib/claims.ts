/** Flattening and comparing an appraisal's claims (used by Compare and by the field list). */

/** `{a: {b: 1}}` → `[['a.b', '1']]`; arrays index as `a.0`; values as display strings. Sorted by path. */
export function flattenClaims(claims: Record<string, unknown>): [string, string][] {
  const out: [string, string][] = [];
  const walk = (value: unknown, path: string) => {
    if (value !== null && typeof value === 'object') {
      const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
      if (entries.length === 0) out.push([path, Array.isArray(value) ? '[]' : '{}']);
      for (const [k, v] of entries) walk(v, path ? `${path}.${k}` : k);
    } else {
      out.push([path, value === null ? 'null' : String(value)]);
    }
  };
  walk(claims, '');
  return out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** One compared field; `left`/`right` are undefined where a side lacks the field. */
export interface ClaimDiff {
  path: string;
  left: string | undefined;
  right: string | undefined;
  differs: boolean;
}

/** Every field of either side, with whether the two values differ. */
export function diffClaims(left: Record<string, unknown>, right: Record<string, unknown>): ClaimDiff[] {
  const l = new Map(flattenClaims(left));
  const r = new Map(flattenClaims(right));
  const paths = [...new Set([...l.keys(), ...r.keys()])].sort();
  return paths.map((path) => ({ path, left: l.get(path), right: r.get(path), differs: l.get(path) !== r.get(path) }));
}
