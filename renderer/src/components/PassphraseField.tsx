/**
 * A custodian's passphrase: never echoed, not autocompleted or spell-checked, cleared by the caller
 * as soon as it has been sent. It goes to main only; nothing derived from it comes back.
 */
import { Input, Label, TextField } from 'react-aria-components';

export function PassphraseField({ label, value, onChange, autoFocus }: { label: string; value: string; onChange(v: string): void; autoFocus?: boolean }) {
  return (
    <TextField className="field" type="password" value={value} onChange={onChange} autoFocus={autoFocus}>
      <Label>{label}</Label>
      <Input className="input" autoComplete="off" spellCheck={false} />
    </TextField>
  );
}
