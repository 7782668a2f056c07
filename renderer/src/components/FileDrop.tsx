/** Open or drop files: a react-aria DropZone around a FileTrigger button (keyboard: Tab, Enter). */
import { Button, DropZone, FileTrigger, Text } from 'react-aria-components';
import type { DropItem } from 'react-aria';

export interface FileDropProps {
  /** Button text, e.g. "Open evidence and endorsements…". */
  label: string;
  hint: string;
  onFiles(files: File[]): void;
}

async function dropped(items: DropItem[]): Promise<File[]> {
  return Promise.all(items.filter((i) => i.kind === 'file').map((i) => (i as { getFile(): Promise<File> }).getFile()));
}

export function FileDrop({ label, hint, onFiles }: FileDropProps) {
  return (
    <DropZone className="drop" aria-label={`Drop files here: ${label}`} onDrop={(e) => void dropped(e.items).then(onFiles)}>
      <FileTrigger allowsMultiple onSelect={(list) => list && onFiles(Array.from(list))}>
        <Button className="button">{label}</Button>
      </FileTrigger>
      <Text slot="label" className="muted">
        {hint}
      </Text>
    </DropZone>
  );
}
