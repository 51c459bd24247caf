import type { Db } from './database.js';
import type { Job, JobKind, JobState } from '../types.js';

interface JobRow {
  id: number;
  asset_id: number;
  kind: JobKind;
  state: JobState;
  attempts: number;
  claim: number;
  reindex: number;
  run_after: number;
  submitted_at: number;
  started_at: number | null;
  finished_at: number | null;
  error: string | null;
  result: string | null;
}

/** One claimed run of a job. */
export type JobRun = Pick<Job, 'id' | 'claim'>;

const toJob = (row: JobRow): Job => ({
  id: row.id,
  assetId: row.asset_id,
  kind: row.kind,
  state: row.state,
  attempts: row.attempts,
  claim: row.claim,
  reindex: row.reindex === 1,
  runAfter: row.run_after,
  submittedAt: row.submitted_at,
  startedAt: row.started_at,
  finishedAt: row.finished_at,
  error: row.error,
  result: row.result ? (JSON.parse(row.result) as Record<string, unknown>) : null,
});

/**
 * The persistent job queue. Only the scheduler in the main thread writes here, so a claim is a
 * plain transaction; after a crash, `recoverInterrupted` puts jobs that were running back in line.
 */
export class JobRepository {
  constructor(private readonly db: Db) {}

  /**
   * Queues a job, or re-queues it from scratch when one of that kind already exists (a rerun).
   * `reindex` marks a rerun the caller asked for (SearchIndexJobRerun): it may switch the asset to
   * the currently configured model.
   */
  enqueue(assetId: number, kind: JobKind, now: number, options: { reindex?: boolean } = {}): void {
    this.db
      .prepare(
        `INSERT INTO jobs (asset_id, kind, state, attempts, run_after, submitted_at, reindex)
         VALUES (?, ?, 'queued', 0, ?, ?, ?)
         ON CONFLICT (asset_id, kind) DO UPDATE SET state = 'queued', attempts = 0, run_after = excluded.run_after,
           submitted_at = excluded.submitted_at, started_at = NULL, finished_at = NULL, error = NULL, result = NULL,
           reindex = excluded.reindex`,
      )
      .run(assetId, kind, now, now, options.reindex ? 1 : 0);
  }

  /** Re-queues the failed jobs of a kind whose error is exactly `error`; returns how many. */
  requeueFailed(kind: JobKind, error: string, now: number): number {
    return this.db
      .prepare(
        `UPDATE jobs SET state = 'queued', attempts = 0, run_after = ?, started_at = NULL, finished_at = NULL,
           error = NULL, result = NULL WHERE kind = ? AND state = 'failed' AND error = ?`,
      )
      .run(now, kind, error).changes;
  }

  forAsset(assetId: number): Job[] {
    const rows = this.db.prepare('SELECT * FROM jobs WHERE asset_id = ? ORDER BY id').all(assetId) as JobRow[];
    return rows.map(toJob);
  }

  get(id: number): Job | undefined {
    const row = this.db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
    return row && toJob(row);
  }

  /**
   * Marks up to `limit` runnable jobs as running and returns them. Index jobs become runnable only
   * once their asset's ingest job has produced a ready file, so each file is fetched once.
   */
  claimReady(now: number, limit: number): Job[] {
    if (limit <= 0) return [];
    return this.db.transaction(() => {
      const rows = this.db
        .prepare(
          `SELECT jobs.* FROM jobs JOIN assets ON assets.id = jobs.asset_id
           WHERE jobs.state = 'queued' AND jobs.run_after <= ?
             AND (jobs.kind = 'ingest' OR assets.ingest_state = 'ready')
           ORDER BY jobs.run_after, jobs.id LIMIT ?`,
        )
        .all(now, limit) as JobRow[];
      const claim = this.db.prepare(
        "UPDATE jobs SET state = 'running', attempts = attempts + 1, claim = claim + 1, started_at = ? WHERE id = ?",
      );
      for (const row of rows) claim.run(now, row.id);
      return rows.map((row) =>
        toJob({ ...row, state: 'running', attempts: row.attempts + 1, claim: row.claim + 1, started_at: now }),
      );
    })();
  }

  /**
   * Earliest time a claimable job becomes due, for the scheduler's timer. Index jobs waiting for
   * their ingest do not count: the ingest's completion wakes the scheduler.
   */
  nextDueTime(): number | undefined {
    const row = this.db
      .prepare(
        `SELECT min(jobs.run_after) AS due FROM jobs JOIN assets ON assets.id = jobs.asset_id
         WHERE jobs.state = 'queued' AND (jobs.kind = 'ingest' OR assets.ingest_state = 'ready')`,
      )
      .get() as {
      due: number | null;
    };
    return row.due ?? undefined;
  }

  // The outcome writers below act only on the run identified by (id, claim) and only while it is
  // running, so a cancelled or superseded run cannot overwrite a newer one.

  succeed(run: JobRun, result: Record<string, unknown>, now: number): boolean {
    return (
      this.db
        .prepare(
          "UPDATE jobs SET state = 'success', finished_at = ?, error = NULL, result = ? WHERE id = ? AND claim = ? AND state = 'running'",
        )
        .run(now, JSON.stringify(result), run.id, run.claim).changes > 0
    );
  }

  fail(run: JobRun, error: string, now: number): boolean {
    return (
      this.db
        .prepare(
          "UPDATE jobs SET state = 'failed', finished_at = ?, error = ? WHERE id = ? AND claim = ? AND state = 'running'",
        )
        .run(now, error, run.id, run.claim).changes > 0
    );
  }

  /** Puts a failed attempt back in line for another try after `runAfter`. */
  retryLater(run: JobRun, error: string, runAfter: number): boolean {
    return (
      this.db
        .prepare(
          "UPDATE jobs SET state = 'queued', run_after = ?, error = ? WHERE id = ? AND claim = ? AND state = 'running'",
        )
        .run(runAfter, error, run.id, run.claim).changes > 0
    );
  }

  /** Hands an interrupted attempt back without counting it (graceful shutdown, cancellation). */
  release(run: JobRun): void {
    this.db
      .prepare(
        `UPDATE jobs SET state = 'queued', attempts = max(attempts - 1, 0), started_at = NULL
         WHERE id = ? AND claim = ? AND state = 'running'`,
      )
      .run(run.id, run.claim);
  }

  /** Ids of the running jobs of the given kinds for one asset (to abort them before a rerun). */
  runningFor(assetId: number, kinds: readonly JobKind[]): number[] {
    return (this.db.prepare("SELECT id, kind FROM jobs WHERE asset_id = ? AND state = 'running'").all(assetId) as {
      id: number;
      kind: JobKind;
    }[])
      .filter((row) => kinds.includes(row.kind))
      .map((row) => row.id);
  }

  /** Fails the queued index jobs of an asset whose file could not be ingested. */
  failWaitingIndexJobs(assetId: number, error: string, now: number): void {
    this.db
      .prepare(
        "UPDATE jobs SET state = 'failed', finished_at = ?, error = ? WHERE asset_id = ? AND kind != 'ingest' AND state = 'queued'",
      )
      .run(now, error, assetId);
  }

  /** After a crash every job left 'running' was interrupted: queue it again. Returns how many. */
  recoverInterrupted(now: number): number {
    return this.db
      .prepare("UPDATE jobs SET state = 'queued', run_after = ?, started_at = NULL WHERE state = 'running'")
      .run(now).changes;
  }

  /** Deletes the jobs of one index type in a library (DropSearchIndex). Returns the affected job ids. */
  deleteForLibraryIndex(library: string, kind: JobKind): number[] {
    const rows = this.db
      .prepare(
        'DELETE FROM jobs WHERE kind = ? AND asset_id IN (SELECT id FROM assets WHERE library = ?) RETURNING id',
      )
      .all(kind, library) as { id: number }[];
    return rows.map((row) => row.id);
  }

  countsByState(): Record<JobState, number> {
    const counts: Record<JobState, number> = { queued: 0, running: 0, success: 0, failed: 0 };
    const rows = this.db.prepare('SELECT state, count(*) AS n FROM jobs GROUP BY state').all() as {
      state: JobState;
      n: number;
    }[];
    for (const row of rows) counts[row.state] = row.n;
    return counts;
  }
}
