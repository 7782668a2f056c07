/** Evidence + endorsements, and TEST anchors, for one appraisal; lists what each file was recognised as. */
import { Button } from 'react-aria-components';
import type { Inspection } from '../api';
import type { NamedFile } from '../../../electron/ipc/contract';
import { readFiles } from '../lib/files';
import { FileDrop } from './FileDrop';

export interface EvidencePickerProps {
  title: string;
  files: NamedFile[];
  anchors: NamedFile[];
  recognised: Inspection['files'] | undefined;
  onChange(files: NamedFile[], anchors: NamedFile[]): void;
}

export function EvidencePicker({ title, files, anchors, recognised, onChange }: EvidencePickerProps) {
  const kindOf = (name: string) => recognised?.find((f) => f.name === name);
  // A file's role is known only once the core recognises it: the drop refuses above the largest slot
  // limit (endorsement), and the main process checks each file against its own slot's limit.
  return (
    <section className="picker" aria-label={title}>
      <FileDrop role="endorsement" label={`${title}: open evidence and endorsements…`} hint="Drop an SEV-SNP report, a TDX/SGX quote or NVIDIA GPU/NVSwitch evidence with its certificates, CRLs, collateral, RIMs or OCSP responses." onFiles={(f) => void readFiles(f).then((read) => onChange(read, anchors))} />
      <FileDrop role="test anchor" label={`${title}: add TEST anchor…`} hint="Only for test PKIs: a root to trust explicitly. The appraisal will say TEST anchor." onFiles={(f) => void readFiles(f).then((read) => onChange(files, [...anchors, ...read]))} />
      <ul className="plain files">
        {files.map((f) => {
          const k = kindOf(f.name);
          return (
            <li key={f.name}>
              <code>{f.name}</code> {k ? `— ${k.kind} (${k.role})` : ''}
            </li>
          );
        })}
        {anchors.map((f) => (
          <li key={`anchor:${f.name}`}>
            <code>{f.name}</code> — <span className="badge badge-warn">TEST anchor</span>
          </li>
        ))}
      </ul>
      {(files.length > 0 || anchors.length > 0) && (
        <Button className="button" onPress={() => onChange([], [])}>
          Clear
        </Button>
      )}
    </section>
  );
}
