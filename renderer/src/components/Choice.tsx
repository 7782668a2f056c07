/** A labelled single choice from a short list (react-aria Select: Enter/Space opens, arrows move). */
import { Button, Label, ListBox, ListBoxItem, Popover, Select, SelectValue } from 'react-aria-components';

export interface ChoiceProps {
  label: string;
  value: string;
  options: readonly string[];
  /** Options shown but not selectable (e.g. "Custom", which editing produces). */
  disabled?: readonly string[];
  onChange(value: string): void;
}

export function Choice({ label, value, options, disabled = [], onChange }: ChoiceProps) {
  return (
    <Select className="field" selectedKey={value} disabledKeys={disabled} onSelectionChange={(k) => k !== null && onChange(String(k))}>
      <Label>{label}</Label>
      <Button className="button select-button">
        <SelectValue />
        <span aria-hidden="true"> ▾</span>
      </Button>
      <Popover className="popover">
        <ListBox className="listbox">
          {options.map((o) => (
            <ListBoxItem key={o} id={o} className="listbox-item">
              {o}
            </ListBoxItem>
          ))}
        </ListBox>
      </Popover>
    </Select>
  );
}
