/**
 * Ceremonies: the list, opening one for a key, and the wizard that walks the ceremony service's
 * states (electron/vault/ceremony.ts): challenge → evidence → M approvals → release → closed.
 */
import { useEffect, useState } from 'react';
import { Button, Cell, Checkbox, CheckboxGroup, Column, Heading, Label, Row, Table, TableBody, TableHeader } from 'react-aria-components';
import { call, type Shell } from '../api';
import { Choice } from '../components/Choice';
import { StepError } from '../components/StepError';
import type { CeremonyView, KeyView, VaultSummary } from '../lib/vault';
import { CeremonyWizard } from './CeremonyWizard';

type Listed = { id: string; key_name: string; state: CeremonyView['state']; opened_at: string };

export function Ceremony({ shell, vault, revision, onChanged }: { shell: Shell; vault: VaultSummary | null; revision: number; onChanged(): void }) {
  const [list, setList] = useState<Listed[]>([]);
  const [selected, setSelected] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    if (!vault) return setList([]);
    void call('ceremony:list', {}).then((r) => setList(r.ceremonies), setError);
  }, [vault?.vaultId, revision]);
  if (!vault) return <p className="muted screen">Open or create a vault first (Vault tab).</p>;
  return (
    <div className="screen">
      <StepError error={error} />
      <div className="columns">
        <OpenCeremony vault={vault} revision={revision} onOpened={(id) => (setSelected(id), onChanged())} />
        <section className="card" aria-labelledby="ceremonies-heading">
          <Heading level={2} id="ceremonies-heading">
            Ceremonies
          </Heading>
          {list.length === 0 ? (
            <p className="muted">None yet.</p>
          ) : (
            <Table aria-label="Ceremonies" className="table" selectionMode="single" selectedKeys={selected ? [selected] : []} onSelectionChange={(keys) => keys !== 'all' && setSelected(([...keys][0] as string | undefined) ?? null)}>
              <TableHeader>
                <Column isRowHeader>Ceremony</Column>
                <Column>Key</Column>
                <Column>State</Column>
                <Column>Opened</Column>
              </TableHeader>
              <TableBody items={list}>
                {(c) => (
                  <Row id={c.id}>
                    <Cell>
                      <code>{c.id}</code>
                    </Cell>
                    <Cell>{c.key_name}</Cell>
                    <Cell>
                      <span className={`state state-${c.state}`}>{c.state}</span>
                    </Cell>
                    <Cell>{c.opened_at}</Cell>
                  </Row>
                )}
              </TableBody>
            </Table>
          )}
        </section>
      </div>
      {selected && <CeremonyWizard key={selected} id={selected} shell={shell} revision={revision} onChanged={onChanged} />}
    </div>
  );
}

function OpenCeremony({ vault, revision, onOpened }: { vault: VaultSummary; revision: number; onOpened(id: string): void }) {
  const [keys, setKeys] = useState<KeyView[]>([]);
  const [key, setKey] = useState('');
  const names = vault.custodians.map((c) => c.name);
  const [participants, setParticipants] = useState<string[]>(names);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    void call('key:list', {}).then((r) => {
      setKeys(r.keys);
      if (!r.keys.some((k) => k.name === key)) setKey(r.keys[0]?.name ?? '');
    }, setError);
  }, [vault.vaultId, revision]);
  const chosen = keys.find((k) => k.name === key);
  const open = () =>
    call('ceremony:open', { key, participants }).then(
      (r) => (setError(null), onOpened(r.ceremony.id)),
      setError,
    );
  return (
    <section className="card settings" aria-labelledby="open-ceremony">
      <Heading level={2} id="open-ceremony">
        Open a release ceremony
      </Heading>
      {keys.length === 0 ? (
        <p className="muted">Add a model key first (Vault tab).</p>
      ) : (
        <>
          <Choice label="Model key" value={key} options={keys.map((k) => k.name)} onChange={setKey} />
          {chosen && (
            <p className="muted">
              Needs {chosen.policy.approvals} approvals; accepts {chosen.policy.tee.join(' or ')}{chosen.policy.gpu ? ` + ${chosen.policy.gpus ?? 1} NVIDIA GPU(s)` : ''} evidence{chosen.policy.allow_test_anchor ? '; TEST anchors allowed' : ''}; {chosen.referenceValues.length > 0 ? `pins ${chosen.referenceValues.join(', ')}` : chosen.policy.no_reference_values ? 'NO REFERENCE VALUES (explicit opt-out)' : 'no reference value (TEST key)'}; {chosen.policy.accept_warnings.length > 0 ? `tolerates ${chosen.policy.accept_warnings.join(', ')}` : 'affirming evidence only'}.
            </p>
          )}
          <CheckboxGroup className="field" value={participants} onChange={setParticipants}>
            <Label>Participants (custodians who may approve)</Label>
            {names.map((n) => (
              <Checkbox key={n} className="checkbox" value={n}>
                <span className="check-box" aria-hidden="true" />
                {n}
              </Checkbox>
            ))}
          </CheckboxGroup>
          <StepError error={error} />
          <Button className="button primary" isDisabled={!chosen} onPress={() => void open()}>
            Open ceremony
          </Button>
        </>
      )}
    </section>
  );
}
