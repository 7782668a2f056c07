/**
 * "As of" reference time and policy (preset picker + JSON editor). Applying re-runs the appraisal.
 */
import { useState } from 'react';
import { Button, FieldError, Input, Label, Text, TextArea, TextField } from 'react-aria-components';
import { Choice } from './Choice';

/** What the appraisal is run with. `policyText` is JSON ('' = the core's default policy). */
export interface Settings {
  referenceTime: string;
  policyText: string;
}

/** Policy presets: name → JSON text. */
export const POLICY_PRESETS: Record<string, string> = {
  'Default policy': '',
  'Allow debug guests': JSON.stringify({ snp: { allow_debug: true }, tdx: { allow_debug: true } }, null, 2),
  'Strict revocation (SNP)': JSON.stringify({ snp: { strict_crl: true } }, null, 2),
  'Production (TDX: UpToDate only)': JSON.stringify({ tdx: { accepted_tcb_statuses: ['UpToDate'] } }, null, 2),
};

/** Parses the settings for the contract; returns an error message instead when they are invalid. */
export function parseSettings(s: Settings): { referenceTime: string; policy: Record<string, unknown> | null } | string {
  const at = new Date(s.referenceTime);
  if (Number.isNaN(at.getTime()) || !/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.test(s.referenceTime.trim())) {
    return `reference time: "${s.referenceTime}" is not an RFC 3339 instant such as 2025-12-01T00:00:00Z`;
  }
  if (s.policyText.trim() === '') return { referenceTime: at.toISOString().replace('.000Z', 'Z'), policy: null };
  try {
    const policy = JSON.parse(s.policyText) as unknown;
    if (policy === null || typeof policy !== 'object' || Array.isArray(policy)) return 'policy: must be a JSON object';
    return { referenceTime: at.toISOString().replace('.000Z', 'Z'), policy: policy as Record<string, unknown> };
  } catch (e) {
    return `policy: not JSON: ${(e as Error).message}`;
  }
}

export function AppraisalSettings({ value, onApply, applyLabel = 'Re-run appraisal' }: { value: Settings; onApply(next: Settings): void; applyLabel?: string }) {
  const [draft, setDraft] = useState(value);
  const preset = Object.entries(POLICY_PRESETS).find(([, text]) => text === draft.policyText)?.[0] ?? 'Custom';
  const parsed = parseSettings(draft);
  return (
    <form
      className="settings"
      aria-label="Appraisal settings"
      onSubmit={(e) => {
        e.preventDefault();
        if (typeof parsed !== 'string') onApply(draft);
      }}
    >
      <TextField className="field" value={draft.referenceTime} onChange={(referenceTime) => setDraft({ ...draft, referenceTime })} isInvalid={typeof parsed === 'string' && parsed.startsWith('reference')}>
        <Label>As of (reference time, UTC)</Label>
        <Input className="input" />
        <Text slot="description" className="muted">
          Every validity check uses this instant.
        </Text>
        <FieldError />
      </TextField>
      <Choice label="Policy" value={preset} options={[...Object.keys(POLICY_PRESETS), 'Custom']} disabled={['Custom']} onChange={(name) => setDraft({ ...draft, policyText: POLICY_PRESETS[name] ?? '' })} />
      <TextField className="field policy-editor" value={draft.policyText} onChange={(policyText) => setDraft({ ...draft, policyText })}>
        <Label>Policy JSON (empty = default)</Label>
        <TextArea className="input mono" rows={4} />
      </TextField>
      {typeof parsed === 'string' && (
        <p role="alert" className="error">
          {parsed}
        </p>
      )}
      <Button type="submit" className="button primary" isDisabled={typeof parsed === 'string'}>
        {applyLabel}
      </Button>
    </form>
  );
}
