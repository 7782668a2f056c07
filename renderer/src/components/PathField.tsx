/**
 * A path on the machine running main (a vault file, an output folder, a key file to import): typed,
 * or chosen with the system dialog when the shell has one (Electron). Main reads or writes the file,
 * so its content never passes through the renderer.
 */
import { Button, Input, Label, Text, TextField } from 'react-aria-components';
import { call, type Shell } from '../api';

export interface PathFieldProps {
  label: string;
  value: string;
  onChange(path: string): void;
  /** What the dialog picks: an existing file, a new file, or a folder. */
  kind: 'open' | 'save' | 'folder';
  shell: Shell;
  description?: string;
  placeholder?: string;
  onError(message: string): void;
}

export function PathField({ label, value, onChange, kind, shell, description, placeholder, onError }: PathFieldProps) {
  const choose = () =>
    (kind === 'folder' ? call('dialog:chooseFolder', { title: label }) : call('dialog:chooseFile', { title: label, save: kind === 'save' })).then(
      (r) => r.path && onChange(r.path),
      (e: Error) => onError(e.message),
    );
  return (
    <div className="path-field">
      <TextField className="field" value={value} onChange={onChange}>
        <Label>{label}</Label>
        <Input className="input mono" placeholder={placeholder} />
        {description && (
          <Text slot="description" className="muted">
            {description}
          </Text>
        )}
      </TextField>
      {shell === 'electron' && (
        <Button className="button" aria-label={`Choose: ${label}`} onPress={() => void choose()}>
          Choose…
        </Button>
      )}
    </div>
  );
}
