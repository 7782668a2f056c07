/**
 * Builds a batch folder from the fixtures at test time (in the OS temp dir, never in the project):
 * directories of many report copies with their endorsements beside them, plus broken quotes and a
 * stray text file. Returns the folder and the verdict each file must get.
 */
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES } from '../helpers.ts';

export interface BatchFolder {
  folder: string;
  /** Evidence files by the fixture case they copy (`valid`, `debug`, `expired-vcek`, `broken`). */
  counts: Record<string, number>;
  total: number;
}

/** `perCase`: how many copies of each case's report; `broken`: DCAP headers followed by garbage. */
export function makeBatchFolder(perCase: Record<'valid' | 'debug' | 'expired-vcek', number>, broken: number): BatchFolder {
  const folder = mkdtempSync(join(tmpdir(), 'custodian-batch-'));
  for (const [name, n] of Object.entries(perCase)) {
    const dir = join(folder, name);
    mkdirSync(dir);
    for (const e of ['cert_chain.pem', 'crl-empty.der']) copyFileSync(join(FIXTURES, 'pki', e), join(dir, e));
    copyFileSync(join(FIXTURES, name, 'vcek.der'), join(dir, 'vcek.der'));
    for (let i = 0; i < n; i++) copyFileSync(join(FIXTURES, name, 'report.bin'), join(dir, `report-${String(i).padStart(5, '0')}.bin`));
  }
  const bad = join(folder, 'broken');
  mkdirSync(bad);
  writeFileSync(join(bad, 'README.txt'), 'not evidence; ignored\n');
  for (let i = 0; i < broken; i++) {
    const q = new Uint8Array(200).fill(0xee);
    q.set([4, 0, 2, 0, 0x81, 0, 0, 0]); // a TDX v4 quote header, then garbage
    writeFileSync(join(bad, `quote-${i}.bin`), q);
  }
  const counts = { ...perCase, broken };
  return { folder, counts, total: Object.values(counts).reduce((a, b) => a + b, 0) };
}
