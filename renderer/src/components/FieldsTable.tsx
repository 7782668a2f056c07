/** Decoded fields of the evidence with a one-line meaning each; selecting a row selects its bytes. */
import { Cell, Column, Row, Table, TableBody, TableHeader, type Selection } from 'react-aria-components';
import type { LayoutField } from '../api';

/** The claim's value for display (objects as compact JSON), else the field's raw bytes in hex. */
function shownValue(field: LayoutField, claims: Record<string, unknown>, bytes: Uint8Array): string {
  const v = claims[field.id];
  if (v !== undefined && v !== null) return typeof v === 'object' ? JSON.stringify(v) : String(v);
  const raw = bytes.subarray(field.offset, Math.min(field.offset + field.length, field.offset + 32));
  return [...raw].map((b) => b.toString(16).padStart(2, '0')).join('') + (field.length > 32 ? '…' : '');
}

export interface FieldsTableProps {
  layout: readonly LayoutField[];
  claims: Record<string, unknown>;
  bytes: Uint8Array;
  selected: string | null;
  onSelect(id: string | null): void;
}

export function FieldsTable({ layout, claims, bytes, selected, onSelect }: FieldsTableProps) {
  const onSelectionChange = (keys: Selection) => {
    const first = keys === 'all' ? null : ([...keys][0] ?? null);
    onSelect(first === null ? null : String(first));
  };
  return (
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
              <code className="value">{shownValue(f, claims, bytes)}</code>
            </Cell>
            <Cell>{f.meaning}</Cell>
          </Row>
        )}
      </TableBody>
    </Table>
  );
}
