/**
 * Vault: open or create one (VaultSetup), then its custodians, its model keys (metadata and
 * fingerprints only) and their release policies, and adding a key (generated or imported by main,
 * its record signed by a custodian's key). The vault key thumbprint is shown prominently: it is the
 * vault's identity, written down at creation and typed to trust the vault elsewhere.
 */
import { useEffect, useState } from 'react';
import { Button, Cell, Column, Heading, Input, Label, Radio, RadioGroup, Row, Table, TableBody, TableHeader, TextField } from 'react-aria-components';
import type { Response } from '../../../electron/ipc/contract';
import { call, type Shell } from '../api';
import { Choice } from '../components/Choice';
import { ErrorNote } from '../components/ErrorNote';
import { PassphraseField } from '../components/PassphraseField';
import { StepError } from '../components/StepError';
import { PathField } from '../components/PathField';
import { PolicyEditor } from '../components/PolicyEditor';
import { defaultPolicyForm, groupHex, policyDocument, referenceValueProblem, type KeyView, type VaultSummary } from '../lib/vault';
import { VaultSetup } from './VaultSetup';

type Altered = Response<'key:list'>['altered'][number];


export interface VaultProps {
  shell: Shell;
  vault: VaultSummary | null;
  onVault(v: VaultSummary | null): void;
  /** Bumped after every change to the vault, so the screens reload what they show. */
  revision: number;
  onChanged(): void;
}

export function Vault({ shell, vault, onVault, revision, onChanged }: VaultProps) {
  /** The id of the vault created in this session, until its custodians say they wrote the thumbprint down. */
  const [created, setCreated] = useState<string | null>(null);
  if (!vault) {
    return (
      <div className="screen">
        <VaultSetup shell={shell} onOpened={(v, isNew) => (setCreated(isNew ? v.vaultId : null), onVault(v), onChanged())} />
      </div>
    );
  }
  return (
    <div className="screen">
      <section className="card" aria-labelledby="vault-heading">
        <Heading level={2} id="vault-heading">
          Vault <code>{vault.vaultId}</code>
        </Heading>
        <div className="fingerprint-box" role="group" aria-labelledby="vault-key-label">
          <span className="muted" id="vault-key-label">
            Vault key thumbprint (RFC 7638) — this vault's identity, pinned on this machine; receipts and audit checkpoints are checked against it
          </span>
          <code className="fingerprint big" data-testid="vault-key">
            {vault.vaultKeyThumbprint}
          </code>
        </div>
        {created === vault.vaultId && (
          <div className="note badge-warn write-down" role="status" data-testid="write-down">
            <p>
              <strong>Write this thumbprint down now</strong> and keep it apart from the vault file (on paper, or with each custodian). To open this vault on another machine, or after this machine's pin is lost, you type it to trust the vault; a vault file whose key differs is refused.
            </p>
            <Button className="button" onPress={() => setCreated(null)}>
              I wrote it down
            </Button>
          </div>
        )}
        {vault.warnings.length > 0 && (
          <ul className="note badge-warn warnings" aria-label="Warnings from opening the vault" data-testid="vault-warnings">
            {vault.warnings.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        )}
        <dl className="details">
          <div><dt>File</dt><dd><code>{vault.path}</code></dd></div>
          <div><dt>Quorum</dt><dd data-testid="quorum">{vault.threshold} of {vault.custodians.length} custodians</dd></div>
          <div><dt>Schema</dt><dd>{vault.schema}</dd></div>
          <div><dt>Created</dt><dd>{vault.createdAt}</dd></div>
        </dl>
        <Table aria-label="Custodians" className="table">
          <TableHeader>
            <Column isRowHeader>Custodian</Column>
            <Column>Passphrase KDF</Column>
          </TableHeader>
          <TableBody items={vault.custodians.map((c) => ({ ...c, id: c.name }))}>
            {(c) => (
              <Row id={c.name}>
                <Cell>{c.name}</Cell>
                <Cell>Argon2id, {c.kdf.memoryKiB / 1024} MiB, {c.kdf.iterations} passes, {c.kdf.parallelism} lane(s)</Cell>
              </Row>
            )}
          </TableBody>
        </Table>
        <Button className="button" onPress={() => void call('vault:close', {}).then(() => onVault(null))}>
          Close vault
        </Button>
      </section>
      <Keys vault={vault} shell={shell} revision={revision} onChanged={onChanged} />
    </div>
  );
}

function Keys({ vault, shell, revision, onChanged }: { vault: VaultSummary; shell: Shell; revision: number; onChanged(): void }) {
  const [keys, setKeys] = useState<KeyView[]>([]);
  const [altered, setAltered] = useState<Altered[]>([]);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    void call('key:list', {}).then((r) => (setKeys(r.keys), setAltered(r.altered), setError(null)), setError);
  }, [vault.vaultId, revision]);
  return (
    <section className="card" aria-labelledby="keys-heading">
      <Heading level={2} id="keys-heading">
        Model keys
      </Heading>
      <StepError error={error} />
      {keys.length === 0 ? (
        <p className="muted">{altered.length > 0 ? 'No usable model keys.' : 'No model keys yet.'}</p>
      ) : (
        <Table aria-label="Model keys" className="table">
          <TableHeader>
            <Column isRowHeader>Name</Column>
            <Column>Key</Column>
            <Column>Fingerprint (SHA-256)</Column>
            <Column>Release policy</Column>
          </TableHeader>
          <TableBody items={keys}>
            {(k) => (
              <Row id={k.id}>
                <Cell>
                  {k.name}
                  <br />
                  <code className="muted">{k.id}</code>
                </Cell>
                <Cell>
                  {k.kind.toUpperCase()}-{k.bits} ({k.source})
                </Cell>
                <Cell>
                  <code className="fingerprint">{groupHex(k.fingerprint)}</code>
                </Cell>
                <Cell>
                  {k.policy.approvals} approvals · {k.policy.tee.join(' or ')}{k.policy.gpu ? ` + ${k.policy.gpus ?? 1} NVIDIA GPU(s)` : ''}
                  {k.policy.allow_test_anchor && <span className="badge badge-warn">TEST anchors allowed</span>}
                  {k.policy.no_reference_values && <span className="badge badge-fail">NO REFERENCE VALUES</span>}
                  <br />
                  <span>
                    {k.referenceValues.length > 0 ? `pins ${k.referenceValues.join(', ')}` : k.policy.no_reference_values ? 'no reference value (explicit opt-out)' : 'no reference value (TEST key)'}
                    {' · '}
                    {k.policy.accept_warnings.length > 0 ? `tolerates ${k.policy.accept_warnings.join(', ')}` : 'affirming evidence only'}
                  </span>
                  <br />
                  <span className="muted">
                    challenge {k.policy.nonce_ttl_seconds} s · deadline {k.policy.ceremony_ttl_seconds} s · appraisal {JSON.stringify(k.policy.appraisal_policy)}
                  </span>
                  <br />
                  <span className="muted">
                    policy SHA-256 <code>{k.policySha256.slice(0, 16)}…</code> · signed by {k.importedBy}
                  </span>
                </Cell>
              </Row>
            )}
          </TableBody>
        </Table>
      )}
      {altered.length > 0 && (
        <ul className="plain altered" aria-label="Altered keys" data-testid="altered-keys">
          {altered.map((a) => (
            <li key={a.id} className="error">
              <strong>{a.name}</strong> <code>{a.id}</code>: <strong>ALTERED — not usable.</strong> {a.reason}
            </li>
          ))}
        </ul>
      )}
      <AddKey vault={vault} shell={shell} onAdded={onChanged} />
    </section>
  );
}

function AddKey({ vault, shell, onAdded }: { vault: VaultSummary; shell: Shell; onAdded(): void }) {
  const names = vault.custodians.map((c) => c.name);
  const [name, setName] = useState('');
  const [source, setSource] = useState('generate-256');
  const [importPath, setImportPath] = useState('');
  const [policy, setPolicy] = useState(() => defaultPolicyForm(vault.threshold));
  const [custodian, setCustodian] = useState(names[0] ?? '');
  const [passphrase, setPassphrase] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [added, setAdded] = useState<KeyView | null>(null);
  const doc = policyDocument(policy);
  const refProblem = typeof doc === 'string' ? null : referenceValueProblem(doc);
  const add = async () => {
    if (typeof doc === 'string') return setError(new Error(doc));
    const secret = passphrase;
    setPassphrase('');
    setError(null);
    setAdded(null);
    setBusy(true);
    try {
      const src = source === 'import' ? { importPath: importPath.trim() } : { generate: source === 'generate-128' ? (128 as const) : (256 as const) };
      const r = await call('key:add', { name: name.trim(), custodian, passphrase: secret, source: src, policy: doc });
      setAdded(r.key);
      setName('');
      // The two explicit opt-outs belong to the key just added: the next key starts without them, so a
      // rehearsal key's "Allow TEST anchors" never carries over to a real one unnoticed.
      setPolicy((p) => ({ ...p, allowTestAnchor: false, noReferenceValues: false }));
      onAdded();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="settings add-key" aria-labelledby="add-key-heading" onSubmit={(e) => (e.preventDefault(), void add())}>
      <Heading level={3} id="add-key-heading">
        Add a model key
      </Heading>
      <TextField className="field" value={name} onChange={setName}>
        <Label>Key name</Label>
        <Input className="input" placeholder="llama-weights-2026" />
      </TextField>
      <RadioGroup className="field" value={source} onChange={setSource}>
        <Label>Key material</Label>
        <Radio className="radio" value="generate-256">Generate AES-256 in the vault</Radio>
        <Radio className="radio" value="generate-128">Generate AES-128 in the vault</Radio>
        <Radio className="radio" value="import">Import a key file (raw AES key, JWK or PKCS#8 PEM), read by the vault process</Radio>
      </RadioGroup>
      {source === 'import' && <PathField label="Key file to import" kind="open" value={importPath} onChange={setImportPath} shell={shell} onError={(m) => setError(new Error(m))} />}
      <PolicyEditor value={policy} onChange={setPolicy} threshold={vault.threshold} custodians={vault.custodians.length} referenceProblem={refProblem} />
      {typeof doc === 'string' && <ErrorNote error={doc} />}
      <div className="settings signer" role="group" aria-labelledby="signer-heading">
        <strong id="signer-heading">Sign the key record</strong>
        <p className="muted">
          A custodian's own key signs the key, its fingerprint and this policy, so an edit to the vault file makes the key unusable rather than releasable. Their passphrase unlocks that key in the vault process (Argon2id) and is cleared from this form once sent.
        </p>
        <Choice label="Custodian signing" value={custodian} options={names} onChange={(v) => (setCustodian(v), setPassphrase(''))} />
        <PassphraseField label={`Passphrase of ${custodian}`} value={passphrase} onChange={setPassphrase} />
      </div>
      <StepError error={error} testId="add-key-error" />
      {added && (
        <p role="status" className="badge-ok note">
          Stored {added.kind.toUpperCase()}-{added.bits} key “{added.name}” as <code>{added.id}</code>, fingerprint <code>{groupHex(added.fingerprint)}</code>, signed by {added.importedBy}.
        </p>
      )}
      <Button type="submit" className="button primary" isDisabled={busy || name.trim() === '' || typeof doc === 'string' || refProblem !== null || passphrase === '' || custodian === '' || (source === 'import' && importPath.trim() === '')}>
        {busy ? `Checking the passphrase of ${custodian} (Argon2id)…` : 'Add key'}
      </Button>
    </form>
  );
}
