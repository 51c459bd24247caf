import type { Logger } from 'pino';
import { MediaError } from '../media/media-error.js';
import type { Store } from '../store/store.js';
import type { Asset, Job, JobKind } from '../types.js';

/** Does the work of one job kind. Resolves with a small JSON summary stored on the job. */
export type JobHandler = (job: Job, asset: Asset, signal: AbortSignal) => Promise<Record<string, unknown>>;

export interface SchedulerOptions {
  /** How many jobs run at once. */
  concurrency: number;
  maxAttempts: number;
  /** First retry delay; each further attempt waits four times longer (±20% jitter). */
  retryBaseMs: number;
  /** Longest sleep between checks for due jobs, a safety net for missed wake-ups. */
  pollMs?: number;
  now?: () => number;
}

interface RunningJob {
  job: Job;
  controller: AbortController;
  done: Promise<void>;
}

/**
 * Claims due jobs from the persistent queue and runs them, at most `concurrency` at a time.
 * The queue lives in SQLite, so a crash loses nothing: on start every job left 'running' is put
 * back in line. All writes happen here on the main thread; handlers do their heavy work in the
 * worker pool.
 */
export class JobScheduler {
  /** Keyed by run (job id and claim): an old run may still be finishing when its job is re-claimed. */
  private readonly running = new Map<string, RunningJob>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  private readonly now: () => number;
  private readonly pollMs: number;

  constructor(
    private readonly store: Store,
    private readonly handlers: Readonly<Record<JobKind, JobHandler>>,
    private readonly options: SchedulerOptions,
    private readonly log: Logger,
  ) {
    this.now = options.now ?? Date.now;
    this.pollMs = options.pollMs ?? 1000;
  }

  /** Re-queues jobs a previous process left running, then starts claiming. */
  start(): number {
    const recovered = this.store.jobs.recoverInterrupted(this.now());
    if (recovered > 0) this.log.info({ recovered }, 'resuming jobs interrupted by the previous shutdown');
    this.stopped = false;
    this.wake();
    return recovered;
  }

  /** Asks the scheduler to look for due jobs now (after an insert or a rerun). */
  wake(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.tick(), 0);
  }

  get activeCount(): number {
    return this.running.size;
  }

  /** Aborts the running jobs of an asset that is being deleted. */
  cancelAsset(assetId: number): void {
    for (const entry of this.running.values()) {
      if (entry.job.assetId === assetId) entry.controller.abort(new Error('the asset was deleted'));
    }
  }

  /** Aborts running jobs by id (their rows are already gone or re-queued by the caller). */
  cancelJobs(jobIds: readonly number[]): void {
    const ids = new Set(jobIds);
    for (const entry of this.running.values()) {
      if (ids.has(entry.job.id)) entry.controller.abort(new Error('the job was cancelled'));
    }
  }

  /**
   * Stops claiming, lets running jobs finish for up to `graceMs`, then aborts the rest and puts
   * them back in the queue without counting the attempt, so the next start resumes them.
   */
  async stop(graceMs: number): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const all = () => Promise.allSettled([...this.running.values()].map((r) => r.done));
    let graceTimer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'timeout'>((resolve) => {
      graceTimer = setTimeout(() => resolve('timeout'), graceMs);
    });
    const outcome = await Promise.race([all().then(() => 'done' as const), graceOver]);
    clearTimeout(graceTimer);
    if (outcome === 'timeout') {
      const interrupted = [...this.running.values()];
      for (const entry of interrupted) entry.controller.abort(new Error('the server is shutting down'));
      await all();
      this.log.info({ requeued: interrupted.length }, 're-queued jobs interrupted by shutdown');
    }
  }

  private tick(): void {
    if (this.stopped) return;
    const free = this.options.concurrency - this.running.size;
    const claimed = free > 0 ? this.store.jobs.claimReady(this.now(), free) : [];
    for (const job of claimed) this.launch(job);
    this.scheduleNextTick();
  }

  private scheduleNextTick(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    // With every slot busy there is nothing to claim until a job finishes, which wakes us.
    if (this.running.size >= this.options.concurrency) return;
    const due = this.store.jobs.nextDueTime();
    const wait = due === undefined ? this.pollMs : Math.min(this.pollMs, Math.max(0, due - this.now()));
    this.timer = setTimeout(() => this.tick(), Math.max(wait, 10));
  }

  private launch(job: Job): void {
    const controller = new AbortController();
    const entry: RunningJob = { job, controller, done: Promise.resolve() };
    const key = `${job.id}/${job.claim}`;
    // A job re-queued (rerun) while an older run was still going: stop the older run and start
    // this one only after it has wound down, so one job never runs twice at once.
    const previous = [...this.running.values()].filter((other) => other.job.id === job.id);
    for (const other of previous) other.controller.abort(new Error('superseded by a rerun'));
    this.running.set(key, entry);
    const start = Promise.allSettled(previous.map((other) => other.done));
    entry.done = start.then(() => this.execute(job, controller.signal)).finally(() => {
      this.running.delete(key);
      this.wake();
    });
  }

  private async execute(job: Job, signal: AbortSignal): Promise<void> {
    const asset = this.store.assets.getById(job.assetId);
    if (!asset) return; // deleted since the claim; its jobs went with it
    const log = this.log.child({ jobId: job.id, kind: job.kind, mediaId: asset.mediaId, library: asset.library });
    try {
      const result = await this.handlers[job.kind](job, asset, signal);
      if (signal.aborted) throw signal.reason;
      this.store.jobs.succeed(job, result, this.now());
      log.debug({ result }, 'job succeeded');
    } catch (error) {
      this.handleFailure(job, error, signal, log);
    }
  }

  private handleFailure(job: Job, error: unknown, signal: AbortSignal, log: Logger): void {
    const now = this.now();
    if (signal.aborted) {
      // Shutdown or cancellation: the attempt does not count. A deleted asset has no row left.
      this.store.jobs.release(job);
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    const permanent = error instanceof MediaError && !error.retryable;
    if (!permanent && job.attempts < this.options.maxAttempts) {
      const delay = this.options.retryBaseMs * 4 ** (job.attempts - 1) * (0.8 + Math.random() * 0.4);
      this.store.jobs.retryLater(job, message, now + Math.round(delay));
      log.warn({ err: error, attempt: job.attempts, retryInMs: Math.round(delay) }, 'job failed; will retry');
      return;
    }
    this.store.transaction(() => {
      if (!this.store.jobs.fail(job, message, now)) return;
      if (job.kind === 'ingest') {
        this.store.assets.markIngestFailed(job.assetId, message);
        this.store.jobs.failWaitingIndexJobs(job.assetId, `the media file could not be ingested: ${message}`, now);
      }
    });
    log.warn({ err: error, attempts: job.attempts, permanent }, 'job failed');
  }
}
