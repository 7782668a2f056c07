/**
 * The vault room's pure helpers (renderer/src/lib/vault.ts, errors.ts): the release-policy form →
 * document (reference values merged, tolerated warnings), the rule that a real key names its workload,
 * the order custodians read non-pass checks in, and main's errors in plain words.
 */
import { describe, expect, it } from 'vitest';
import { explainError } from '../../renderer/src/lib/errors.ts';
import { defaultPolicyForm, nonPassChecks, pinnedValues, policyDocument, referenceValueProblem, workloadIdentity } from '../../renderer/src/lib/vault.ts';
import { parseReleasePolicy } from '../../electron/vault/policy.ts';

const M1 = 'a'.repeat(96);
const M2 = 'B'.repeat(96);

describe('policyDocument', () => {
  it('defaults to affirming only, no opt-out, and is a document main accepts once a reference value is given', () => {
    const doc = policyDocument({ ...defaultPolicyForm(2), snpMeasurements: `${M1}\n${M2}, ${M1}` }) as Record<string, unknown>;
    expect(doc.accept_warnings).toEqual([]);
    expect(doc.no_reference_values).toBe(false);
    expect(doc.appraisal_policy).toEqual({ snp: { measurements: [M1, M2.toLowerCase()] } });
    // Main's own parser (the authority) takes it as is.
    expect(parseReleasePolicy(doc, 'form', 2, 3).appraisal_policy).toEqual(doc.appraisal_policy);
  });

  it('merges the measurement and MR_TD fields into the appraisal policy JSON without dropping its options', () => {
    const doc = policyDocument({ ...defaultPolicyForm(2), tee: ['sev-snp', 'tdx'], appraisalPolicy: '{"snp": {"minimum_guest_svn": 1, "measurements": ["' + M1 + '"]}}', snpMeasurements: M2, tdxMrTd: M1 }) as Record<string, unknown>;
    expect(doc.appraisal_policy).toEqual({ snp: { minimum_guest_svn: 1, measurements: [M1, M2.toLowerCase()] }, tdx: { mr_td: [M1] } });
  });

  it('names the field of a bad value (attacker-typed or mistyped input never reaches main silently)', () => {
    expect(policyDocument({ ...defaultPolicyForm(2), snpMeasurements: 'abcd' })).toMatch(/^snp\.measurements: "abcd" is not 48 bytes/);
    expect(policyDocument({ ...defaultPolicyForm(2), tdxMrTd: M1 })).toMatch(/^tdx\.mr_td: tdx evidence is not accepted/);
    expect(policyDocument({ ...defaultPolicyForm(2), acceptWarnings: 'crl.revocation, Bad Id' })).toMatch(/^accept_warnings: "Bad"/);
    expect(policyDocument({ ...defaultPolicyForm(2), appraisalPolicy: '{"snp": {"measurements": "x"}}', snpMeasurements: M1 })).toMatch(/must be a list/);
    expect((policyDocument({ ...defaultPolicyForm(2), acceptWarnings: 'crl.revocation tcb.status' }) as Record<string, unknown>).accept_warnings).toEqual(['crl.revocation', 'tcb.status']);
  });
});

describe('referenceValueProblem (threat: a production key released to "some VM on some machine")', () => {
  const doc = (f: Partial<ReturnType<typeof defaultPolicyForm>>) => policyDocument({ ...defaultPolicyForm(2), ...f }) as Record<string, unknown>;
  it('agrees with main: a non-TEST key without a reference value or the explicit opt-out is refused', () => {
    for (const f of [{}, { tee: ['sev-snp', 'tdx'], snpMeasurements: M1 }, { appraisalPolicy: '{"snp": {"minimum_guest_svn": 1}}' }]) {
      const d = doc(f);
      expect(referenceValueProblem(d)).toMatch(/needs a reference value/);
      expect(() => parseReleasePolicy(d, 'form', 2, 3)).toThrow(/needs at least one reference value/);
    }
    for (const f of [{ snpMeasurements: M1 }, { allowTestAnchor: true }, { noReferenceValues: true }, { appraisalPolicy: `{"snp": {"host_data": "${'c'.repeat(64)}"}}` }]) {
      const d = doc(f);
      expect(referenceValueProblem(d)).toBeNull();
      expect(() => parseReleasePolicy(d, 'form', 2, 3)).not.toThrow();
    }
  });

  it('lists what a policy pins, with the values, for the review', () => {
    const p = parseReleasePolicy(doc({ snpMeasurements: M1, appraisalPolicy: `{"snp": {"host_data": "${'c'.repeat(64)}"}}` }), 'form', 2, 3);
    expect(pinnedValues(p)).toEqual([{ name: 'snp.measurements', values: [M1] }, { name: 'snp.host_data', values: ['c'.repeat(64)] }]);
  });
});

describe('nonPassChecks (threat: a warning hidden behind "All N checks")', () => {
  it('lists every non-pass check, failures then warnings (tolerated ones marked) then skips', () => {
    const checks = [
      { id: 'a', status: 'skip', detail: 's' }, { id: 'b', status: 'pass', detail: 'p' }, { id: 'crl.revocation', status: 'warn', detail: 'w1' },
      { id: 'c', status: 'fail', detail: 'f' }, { id: 'd', status: 'warn', detail: 'w2' },
    ] as Parameters<typeof nonPassChecks>[0];
    const out = nonPassChecks(checks, ['crl.revocation']);
    expect(out.map((c) => [c.id, c.status, c.tolerated])).toEqual([['c', 'fail', false], ['crl.revocation', 'warn', true], ['d', 'warn', false], ['a', 'skip', false]]);
  });
});

describe('workloadIdentity', () => {
  it('shows MEASUREMENT and REPORTED_TCB for SEV-SNP, MR_TD, RTMR0–3 and the TCB status for TDX', () => {
    expect(workloadIdentity('sev-snp', { measurement: 'ab', reported_tcb: { boot_loader: 4, tee: 0, snp: 24, microcode: 219, raw: '0xdb' } })).toEqual([
      { label: 'MEASUREMENT', value: 'ab' }, { label: 'REPORTED_TCB', value: 'boot_loader 4 · tee 0 · snp 24 · microcode 219 (0xdb)' },
    ]);
    expect(workloadIdentity('tdx', { mr_td: 'm', rtmr0: '0', rtmr1: '1', rtmr2: '2', rtmr3: '3', tcb_status: 'UpToDate' }).map((x) => x.label)).toEqual(['MR_TD', 'RTMR0', 'RTMR1', 'RTMR2', 'RTMR3', 'TCB status']);
  });
});

describe('explainError', () => {
  it('turns a refusal into a sentence without the channel or the code, keeping main\'s words', () => {
    const e = explainError(new Error('ceremony:approve: refused (authentication): custodian alice: wrong passphrase (nothing was unsealed)'));
    expect(e.summary).toMatch(/^Wrong passphrase/);
    expect(e.detail).toBe('custodian alice: wrong passphrase (nothing was unsealed)');
    expect(`${e.summary} ${e.detail}`).not.toMatch(/ceremony:approve|refused \(/);
    expect(explainError(new Error('ceremony:evidence: refused (binding): REPORT_DATA …')).summary).toMatch(/not made for this ceremony/);
    expect(explainError(new Error('ceremony:evidence: refused (policy): the verdict is warning')).summary).toMatch(/release policy does not accept/);
  });

  it('names the field of bad input, but not a CLI option or a channel as a file', () => {
    expect(explainError(new Error('--reason: reason: is a custodian\'s passphrase: it was not recorded')).summary).toMatch(/^That reason is a custodian's passphrase: it was not recorded/);
    expect(explainError(new Error('--name: name: "x y" must be 1–64 characters')).summary).toBe('Not accepted: name.');
    expect(explainError(new Error('release policy: appraisal_policy.snp: unknown option')).summary).toBe('Not accepted: appraisal_policy.snp in release policy.');
    expect(explainError(new Error('ceremony:approve: request: passphrase: too short')).summary).toMatch(/bug in the console/);
    expect(explainError('plain').detail).toBe('plain');
  });
});
