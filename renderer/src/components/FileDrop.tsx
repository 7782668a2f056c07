/** Open or drop files: a react-aria DropZone around a FileTrigger button (keyboard: Tab, Enter). */
import { useState } from 'react';
import { Button, DropZone, FileTrigger, Text } from 'react-aria-components';
import type { DropItem } from 'react-aria';
import { LIMITS, sizeRefusal, type InputRole } from '../../../electron/io/size-limits';

export interface FileDropProps {
  /** Button text, e.g. "Open evidence and endorsements…". */
  label: string;
  hint: string;
  /**
   * What the files are read as: a file larger than `LIMITS[role]` is refused here, by its `File.size`,
   * before a byte of it is read into the renderer (threat: a picked multi-GB file or a device would
   * otherwise be read whole into memory before the main process could refuse it).
   */
  role: InputRole;
  onFiles(files: File[]): void;
}

async function dropped(items: DropItem[]): Promise<File[]> {
  return Promise.all(items.filter((i) => i.kind === 'file').map((i) => (i as { getFile(): Promise<File> }).getFile()));
}

/** "NAME: ROLE: is N bytes (…), over the ROLE limit of …: refused" for each file over the limit. */
function oversized(files: readonly File[], role: InputRole): string[] {
  return files.filter((f) => f.size > LIMITS[role]).map((f) => `${f.name}: ${role}: ${sizeRefusal(role, f.size)}`);
}

export function FileDrop({ label, hint, role, onFiles }: FileDropProps) {
  const [refused, setRefused] = useState<string[]>([]);
  const accept = (files: File[]) => {
    const over = oversized(files, role);
    setRefused(over);
    // The whole pick is refused, so a set of files is never silently appraised without one of them.
    if (over.length === 0) onFiles(files);
  };
  return (
    <DropZone className="drop" aria-label={`Drop files here: ${label}`} onDrop={(e) => void dropped(e.items).then(accept)}>
      <FileTrigger allowsMultiple onSelect={(list) => list && accept(Array.from(list))}>
        <Button className="button">{label}</Button>
      </FileTrigger>
      <Text slot="label" className="muted">
        {hint}
      </Text>
      {refused.length > 0 && (
        <div role="alert" className="error">
          {refused.map((m) => (
            <div key={m}>{m}</div>
          ))}
        </div>
      )}
    </DropZone>
  );
}
