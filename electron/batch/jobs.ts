/**
 * Batch jobs: collects the tasks of a folder (or reads a manifest's) and spreads them over worker
 * threads in small chunks, so the caller (the Electron main process or the loopback host) and the renderer stay responsive.
 * The renderer polls for progress; rows arrive in completion order.
 */
import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { InputError } from '../core/errors.ts';
import type { BatchRow, Request, Response } from '../ipc/contract.ts';
import { rowPolicyName, type BatchTask } from './collect.ts';
import { batchTasks, type Confine } from './manifest.ts';
import type { WorkerSettings } from './worker.ts';

/** Tasks per message to a worker: small enough for smooth progress, large enough to amortise messaging. */
const CHUNK = 16;
/** Finished or running jobs whose rows are kept; starting another forgets the oldest. */
const KEEP_JOBS = 4;

interface Job {
  total: number;
  rows: BatchRow[];
  started: number;
  finishedAt: number | null;
  workers: Worker[];
  /** Resolves when the job has finished or was cancelled. */
  done: Promise<void>;
  markDone(): void;
}

export interface BatchJobsOptions {
  /** The worker script: `worker.ts` under tsx, or the built `batch-worker.js`. */
  workerUrl: URL;
  /** Worker threads per job; default: available cores (at least 1). */
  threads?: number;
  wasmPath?: string;
  /** Applied to every path a batch manifest names (the loopback host: its `--root` folders); see manifest.ts. */
  confine?: Confine;
}

/**
 * Starts the worker. A TypeScript worker (tests, the loopback host under tsx) is started through
 * tsx's loader, which `--import tsx` in execArgv does not install for a worker's entry on Node 20.
 */
function spawnWorker(url: URL, settings: WorkerSettings): Worker {
  if (!url.pathname.endsWith('.ts')) return new Worker(url, { workerData: settings });
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })`;
  return new Worker(boot, { eval: true, workerData: settings });
}

/** Runs batch jobs; one instance per process. */
export class BatchJobs {
  private readonly jobs = new Map<string, Job>();

  constructor(private readonly options: BatchJobsOptions) {}

  /**
   * Collects the tasks of `request.folder` (a folder, or a batch manifest file) and starts verifying
   * them; resolves once the work is queued. InputError naming the folder or manifest (and the row)
   * when it cannot be read.
   */
  async start(request: Request<'batch:start'>): Promise<Response<'batch:start'>> {
    const { tasks, pool } = await batchTasks(request.folder, this.options.confine);
    return this.startTasks(tasks, { testAnchors: request.testAnchors, policy: request.policy, referenceTime: request.referenceTime, pool });
  }

  /** Starts verifying `tasks` with the job's `settings` (rows may override time and policy). */
  startTasks(tasks: BatchTask[], settings: Omit<WorkerSettings, 'wasmPath'>): Response<'batch:start'> {
    const jobId = randomUUID();
    // Keep the results of the last few jobs only (a session rarely looks further back).
    for (const old of [...this.jobs.keys()].slice(0, Math.max(0, this.jobs.size - KEEP_JOBS + 1))) {
      for (const w of this.jobs.get(old)!.workers) void w.terminate();
      this.jobs.delete(old);
    }
    let markDone = () => {};
    const done = new Promise<void>((resolve) => (markDone = resolve));
    const job: Job = { total: tasks.length, rows: [], started: performance.now(), finishedAt: null, workers: [], done, markDone };
    this.jobs.set(jobId, job);
    if (tasks.length === 0) {
      job.finishedAt = job.started;
      markDone();
    } else this.run(job, tasks, { ...settings, wasmPath: this.options.wasmPath });
    return { jobId, total: tasks.length };
  }

  /** Resolves when `jobId` has finished (every row in) or was cancelled. */
  finished(jobId: string): Promise<void> {
    return this.get(jobId).done;
  }

  /** Progress of `jobId` and its rows from index `from` on. */
  poll(request: Request<'batch:poll'>): Response<'batch:poll'> {
    const job = this.get(request.jobId);
    const end = job.finishedAt ?? performance.now();
    return { total: job.total, done: job.rows.length, finished: job.finishedAt !== null, elapsedMs: end - job.started, rows: job.rows.slice(request.from) };
  }

  /** Stops the workers of `jobId`; the rows so far stay. */
  async cancel(request: Request<'batch:cancel'>): Promise<Response<'batch:cancel'>> {
    const job = this.get(request.jobId);
    if (job.finishedAt !== null) return { cancelled: false };
    job.finishedAt = performance.now(); // first, so results still in flight are dropped
    await Promise.all(job.workers.map((w) => w.terminate()));
    job.markDone();
    return { cancelled: true };
  }

  private get(jobId: string): Job {
    const job = this.jobs.get(jobId);
    if (!job) throw new InputError('batch', 'jobId', `no batch job ${jobId}`);
    return job;
  }

  private run(job: Job, tasks: BatchTask[], settings: WorkerSettings): void {
    let next = 0;
    const threads = Math.max(1, Math.min(this.options.threads ?? availableParallelism(), Math.ceil(tasks.length / CHUNK)));
    const finish = () => {
      if (job.finishedAt !== null) return;
      job.finishedAt = performance.now();
      for (const w of job.workers) void w.terminate();
      job.markDone();
    };
    const feed = (w: Worker) => {
      if (next >= tasks.length) return;
      w.postMessage({ tasks: tasks.slice(next, next + CHUNK) });
      next += CHUNK;
    };
    for (let i = 0; i < threads; i++) {
      const w = spawnWorker(this.options.workerUrl, settings);
      job.workers.push(w);
      w.on('message', (m: { ready?: true; rows?: BatchRow[] }) => {
        if (job.finishedAt !== null) return; // cancelled: late results are dropped
        if (m.rows) job.rows.push(...m.rows);
        if (job.rows.length >= job.total) finish();
        else feed(w);
      });
      w.on('error', (e) => {
        // A worker that fails ends the job: every task not verified yet is reported as an error, never lost.
        if (job.finishedAt !== null) return;
        const seen = new Set(job.rows.map((r) => r.path));
        for (const t of tasks) {
          if (!seen.has(t.rel)) job.rows.push({ path: t.rel, platform: null, verdict: 'error', failing: ['worker'], warnings: 0, detail: `not verified: a batch worker failed: ${e.message}`, endorsements: [], pairing: [], at: t.at ?? settings.referenceTime, policy: rowPolicyName(t, settings.policy) });
        }
        finish();
      });
    }
  }
}
