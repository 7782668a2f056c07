/**
 * One ceremony, step by step. Each step calls the ceremony service through main and shows the state
 * it returns; a refusal is shown as main words it (the audit log has it too). Custodians see the
 * release request's fingerprint and must confirm they compared it before their passphrase field opens.
 */
import { useEffect, useState } from 'react';
import { Button, Checkbox, Heading, Input, Label, TextField } from 'react-aria-components';
import type { NamedFile } from '../../../electron/ipc/contract';
import { call, type Shell } from '../api';
import { ChecksTable } from '../components/ChecksTable';
import { Choice } from '../components/Choice';
import { ErrorNote } from '../components/ErrorNote';
import { FileDrop } from '../components/FileDrop';
import { PassphraseField } from '../components/PassphraseField';
import { PathField } from '../components/PathField';
import { VerdictBanner } from '../components/VerdictBanner';
import { readFiles } from '../lib/files';
import { defaultSettings } from '../lib/settings';
import { CEREMONY_STEPS, ENDED, groupHex, stepIndex, type CeremonyView } from '../lib/vault';


export interface WizardProps {
  id: string;
  shell: Shell;
  revision: number;
  onChanged(): void;
}

export function CeremonyWizard({ id, shell, revision, onChanged }: WizardProps) {
  const [c, setC] = useState<CeremonyView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [folder, setFolder] = useState('');
  const [written, setWritten] = useState<string[]>([]);

  useEffect(() => {
    void call('ceremony:show', { id }).then((r) => setC(r.ceremony), (e: Error) => setError(e.message));
  }, [id, revision]);

  /** Runs a step: shows the ceremony it returns, or the refusal (and reloads: a refusal may end it). */
  const run = async (fn: () => Promise<{ ceremony: CeremonyView }>): Promise<boolean> => {
    try {
      setC((await fn()).ceremony);
      setError(null);
      return true;
    } catch (e) {
      setError((e as Error).message);
      await call('ceremony:show', { id }).then((r) => setC(r.ceremony), () => undefined);
      return false;
    } finally {
      onChanged();
    }
  };

  if (!c) return <ErrorNote error={error} />;
  const d = c.data;
  const at = stepIndex(c.state);
  const live = !ENDED.includes(c.state);
  const folderField = <PathField label="Output folder (challenge, bundle and receipt files)" kind="folder" value={folder} onChange={setFolder} shell={shell} onError={setError} />;

  return (
    <section className="card wizard" aria-labelledby="wizard-heading" data-state={c.state}>
      <Heading level={2} id="wizard-heading">
        Ceremony <code>{c.id}</code> — key {d.key_name}
      </Heading>
      <ol className="stepper" aria-label="Ceremony steps">
        {CEREMONY_STEPS.map((s, i) => (
          <li key={s.state} className={i < at ? 'done' : i === at ? 'current' : ''} aria-current={i === at ? 'step' : undefined}>
            {s.title}
          </li>
        ))}
        {at < 0 && (
          <li className="current ended" aria-current="step">
            {c.state}
          </li>
        )}
      </ol>
      <p className="muted">
        Key fingerprint <code>{groupHex(d.key_fingerprint)}</code> · {c.approvals.length} of {d.approvals_required} approvals · participants {d.participants.join(', ')} · deadline {d.expires_at}
      </p>
      {d.end && (
        <p role="status" className={`note state-${c.state}`} data-testid="ceremony-end">
          {c.state === 'closed' ? 'Closed' : `Ended (${c.state})`} at {d.end.at}: {d.end.reason}
        </p>
      )}
      <ErrorNote error={error} />

      {c.state === 'open' && (
        <ChallengeStep folderField={folderField} canRun={folder.trim() !== ''} onRun={(hashAlg) => run(async () => {
          const r = await call('ceremony:challenge', { id, hashAlg, folder: folder.trim() });
          setWritten([r.file]);
          return r;
        })} />
      )}
      {d.challenge && (
        <p data-testid="challenge">
          Challenge nonce <code>{d.challenge.nonce}</code> ({d.challenge.hash_alg} binding), issued {d.challenge.issued_at}, expires {d.challenge.expires_at}.
        </p>
      )}
      {c.state === 'challenged' && <EvidenceStep onSubmit={(request) => run(() => call('ceremony:evidence', { id, ...request }))} />}
      {d.evidence && d.request && d.request_sha256 && <RequestReview c={c} />}
      {c.state === 'appraised' && (
        <ApproveStep c={c} onApprove={(custodian, passphrase) => run(() => call('ceremony:approve', { id, custodian, passphrase, requestSha256: d.request_sha256! }))} />
      )}
      {c.state === 'approved' && (
        <div className="settings">
          <Heading level={3}>Release</Heading>
          <p>
            The quorum is met. Releasing unwraps the key in the vault process and encrypts it to the TEE key <code>{d.request!.tee_pubkey_thumbprint}</code>; the bundle and a signed receipt are written to the output folder.
          </p>
          {folderField}
          <Button className="button primary" isDisabled={folder.trim() === ''} onPress={() => void run(async () => {
            const r = await call('ceremony:release', { id, folder: folder.trim() });
            setWritten([r.bundleFile, r.receiptFile]);
            return r;
          })}>
            Release and write bundle and receipt
          </Button>
        </div>
      )}
      {d.released && (
        <p role="status" data-testid="released">
          Released {d.released.at}: bundle SHA-256 <code>{d.released.bundle_sha256}</code>, receipt SHA-256 <code>{d.released.receipt_sha256}</code>.
        </p>
      )}
      {written.length > 0 && (
        <div role="status" data-testid="written">
          Written:
          <ul>
            {written.map((f) => (
              <li key={f}>
                <code>{f}</code>
              </li>
            ))}
          </ul>
        </div>
      )}
      {live && c.state !== 'released' && <AbortStep onAbort={(reason) => run(() => call('ceremony:abort', { id, reason }))} />}
    </section>
  );
}

function ChallengeStep({ folderField, canRun, onRun }: { folderField: React.ReactNode; canRun: boolean; onRun(hashAlg: 'sha256' | 'sha384' | 'sha512'): void }) {
  const [hash, setHash] = useState<'sha256' | 'sha384' | 'sha512'>('sha384');
  return (
    <div className="settings">
      <Heading level={3}>Issue the challenge</Heading>
      <p>A fresh 32-byte nonce; the workload must bind it and its TEE public key in REPORT_DATA (Trustee's runtime-data binding).</p>
      <Choice label="Binding hash" value={hash} options={['sha256', 'sha384', 'sha512']} onChange={(v) => setHash(v as typeof hash)} />
      {folderField}
      <Button className="button primary" isDisabled={!canRun} onPress={() => onRun(hash)}>
        Issue challenge and write the file
      </Button>
    </div>
  );
}

type EvidenceRequest = { evidence: NamedFile; endorsements: NamedFile[]; testAnchors: NamedFile[]; teePubkey: NamedFile; referenceTime: string };

function EvidenceStep({ onSubmit }: { onSubmit(r: EvidenceRequest): Promise<boolean> }) {
  const [evidence, setEvidence] = useState<NamedFile | null>(null);
  const [endorsements, setEndorsements] = useState<NamedFile[]>([]);
  const [anchors, setAnchors] = useState<NamedFile[]>([]);
  const [tee, setTee] = useState<NamedFile | null>(null);
  const [at, setAt] = useState(() => defaultSettings().referenceTime);
  const pick = (set: (f: NamedFile) => void) => (files: File[]) => void readFiles(files.slice(0, 1)).then(([f]) => f && set(f));
  const add = (list: NamedFile[], set: (f: NamedFile[]) => void) => (files: File[]) => void readFiles(files).then((read) => set([...list, ...read]));
  return (
    <div className="settings">
      <Heading level={3}>Take the workload's evidence</Heading>
      <FileDrop label="Evidence (report or quote)…" hint={evidence ? `Chosen: ${evidence.name}` : 'The SEV-SNP report or TDX quote made for this challenge.'} onFiles={pick(setEvidence)} />
      <FileDrop label="Endorsements (chain, CRLs, collateral)…" hint={endorsements.length ? `Chosen: ${endorsements.map((f) => f.name).join(', ')}` : 'Certificates, CRLs, TDX collateral.'} onFiles={add(endorsements, setEndorsements)} />
      <FileDrop label="TEE public key (JWK)…" hint={tee ? `Chosen: ${tee.name}` : 'The key REPORT_DATA binds; the bundle is encrypted to it.'} onFiles={pick(setTee)} />
      <FileDrop label="Ceremony: add TEST anchor…" hint={anchors.length ? `TEST anchors: ${anchors.map((f) => f.name).join(', ')}` : 'Rehearsals only; the key must allow TEST anchors.'} onFiles={add(anchors, setAnchors)} />
      <TextField className="field" value={at} onChange={setAt}>
        <Label>Reference time (UTC)</Label>
        <Input className="input" />
      </TextField>
      <Button className="button primary" isDisabled={!evidence || !tee} onPress={() => evidence && tee && void onSubmit({ evidence, endorsements, testAnchors: anchors, teePubkey: tee, referenceTime: at.trim() })}>
        Appraise and bind
      </Button>
    </div>
  );
}

/** The request every custodian approves: its fingerprint, what it names, and the appraisal behind it. */
function RequestReview({ c }: { c: CeremonyView }) {
  const d = c.data;
  const r = d.request!;
  const a = d.evidence!.appraisal;
  return (
    <div className="settings">
      <Heading level={3}>Release request</Heading>
      <div className="fingerprint-box" aria-label="Request fingerprint">
        <span className="muted">Request fingerprint (SHA-256 of the RFC 8785 JSON of the request)</span>
        <code className="fingerprint big" data-testid="request-fingerprint">
          {groupHex(d.request_sha256!)}
        </code>
      </div>
      <dl className="details">
        <div><dt>Key</dt><dd>{r.key_name} (<code>{r.key_id}</code>), fingerprint <code>{groupHex(r.key_fingerprint)}</code></dd></div>
        <div><dt>TEE key</dt><dd>JWK thumbprint <code>{r.tee_pubkey_thumbprint}</code> ({String(r.tee_pubkey.kty)}{r.tee_pubkey.crv ? ` ${String(r.tee_pubkey.crv)}` : ''})</dd></div>
        <div><dt>Binding</dt><dd>REPORT_DATA binds the nonce and the TEE key ({d.evidence!.binding.hash_alg})</dd></div>
        <div><dt>Trust anchor</dt><dd>{r.trust_anchor.kind === 'TEST' ? <span className="badge badge-warn">TEST: {r.trust_anchor.name}</span> : r.trust_anchor.name}</dd></div>
        <div><dt>Policy SHA-256</dt><dd><code>{r.policy_sha256}</code></dd></div>
        {r.evidence.map((f) => (
          <div key={`${f.role}:${f.name}`}><dt>{f.role}</dt><dd><code>{f.sha256.slice(0, 16)}…</code> {f.name}</dd></div>
        ))}
      </dl>
      <VerdictBanner appraisal={a} evidenceName={r.evidence[0]?.name ?? 'evidence'} />
      <details>
        <summary>All {a.checks.length} checks</summary>
        <ChecksTable checks={a.checks} label="Ceremony appraisal checks" />
      </details>
      {c.approvals.length > 0 && (
        <ul aria-label="Approvals" className="plain">
          {c.approvals.map((x) => (
            <li key={x.custodian}>
              ✓ {x.custodian} approved at {x.approved_at}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function ApproveStep({ c, onApprove }: { c: CeremonyView; onApprove(custodian: string, passphrase: string): Promise<boolean> }) {
  const waiting = c.data.participants.filter((p) => !c.approvals.some((a) => a.custodian === p));
  const [custodian, setCustodian] = useState(waiting[0] ?? '');
  const [compared, setCompared] = useState(false);
  const [passphrase, setPassphrase] = useState('');
  const [busy, setBusy] = useState(false);
  const who = waiting.includes(custodian) ? custodian : (waiting[0] ?? '');
  const approve = async () => {
    setBusy(true);
    const secret = passphrase;
    setPassphrase('');
    const ok = await onApprove(who, secret);
    setBusy(false);
    if (ok) setCompared(false);
  };
  return (
    <form className="settings" aria-label="Approve" onSubmit={(e) => (e.preventDefault(), void approve())}>
      <Heading level={3}>
        Approvals ({c.approvals.length} of {c.data.approvals_required})
      </Heading>
      <Choice label="Custodian approving" value={who} options={waiting} onChange={(v) => (setCustodian(v), setCompared(false), setPassphrase(''))} />
      <Checkbox className="checkbox" isSelected={compared} onChange={setCompared}>
        <span className="check-box" aria-hidden="true" />I, {who}, compared the request fingerprint above with the one the requester gave me, and they are equal
      </Checkbox>
      {compared && <PassphraseField label={`Passphrase of ${who}`} value={passphrase} onChange={setPassphrase} autoFocus />}
      <Button type="submit" className="button primary" isDisabled={!compared || passphrase === '' || busy}>
        {busy ? 'Checking passphrase (Argon2id)…' : `Approve as ${who}`}
      </Button>
    </form>
  );
}

function AbortStep({ onAbort }: { onAbort(reason: string): void }) {
  const [reason, setReason] = useState('');
  return (
    <form className="toolbar abort" aria-label="Abort the ceremony" onSubmit={(e) => (e.preventDefault(), onAbort(reason.trim()))}>
      <TextField className="field" value={reason} onChange={setReason}>
        <Label>Reason for aborting</Label>
        <Input className="input" />
      </TextField>
      <Button type="submit" className="button" isDisabled={reason.trim() === ''}>
        Abort ceremony
      </Button>
    </form>
  );
}
