/**
 * Compare: two pieces of evidence side by side, reason first: each side named with its SHA-256
 * prefix (captures are all called report.bin), the checks that differ (status changes, then
 * sentences), then the claims with differing ones highlighted and per-report noise last.
 */
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
import { diffChecks, isNoise, noiseLast, shortSha256 } from '../lib/compare';
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
  const rows = l && r ? noiseLast(diffClaims(l.claims, r.claims)) : [];
  const checks = l && r ? diffChecks(l.checks, r.checks) : [];
  const [hashes, setHashes] = useState<{ left: string; right: string }>({ left: '', right: '' });
  const leftBytes = left.result?.evidence.bytes;
  const rightBytes = right.result?.evidence.bytes;
  useEffect(() => {
    let live = true;
    void Promise.all([leftBytes ? shortSha256(leftBytes) : '', rightBytes ? shortSha256(rightBytes) : '']).then(([a, b]) => live && setHashes({ left: a, right: b }));
    return () => {
      live = false;
    };
  }, [leftBytes, rightBytes]);
  const label = (side: 'left' | 'right', name: string) => `${side === 'left' ? 'Left' : 'Right'}: ${name}${hashes[side] ? ` · SHA-256 ${hashes[side]}…` : ''}`;
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
        {l && left.result && <VerdictBanner appraisal={l} evidenceName={label('left', left.result.evidence.name)} />}
        {r && right.result && <VerdictBanner appraisal={r} evidenceName={label('right', right.result.evidence.name)} />}
      </div>
      {l && r && (
        <>
          {l.platform !== r.platform && (
            <p role="note" className="note" data-testid="platforms-differ">
              Different platforms ({l.platform} and {r.platform}): their claims have different names, so most fields differ; the checks below say more.
            </p>
          )}
          <h2>Checks that differ</h2>
          {checks.length === 0 ? (
            <p data-testid="checks-same">Every check has the same status and sentence on both sides.</p>
          ) : (
            <Table aria-label="Compared checks" className="table compare">
              <TableHeader>
                <Column isRowHeader>Check</Column>
                <Column>Left</Column>
                <Column>Right</Column>
              </TableHeader>
              <TableBody items={checks.map((d) => ({ ...d, key: d.id }))}>
                {(d) => (
                  <Row id={d.id} className={d.kind === 'status' ? 'row differs' : 'row'} data-kind={d.kind} data-check={d.id}>
                    <Cell>
                      <code>{d.id}</code>
                      {d.kind === 'status' && (
                        <span className="badge badge-warn">
                          {d.left ?? 'absent'} → {d.right ?? 'absent'}
                        </span>
                      )}
                    </Cell>
                    <Cell>
                      {d.left && <span className={`status status-${d.left}`}>{d.left.toUpperCase()}</span>} {d.leftDetail}
                    </Cell>
                    <Cell>
                      {d.right && <span className={`status status-${d.right}`}>{d.right.toUpperCase()}</span>} {d.rightDetail}
                    </Cell>
                  </Row>
                )}
              </TableBody>
            </Table>
          )}
          <h2>Claims</h2>
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
                    {isNoise(d.path) && <span className="badge muted">per report</span>}
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
