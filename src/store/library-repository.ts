import type { Db } from './database.js';
import {
  INDEX_TYPES,
  type IndexStatus,
  type IndexType,
  type Library,
  type LibraryIndex,
  type SearchLibConfig,
} from '../types.js';

interface LibraryRow {
  name: string;
  status: Library['status'];
  config: string;
  created_at: number;
  updated_at: number;
}

interface IndexRow {
  library: string;
  index_type: IndexType;
  status: IndexStatus;
  config: string;
  created_at: number;
  updated_at: number;
}

const toLibrary = (row: LibraryRow): Library => ({
  name: row.name,
  status: row.status,
  config: JSON.parse(row.config) as SearchLibConfig,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

const toIndex = (row: IndexRow): LibraryIndex => ({
  library: row.library,
  indexType: row.index_type,
  status: row.status,
  config: JSON.parse(row.config) as Record<string, unknown>,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/** Search libraries and the index types enabled on each. */
export class LibraryRepository {
  constructor(private readonly db: Db) {}

  get(name: string): Library | undefined {
    const row = this.db.prepare('SELECT * FROM libraries WHERE name = ?').get(name) as LibraryRow | undefined;
    return row && toLibrary(row);
  }

  list(offset: number, limit: number): { libraries: Library[]; total: number } {
    const rows = this.db
      .prepare('SELECT * FROM libraries ORDER BY created_at, name LIMIT ? OFFSET ?')
      .all(limit, offset) as LibraryRow[];
    const { total } = this.db.prepare('SELECT count(*) AS total FROM libraries').get() as { total: number };
    return { libraries: rows.map(toLibrary), total };
  }

  /** Creates a library with the given index types active; false when the name is taken. */
  create(name: string, config: SearchLibConfig, indexTypes: readonly IndexType[], now: number): boolean {
    return this.db.transaction(() => {
      const inserted = this.db
        .prepare('INSERT OR IGNORE INTO libraries (name, config, created_at, updated_at) VALUES (?, ?, ?, ?)')
        .run(name, JSON.stringify(config), now, now);
      if (inserted.changes === 0) return false;
      for (const indexType of indexTypes) this.upsertIndex(name, indexType, 'Active', {}, now);
      return true;
    })();
  }

  updateConfig(name: string, config: SearchLibConfig, now: number): boolean {
    const result = this.db
      .prepare('UPDATE libraries SET config = ?, updated_at = ? WHERE name = ?')
      .run(JSON.stringify(config), now, name);
    return result.changes > 0;
  }

  setStatus(name: string, status: Library['status'], now: number): void {
    this.db.prepare('UPDATE libraries SET status = ?, updated_at = ? WHERE name = ?').run(status, now, name);
  }

  /** Removes the library; assets, jobs and everything derived cascade with it. */
  delete(name: string): boolean {
    return this.db.prepare('DELETE FROM libraries WHERE name = ?').run(name).changes > 0;
  }

  indexes(library: string): LibraryIndex[] {
    const rows = this.db
      .prepare('SELECT * FROM library_indexes WHERE library = ?')
      .all(library) as IndexRow[];
    const order = (t: IndexType) => INDEX_TYPES.indexOf(t);
    return rows.map(toIndex).sort((a, b) => order(a.indexType) - order(b.indexType));
  }

  getIndex(library: string, indexType: IndexType): LibraryIndex | undefined {
    const row = this.db
      .prepare('SELECT * FROM library_indexes WHERE library = ? AND index_type = ?')
      .get(library, indexType) as IndexRow | undefined;
    return row && toIndex(row);
  }

  upsertIndex(
    library: string,
    indexType: IndexType,
    status: IndexStatus,
    config: Record<string, unknown>,
    now: number,
  ): void {
    this.db
      .prepare(
        `INSERT INTO library_indexes (library, index_type, status, config, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (library, index_type) DO UPDATE SET status = excluded.status, config = excluded.config,
           updated_at = excluded.updated_at`,
      )
      .run(library, indexType, status, JSON.stringify(config), now, now);
  }

  deleteIndex(library: string, indexType: IndexType): boolean {
    return (
      this.db.prepare('DELETE FROM library_indexes WHERE library = ? AND index_type = ?').run(library, indexType)
        .changes > 0
    );
  }

  /** Active index types of a library: the analyses a newly inserted asset gets. */
  activeIndexTypes(library: string): IndexType[] {
    return this.indexes(library)
      .filter((index) => index.status === 'Active')
      .map((index) => index.indexType);
  }
}
