/** Browser files to the contract's named byte blobs, and saving exports as downloads. */
import type { NamedFile } from '../../../electron/ipc/contract';

/** Reads browser `File`s (picked or dropped) into `{ name, bytes }`. */
export async function readFiles(files: Iterable<File>): Promise<NamedFile[]> {
  return Promise.all([...files].map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })));
}

/** Offers `text` as a download named `name` (a blob: URL of the app's own origin; no network). */
export function saveText(name: string, mime: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: mime }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
