/**
 * "As of" reference time and policy (preset picker + JSON editor), and, for GPU evidence, the nonce it
 * must answer. Applying re-runs the appraisal.
 */
import { useState } from 'react';
import { Button, FieldError, Input, Label, Text, TextArea, TextField } from 'react-aria-components';
import { AsOfPicker } from './AsOfPicker';
import { Choice } from './Choice';
import { parseSettings, POLICY_PRESETS, presetName, type Settings } from '../lib/settings';


/** `gpu`: the evidence has NVIDIA devices, so the expected-nonce field is shown; `vtpm`: it has an Azure vTPM quote, so its expected-nonce field is. */
export function AppraisalSettings({ value, onApply, applyLabel = 'Re-run appraisal', gpu = false, vtpm = false }: { value: Settings; onApply(next: Settings): void; applyLabel?: string; gpu?: boolean; vtpm?: boolean }) {
  const [draft, setDraft] = useState(value);
  const preset = presetName(draft.policyText) ?? 'Custom';
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
      <div className="toolbar">
        <AsOfPicker value={draft.referenceTime} onChange={(referenceTime) => setDraft({ ...draft, referenceTime })} />
        <Button
          className="button"
          onPress={() => {
            // The present instant, applied at once (the field otherwise keeps the time the page opened with).
            const next = { ...draft, referenceTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') };
            setDraft(next);
            if (typeof parseSettings(next) !== 'string') onApply(next);
          }}
        >
          As of now
        </Button>
      </div>
      <Choice label="Policy" value={preset} options={[...Object.keys(POLICY_PRESETS), 'Custom']} disabled={['Custom']} onChange={(name) => setDraft({ ...draft, policyText: POLICY_PRESETS[name] ?? '' })} />
      <TextField className="field policy-editor" value={draft.policyText} onChange={(policyText) => setDraft({ ...draft, policyText })}>
        <Label>Policy JSON (empty = default)</Label>
        <TextArea className="input mono" rows={4} />
      </TextField>
      {(gpu || (draft.nonce ?? '') !== '') && (
        <TextField className="field" value={draft.nonce ?? ''} onChange={(nonce) => setDraft({ ...draft, nonce })} isInvalid={typeof parsed === 'string' && parsed.startsWith('expected nonce')}>
          <Label>Expected GPU nonce (64 hex digits)</Label>
          <Input className="input mono" />
          <Text slot="description" className="muted">
            The nonce the GPU evidence must answer (policy nvidia.nonce). Empty: its freshness is not established (a warning).
          </Text>
        </TextField>
      )}
      {(vtpm || (draft.vtpmNonce ?? '') !== '') && (
        <TextField className="field" value={draft.vtpmNonce ?? ''} onChange={(vtpmNonce) => setDraft({ ...draft, vtpmNonce })} isInvalid={typeof parsed === 'string' && parsed.startsWith('expected vTPM nonce')}>
          <Label>Expected vTPM nonce (hex)</Label>
          <Input className="input mono" />
          <Text slot="description" className="muted">
            The extraData the Azure vTPM quote must carry (policy vtpm.nonce). Empty: not checked (vtpm.quote.nonce is skipped).
          </Text>
        </TextField>
      )}
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
