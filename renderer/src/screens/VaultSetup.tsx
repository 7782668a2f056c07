/**
 * Before a vault is open: open an existing vault file, or create one with the initialisation wizard
 * (file and custodians → each custodian types their passphrase in turn → review → create).
 */
import { useState } from 'react';
import { Button, Heading, Input, Label, NumberField, TextField } from 'react-aria-components';
import { call, type Shell } from '../api';
import { StepError } from '../components/StepError';
import { PassphraseField } from '../components/PassphraseField';
import { StrengthMeter, usePassphraseStrength } from '../components/PassphraseStrength';
import { PathField } from '../components/PathField';
import type { VaultSummary } from '../lib/vault';

const NAME = /^[A-Za-z0-9._-]{1,64}$/;

/** A vault the machine does not know yet: main's refusal names it (electron/vault/custodians.ts). */
const UNKNOWN = /vault (v_[0-9a-f]+) \(.*\) is not known on this machine/;

export function VaultSetup({ shell, onOpened }: { shell: Shell; onOpened(v: VaultSummary, created: boolean): void }) {
  const [path, setPath] = useState('');
  const [error, setError] = useState<unknown>(null);
  /** The vault to trust: its file and id (the thumbprint is typed by the user, never filled in). */
  const [unknown, setUnknown] = useState<{ path: string; vaultId: string } | null>(null);
  const [typed, setTyped] = useState('');
  const open = async (vaultKey?: string) => {
    const file = unknown && vaultKey ? unknown.path : path.trim();
    try {
      const r = await call('vault:open', vaultKey ? { path: file, vaultKey } : { path: file });
      setError(null);
      setUnknown(null);
      setTyped('');
      onOpened(r.vault, false);
    } catch (e) {
      const m = UNKNOWN.exec((e as Error).message ?? '');
      if (m && !vaultKey) {
        setUnknown({ path: file, vaultId: m[1]! });
        setError(null);
      } else {
        setError(e);
      }
    }
  };
  return (
    <div className="columns">
      <section className="card" aria-labelledby="open-vault">
        <Heading level={2} id="open-vault">
          Open a vault
        </Heading>
        <PathField label="Vault file" kind="open" value={path} onChange={(p) => (setPath(p), setUnknown(null), setError(null))} shell={shell} placeholder="/path/to/vault.db" onError={(m) => setError(new Error(m))} />
        {!unknown && (
          <>
            <StepError error={error} testId="open-error" />
            <Button className="button primary" isDisabled={path.trim() === ''} onPress={() => void open()}>
              Open vault
            </Button>
          </>
        )}
        {unknown && (
          <form className="settings trust" aria-labelledby="trust-heading" onSubmit={(e) => (e.preventDefault(), typed.trim() && void open(typed.trim()))}>
            <Heading level={3} id="trust-heading">
              Trust this vault?
            </Heading>
            <p role="alert" className="note badge-warn" data-testid="unknown-vault">
              Vault <code>{unknown.vaultId}</code> is not known on this machine. Type the vault key thumbprint that was written down when it was created: it is opened only if its key has that thumbprint, which is then pinned here.
            </p>
            <TextField className="field" value={typed} onChange={setTyped}>
              <Label>Vault key thumbprint you wrote down</Label>
              <Input className="input mono" spellCheck={false} autoComplete="off" />
            </TextField>
            <StepError error={error} testId="trust-error" />
            <div className="toolbar">
              <Button className="button" onPress={() => (setUnknown(null), setTyped(''), setError(null))}>
                Cancel
              </Button>
              <Button type="submit" className="button primary" isDisabled={typed.trim() === ''}>
                Trust this vault
              </Button>
            </div>
          </form>
        )}
      </section>
      <CreateWizard shell={shell} onOpened={(v) => onOpened(v, true)} />
    </div>
  );
}

function CreateWizard({ shell, onOpened }: { shell: Shell; onOpened(v: VaultSummary): void }) {
  const [path, setPath] = useState('');
  const [namesText, setNamesText] = useState('');
  /** The M the user chose (NaN while the field is empty); the one used is clamped to the names given. */
  const [wanted, setWanted] = useState(2);
  /** 0: setup; 1..N: custodian N's passphrase; N+1: review. */
  const [step, setStep] = useState(0);
  const [passphrases, setPassphrases] = useState<string[]>([]);
  const [typed, setTyped] = useState({ first: '', again: '' });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const names = namesText.split(/[\s,]+/).filter(Boolean);
  const threshold = names.length > 0 ? Math.max(1, Math.min(wanted, names.length)) : wanted;
  const setupProblem =
    path.trim() === '' ? 'Give the path of the new vault file.'
    : names.length === 0 ? 'Name at least one custodian.'
    : names.find((n) => !NAME.test(n)) ? `"${names.find((n) => !NAME.test(n))}": a name is 1–64 characters of A-Z a-z 0-9 . _ -`
    : new Set(names).size !== names.length ? 'Each custodian is named once.'
    : Number.isNaN(threshold) ? `Give the threshold M, from 1 to ${names.length}.`
    : null;
  const current = names[step - 1];
  const fileName = path.trim().split(/[\\/]/).pop() ?? '';
  const { strength, current: assessed, error: strengthError } = usePassphraseStrength(
    current === undefined ? '' : typed.first,
    current === undefined ? [] : [current, ...names.filter((n) => n !== current), ...(fileName ? [fileName] : [])],
  );
  const passProblem = typed.first.length < 8 ? 'At least 8 characters.' : typed.first !== typed.again ? 'The two entries differ.' : null;
  const passOk = passProblem === null && assessed && strength?.acceptable === true;

  const reset = () => {
    setPassphrases([]);
    setTyped({ first: '', again: '' });
    setStep(0);
  };
  const create = async () => {
    setBusy(true);
    setError(null);
    try {
      const r = await call('vault:create', { path: path.trim(), threshold, custodians: names.map((name, i) => ({ name, passphrase: passphrases[i]! })) });
      reset();
      onOpened(r.vault);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby="create-vault">
      <Heading level={2} id="create-vault">
        Create a vault
      </Heading>
      {step === 0 && (
        <>
          <PathField label="New vault file" kind="save" value={path} onChange={setPath} shell={shell} placeholder="/path/to/new-vault.db" onError={(m) => setError(new Error(m))} />
          <TextField className="field" value={namesText} onChange={setNamesText}>
            <Label>Custodians (names, separated by spaces or commas)</Label>
            <Input className="input" placeholder="alice bob carol" />
          </TextField>
          <NumberField className="field" value={threshold} onChange={setWanted} minValue={1} maxValue={names.length > 0 ? names.length : undefined}>
            <Label>Approvals needed to release a key (threshold M)</Label>
            <Input className="input" />
          </NumberField>
          <p className="muted">
            Each model key is split {threshold} of {names.length || 'N'} (Shamir) to the custodians' own keys, which are sealed under their passphrases (Argon2id). A vault key signs the list of custodians once and is destroyed; its thumbprint, shown next, is the vault's identity.
          </p>
          {setupProblem && <p className="muted">{setupProblem}</p>}
          <Button className="button primary" isDisabled={setupProblem !== null} onPress={() => setStep(1)}>
            Next: custodians' passphrases
          </Button>
        </>
      )}
      {current !== undefined && (
        <form
          className="settings"
          aria-label={`Passphrase of ${current}`}
          onSubmit={(e) => {
            e.preventDefault();
            if (!passOk) return;
            setPassphrases([...passphrases.slice(0, step - 1), typed.first]);
            setTyped({ first: '', again: '' });
            setStep(step + 1);
          }}
        >
          <p>
            <strong>
              Custodian {step} of {names.length}: {current}
            </strong>{' '}
            — hand the keyboard to {current}; nobody else looks at the screen.
          </p>
          <PassphraseField label={`Passphrase for ${current}`} value={typed.first} onChange={(first) => setTyped({ ...typed, first })} autoFocus />
          {strength && <StrengthMeter strength={strength} label={`Strength of ${current}'s passphrase`} />}
          <StepError error={strengthError} testId="strength-error" />
          <PassphraseField label={`Repeat the passphrase for ${current}`} value={typed.again} onChange={(again) => setTyped({ ...typed, again })} />
          {typed.first !== '' && passProblem && <p className="muted">{passProblem}</p>}
          <div className="toolbar">
            <Button className="button" onPress={reset}>
              Start over
            </Button>
            <Button type="submit" className="button primary" isDisabled={!passOk}>
              {step < names.length ? `Next: ${names[step]}` : 'Next: review'}
            </Button>
          </div>
        </form>
      )}
      {step === names.length + 1 && step > 1 && (
        <>
          <p>
            Create <code>{path}</code> with {names.length === 1 ? '1 custodian' : `${names.length} custodians`} ({names.join(', ')}); releasing a key needs approvals from{' '}
            <strong data-testid="review-quorum">
              {threshold} of {names.length}
            </strong>
            .
          </p>
          {threshold === 1 && (
            <p className="note badge-warn">
              {names.length === 1 ? 'One custodian' : 'Any one custodian'} alone can release every key of this vault.
            </p>
          )}
          <StepError error={error} testId="create-error" />
          <div className="toolbar">
            <Button className="button" onPress={reset} isDisabled={busy}>
              Start over
            </Button>
            <Button className="button primary" onPress={() => void create()} isDisabled={busy}>
              {busy ? 'Creating (Argon2id for each custodian)…' : 'Create vault'}
            </Button>
          </div>
        </>
      )}
      {step === 0 && <StepError error={error} testId="create-error" />}
    </section>
  );
}
