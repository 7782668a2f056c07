/**
 * Vault: open or create one (VaultSetup), then its custodians, its model keys (metadata and
 * fingerprints only) and their release policies, and adding a key (generated or imported by main).
 */
import { useEffect, useState } from 'react';
import { Button, Cell, Column, Heading, Input, Label, Radio, RadioGroup, Row, Table, TableBody, TableHeader, TextField } from 'react-aria-components';
import { call, type Shell } from '../api';
import { ErrorNote } from '../components/ErrorNote';
import { PathField } from '../components/PathField';
import { PolicyEditor } from '../components/PolicyEditor';
import { defaultPolicyForm, groupHex, policyDocument, type KeyView, type VaultSummary } from '../lib/vault';
import { VaultSetup } from './VaultSetup';


export interface VaultProps {
  shell: Shell;
  vault: VaultSummary | null;
  onVault(v: VaultSummary | null): void;
  /** Bumped after every change to the vault, so the screens reload what they show. */
  revision: number;
  onChanged(): void;
}

export function Vault({ shell, vault, onVault, revision, onChanged }: VaultProps) {
  if (!vault) return <div className="screen"><VaultSetup shell={shell} onOpened={(v) => (onVault(v), onChanged())} /></div>;
  return (
    <div className="screen">
      <section className="card" aria-labelledby="vault-heading">
        <Heading level={2} id="vault-heading">
          Vault <code>{vault.vaultId}</code>
        </Heading>
        <dl className="details">
          <div><dt>File</dt><dd><code>{vault.path}</code></dd></div>
          <div><dt>Quorum</dt><dd data-testid="quorum">{vault.threshold} of {vault.custodians.length} custodians</dd></div>
          <div><dt>Signing key (JWK thumbprint)</dt><dd><code>{vault.signingKeyThumbprint}</code></dd></div>
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
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    void call('key:list', {}).then((r) => setKeys(r.keys), (e: Error) => setError(e.message));
  }, [vault.vaultId, revision]);
  return (
    <section className="card" aria-labelledby="keys-heading">
      <Heading level={2} id="keys-heading">
        Model keys
      </Heading>
      <ErrorNote error={error} />
      {keys.length === 0 ? (
        <p className="muted">No model keys yet.</p>
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
                  {k.policy.approvals} approvals · {k.policy.tee.join(' or ')}
                  {k.policy.allow_test_anchor && <span className="badge badge-warn">TEST anchors allowed</span>}
                  <br />
                  <span className="muted">
                    challenge {k.policy.nonce_ttl_seconds} s · deadline {k.policy.ceremony_ttl_seconds} s · appraisal {JSON.stringify(k.policy.appraisal_policy)}
                  </span>
                  <br />
                  <span className="muted">
                    policy SHA-256 <code>{k.policySha256.slice(0, 16)}…</code>
                  </span>
                </Cell>
              </Row>
            )}
          </TableBody>
        </Table>
      )}
      <AddKey vault={vault} shell={shell} onAdded={onChanged} />
    </section>
  );
}

function AddKey({ vault, shell, onAdded }: { vault: VaultSummary; shell: Shell; onAdded(): void }) {
  const [name, setName] = useState('');
  const [source, setSource] = useState('generate-256');
  const [importPath, setImportPath] = useState('');
  const [policy, setPolicy] = useState(() => defaultPolicyForm(vault.threshold));
  const [error, setError] = useState<string | null>(null);
  const [added, setAdded] = useState<KeyView | null>(null);
  const doc = policyDocument(policy);
  const add = async () => {
    if (typeof doc === 'string') return setError(doc);
    setError(null);
    try {
      const src = source === 'import' ? { importPath: importPath.trim() } : { generate: source === 'generate-128' ? (128 as const) : (256 as const) };
      const r = await call('key:add', { name: name.trim(), source: src, policy: doc });
      setAdded(r.key);
      setName('');
      onAdded();
    } catch (e) {
      setError((e as Error).message);
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
      {source === 'import' && <PathField label="Key file to import" kind="open" value={importPath} onChange={setImportPath} shell={shell} onError={setError} />}
      <PolicyEditor value={policy} onChange={setPolicy} threshold={vault.threshold} custodians={vault.custodians.length} />
      <ErrorNote error={error ?? (typeof doc === 'string' ? doc : null)} />
      {added && (
        <p role="status" className="badge-ok note">
          Stored {added.kind.toUpperCase()}-{added.bits} key “{added.name}” as <code>{added.id}</code>, fingerprint <code>{groupHex(added.fingerprint)}</code>.
        </p>
      )}
      <Button type="submit" className="button primary" isDisabled={name.trim() === '' || typeof doc === 'string' || (source === 'import' && importPath.trim() === '')}>
        Add key
      </Button>
    </form>
  );
}
