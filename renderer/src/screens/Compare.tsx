/** Compare: two pieces of evidence side by side; differing fields are highlighted and marked. */
import { useEffect, useState } from 'react';
import { Cell, Column, Row, Switch, Table, TableBody, TableHeader } from 'react-aria-components';
import type { Inspection } from '../api';
import type { NamedFile } from '../../../electron/ipc/contract';
import { AppraisalSettings } from '../components/AppraisalSettings';
import type { Settings } from '../lib/settings';
import { ErrorNote } from '../components/ErrorNote';
import { EvidencePicker } from '../components/EvidencePicker';
import { VerdictBanner } from '../components/VerdictBanner';
import { diffClaims } from '../lib/claims';
import { runInspect } from '../lib/inspect';
import { defaultSettings } from '../lib/settings';

interface Side {
  files: NamedFile[];
  anchors: NamedFile[];
  result: Inspection | null;
  error: string | null;
}
const empty: Side = { files: [], anchors: [], result: null, error: null };

function useSide(side: Side, settings: Settings, set: (s: Side) => void) {
  useEffect(() => {
    if (side.files.length === 0) return;
    let live = true;
    void runInspect(side.files, side.anchors, settings).then((r) => live && set({ ...side, result: typeof r === 'string' ? null : r, error: typeof r === 'string' ? r : null }));
    return () => {
      live = false;
    };
  }, [side.files, side.anchors, settings]);
}

export function Compare() {
  const [settings, setSettings] = useState<Settings>(defaultSettings);
  const [left, setLeft] = useState<Side>(empty);
  const [right, setRight] = useState<Side>(empty);
  const [onlyDiffs, setOnlyDiffs] = useState(false);
  useSide(left, settings, setLeft);
  useSide(right, settings, setRight);

  const l = left.result?.appraisal;
  const r = right.result?.appraisal;
  const rows = l && r ? diffClaims(l.claims, r.claims) : [];
  const shown = onlyDiffs ? rows.filter((d) => d.differs) : rows;
  const differing = rows.filter((d) => d.differs).length;
  return (
    <div className="screen">
      <div className="columns three">
        <EvidencePicker title="Left" files={left.files} anchors={left.anchors} recognised={left.result?.files} onChange={(files, anchors) => setLeft({ ...empty, files, anchors })} />
        <EvidencePicker title="Right" files={right.files} anchors={right.anchors} recognised={right.result?.files} onChange={(files, anchors) => setRight({ ...empty, files, anchors })} />
        <AppraisalSettings value={settings} onApply={setSettings} />
      </div>
      <ErrorNote error={left.error && `Left: ${left.error}`} />
      <ErrorNote error={right.error && `Right: ${right.error}`} />
      <div className="columns">
        {l && left.result && <VerdictBanner appraisal={l} evidenceName={left.result.evidence.name} />}
        {r && right.result && <VerdictBanner appraisal={r} evidenceName={right.result.evidence.name} />}
      </div>
      {l && r && (
        <>
          <p aria-live="polite" data-testid="diff-summary">
            {differing} of {rows.length} fields differ.
          </p>
          <Switch className="switch" isSelected={onlyDiffs} onChange={setOnlyDiffs}>
            <span className="switch-indicator" aria-hidden="true" /> Show only differing fields
          </Switch>
          <Table aria-label="Compared fields" className="table compare">
            <TableHeader>
              <Column isRowHeader>Field</Column>
              <Column>Left</Column>
              <Column>Right</Column>
            </TableHeader>
            <TableBody items={shown.map((d) => ({ ...d, key: d.path }))}>
              {(d) => (
                <Row id={d.path} className={d.differs ? 'row differs' : 'row'} data-differs={d.differs ? 'true' : 'false'} data-path={d.path}>
                  <Cell>
                    <code>{d.path}</code>
                    {d.differs && <span className="badge badge-warn">differs</span>}
                  </Cell>
                  <Cell>
                    <code className="value">{d.left ?? '—'}</code>
                  </Cell>
                  <Cell>
                    <code className="value">{d.right ?? '—'}</code>
                  </Cell>
                </Row>
              )}
            </TableBody>
          </Table>
        </>
      )}
    </div>
  );
}
