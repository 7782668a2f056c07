/** Every check of an appraisal with its explanation (react-aria Table: arrow keys move between rows). */
import { Cell, Column, Row, Table, TableBody, TableHeader } from 'react-aria-components';
import type { Appraisal } from '../api';

export function ChecksTable({ checks, label = 'Checks' }: { checks: Appraisal['checks']; label?: string }) {
  return (
    <Table aria-label={label} className="table checks">
      <TableHeader>
        <Column isRowHeader className="col-status">Status</Column>
        <Column className="col-id">Check</Column>
        <Column>What was compared</Column>
      </TableHeader>
      <TableBody items={checks.map((c) => ({ ...c, key: c.id }))}>
        {(c) => (
          <Row id={c.id} data-status={c.status}>
            <Cell>
              <span className={`status status-${c.status}`}>{c.status.toUpperCase()}</span>
            </Cell>
            <Cell>
              <code>{c.id}</code>
            </Cell>
            <Cell>{c.detail}</Cell>
          </Row>
        )}
      </TableBody>
    </Table>
  );
}
