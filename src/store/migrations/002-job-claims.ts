import type Database from 'better-sqlite3';

/**
 * Each claim of a job gets a new number, and a run may only record its outcome under the number
 * it was claimed with. A rerun that re-queues a job while an older run is still finishing can
 * then never have that stale run overwrite the new one.
 */
export function jobClaims(db: Database.Database): void {
  db.exec('ALTER TABLE jobs ADD COLUMN claim INTEGER NOT NULL DEFAULT 0');
}
