/**
 * The core's field map of the evidence (wasm/src/fields.rs) as a table: nested structures indented
 * under their parent, each field's decoded value and one-line meaning, bit fields and TCB versions
 * broken into the core's named bits or components (one line each; many clear single bits fold into one
 * line naming them, with a button to show them), and the failing or warning checks
 * that judged a field marked on its row. Selecting a row selects its bytes; a field selected
 * elsewhere (the hex view) scrolls its row into view.
 */
import { memo, useEffect, useMemo, useRef, useState } from 'react';
import { Button, Cell, Column, Row, Table, TableBody, TableHeader, type Selection } from 'react-aria-components';
import type { LayoutField } from '../api';
import { flattenFields, partLines, type FieldMark } from '../lib/fields';

/** The first value line of a field: the core's value; else a container's size; else the raw bytes (leaves). */
export function headValue(field: LayoutField, bytes: Uint8Array): string {
  if (field.value !== undefined) return field.value;
  if (field.children?.length) return `${field.children.length} fields, ${field.length} bytes`;
  const raw = bytes.subarray(field.offset, Math.min(field.offset + field.length, field.offset + 32));
  return [...raw].map((b) => b.toString(16).padStart(2, '0')).join('') + (field.length > 32 ? '…' : '');
}

/**
 * A field's value, then one line per named part. Many clear single bits (XFAM's XSAVE components) fold
 * into one line naming them, with a button that shows their lines; the hidden lines stay in the DOM.
 */
function ValueLines({ field, bytes }: { field: LayoutField; bytes: Uint8Array }) {
  const [open, setOpen] = useState(false);
  const { lines, folded } = partLines(field.value === undefined && field.children?.length ? [] : (field.parts ?? []));
  const fold = folded.length > 0 && !open;
  return (
    <>
      <code className="value">{headValue(field, bytes)}</code>
      {lines.map((l, i) => (
        // Two pieces that each keep to one line when they fit: a narrow column breaks before `· bit N`.
        <code key={i} className="value part" hidden={fold && l.clear}>
          <span className="piece">
            {l.name} = {l.value}
          </span>{' '}
          <span className="piece">· {l.at}</span>
        </code>
      ))}
      {folded.length > 0 && (
        <span className="parts-fold">
          <Button className="link" aria-expanded={open} onPress={() => setOpen(!open)}>
            {open ? 'Hide' : 'Show'} {folded.length} zero bits
          </Button>
          {fold && <span className="muted"> {folded.join(', ')}</span>}
        </span>
      )}
    </>
  );
}

export interface FieldsTableProps {
  layout: readonly LayoutField[];
  bytes: Uint8Array;
  /** Failing/warning checks by field id (lib/fields.ts fieldMarks). */
  marks: ReadonlyMap<string, FieldMark[]>;
  selected: string | null;
  onSelect(id: string | null): void;
}

/** Memoised: the Inspector re-renders on every tab switch, the table only when its inputs change. */
export const FieldsTable = memo(function FieldsTable({ layout, bytes, marks, selected, onSelect }: FieldsTableProps) {
  const box = useRef<HTMLDivElement>(null);
  const rows = useMemo(() => flattenFields(layout).map((r) => ({ ...r, key: r.field.id })), [layout]);
  useEffect(() => {
    if (selected === null) return;
    box.current?.querySelector(`[data-key="${CSS.escape(selected)}"]`)?.scrollIntoView({ block: 'nearest' });
  }, [selected]);
  const onSelectionChange = (keys: Selection) => {
    const first = keys === 'all' ? null : ([...keys][0] ?? null);
    onSelect(first === null ? null : String(first));
  };
  return (
    <div ref={box} className="fields-box">
      <Table aria-label="Decoded fields" className="table fields" selectionMode="single" selectionBehavior="replace" selectedKeys={selected ? [selected] : []} onSelectionChange={onSelectionChange}>
        <TableHeader>
          <Column isRowHeader>Field</Column>
          <Column>Offset</Column>
          <Column>Value</Column>
          <Column>Meaning</Column>
        </TableHeader>
        <TableBody items={rows} dependencies={[marks, bytes]}>
          {({ field: f, depth }) => {
            const m = marks.get(f.id) ?? [];
            const worst = m.some((x) => x.status === 'fail') ? 'fail' : m.length ? 'warn' : '';
            return (
              <Row id={f.id} className={`react-aria-Row${worst ? ` marked-${worst}` : ''}${f.children?.length ? ' group' : ''}`}>
                <Cell>
                  <span className="field-label" style={{ paddingLeft: `${depth * 1.1}rem` }}>
                    {f.label}
                  </span>
                  {m.map((x) => (
                    <span key={x.id} className={`status status-${x.status} field-mark`} title={`${x.status === 'fail' ? 'failing' : 'warning'} check ${x.id}`}>
                      {x.status === 'fail' ? '✖' : '!'} {x.id}
                    </span>
                  ))}
                </Cell>
                <Cell>
                  <code className="offset">
                    0x{f.offset.toString(16)} +{f.length}
                  </code>
                </Cell>
                <Cell>
                  <ValueLines field={f} bytes={bytes} />
                </Cell>
                <Cell>{f.meaning}</Cell>
              </Row>
            );
          }}
        </TableBody>
      </Table>
    </div>
  );
});
