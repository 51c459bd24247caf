import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS } from './migrations/index.js';

export type Db = Database.Database;

/**
 * Opens (creating when needed) the embedded SQLite store and migrates it forward.
 * WAL keeps readers unblocked while the job scheduler writes, and synchronous=FULL makes an
 * acknowledged insert survive power loss, not only a process crash.
 */
export function openDatabase(file: string): Db {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  try {
    migrate(db);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Applies every migration newer than the stored user_version, each in its own transaction. */
export function migrate(db: Db): void {
  const current = schemaVersion(db);
  const newest = MIGRATIONS.length;
  if (current > newest) {
    throw new Error(
      `The data directory was written by a newer mediasearch (schema ${current}, this build knows ${newest}). ` +
        'Upgrade mediasearch or point MEDIASEARCH_DATA_DIR elsewhere.',
    );
  }
  for (let version = current + 1; version <= newest; version++) {
    const migration = MIGRATIONS[version - 1]!;
    db.transaction(() => {
      migration(db);
      db.pragma(`user_version = ${version}`);
    })();
  }
}
