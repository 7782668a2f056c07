/**
 * A model key's release policy (electron/vault/policy.ts): accepted evidence, approvals, TEST anchors,
 * the reference values that tie it to one workload (or the explicit opt-out), tolerated warnings,
 * challenge and ceremony lifetimes, and the appraisal policy the core applies.
 */
import { Checkbox, CheckboxGroup, Input, Label, Text, TextArea, TextField } from 'react-aria-components';
import type { PolicyForm } from '../lib/vault';

function Check({ children }: { children: string }) {
  return (
    <>
      <span className="check-box" aria-hidden="true" />
      {children}
    </>
  );
}

export interface PolicyEditorProps {
  value: PolicyForm;
  onChange(f: PolicyForm): void;
  threshold: number;
  custodians: number;
  /** Why main would refuse this policy for lacking a reference value (lib/vault.ts referenceValueProblem). */
  referenceProblem?: string | null;
}

export function PolicyEditor({ value, onChange, threshold, custodians, referenceProblem }: PolicyEditorProps) {
  const set = <K extends keyof PolicyForm>(k: K) => (v: PolicyForm[K]) => onChange({ ...value, [k]: v });
  return (
    <fieldset className="settings policy">
      <legend>Release policy</legend>
      <CheckboxGroup className="field" value={value.tee} onChange={set('tee')}>
        <Label>Accepted CPU evidence</Label>
        <Checkbox className="checkbox" value="sev-snp">
          <Check>AMD SEV-SNP</Check>
        </Checkbox>
        <Checkbox className="checkbox" value="tdx">
          <Check>Intel TDX</Check>
        </Checkbox>
      </CheckboxGroup>
      <TextField className="field" value={value.gpus} onChange={set('gpus')}>
        <Label>NVIDIA GPUs required</Label>
        <Input className="input" inputMode="numeric" />
        <Text slot="description" className="muted">
          0: CPU evidence only. N: the confidential VM's evidence must also prove at least N NVIDIA GPUs, each affirming, bound to the same challenge (Trustee's composite evidence).
        </Text>
      </TextField>
      <TextField className="field" value={value.approvals} onChange={set('approvals')}>
        <Label>Approvals required</Label>
        <Input className="input" inputMode="numeric" />
        <Text slot="description" className="muted">
          From {threshold} (the vault's threshold) to {custodians}.
        </Text>
      </TextField>
      <Checkbox className="checkbox" isSelected={value.allowTestAnchor} onChange={set('allowTestAnchor')}>
        <Check>Allow TEST anchors (rehearsal keys only)</Check>
      </Checkbox>

      <div className="settings reference-values" role="group" aria-labelledby="reference-values-heading">
        <strong id="reference-values-heading">Reference values: which workload may receive the key</strong>
        {value.tee.includes('sev-snp') && (
          <TextField className="field" value={value.snpMeasurements} onChange={set('snpMeasurements')}>
            <Label>SEV-SNP launch measurements allowed (MEASUREMENT, 96 hex digits each, one per line)</Label>
            <TextArea className="input mono" rows={2} spellCheck={false} />
          </TextField>
        )}
        {value.tee.includes('tdx') && (
          <TextField className="field" value={value.tdxMrTd} onChange={set('tdxMrTd')}>
            <Label>TDX MR_TD values allowed (96 hex digits each, one per line)</Label>
            <TextArea className="input mono" rows={2} spellCheck={false} />
          </TextField>
        )}
        <Text className="muted">
          Other reference values (HOST_DATA, ID/author keys, IMAGE_ID, FAMILY_ID; RTMRs, MR_CONFIG_ID, MR_OWNER) go in the appraisal policy JSON below.
        </Text>
        <Checkbox className="checkbox" isSelected={value.noReferenceValues} onChange={set('noReferenceValues')}>
          <Check>Release without any reference value (explicit opt-out)</Check>
        </Checkbox>
        {value.noReferenceValues && (
          <p className="note badge-warn" data-testid="no-reference-warning">
            Without a reference value the key goes to any genuine guest of the accepted kind — possibly one the attacker runs on their own machine. This opt-out is recorded in the signed policy and shown at every ceremony.
          </p>
        )}
        {referenceProblem && (
          <p className="note badge-warn" data-testid="reference-problem">
            {referenceProblem}
          </p>
        )}
      </div>

      <TextField className="field" value={value.acceptWarnings} onChange={set('acceptWarnings')}>
        <Label>Tolerated warnings (check ids, e.g. crl.revocation; empty = affirming evidence only)</Label>
        <Input className="input mono" spellCheck={false} />
        <Text slot="description" className="muted">
          Evidence whose verdict is warning is accepted only when every warning's check is listed here; each tolerated warning is shown to the custodians.
        </Text>
      </TextField>
      <TextField className="field" value={value.nonceTtl} onChange={set('nonceTtl')}>
        <Label>Challenge lifetime (seconds)</Label>
        <Input className="input" inputMode="numeric" />
      </TextField>
      <TextField className="field" value={value.ceremonyTtl} onChange={set('ceremonyTtl')}>
        <Label>Ceremony deadline (seconds)</Label>
        <Input className="input" inputMode="numeric" />
      </TextField>
      <TextField className="field" value={value.appraisalPolicy} onChange={set('appraisalPolicy')}>
        <Label>Appraisal policy JSON (empty = the core's defaults)</Label>
        <TextArea className="input mono" rows={3} placeholder='{"snp": {"minimum_guest_svn": 1}}' />
      </TextField>
    </fieldset>
  );
}
