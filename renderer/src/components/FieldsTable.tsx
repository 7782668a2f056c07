/**
 * Decoded fields of the evidence with a one-line meaning each; selecting a row selects its bytes, and a
 * field selected elsewhere (the hex view) scrolls its row into view. Bit fields and TCB versions
 * (POLICY, PLATFORM_INFO, KEY_INFO, *_TCB) show the core's breakdown, one named bit or component a line.
 */
import { useEffect, useRef } from 'react';
import { Cell, Column, Row, Table, TableBody, TableHeader, type Selection } from 'react-aria-components';
import type { LayoutField } from '../api';

/** The claim's value for display: a breakdown (`raw` first, then each named bit or component) for an object, else its text, else the field's raw bytes in hex. */
export function shownValue(field: LayoutField, claims: Record<string, unknown>, bytes: Uint8Array): string[] {
  const v = claims[field.id];
  if (v !== undefined && v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) => Number(b === 'raw') - Number(a === 'raw'));
    return entries.map(([k, x]) => `${k} ${typeof x === 'object' ? JSON.stringify(x) : String(x)}`);
  }
  if (v !== undefined && v !== null) return [typeof v === 'object' ? JSON.stringify(v) : String(v)];
  const raw = bytes.subarray(field.offset, Math.min(field.offset + field.length, field.offset + 32));
  return [[...raw].map((b) => b.toString(16).padStart(2, '0')).join('') + (field.length > 32 ? '…' : '')];
}

export interface FieldsTableProps {
  layout: readonly LayoutField[];
  claims: Record<string, unknown>;
  bytes: Uint8Array;
  selected: string | null;
  onSelect(id: string | null): void;
}

export function FieldsTable({ layout, claims, bytes, selected, onSelect }: FieldsTableProps) {
  const box = useRef<HTMLDivElement>(null);
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
        <TableBody items={layout.map((f) => ({ ...f, key: f.id }))}>
          {(f) => (
            <Row id={f.id}>
              <Cell>{f.label}</Cell>
              <Cell>
                <code>
                  0x{f.offset.toString(16)} +{f.length}
                </code>
              </Cell>
              <Cell>
                {shownValue(f, claims, bytes).map((line) => (
                  <code key={line} className="value">
                    {line}
                  </code>
                ))}
              </Cell>
              <Cell>{f.meaning}</Cell>
            </Row>
          )}
        </TableBody>
      </Table>
    </div>
  );
}
