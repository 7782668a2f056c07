/**
 * Audit: the vault's hash-chained log, newest first, with filters; the chain's verification status
 * always on top; a signed export (one custodian's passphrase unlocks their own key, which signs the checkpoint) and a
 * check of the log against an earlier export's checkpoint.
 */
import { useEffect, useState } from 'react';
import { Button, Cell, Column, Heading, Input, Label, Row, Table, TableBody, TableHeader, TextField } from 'react-aria-components';
import { call, type Shell } from '../api';
import { Choice } from '../components/Choice';
import { StepError } from '../components/StepError';
import { FileDrop } from '../components/FileDrop';
import { PassphraseField } from '../components/PassphraseField';
import { PathField } from '../components/PathField';
import { readFiles, saveText } from '../lib/files';
import { auditSummary, type AuditRead, type VaultSummary } from '../lib/vault';

const PAGE = 100;
const ALL = 'all';

interface Filters {
  event: string;
  actor: string;
  ceremony: string;
  text: string;
  from: string;
  to: string;
}
const NO_FILTERS: Filters = { event: ALL, actor: ALL, ceremony: '', text: '', from: '', to: '' };

/** The `audit:read` filters for what is typed ('' and "all" mean no filter). */
function request(f: Filters, page: number) {
  const opt = (v: string) => (v.trim() === '' || v === ALL ? undefined : v.trim());
  return { event: opt(f.event), actor: opt(f.actor), ceremony: opt(f.ceremony), text: opt(f.text), from: opt(f.from), to: opt(f.to), offset: page * PAGE, limit: PAGE };
}

export function Audit({ shell, vault, revision, onChanged }: { shell: Shell; vault: VaultSummary | null; revision: number; onChanged(): void }) {
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [page, setPage] = useState(0);
  const [data, setData] = useState<AuditRead | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    if (!vault) return setData(null);
    void call('audit:read', request(filters, page)).then((r) => (setData(r), setError(null)), setError);
  }, [vault?.vaultId, revision, filters, page]);
  if (!vault) return <p className="muted screen">Open or create a vault first (Vault tab).</p>;
  const set = (k: keyof Filters) => (v: string) => (setFilters({ ...filters, [k]: v }), setPage(0));
  const chain = data?.chain;
  const pages = Math.max(1, Math.ceil((data?.matched ?? 0) / PAGE));
  return (
    <div className="screen">
      {chain && (
        <section className={`verdict ${chain.ok ? 'verdict-affirming' : 'verdict-contraindicated'}`} aria-label="Audit chain status" data-testid="chain-status" data-ok={chain.ok}>
          <strong className="verdict-word">{chain.ok ? 'Chain verified' : 'Chain BROKEN'}</strong>
          <span>
            {chain.ok
              ? `${chain.size} entries; every hash recomputed; head ${chain.head.slice(0, 16)}…`
              : `at entry ${chain.firstBad!.seq}: ${chain.firstBad!.reason}`}
          </span>
        </section>
      )}
      <StepError error={error} />
      <form className="toolbar filters" aria-label="Audit filters" onSubmit={(e) => e.preventDefault()}>
        <Choice label="Event" value={filters.event} options={[ALL, ...(data?.events ?? [])]} onChange={set('event')} />
        <Choice label="Actor" value={filters.actor} options={[ALL, ...(data?.actors ?? [])]} onChange={set('actor')} />
        <TextField className="field" value={filters.ceremony} onChange={set('ceremony')}>
          <Label>Ceremony id</Label>
          <Input className="input mono" placeholder="c_…" />
        </TextField>
        <TextField className="field" value={filters.text} onChange={set('text')}>
          <Label>Text in the entry</Label>
          <Input className="input" />
        </TextField>
        <TextField className="field" value={filters.from} onChange={set('from')}>
          <Label>From (UTC)</Label>
          <Input className="input" placeholder="2026-11-01T00:00:00Z" />
        </TextField>
        <TextField className="field" value={filters.to} onChange={set('to')}>
          <Label>To (UTC)</Label>
          <Input className="input" placeholder="2026-12-01T00:00:00Z" />
        </TextField>
        <Button className="button" onPress={() => (setFilters(NO_FILTERS), setPage(0))}>
          Clear filters
        </Button>
      </form>
      <p data-testid="audit-count" aria-live="polite">
        {data ? `${data.matched} of ${data.total} entries match.` : 'Loading…'}
      </p>
      {data && (
        <>
          <Table aria-label="Audit log" className="table audit">
            <TableHeader>
              <Column isRowHeader>#</Column>
              <Column>Time (UTC)</Column>
              <Column>Actor</Column>
              <Column>Event</Column>
              <Column>What</Column>
              <Column>Entry hash</Column>
            </TableHeader>
            <TableBody items={data.entries.map((e) => ({ ...e, id: e.seq }))}>
              {(e) => (
                <Row id={e.seq} data-event={e.event} className={`react-aria-Row${chain?.firstBad?.seq === e.seq ? ' bad' : ''}`}>
                  <Cell>{e.seq}</Cell>
                  <Cell>{e.time}</Cell>
                  <Cell>{e.actor}</Cell>
                  <Cell>
                    <code>{e.event}</code>
                  </Cell>
                  <Cell>{auditSummary(e.payload)}</Cell>
                  <Cell>
                    <code title={e.hash}>{e.hash.slice(0, 12)}…</code>
                  </Cell>
                </Row>
              )}
            </TableBody>
          </Table>
          <nav className="toolbar" aria-label="Audit pages">
            <Button className="button" isDisabled={page === 0} onPress={() => setPage(page - 1)}>
              Newer
            </Button>
            <span>
              Page {page + 1} of {pages}
            </span>
            <Button className="button" isDisabled={page + 1 >= pages} onPress={() => setPage(page + 1)}>
              Older
            </Button>
            <Button className="button" onPress={() => saveText(`audit-${vault.vaultId}-view.json`, 'application/json', `${JSON.stringify(data.entries, null, 2)}\n`)}>
              Download shown entries (JSON, unsigned)
            </Button>
          </nav>
        </>
      )}
      <div className="columns">
        <SignedExport vault={vault} shell={shell} onDone={onChanged} />
        <CheckpointCheck />
      </div>
    </div>
  );
}

function SignedExport({ vault, shell, onDone }: { vault: VaultSummary; shell: Shell; onDone(): void }) {
  const names = vault.custodians.map((c) => c.name);
  const [custodian, setCustodian] = useState(names[0] ?? '');
  const [passphrase, setPassphrase] = useState('');
  const [folder, setFolder] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const run = async () => {
    const secret = passphrase;
    setPassphrase('');
    try {
      const r = await call('audit:export', { custodian, passphrase: secret, folder: folder.trim() });
      setDone(`Exported ${r.entries} entries to ${r.file}; checkpoint signed ${r.checkpoint.time} over entry ${r.checkpoint.size} (head ${r.checkpoint.head_sha256.slice(0, 16)}…).`);
      setError(null);
    } catch (e) {
      setError(e);
    } finally {
      onDone();
    }
  };
  return (
    <form className="card settings" aria-labelledby="export-heading" onSubmit={(e) => (e.preventDefault(), void run())}>
      <Heading level={2} id="export-heading">
        Signed export
      </Heading>
      <p className="muted">Every entry with a checkpoint signed by the chosen custodian's own key; keep it to detect later truncation or rewriting.</p>
      <Choice label="Custodian signing the checkpoint" value={custodian} options={names} onChange={setCustodian} />
      <PassphraseField label={`Passphrase of ${custodian}`} value={passphrase} onChange={setPassphrase} />
      <PathField label="Export folder" kind="folder" value={folder} onChange={setFolder} shell={shell} onError={(m) => setError(new Error(m))} />
      <StepError error={error} />
      {done && (
        <p role="status" data-testid="export-done">
          {done}
        </p>
      )}
      <Button type="submit" className="button primary" isDisabled={passphrase === '' || folder.trim() === ''}>
        Export signed log
      </Button>
    </form>
  );
}

function CheckpointCheck() {
  const [result, setResult] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const check = async (files: File[]) => {
    const [file] = await readFiles(files.slice(0, 1));
    if (!file) return;
    try {
      const { checkpoint } = await call('audit:checkpoint', { file });
      setResult(`${file.name}: checkpoint signed ${checkpoint.time} verifies; the log still holds its ${checkpoint.size} entries unchanged (head ${checkpoint.head_sha256.slice(0, 16)}…).`);
      setError(null);
    } catch (e) {
      setResult(null);
      setError(e);
    }
  };
  return (
    <section className="card settings" aria-labelledby="checkpoint-heading">
      <Heading level={2} id="checkpoint-heading">
        Check against an earlier export
      </Heading>
      <FileDrop role="audit export" label="Open an audit export…" hint="Its signed checkpoint is checked against this vault's custodians (roster pinned by the vault key) and its log." onFiles={(f) => void check(f)} />
      <StepError error={error} />
      {result && (
        <p role="status" data-testid="checkpoint-ok">
          {result}
        </p>
      )}
    </section>
  );
}
