/**
 * The NVIDIA measurement comparison of one device: per RIM index (SPDM block = index + 1) the measured
 * value, the RIM's golden value(s) (the one equal to the measurement underlined) and the core's
 * finding, in RIM index order, with a summary line.
 */
import { memo } from 'react';
import { Cell, Column, Row, Table, TableBody, TableHeader } from 'react-aria-components';
import type { Inspection } from '../api';
import { comparisonSummary } from '../lib/measurements';

type Device = Inspection['devices'][number];

const STATUS_CLASS = { match: 'pass', mismatch: 'fail', tolerated: 'warn' } as const;

/** Memoised: react-aria renders a tab panel being left once more before unmounting it (its exit-animation check). */
export const MeasurementsTable = memo(function MeasurementsTable({ device }: { device: Device }) {
  return (
    <section className="measurements" aria-label={`Measurements of ${device.key}`}>
      <p>
        <strong>{device.key}</strong> {device.hwmodel} · ueid <code>{device.ueid}</code> · {device.status} · measurement result <code>{device.measres}</code>
      </p>
      <p data-testid="measurement-summary">{comparisonSummary(device.rows)}</p>
      {device.rows.length > 0 && (
        <Table aria-label="Measurement comparison" className="table measurements-table">
          <TableHeader>
            <Column isRowHeader>RIM index</Column>
            <Column>SPDM block</Column>
            <Column>RIM</Column>
            <Column>Measured value</Column>
            <Column>Golden value(s)</Column>
            <Column>Result</Column>
          </TableHeader>
          <TableBody items={device.rows.map((r) => ({ ...r, key: `${r.rim_role}:${r.rim_index}` }))}>
            {(r) => (
              <Row id={r.key} data-status={r.status} data-index={r.rim_index}>
                <Cell>{r.rim_index}</Cell>
                <Cell>{r.spdm_index}</Cell>
                <Cell>
                  {r.rim_role}
                  <br />
                  <span className="muted">{r.rim}</span>
                </Cell>
                <Cell>
                  <code className="value">{r.measured ?? '(no such block)'}</code>
                </Cell>
                <Cell>
                  {r.golden.map((g, i) => (
                    <div key={i}>
                      <code className={`value${g === r.measured ? ' golden-hit' : ''}`}>{g}</code>
                    </div>
                  ))}
                </Cell>
                <Cell>
                  <span className={`status status-${STATUS_CLASS[r.status]}`}>{r.status.toUpperCase()}</span>
                </Cell>
              </Row>
            )}
          </TableBody>
        </Table>
      )}
    </section>
  );
});
