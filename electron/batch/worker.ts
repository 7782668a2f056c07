/**
 * Batch worker thread: loads the wasm core once, then verifies the tasks it is sent and posts one
 * {@link BatchRow} per task. Messages: in {@link WorkerJob}, out `{ rows: BatchRow[] }`.
 */
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { loadCore } from '../core/core.ts';
import { InputError } from '../core/errors.ts';
import type { BatchRow } from '../ipc/contract.ts';
import type { NamedBytes } from '../core/appraisal.ts';
import { rowPolicyName, type BatchTask } from './collect.ts';
import type { Request } from '../ipc/contract.ts';
import { appraiseFiles, evidenceType } from '../evidence/inspect.ts';
import { readLimited } from '../io/limits.ts';
import { checkIds, pair, type EndorsementPool, type Pairing } from '../evidence/pairing.ts';
import { buildPool, identityOf } from '../evidence/pool.ts';

/** Fixed for the whole job (sent as `workerData`). */
export interface WorkerSettings {
  testAnchors: NamedBytes[];
  policy: unknown;
  /** RFC 3339. */
  referenceTime: string;
  wasmPath?: string;
  /** Candidate endorsement files (absolute paths) that `pair` tasks are paired from by identity. */
  pool?: string[];
}

/** A chunk of tasks to verify. */
export interface WorkerJob {
  tasks: BatchTask[];
}

const settings = workerData as WorkerSettings;
const core = await loadCore(settings.wasmPath);
const at = new Date(settings.referenceTime);
/** Endorsements are usually shared by many reports in a directory: read each once. */
const cache = new Map<string, Promise<Uint8Array>>();

/** Reads an endorsement within the endorsement limit (refusing FIFOs, devices, huge files). */
function read(file: string): Promise<Uint8Array> {
  let bytes = cache.get(file);
  if (!bytes) {
    bytes = Promise.resolve().then(() => new Uint8Array(readLimited(file, 'endorsement')));
    cache.set(file, bytes);
  }
  return bytes;
}

/** The job's pool, identified on first use (once per worker; identities are cached by content). */
let pool: EndorsementPool | undefined;
/** The pool's root: notes name files relative to the common folder of the pool and the evidence. */
const folderOf = (task: BatchTask) => task.path.slice(0, task.path.length - task.rel.length);

/** Chooses `task`'s endorsements from the pool by identity, trying alternatives with full appraisals. */
function pairTask(task: BatchTask, evidence: NamedBytes, appraise: (files: NamedBytes[]) => ReturnType<typeof appraiseFiles>): Pairing {
  pool ??= buildPool(core, settings.pool ?? []).pool;
  const identity = identityOf(core, evidence.bytes, task.rel);
  if (!identity) return { files: [], notes: [], rejected: [] };
  const at = Math.floor(new Date(task.at ?? settings.referenceTime).getTime() / 1000);
  const trial = (files: string[]) => {
    try {
      const { appraisal } = appraise(files.map((p) => ({ name: path.basename(p), bytes: readLimited(p, 'endorsement') })));
      return checkIds(appraisal);
    } catch {
      return null;
    }
  };
  return pair(task.path, identity, pool, at, trial, (f) => path.relative(folderOf(task), f));
}

async function verifyTask(task: BatchTask): Promise<BatchRow> {
  let endorsements = task.endorsements.map((p) => path.basename(p));
  let pairing: Pairing['notes'] = [];
  const referenceTime = task.at ?? settings.referenceTime;
  const used = { at: referenceTime, policy: rowPolicyName(task, settings.policy) };
  try {
    const evidence = { name: task.rel, bytes: readLimited(task.path, 'evidence') };
    const appraise = (files: NamedBytes[]) =>
      appraiseFiles(core, {
        files: [evidence, ...files],
        testAnchors: settings.testAnchors,
        policy: (task.policy ? task.policy.value : settings.policy) as Request<'evidence:inspect'>['policy'],
        referenceTime,
      });
    let paths = task.endorsements;
    if (task.pair) {
      const paired = pairTask(task, evidence, appraise);
      paths = paired.files;
      pairing = paired.notes;
      endorsements = paths.map((p) => path.relative(folderOf(task), p));
    }
    const files = await Promise.all(paths.map(async (p) => ({ name: path.basename(p), bytes: await read(p) })));
    const { appraisal } = appraise(files);
    const failing = appraisal.checks.filter((c) => c.status === 'fail');
    return {
      path: task.rel,
      platform: appraisal.platform,
      verdict: appraisal.verdict,
      failing: failing.map((c) => c.id),
      warnings: appraisal.checks.filter((c) => c.status === 'warn').length,
      detail: failing[0]?.detail ?? appraisal.checks.find((c) => c.status === 'warn')?.detail ?? '',
      endorsements,
      pairing,
      ...used,
    };
  } catch (e) {
    const field = e instanceof InputError ? e.field : 'verify';
    const message = e instanceof InputError ? `${e.file}: ${e.detail}` : (e as Error).message;
    return { path: task.rel, platform: evidenceType(task.kind) ?? null, verdict: 'error', failing: [field], warnings: 0, detail: message, endorsements, pairing, ...used };
  }
}

parentPort!.on('message', async (job: WorkerJob) => {
  const rows: BatchRow[] = [];
  for (const task of job.tasks) rows.push(await verifyTask(task));
  parentPort!.postMessage({ rows });
});
parentPort!.postMessage({ ready: true });
