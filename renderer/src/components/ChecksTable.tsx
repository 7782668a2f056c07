/**
 * Every check of an appraisal with its explanation, problems first and tinted by status, filterable
 * by status (react-aria Table: arrow keys move between rows). `focusId` scrolls to that check's row
 * and focuses it (the verdict banner's links).
 */
import { memo, useEffect, useState } from 'react';
import { Cell, Column, Row, Table, TableBody, TableHeader } from 'react-aria-components';
import type { Appraisal } from '../api';
import { CHECK_FILTERS, filterChecks, type CheckFilter } from '../lib/checks';
import { Choice } from './Choice';

export interface ChecksTableProps {
  checks: Appraisal['checks'];
  label?: string;
  /** A check to show: the filter resets to "all" and its row is scrolled to and focused. `seq` repeats a jump. */
  focus?: { id: string; seq: number } | null;
}

/** Memoised: react-aria renders a tab panel being left once more before unmounting it (its exit-animation check). */
export const ChecksTable = memo(function ChecksTable({ checks, label = 'Checks', focus = null }: ChecksTableProps) {
  const [filter, setFilter] = useState<CheckFilter>('all');
  const shown = filterChecks(checks, filter);
  useEffect(() => {
    if (!focus) return;
    setFilter('all');
    // After the table has rendered the row (the filter may just have changed).
    const t = setTimeout(() => {
      const row = document.querySelector<HTMLElement>(`[data-check="${CSS.escape(focus.id)}"]`);
      row?.scrollIntoView({ block: 'center' });
      row?.focus();
    }, 0);
    return () => clearTimeout(t);
  }, [focus]);
  return (
    <>
      <div className="toolbar">
        <Choice label={`${label}: show`} value={filter} options={CHECK_FILTERS} onChange={(v) => setFilter(v as CheckFilter)} />
      </div>
      <Table aria-label={label} className="table checks">
        <TableHeader>
          <Column isRowHeader className="col-status">Status</Column>
          <Column className="col-id">Check</Column>
          <Column>What was compared</Column>
        </TableHeader>
        <TableBody items={shown.map((c) => ({ ...c, key: c.id }))}>
          {(c) => (
            <Row id={c.id} data-status={c.status} data-check={c.id} className={`react-aria-Row row-${c.status}`}>
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
    </>
  );
});
