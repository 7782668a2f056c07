/**
 * Hex view of the evidence bytes, with an ASCII column. The selected field's bytes are highlighted, the
 * bytes of fields a failing check judged are underlined; clicking a byte (or moving the cursor with the
 * arrow keys while the view has focus) selects the innermost field of the core's map that holds it.
 */
import { useMemo, useState, type KeyboardEvent } from 'react';
import type { LayoutField } from '../api';
import { fieldAt, flattenFields, type FieldMark } from '../lib/fields';

const PER_ROW = 16;
/** Bytes shown at most (quotes with large certification data are cut, with a note). */
const MAX_BYTES = 64 * 1024;
const hex2 = (n: number) => n.toString(16).padStart(2, '0');
/** The byte as an ASCII character: printable 0x20–0x7e as itself, anything else as `.`. */
const ascii = (n: number) => (n >= 0x20 && n <= 0x7e ? String.fromCharCode(n) : '.');

export { fieldAt };

export interface HexViewProps {
  bytes: Uint8Array;
  layout: readonly LayoutField[];
  selected: string | null;
  onSelect(id: string | null): void;
  /** Failing/warning checks by field id: failing fields' bytes are underlined. */
  marks?: ReadonlyMap<string, FieldMark[]>;
}

export function HexView({ bytes, layout, selected, onSelect, marks }: HexViewProps) {
  const [cursor, setCursor] = useState(0);
  const all = useMemo(() => flattenFields(layout).map((r) => r.field), [layout]);
  const field = all.find((f) => f.id === selected);
  const shown = Math.min(bytes.length, MAX_BYTES);
  const inField = (o: number) => field !== undefined && o >= field.offset && o < field.offset + field.length;
  const failing = useMemo(() => {
    const bad = new Uint8Array(shown);
    for (const f of all) if (marks?.get(f.id)?.some((m) => m.status === 'fail')) bad.fill(1, Math.min(f.offset, shown), Math.min(f.offset + f.length, shown));
    return bad;
  }, [all, marks, shown]);
  const rows = useMemo(() => Array.from({ length: Math.ceil(shown / PER_ROW) }, (_, r) => r * PER_ROW), [shown]);

  const moveTo = (offset: number) => {
    const o = Math.max(0, Math.min(shown - 1, offset));
    setCursor(o);
    onSelect(fieldAt(layout, o)?.id ?? null);
  };
  const onKey = (e: KeyboardEvent) => {
    const step = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: PER_ROW, ArrowUp: -PER_ROW }[e.key];
    if (step === undefined) return;
    e.preventDefault();
    moveTo(cursor + step);
  };

  return (
    <div className="hex" role="group" aria-label="Evidence bytes (arrow keys move the cursor and select the field under it)" tabIndex={0} onKeyDown={onKey}>
      <p className="muted" aria-live="polite">
        {field ? `${field.label}: bytes 0x${field.offset.toString(16)}–0x${(field.offset + field.length - 1).toString(16)} (${field.length} bytes)` : 'Select a field or a byte.'}
      </p>
      <pre className="hex-grid">
        {rows.map((start) => (
          <div key={start} className="hex-row">
            <span className="hex-offset">{start.toString(16).padStart(6, '0')}</span>
            {Array.from({ length: Math.min(PER_ROW, shown - start) }, (_, i) => {
              const o = start + i;
              return (
                <span key={o} data-offset={o} className={`hex-byte${inField(o) ? ' sel' : ''}${o === cursor ? ' cursor' : ''}${failing[o] ? ' bad' : ''}`} onClick={() => moveTo(o)}>
                  {hex2(bytes[o]!)}
                </span>
              );
            })}
            <span className="hex-ascii" aria-hidden="true">
              {Array.from({ length: Math.min(PER_ROW, shown - start) }, (_, i) => (
                <span key={i} className={inField(start + i) ? 'sel' : undefined} onClick={() => moveTo(start + i)}>
                  {ascii(bytes[start + i]!)}
                </span>
              ))}
            </span>
          </div>
        ))}
      </pre>
      {bytes.length > shown && <p className="muted">Showing the first {MAX_BYTES} of {bytes.length} bytes.</p>}
    </div>
  );
}
