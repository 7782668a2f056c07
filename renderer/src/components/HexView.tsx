/**
 * Hex view of the evidence bytes, with an ASCII column. The selected field's bytes are highlighted, the
 * bytes of fields a failing check judged are underlined; clicking a byte (or moving the cursor with the
 * arrow keys while the view has focus) selects the innermost field of the core's map that holds it.
 */
import { memo, useEffect, useMemo, useRef, useState, type KeyboardEvent, type MouseEvent } from 'react';
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

/** One row of 16 bytes. Memoised on primitives: a selection change re-renders only the rows it touches. */
const HexRow = memo(function HexRow({ bytes, start, count, selFrom, selTo, cursor, bad }: { bytes: Uint8Array; start: number; count: number; selFrom: number; selTo: number; cursor: number; bad: number }) {
  const sel = (o: number) => o >= selFrom && o < selTo;
  const cells = [];
  const chars = [];
  for (let i = 0; i < count; i++) {
    const o = start + i;
    const b = bytes[o]!;
    cells.push(
      <span key={o} data-offset={o} className={`hex-byte${sel(o) ? ' sel' : ''}${o === cursor ? ' cursor' : ''}${(bad >> i) & 1 ? ' bad' : ''}`}>
        {hex2(b)}
      </span>,
    );
    chars.push(
      <span key={i} data-offset={o} className={sel(o) ? 'sel' : undefined}>
        {ascii(b)}
      </span>,
    );
  }
  return (
    <div className="hex-row">
      <span className="hex-offset">{start.toString(16).padStart(6, '0')}</span>
      {cells}
      <span className="hex-ascii" aria-hidden="true">
        {chars}
      </span>
    </div>
  );
});

/**
 * Memoised: the Inspector re-renders on every tab switch, the view only when its inputs change. It is
 * mounted in a background transition (Inspector), and rows past the pane's first screenful skip style,
 * layout and paint until scrolled near (`content-visibility` in styles.css), so every row is rendered at once.
 */
export const HexView = memo(function HexView({ bytes, layout, selected, onSelect, marks }: HexViewProps) {
  const [cursor, setCursor] = useState(0);
  const all = useMemo(() => flattenFields(layout).map((r) => r.field), [layout]);
  const field = all.find((f) => f.id === selected);
  const shown = Math.min(bytes.length, MAX_BYTES);
  const rowCount = Math.ceil(shown / PER_ROW);
  /** Per row, a 16-bit mask of the bytes of fields a failing check judged. */
  const badRows = useMemo(() => {
    const rows = new Uint16Array(rowCount);
    for (const f of all) {
      if (!marks?.get(f.id)?.some((m) => m.status === 'fail')) continue;
      for (let o = f.offset; o < Math.min(f.offset + f.length, shown); o++) rows[o >> 4]! |= 1 << (o & 15);
    }
    return rows;
  }, [all, marks, shown, rowCount]);

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
  /** One click handler for every byte (hex or ASCII): the byte's offset is on the element. */
  const onClick = (e: MouseEvent) => {
    const at = (e.target as HTMLElement).closest('[data-offset]')?.getAttribute('data-offset');
    if (at != null) moveTo(Number(at));
  };
  const grid = useRef<HTMLPreElement>(null);
  // A field chosen elsewhere (the table) brings its first byte into view in this pane.
  useEffect(() => {
    if (field === undefined || (cursor >= field.offset && cursor < field.offset + field.length)) return;
    const row = grid.current?.querySelector(`[data-offset="${field.offset}"]`);
    const box = grid.current?.parentElement;
    if (row && box) box.scrollTop += row.getBoundingClientRect().top - box.getBoundingClientRect().top - box.clientHeight / 3;
  }, [field]); // not on cursor moves: the cursor is already in view
  const selFrom = field?.offset ?? -1;
  const selTo = field ? field.offset + field.length : -1;

  return (
    <div className="hex" role="group" aria-label="Evidence bytes (arrow keys move the cursor and select the field under it)" tabIndex={0} onKeyDown={onKey}>
      <p className="muted" aria-live="polite">
        {field ? `${field.label}: bytes 0x${field.offset.toString(16)}–0x${(field.offset + field.length - 1).toString(16)} (${field.length} bytes)` : 'Select a field or a byte.'}
      </p>
      <pre ref={grid} className="hex-grid" onClick={onClick}>
        {Array.from({ length: rowCount }, (_, r) => {
          const start = r * PER_ROW;
          const end = start + PER_ROW;
          const touches = selFrom < end && selTo > start;
          return (
            <HexRow
              key={start}
              bytes={bytes}
              start={start}
              count={Math.min(PER_ROW, shown - start)}
              selFrom={touches ? selFrom : -1}
              selTo={touches ? selTo : -1}
              cursor={cursor >= start && cursor < end ? cursor : -1}
              bad={badRows[r]!}
            />
          );
        })}
      </pre>
      {bytes.length > shown && <p className="muted">Showing the first {MAX_BYTES} of {bytes.length} bytes.</p>}
    </div>
  );
});
