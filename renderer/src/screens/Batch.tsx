/**
 * Batch: verify every evidence file under a folder (each paired by identity with the endorsements anywhere under it), or the rows of
 * a batch manifest (evidence, endorsements, as-of time and policy per row), in worker threads of the
 * main process; this screen only polls for progress and new rows. Results are
 * filterable by verdict and platform and export as CSV or JSON.
 */
import { memo, useEffect, useMemo, useRef, useState } from 'react';
import { Button, Cell, Column, Input, Label, ProgressBar, Row, Table, TableBody, TableHeader, TextField } from 'react-aria-components';
import { call, type BatchRow, type Shell } from '../api';
import type { NamedFile } from '../../../electron/ipc/contract';
import { AppraisalSettings } from '../components/AppraisalSettings';
import { parseSettings, type Settings } from '../lib/settings';
import { Choice } from '../components/Choice';
import { ErrorNote } from '../components/ErrorNote';
import { FileDrop } from '../components/FileDrop';
import { countByVerdict, filterRows, rowsToCsv, VERDICTS } from '../lib/batch';
import { readFiles, saveText } from '../lib/files';
import { defaultSettings } from '../lib/settings';

const PAGE = 50;
const POLL_MS = 200;

interface Progress {
  jobId: string;
  total: number;
  done: number;
  finished: boolean;
  elapsedMs: number;
}

/**
 * One page of results. Memoised on the page's rows: while a batch runs, rows only arrive at the
 * end, so a page whose rows are unchanged is not rendered again on every poll.
 */
const ResultsTable = memo(function ResultsTable({ rows }: { rows: BatchRow[] }) {
  return (
    <Table aria-label="Batch results" className="table batch">
      <TableHeader>
        <Column isRowHeader>File</Column>
        <Column>Platform</Column>
        <Column>Verdict</Column>
        <Column>Failing checks</Column>
        <Column>Detail</Column>
        <Column>Inputs</Column>
      </TableHeader>
      <TableBody items={rows.map((r) => ({ ...r, key: r.path }))}>
        {(r) => (
          <Row id={r.path} data-verdict={r.verdict}>
            <Cell>
              <code>{r.path}</code>
            </Cell>
            <Cell>{r.platform ?? '—'}</Cell>
            <Cell>
              <span className={`status verdict-${r.verdict}`}>{r.verdict}</span>
            </Cell>
            <Cell>{r.failing.join(', ')}</Cell>
            <Cell>{r.detail}</Cell>
            <Cell>
              <span className="muted">as of</span> {r.at.replace('.000Z', 'Z')} · <span className="muted">policy</span> {r.policy}
              {r.endorsements.length > 0 && (
                <>
                  {' · '}
                  <span className="muted">with</span> {r.endorsements.join(', ')}
                </>
              )}
              {r.pairing
                .filter((n) => n.level === 'warning')
                .map((n) => (
                  <div key={n.text} className="pairing-warning">
                    <span className="status verdict-warning">pairing</span> {n.text}
                  </div>
                ))}
            </Cell>
          </Row>
        )}
      </TableBody>
    </Table>
  );
});

/** `shell`: which shell serves the page; only Electron has a folder dialog. */
export function Batch({ shell }: { shell: Shell }) {
  const [folder, setFolder] = useState('');
  const [anchors, setAnchors] = useState<NamedFile[]>([]);
  const [settings, setSettings] = useState<Settings>(defaultSettings);
  const [progress, setProgress] = useState<Progress | null>(null);
  const [rows, setRows] = useState<BatchRow[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [verdict, setVerdict] = useState('all');
  const [platform, setPlatform] = useState('all');
  const [page, setPage] = useState(0);
  const received = useRef(0);
  const [runId, setRunId] = useState(0);

  useEffect(() => {
    if (!progress || progress.finished) return;
    const timer = setTimeout(() => {
      void call('batch:poll', { jobId: progress.jobId, from: received.current })
        .then((p) => {
          received.current += p.rows.length;
          if (p.rows.length > 0) setRows((old) => [...old, ...p.rows]);
          setProgress({ jobId: progress.jobId, total: p.total, done: p.done, finished: p.finished, elapsedMs: p.elapsedMs });
        })
        .catch((e: Error) => setError(e.message));
    }, POLL_MS);
    return () => clearTimeout(timer);
  }, [progress]);

  const start = async () => {
    const parsed = parseSettings(settings);
    if (typeof parsed === 'string') return setError(parsed);
    setError(null);
    setRows([]);
    setPage(0);
    setRunId((n) => n + 1);
    received.current = 0;
    try {
      const job = await call('batch:start', { folder, testAnchors: anchors, ...parsed });
      setProgress({ jobId: job.jobId, total: job.total, done: 0, finished: job.total === 0, elapsedMs: 0 });
    } catch (e) {
      setError((e as Error).message);
    }
  };

  const running = progress !== null && !progress.finished;
  const counts = countByVerdict(rows);
  const filtered = filterRows(rows, verdict, platform);
  const pages = Math.max(1, Math.ceil(filtered.length / PAGE));
  const pageEnd = Math.min(filtered.length, page * PAGE + PAGE);
  // Rows are only ever appended (or reset by a new run), so a page changes only when its bounds do.
  const pageRows = useMemo(() => filtered.slice(page * PAGE, pageEnd), [runId, verdict, platform, page, pageEnd]);
  const platforms = [...new Set(rows.map((r) => r.platform ?? 'unknown'))].sort();

  return (
    <div className="screen">
      <div className="columns">
        <section className="picker" aria-label="Batch folder">
          <TextField className="field" value={folder} onChange={setFolder}>
            <Label>Folder of evidence (searched recursively; each file paired by identity with the endorsements under it), or a batch manifest (.json or .csv: evidence, endorsements, at, policy per row)</Label>
            <Input className="input mono" placeholder="/path/to/captures" />
          </TextField>
          {shell === 'electron' && (
            <Button className="button" onPress={() => void call('dialog:chooseFolder', { title: 'Folder of evidence' }).then((r) => r.path && setFolder(r.path), (e: Error) => setError(e.message))}>
              Choose folder…
            </Button>
          )}
          {shell === 'electron' && (
            <Button className="button" onPress={() => void call('dialog:chooseFile', { title: 'Batch manifest', save: false }).then((r) => r.path && setFolder(r.path), (e: Error) => setError(e.message))}>
              Choose manifest…
            </Button>
          )}
          <FileDrop role="test anchor" label="Batch: add TEST anchor…" hint="Only for test PKIs." onFiles={(f) => void readFiles(f).then((read) => setAnchors([...anchors, ...read]))} />
          {anchors.length > 0 && (
            <p>
              <span className="badge badge-warn">TEST anchors: {anchors.map((a) => a.name).join(', ')}</span>
              <Button className="button" onPress={() => setAnchors([])}>
                Remove TEST anchors
              </Button>
            </p>
          )}
          <div className="toolbar">
            <Button className="button primary" isDisabled={running || folder.trim() === ''} onPress={() => void start()}>
              Verify folder or manifest
            </Button>
            {running && (
              <Button className="button" onPress={() => void call('batch:cancel', { jobId: progress.jobId })}>
                Cancel
              </Button>
            )}
          </div>
        </section>
        <AppraisalSettings value={settings} onApply={setSettings} applyLabel="Use for the next batch" />
      </div>
      <ErrorNote error={error} />
      {progress && (
        <>
          <ProgressBar className="progress" value={progress.done} maxValue={Math.max(1, progress.total)} valueLabel={`${progress.done} of ${progress.total}`}>
            {({ percentage, valueText }) => (
              <>
                <Label>{progress.finished ? 'Finished' : 'Verifying…'}</Label> <span className="muted">{valueText}</span>
                <div className="progress-track">
                  <div className="progress-fill" style={{ width: `${percentage}%` }} />
                </div>
              </>
            )}
          </ProgressBar>
          <p data-testid="batch-summary" aria-live="polite">
            {progress.finished && `${progress.total} files in ${(progress.elapsedMs / 1000).toFixed(1)} s. `}
            {VERDICTS.map((v) => (
              <span key={v} className={`badge verdict-${v}`} data-testid={`count-${v}`} data-count={counts[v]}>
                {v}: {counts[v]}
              </span>
            ))}
          </p>
          <div className="toolbar">
            <Choice label="Verdict" value={verdict} options={['all', ...VERDICTS]} onChange={(v) => (setVerdict(v), setPage(0))} />
            <Choice label="Platform" value={platform} options={['all', ...platforms]} onChange={(v) => (setPlatform(v), setPage(0))} />
            <Button className="button" isDisabled={rows.length === 0} onPress={() => saveText('custodian-batch.csv', 'text/csv', rowsToCsv(filtered))}>
              Export CSV
            </Button>
            <Button className="button" isDisabled={rows.length === 0} onPress={() => saveText('custodian-batch.json', 'application/json', `${JSON.stringify(filtered, null, 2)}\n`)}>
              Export JSON
            </Button>
          </div>
          <ResultsTable rows={pageRows} />
          <nav className="toolbar" aria-label="Result pages">
            <Button className="button" isDisabled={page === 0} onPress={() => setPage(page - 1)}>
              Previous page
            </Button>
            <span data-testid="page">
              Page {page + 1} of {pages} ({filtered.length} rows)
            </span>
            <Button className="button" isDisabled={page + 1 >= pages} onPress={() => setPage(page + 1)}>
              Next page
            </Button>
          </nav>
        </>
      )}
    </div>
  );
}
