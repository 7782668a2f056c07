/**
 * A model key's release policy (electron/vault/policy.ts): accepted evidence, approvals, TEST anchors,
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

export function PolicyEditor({ value, onChange, threshold, custodians }: { value: PolicyForm; onChange(f: PolicyForm): void; threshold: number; custodians: number }) {
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
        <Text slot="description" className="muted">
          NVIDIA GPU evidence in ceremonies is not supported yet.
        </Text>
      </CheckboxGroup>
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
