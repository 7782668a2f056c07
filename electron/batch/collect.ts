/**
 * Finds the work of a batch: every evidence file under a folder (recursively), and the files that may
 * endorse them (paired by identity in the worker). Files are recognised by content.
 */
import { constants } from 'node:fs';
import { open, readdir } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../core/errors.ts';
import type { FileKind } from '../ipc/contract.ts';
import { classify } from '../evidence/classify.ts';
import { looksLikeEnvelope } from '../evidence/envelopes.ts';
import { isEvidence } from '../evidence/select.ts';

/**
 * One unit of batch work. Paths are absolute; `rel` is relative to the batch folder (or manifest).
 * A manifest row may set its own reference time and policy; otherwise the job's apply.
 */
export interface BatchTask {
  path: string;
  rel: string;
  kind: FileKind;
  endorsements: string[];
  /** Pair endorsements by identity from the job's pool (folder batches) instead of using `endorsements`. */
  pair?: boolean;
  /** RFC 3339 reference time of this row (manifest rows only). */
  at?: string;
  /** This row's policy document (manifest rows only), and how rows name it ("default", a file name, "inline"). */
  policy?: { name: string; value: unknown };
}

/** How a row names the policy it used: the manifest row's ("inline" or its file name), else the batch's. */
export function rowPolicyName(task: BatchTask, batchPolicy: unknown): string {
  return task.policy?.name ?? (batchPolicy === undefined || batchPolicy === null ? 'default' : 'the batch policy');
}

/** Bytes read to recognise a file: enough for an SNP report in hex text (2,368 characters). */
const HEAD_BYTES = 8192;

/**
 * The first bytes of `file`, or none when it is no longer a regular file (swapped for a FIFO or a
 * device since the listing): opened with O_NONBLOCK so a FIFO cannot block, checked with fstat.
 */
export async function head(file: string): Promise<Uint8Array> {
  const handle = await open(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0));
  try {
    if (!(await handle.stat()).isFile()) return new Uint8Array();
    const buf = new Uint8Array(HEAD_BYTES);
    const { bytesRead } = await handle.read(buf, 0, HEAD_BYTES, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** Lists the regular files of every directory under `root`, directory by directory. */
async function directories(root: string): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  const pending = [root];
  while (pending.length > 0) {
    const dir = pending.pop()!;
    const entries = await readdir(dir, { withFileTypes: true });
    const files: string[] = [];
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) pending.push(full);
      else if (e.isFile()) files.push(full);
    }
    files.sort();
    out.set(dir, files);
  }
  return out;
}

/**
 * The work of `folder`: one task per evidence file (sorted by path), each to be paired by identity
 * (`pair: true`, see electron/evidence/pairing.ts) with endorsements from `pool`: every other
 * recognised file under the folder, wherever it lies. Throws {@link InputError} (file = the folder)
 * when it cannot be read.
 */
export async function collectTasks(folder: string): Promise<{ tasks: BatchTask[]; pool: string[] }> {
  const root = path.resolve(folder);
  let dirs: Map<string, string[]>;
  try {
    dirs = await directories(root);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new InputError(folder, 'folder', code === 'ENOENT' ? 'no such folder' : `cannot read (${code})`);
  }
  const tasks: BatchTask[] = [];
  const pool: string[] = [];
  for (const files of dirs.values()) {
    const heads = await Promise.all(files.map(head));
    const kinds = heads.map(classify);
    files.forEach((file, i) => {
      const kind = kinds[i]!;
      // Another tool's envelope (Trustee JSON, go-sev-guest protobuf) carries its own evidence: a row, never an endorsement.
      const envelope = looksLikeEnvelope(heads[i]!);
      if (envelope || isEvidence(kind, kinds)) tasks.push({ path: file, rel: path.relative(root, file), kind, endorsements: [], pair: true });
      // An HCL report is SEV-SNP evidence alone but a TD quote's companion: it may be both.
      if (!envelope && (!isEvidence(kind, kinds) || kind === 'azure-hcl-report') && kind !== 'unknown') pool.push(file);
    });
  }
  return { tasks: tasks.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0)), pool: pool.sort() };
}
