/**
 * One ceremony, step by step. Each step calls the ceremony service through main and shows the state
 * it returns; a refusal is shown in plain words inside the step that caused it (the audit log has it
 * too). Custodians see what they approve (the workload's measurement, TCB, the vault-clock reference
 * time, every non-pass check and the policy in force) and the release request's fingerprint, and must
 * confirm they compared it before their passphrase field opens. Aborting goes through a confirmation dialog.
 */
import { useEffect, useState } from 'react';
import { Button, Checkbox, Dialog, Heading, Label, Modal, ModalOverlay, TextArea, TextField } from 'react-aria-components';
import type { NamedFile } from '../../../electron/ipc/contract';
import { call, type Shell } from '../api';
import { ChecksTable } from '../components/ChecksTable';
import { Choice } from '../components/Choice';
import { FileDrop } from '../components/FileDrop';
import { PassphraseField } from '../components/PassphraseField';
import { PathField } from '../components/PathField';
import { StepError } from '../components/StepError';
import { VerdictBanner } from '../components/VerdictBanner';
import { readFiles } from '../lib/files';
import { cpuView, devicesOf } from '../../../electron/vault/composite-view';
import { CEREMONY_STEPS, ENDED, groupHex, nonPassChecks, pinnedValues, stepIndex, workloadIdentity, type CeremonyView } from '../lib/vault';


export interface WizardProps {
  id: string;
  shell: Shell;
  revision: number;
  onChanged(): void;
}

type StepName = 'load' | 'challenge' | 'evidence' | 'approve' | 'release';

/** What each step is called when its failure must be shown away from its panel (the panel is gone). */
const STEP_TITLES: Record<StepName, string> = {
  load: 'Loading the ceremony',
  challenge: 'Issuing the challenge',
  evidence: 'Taking the evidence',
  approve: 'Approving',
  release: 'Releasing',
};

/** The step whose panel is on screen in `state` (its failures are shown there). */
const PANEL: Partial<Record<CeremonyView['state'], StepName>> = { open: 'challenge', challenged: 'evidence', appraised: 'approve', approved: 'release' };

export function CeremonyWizard({ id, shell, revision, onChanged }: WizardProps) {
  const [c, setC] = useState<CeremonyView | null>(null);
  const [failure, setFailure] = useState<{ step: StepName; error: unknown } | null>(null);
  const [folder, setFolder] = useState('');
  const [written, setWritten] = useState<string[]>([]);

  useEffect(() => {
    void call('ceremony:show', { id }).then((r) => setC(r.ceremony), (e: unknown) => setFailure({ step: 'load', error: e }));
  }, [id, revision]);

  /**
   * Runs a step: shows the ceremony it returns, or keeps the refusal for that step's panel (and
   * reloads: a refusal may end the ceremony). Resolves with the error, or null on success.
   */
  const run = async (step: StepName | null, fn: () => Promise<{ ceremony: CeremonyView }>): Promise<unknown> => {
    try {
      setC((await fn()).ceremony);
      setFailure(null);
      return null;
    } catch (e) {
      if (step) setFailure({ step, error: e });
      await call('ceremony:show', { id }).then((r) => setC(r.ceremony), () => undefined);
      return e ?? new Error('failed');
    } finally {
      onChanged();
    }
  };

  if (!c) return <StepError error={failure?.error ?? null} />;
  const d = c.data;
  const at = stepIndex(c.state);
  const live = !ENDED.includes(c.state);
  const errorOf = (step: StepName) => (failure?.step === step ? failure.error : null);
  /** A failure whose step's panel is no longer shown (e.g. the refusal ended the ceremony). */
  const orphan = failure && PANEL[c.state] !== failure.step ? failure : null;
  const folderField = (step: StepName) => (
    <PathField label="Output folder (challenge, bundle and receipt files)" kind="folder" value={folder} onChange={setFolder} shell={shell} onError={(m) => setFailure({ step, error: new Error(m) })} />
  );

  return (
    <section className="card wizard" aria-labelledby="wizard-heading" data-state={c.state}>
      <div className="wizard-head">
        <Heading level={2} id="wizard-heading">
          Ceremony <code>{c.id}</code> — key {d.key_name}
        </Heading>
        {live && c.state !== 'released' && <AbortControl id={c.id} onAbort={(reason) => run(null, () => call('ceremony:abort', { id, reason }))} />}
      </div>
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
      {orphan && (
        <div className="orphan-error">
          <span className="muted">{STEP_TITLES[orphan.step]}:</span>
          <StepError error={orphan.error} testId={`${orphan.step}-error`} />
        </div>
      )}

      {c.state === 'open' && (
        <ChallengeStep folderField={folderField('challenge')} canRun={folder.trim() !== ''} error={errorOf('challenge')} onRun={(hashAlg) => run('challenge', async () => {
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
      {c.state === 'challenged' && <EvidenceStep error={errorOf('evidence')} onSubmit={(request) => run('evidence', () => call('ceremony:evidence', { id, ...request }))} />}
      {d.evidence && d.request && d.request_sha256 && <RequestReview c={c} />}
      {c.state === 'appraised' && (
        <ApproveStep c={c} error={errorOf('approve')} onApprove={(custodian, passphrase) => run('approve', () => call('ceremony:approve', { id, custodian, passphrase, requestSha256: d.request_sha256! }))} />
      )}
      {c.state === 'approved' && (
        <div className="settings" role="group" aria-labelledby="release-heading">
          <Heading level={3} id="release-heading">Release</Heading>
          <p>
            The quorum is met. Releasing unwraps the key in the vault process, appraises the stored evidence again under the key's signed policy, and encrypts the key to the TEE key <code>{d.request!.tee_pubkey_thumbprint}</code>; the bundle and a signed receipt are written to the output folder.
          </p>
          {folderField('release')}
          <StepError error={errorOf('release')} testId="release-error" />
          <Button className="button primary" isDisabled={folder.trim() === ''} onPress={() => void run('release', async () => {
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
    </section>
  );
}

function ChallengeStep({ folderField, canRun, error, onRun }: { folderField: React.ReactNode; canRun: boolean; error: unknown; onRun(hashAlg: 'sha256' | 'sha384' | 'sha512'): void }) {
  const [hash, setHash] = useState<'sha256' | 'sha384' | 'sha512'>('sha384');
  return (
    <div className="settings" role="group" aria-labelledby="challenge-heading">
      <Heading level={3} id="challenge-heading">Issue the challenge</Heading>
      <p>A fresh 32-byte nonce; the workload must bind it and its TEE public key in REPORT_DATA (Trustee's runtime-data binding).</p>
      <Choice label="Binding hash" value={hash} options={['sha256', 'sha384', 'sha512']} onChange={(v) => setHash(v as typeof hash)} />
      {folderField}
      <StepError error={error} testId="challenge-error" />
      <Button className="button primary" isDisabled={!canRun} onPress={() => onRun(hash)}>
        Issue challenge and write the file
      </Button>
    </div>
  );
}

type EvidenceRequest = { evidence: NamedFile; endorsements: NamedFile[]; testAnchors: NamedFile[]; teePubkey: NamedFile; additionalEvidence?: NamedFile };

function EvidenceStep({ error, onSubmit }: { error: unknown; onSubmit(r: EvidenceRequest): Promise<unknown> }) {
  const [evidence, setEvidence] = useState<NamedFile | null>(null);
  const [endorsements, setEndorsements] = useState<NamedFile[]>([]);
  const [anchors, setAnchors] = useState<NamedFile[]>([]);
  const [tee, setTee] = useState<NamedFile | null>(null);
  const [additional, setAdditional] = useState<NamedFile | null>(null);
  const pick = (set: (f: NamedFile) => void) => (files: File[]) => void readFiles(files.slice(0, 1)).then(([f]) => f && set(f));
  const add = (list: NamedFile[], set: (f: NamedFile[]) => void) => (files: File[]) => void readFiles(files).then((read) => set([...list, ...read]));
  return (
    <div className="settings" role="group" aria-labelledby="evidence-heading">
      <Heading level={3} id="evidence-heading">Take the workload's evidence</Heading>
      <FileDrop role="evidence" label="Evidence (report or quote)…" hint={evidence ? `Chosen: ${evidence.name}` : 'The SEV-SNP report or TDX quote made for this challenge.'} onFiles={pick(setEvidence)} />
      <FileDrop role="endorsement" label="Endorsements (chain, CRLs, collateral)…" hint={endorsements.length ? `Chosen: ${endorsements.map((f) => f.name).join(', ')}` : 'Certificates, CRLs, TDX collateral; for GPUs, NVIDIA RIMs and OCSP responses.'} onFiles={add(endorsements, setEndorsements)} />
      <FileDrop role="additional evidence" label="Additional evidence (GPUs)…" hint={additional ? `Chosen: ${additional.name}` : 'The guest\'s additional-evidence string (its GPUs\' evidence), bound into REPORT_DATA.'} onFiles={pick(setAdditional)} />
      <FileDrop role="tee-pubkey" label="TEE public key (JWK)…" hint={tee ? `Chosen: ${tee.name}` : 'The key REPORT_DATA binds; the bundle is encrypted to it.'} onFiles={pick(setTee)} />
      <FileDrop role="test anchor" label="Ceremony: add TEST anchor…" hint={anchors.length ? `TEST anchors: ${anchors.map((f) => f.name).join(', ')}` : 'Rehearsals only; the key must allow TEST anchors.'} onFiles={add(anchors, setAnchors)} />
      <p className="muted">
        The evidence is appraised as of the vault machine's clock when you press the button; that time is recorded in the ceremony and shown to every custodian.
      </p>
      <StepError error={error} testId="evidence-error" />
      <Button className="button primary" isDisabled={!evidence || !tee} onPress={() => evidence && tee && void onSubmit({ evidence, endorsements, testAnchors: anchors, teePubkey: tee, ...(additional ? { additionalEvidence: additional } : {}) })}>
        Appraise and bind
      </Button>
    </div>
  );
}

/**
 * The request every custodian approves: its fingerprint, what it names (the workload's measurement,
 * its TCB, the reference time on the vault's clock), every check that did not pass, and the policy in force.
 */
function RequestReview({ c }: { c: CeremonyView }) {
  const d = c.data;
  const r = d.request!;
  const a = d.evidence!.appraisal;
  const p = r.policy;
  const cpu = cpuView(a);
  const identity = workloadIdentity(cpu.platform, cpu.claims);
  const devices = devicesOf(a, d.evidence!.gpu_uuids ?? []);
  const notPassed = nonPassChecks(a.checks, p.accept_warnings);
  const pinned = pinnedValues(p);
  return (
    <div className="settings review" role="group" aria-labelledby="review-heading">
      <Heading level={3} id="review-heading">Release request: what you approve</Heading>
      <div className="fingerprint-box" aria-label="Request fingerprint">
        <span className="muted">Request fingerprint (SHA-256 of the RFC 8785 JSON of the request)</span>
        <code className="fingerprint big" data-testid="request-fingerprint">
          {groupHex(d.request_sha256!)}
        </code>
      </div>
      <dl className="details" aria-label="The workload" data-testid="workload">
        {identity.map((x) => (
          <div key={x.label}><dt>{x.label}</dt><dd><code>{x.value}</code></dd></div>
        ))}
        <div><dt>Reference time</dt><dd data-testid="reference-time">as of {r.reference_time}, the vault's clock when the evidence was taken</dd></div>
        <div><dt>Verdict</dt><dd>{r.verdict}{r.tolerated_warnings.length > 0 && ` (tolerated warnings: ${r.tolerated_warnings.join(', ')})`}</dd></div>
        <div><dt>Trust anchor</dt><dd>{r.trust_anchor.kind === 'TEST' ? <span className="badge badge-warn">TEST: {r.trust_anchor.name}</span> : r.trust_anchor.name}</dd></div>
        <div><dt>Key</dt><dd>{r.key_name} (<code>{r.key_id}</code>), fingerprint <code>{groupHex(r.key_fingerprint)}</code></dd></div>
        <div><dt>TEE key</dt><dd>JWK thumbprint <code>{r.tee_pubkey_thumbprint}</code> ({String(r.tee_pubkey.kty)}{r.tee_pubkey.crv ? ` ${String(r.tee_pubkey.crv)}` : ''})</dd></div>
        <div><dt>Binding</dt><dd data-testid="binding">REPORT_DATA binds the nonce{r.evidence.some((f) => f.role === 'additional-evidence') ? ', the additional evidence (the devices below)' : ''} and the TEE key ({d.evidence!.binding.hash_alg}{d.evidence!.binding.form ? `, ${d.evidence!.binding.form === 'trustee-0.14' ? 'Trustee ≥ 0.14 form' : 'pre-0.14 form'}` : ''})</dd></div>
        <div><dt>Vault key</dt><dd><code>{r.vault_key_thumbprint}</code></dd></div>
      </dl>
      <section className="policy-in-force" aria-labelledby="policy-heading" data-testid="policy-in-force">
        <Heading level={4} id="policy-heading">Release policy in force (signed with the key)</Heading>
        <dl className="details">
          <div><dt>Evidence</dt><dd>{p.tee.join(' or ')}{p.gpu ? ` + at least ${p.gpus ?? 1} NVIDIA GPU(s), each affirming` : ''}</dd></div>
          <div><dt>Approvals</dt><dd>{r.approvals_required} of the participants ({d.participants.join(', ')})</dd></div>
          <div>
            <dt>Reference values</dt>
            <dd data-testid="reference-values">
              {pinned.length > 0 ? (
                <ul className="plain">
                  {pinned.map((x) => (
                    <li key={x.name}>
                      {x.name}: {x.values.map((v) => <code key={v} className="pinned">{v}</code>)}
                    </li>
                  ))}
                </ul>
              ) : (
                <span className="badge badge-fail">NO REFERENCE VALUES</span>
              )}
              {pinned.length === 0 && (p.no_reference_values ? ' explicit opt-out: any genuine guest of this kind may receive the key' : ' (a TEST rehearsal key)')}
            </dd>
          </div>
          <div><dt>Accepted warnings</dt><dd>{p.accept_warnings.length > 0 ? p.accept_warnings.join(', ') : 'none: affirming evidence only'}</dd></div>
          <div><dt>TEST anchors</dt><dd>{p.allow_test_anchor ? <span className="badge badge-warn">allowed (rehearsal key)</span> : 'not allowed'}</dd></div>
          <div><dt>Policy SHA-256</dt><dd><code>{r.policy_sha256}</code></dd></div>
        </dl>
      </section>
      {devices.length > 0 && (
        <section aria-labelledby="devices-heading">
          <Heading level={4} id="devices-heading">Devices: {devices.length} (each must be affirming, or its warnings tolerated)</Heading>
          <table className="table devices" data-testid="composite-devices">
            <thead>
              <tr>
                <th scope="col">Device</th>
                <th scope="col">Verdict</th>
                <th scope="col">Driver</th>
                <th scope="col">VBIOS</th>
                <th scope="col">Measurements</th>
                <th scope="col">Trust anchor</th>
              </tr>
            </thead>
            <tbody>
              {devices.map((x) => (
                <tr key={x.id} data-device={x.id}>
                  <td><code>{x.id}</code>{x.uuid && <> <span className="muted">{x.uuid}</span></>}</td>
                  <td><span className={`status status-${x.status === 'affirming' ? 'pass' : x.status === 'warning' ? 'warn' : 'fail'}`}>{x.status}</span></td>
                  <td>{x.driver ?? '?'}</td>
                  <td>{x.vbios ?? '?'}</td>
                  <td>{x.measres ?? '?'}{x.mismatches.length > 0 && ` (mismatch at RIM index ${x.mismatches.join(', ')})`}</td>
                  <td>{x.anchor?.startsWith('TEST') ? <span className="badge badge-warn">{x.anchor}</span> : x.anchor}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      <VerdictBanner appraisal={a} evidenceName={r.evidence[0]?.name ?? 'evidence'} />
      <section aria-labelledby="nonpass-heading">
        <Heading level={4} id="nonpass-heading">
          {notPassed.length === 0 ? `All ${a.checks.length} checks passed` : `Checks that did not pass: ${notPassed.length} of ${a.checks.length}`}
        </Heading>
        {notPassed.length > 0 && (
          <table className="table nonpass" data-testid="non-pass-checks">
            <thead>
              <tr>
                <th scope="col">Status</th>
                <th scope="col">Check</th>
                <th scope="col">What it says</th>
              </tr>
            </thead>
            <tbody>
              {notPassed.map((x) => (
                <tr key={x.id} data-status={x.status}>
                  <td>
                    <span className={`status status-${x.status}`}>{x.status.toUpperCase()}</span>
                    {x.tolerated && <span className="badge badge-warn tolerated">tolerated by the policy</span>}
                  </td>
                  <td><code>{x.id}</code></td>
                  <td>{x.detail}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <details>
        <summary>All {a.checks.length} checks, passed ones included</summary>
        <ChecksTable checks={a.checks} label="Ceremony appraisal checks" />
      </details>
      {r.evidence.length > 0 && (
        <dl className="details" aria-label="Files taken">
          {r.evidence.map((f) => (
            <div key={`${f.role}:${f.name}`}><dt>{f.role}</dt><dd><code>{f.sha256.slice(0, 16)}…</code> {f.name}</dd></div>
          ))}
        </dl>
      )}
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

function ApproveStep({ c, error, onApprove }: { c: CeremonyView; error: unknown; onApprove(custodian: string, passphrase: string): Promise<unknown> }) {
  const waiting = c.data.participants.filter((p) => !c.approvals.some((a) => a.custodian === p));
  const [custodian, setCustodian] = useState(waiting[0] ?? '');
  const [compared, setCompared] = useState(false);
  const [passphrase, setPassphrase] = useState('');
  const [busy, setBusy] = useState(false);
  const who = waiting.includes(custodian) ? custodian : (waiting[0] ?? '');
  const approve = async () => {
    if (!compared || passphrase === '' || busy) return;
    setBusy(true);
    const secret = passphrase;
    setPassphrase('');
    const failed = await onApprove(who, secret);
    setBusy(false);
    if (!failed) setCompared(false);
  };
  return (
    <form className="settings" aria-labelledby="approve-heading" onSubmit={(e) => (e.preventDefault(), void approve())}>
      <Heading level={3} id="approve-heading">
        Approvals ({c.approvals.length} of {c.data.approvals_required})
      </Heading>
      <Choice label="Custodian approving" value={who} options={waiting} onChange={(v) => (setCustodian(v), setCompared(false), setPassphrase(''))} />
      <Checkbox className="checkbox" isSelected={compared} onChange={setCompared}>
        <span className="check-box" aria-hidden="true" />I, {who}, compared the request fingerprint above with the one the requester gave me, and they are equal
      </Checkbox>
      {compared && <PassphraseField label={`Passphrase of ${who}`} value={passphrase} onChange={setPassphrase} autoFocus />}
      <StepError error={error} testId="approve-error" />
      <Button type="submit" className="button primary" isDisabled={!compared || passphrase === '' || busy}>
        {busy ? 'Checking passphrase (Argon2id)…' : `Approve as ${who}`}
      </Button>
    </form>
  );
}

/**
 * Aborting: a button (placed before the steps, so Tab from the passphrase field never reaches it)
 * that opens a confirmation dialog. The reason is a multi-line field, so Enter there adds a line
 * and never submits; only the dialog's own button aborts. Focus starts on "Keep the ceremony".
 * The reason is cleared after every attempt (main refuses one that is a custodian's passphrase).
 */
function AbortControl({ id, onAbort }: { id: string; onAbort(reason: string): Promise<unknown> }) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const dismiss = () => (setOpen(false), setReason(''), setError(null));
  const confirm = async () => {
    const text = reason.trim();
    if (text === '' || busy) return;
    setReason('');
    setBusy(true);
    const failed = await onAbort(text);
    setBusy(false);
    if (failed) setError(failed);
    else dismiss();
  };
  return (
    <>
      <Button className="button danger" onPress={() => setOpen(true)}>
        Abort ceremony…
      </Button>
      <ModalOverlay className="overlay" isDismissable isOpen={open} onOpenChange={(o) => !o && dismiss()}>
        <Modal className="modal narrow">
          <Dialog className="dialog settings">
            <Heading slot="title">
              Abort ceremony <code>{id}</code>?
            </Heading>
            <p>
              Aborting ends this ceremony for good: the key is not released, and approvals given so far are discarded. The reason is written to the signed, append-only audit log, so <strong>never type a passphrase here</strong>.
            </p>
            <TextField className="field" value={reason} onChange={setReason}>
              <Label>Reason for aborting (recorded in the audit log)</Label>
              <TextArea className="input" rows={2} spellCheck={false} autoComplete="off" />
            </TextField>
            <StepError error={error} testId="abort-error" />
            <div className="toolbar">
              <Button className="button" onPress={dismiss} autoFocus>
                Keep the ceremony
              </Button>
              <Button className="button danger primary-danger" isDisabled={reason.trim() === '' || busy} onPress={() => void confirm()}>
                {busy ? 'Aborting…' : 'Abort the ceremony'}
              </Button>
            </div>
          </Dialog>
        </Modal>
      </ModalOverlay>
    </>
  );
}
