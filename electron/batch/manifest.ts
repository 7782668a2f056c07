/**
 * Batch manifests: the evidence files of a batch listed with their endorsements, reference time and
 * policy per row, for when pairing by folder does not fit (a responder's mixed folders, evidence
 * appraised at the time it was taken). Read by `custodian batch MANIFEST` and the console's Batch.
 *
 * JSON: an array of rows, or `{ "rows": [...] }`; a row is
 *   `{ "evidence": PATH, "endorsements": [PATH, ...], "at": RFC3339, "policy": PATH | {...} }`
 * with only `evidence` required.
 * CSV (RFC 4180, a header row naming the columns, any order): `evidence`, `endorsements` (paths
 * separated by `;`), `at`, `policy` (a policy file's path); only `evidence` is required.
 *
 * Relative paths are relative to the manifest's folder. An endorsement that is a directory means
 * every regular file directly in it. Threats: a manifest is input like any other; its rows can name
 * FIFOs, devices or huge files — every file is still read through the role limits when verified
 * (batch/worker.ts), and recognition reads at most the first bytes of each evidence file. And its
 * rows can name files anywhere: where the caller confines paths (the loopback console's `--root`
 * folders), `confine` is applied to every path a row names, after directories are expanded, so a
 * manifest inside a root cannot read a file outside it.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { InputError } from '../core/errors.ts';
import { classify } from '../evidence/classify.ts';
import { endorsementPaths, readJson } from '../io/files.ts';
import { checkJsonDepth, readLimited } from '../io/limits.ts';
import { Instant } from '../ipc/contract-shared.ts';
import { collectTasks, head, type BatchTask } from './collect.ts';

const KEYS = ['evidence', 'endorsements', 'at', 'policy'];
/** Rows accepted in one manifest: as many as a folder batch would reasonably hold. */
export const MAX_MANIFEST_ROWS = 100_000;

interface RawRow {
  evidence?: unknown;
  endorsements?: unknown;
  at?: unknown;
  policy?: unknown;
}

/**
 * Maps an absolute path to the path to use, or throws InputError when it may not be used (the
 * loopback console's `confinePath` to its roots). Identity where every path is the user's choice
 * (the CLI, Electron's dialogs).
 */
export type Confine = (absolutePath: string) => string;

/** True when `file` is read as a CSV manifest (by its extension; anything else is JSON). */
const isCsv = (file: string) => /\.csv$/i.test(file);

function rowsOf(file: string): RawRow[] {
  const text = readLimited(file, 'batch manifest').toString('utf8');
  if (isCsv(file)) {
    let records: Record<string, string>[];
    try {
      records = parseCsv(text, { columns: (header: string[]) => header.map((h) => h.trim()), skip_empty_lines: true, trim: true, bom: true });
    } catch (e) {
      throw new InputError(file, 'batch manifest', `not CSV: ${(e as Error).message}`);
    }
    return records.map((r) => ({
      ...r,
      endorsements: r.endorsements === undefined || r.endorsements === '' ? undefined : r.endorsements.split(';').map((p) => p.trim()).filter(Boolean),
      at: r.at || undefined,
      policy: r.policy || undefined,
    }));
  }
  checkJsonDepth(file, 'batch manifest', text);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new InputError(file, 'batch manifest', `not JSON: ${(e as Error).message}`);
  }
  const rows = Array.isArray(doc) ? doc : (doc as { rows?: unknown } | null)?.rows;
  if (!Array.isArray(rows)) throw new InputError(file, 'batch manifest', 'expected a JSON array of rows or {"rows": [...]} (or a .csv file)');
  return rows as RawRow[];
}

/**
 * The tasks of the manifest `file`, in its order. Throws {@link InputError} naming the manifest and
 * the row's field ("row 3: endorsements[1]") for anything it cannot use: a missing or non-regular
 * evidence file, an unknown column, a time that is not RFC 3339, a policy that is not JSON, more than
 * {@link MAX_MANIFEST_ROWS} rows. The evidence kind is recognised from the file's first bytes.
 */
export async function readManifest(file: string, confine: Confine = (p) => p): Promise<BatchTask[]> {
  const rows = rowsOf(file);
  if (rows.length > MAX_MANIFEST_ROWS) throw new InputError(file, 'batch manifest', `${rows.length} rows; at most ${MAX_MANIFEST_ROWS}`);
  const base = path.dirname(path.resolve(file));
  const tasks: BatchTask[] = [];
  const rels = new Set<string>();
  for (const [i, row] of rows.entries()) {
    const where = (field: string) => `row ${i + 1}: ${field}`;
    const fail = (field: string, detail: string) => new InputError(file, where(field), detail);
    /** `p` resolved against the manifest's folder and confined; a refusal names the row and field. */
    const inside = (field: string, p: string) => {
      try {
        return confine(path.resolve(base, p));
      } catch (e) {
        if (e instanceof InputError) throw fail(field, `${e.file}: ${e.detail}`);
        throw e;
      }
    };
    if (row === null || typeof row !== 'object' || Array.isArray(row)) throw fail('row', 'expected an object with "evidence"');
    const unknown = Object.keys(row).filter((k) => !KEYS.includes(k));
    if (unknown.length) throw fail(unknown[0]!, `unknown field (fields: ${KEYS.join(', ')})`);
    if (typeof row.evidence !== 'string' || row.evidence === '') throw fail('evidence', 'a path is required');
    const evidence = inside('evidence', row.evidence);
    let bytes: Uint8Array;
    try {
      bytes = await head(evidence);
    } catch (e) {
      throw fail('evidence', `${row.evidence}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `cannot read (${(e as NodeJS.ErrnoException).code ?? 'unreadable'})`}`);
    }
    if (bytes.length === 0) throw fail('evidence', `${row.evidence}: empty, or not a regular file`);
    const ends = row.endorsements ?? [];
    if (!Array.isArray(ends) || ends.some((e) => typeof e !== 'string')) throw fail('endorsements', 'expected a list of paths');
    const endorsements = (ends as string[]).flatMap((p) => endorsementPaths(inside('endorsements', p), 'endorsement').map((f) => inside('endorsements', f)));
    if (row.at !== undefined && !Instant.safeParse(row.at).success) throw fail('at', `not an RFC 3339 date-time with an offset: ${JSON.stringify(row.at)}`);
    let policy: BatchTask['policy'];
    if (typeof row.policy === 'string') policy = { name: path.basename(row.policy), value: readJson(inside('policy', row.policy), 'policy') };
    else if (row.policy !== undefined && row.policy !== null) {
      if (typeof row.policy !== 'object' || Array.isArray(row.policy)) throw fail('policy', 'expected a policy file path or a policy object');
      policy = { name: 'inline', value: row.policy };
    }
    // A row's name in the results: its evidence path, made unique when a file is listed again (say at another time).
    const rel = rels.has(row.evidence) ? `${row.evidence} (row ${i + 1})` : row.evidence;
    rels.add(rel);
    tasks.push({
      path: evidence,
      rel,
      kind: classify(bytes),
      endorsements,
      ...(row.at !== undefined ? { at: new Date(row.at as string).toISOString() } : {}),
      ...(policy ? { policy } : {}),
    });
  }
  return tasks;
}

/**
 * The tasks of a batch `source`: the rows of a manifest when it is a file ({@link readManifest}, with
 * `confine` on every path it names), else every evidence file under the folder and the pool of files
 * its endorsements are paired from by identity (`collectTasks`, which lists regular files only:
 * symbolic links are not followed).
 */
export async function batchTasks(source: string, confine?: Confine): Promise<{ tasks: BatchTask[]; manifest: boolean; pool: string[] }> {
  const manifest = (await stat(source).catch(() => null))?.isFile() ?? false;
  if (manifest) return { tasks: await readManifest(source, confine), manifest, pool: [] };
  return { ...(await collectTasks(source)), manifest };
}
