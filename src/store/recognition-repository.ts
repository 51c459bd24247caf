import type { Db } from './database.js';
import type { Box } from '../analysis/types.js';

export const RECOGNITION_ALGORITHMS = ['landmark', 'object', 'logo', 'face', 'label'] as const;
export type RecognitionAlgorithm = (typeof RECOGNITION_ALGORITHMS)[number];

export interface RecognitionLib {
  id: string;
  algorithm: RecognitionAlgorithm;
  name: string;
  description: string;
  createdAt: number;
}

export interface RecognitionEntity {
  id: string;
  libId: string;
  name: string;
  /** The caller's JSON text, or null when none was given. */
  info: string | null;
  createdAt: number;
}

export interface RecognitionSample {
  id: string;
  entityId: string;
  libId: string;
  imageUrl: string;
  /** Upright size of the sample image, in pixels. */
  imageWidth: number;
  imageHeight: number;
  /** The face in the upright image's pixels. */
  box: Box;
  score: number;
  quality: number;
  /** Raw 128-d face-api descriptor. */
  descriptor: Float32Array;
  /** The descriptor scaled to unit length (comparable with track embeddings). */
  embedding: Float32Array;
  createdAt: number;
}

interface LibRow {
  id: string;
  algorithm: RecognitionAlgorithm;
  name: string;
  description: string;
  created_at: number;
}

interface EntityRow {
  id: string;
  lib_id: string;
  name: string;
  info: string | null;
  created_at: number;
}

interface SampleRow {
  id: string;
  entity_id: string;
  lib_id: string;
  image_url: string;
  image_width: number;
  image_height: number;
  box_x: number;
  box_y: number;
  box_w: number;
  box_h: number;
  score: number;
  quality: number;
  descriptor: Buffer;
  embedding: Buffer;
  created_at: number;
}

const toBlob = (vector: Float32Array): Buffer => Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
// A copy, so the vector is aligned and does not alias better-sqlite3's buffer.
const fromBlob = (blob: Buffer): Float32Array =>
  new Float32Array(blob.buffer.slice(blob.byteOffset, blob.byteOffset + blob.byteLength));

const toLib = (row: LibRow): RecognitionLib => ({
  id: row.id,
  algorithm: row.algorithm,
  name: row.name,
  description: row.description,
  createdAt: row.created_at,
});

const toEntity = (row: EntityRow): RecognitionEntity => ({
  id: row.id,
  libId: row.lib_id,
  name: row.name,
  info: row.info,
  createdAt: row.created_at,
});

const toSample = (row: SampleRow): RecognitionSample => ({
  id: row.id,
  entityId: row.entity_id,
  libId: row.lib_id,
  imageUrl: row.image_url,
  imageWidth: row.image_width,
  imageHeight: row.image_height,
  box: { x: row.box_x, y: row.box_y, width: row.box_w, height: row.box_h },
  score: row.score,
  quality: row.quality,
  descriptor: fromBlob(row.descriptor),
  embedding: fromBlob(row.embedding),
  createdAt: row.created_at,
});

export interface Page<T> {
  items: T[];
  total: number;
}

/** Recognition libraries, their entities and the entities' face samples (migration 006). */
export class RecognitionRepository {
  constructor(private readonly db: Db) {}

  insertLib(lib: RecognitionLib): void {
    this.db
      .prepare('INSERT INTO recognition_libs (id, algorithm, name, description, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(lib.id, lib.algorithm, lib.name, lib.description, lib.createdAt);
  }

  getLib(id: string): RecognitionLib | undefined {
    const row = this.db.prepare('SELECT * FROM recognition_libs WHERE id = ?').get(id) as LibRow | undefined;
    return row && toLib(row);
  }

  listLibs(filter: { ids?: readonly string[]; algorithm?: RecognitionAlgorithm }, offset: number, limit: number): Page<RecognitionLib> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.ids && filter.ids.length > 0) {
      where.push(`id IN (${filter.ids.map(() => '?').join(', ')})`);
      args.push(...filter.ids);
    }
    if (filter.algorithm) {
      where.push('algorithm = ?');
      args.push(filter.algorithm);
    }
    const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const rows = this.db
      .prepare(`SELECT * FROM recognition_libs ${clause} ORDER BY created_at, rowid LIMIT ? OFFSET ?`)
      .all(...args, limit, offset) as LibRow[];
    const { total } = this.db.prepare(`SELECT count(*) AS total FROM recognition_libs ${clause}`).get(...args) as {
      total: number;
    };
    return { items: rows.map(toLib), total };
  }

  /** Deletes the library; its entities and samples cascade. */
  deleteLib(id: string): boolean {
    return this.db.prepare('DELETE FROM recognition_libs WHERE id = ?').run(id).changes > 0;
  }

  /** False when the library already has an entity of that name. */
  insertEntity(entity: RecognitionEntity): boolean {
    const result = this.db
      .prepare('INSERT OR IGNORE INTO recognition_entities (id, lib_id, name, info, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(entity.id, entity.libId, entity.name, entity.info, entity.createdAt);
    return result.changes > 0;
  }

  getEntity(id: string): RecognitionEntity | undefined {
    const row = this.db.prepare('SELECT * FROM recognition_entities WHERE id = ?').get(id) as EntityRow | undefined;
    return row && toEntity(row);
  }

  listEntities(filter: { libId: string; name?: string }, offset: number, limit: number): Page<RecognitionEntity> {
    const clause = filter.name === undefined ? 'WHERE lib_id = ?' : 'WHERE lib_id = ? AND name = ?';
    const args = filter.name === undefined ? [filter.libId] : [filter.libId, filter.name];
    const rows = this.db
      .prepare(`SELECT * FROM recognition_entities ${clause} ORDER BY created_at, rowid LIMIT ? OFFSET ?`)
      .all(...args, limit, offset) as EntityRow[];
    const { total } = this.db.prepare(`SELECT count(*) AS total FROM recognition_entities ${clause}`).get(...args) as {
      total: number;
    };
    return { items: rows.map(toEntity), total };
  }

  /** Every entity of these libraries, in library order then creation order. */
  entitiesOfLibs(libIds: readonly string[]): RecognitionEntity[] {
    if (libIds.length === 0) return [];
    const rows = this.db
      .prepare(`SELECT * FROM recognition_entities WHERE lib_id IN (${libIds.map(() => '?').join(', ')}) ORDER BY created_at, rowid`)
      .all(...libIds) as EntityRow[];
    const order = new Map(libIds.map((id, index) => [id, index]));
    return rows.map(toEntity).sort((a, b) => order.get(a.libId)! - order.get(b.libId)!);
  }

  /** Deletes the entity; its samples cascade. */
  deleteEntity(id: string): boolean {
    return this.db.prepare('DELETE FROM recognition_entities WHERE id = ?').run(id).changes > 0;
  }

  /** false when the library already has an entity of that name. */
  renameEntity(id: string, name: string): boolean {
    return this.db.prepare('UPDATE OR IGNORE recognition_entities SET name = ? WHERE id = ?').run(name, id).changes > 0;
  }

  /** Deletes the entity's samples whose ImageUrl starts with `prefix`; returns how many. */
  deleteSamplesWithUrlPrefix(entityId: string, prefix: string): number {
    return this.db
      .prepare("DELETE FROM recognition_samples WHERE entity_id = ? AND substr(image_url, 1, length(?)) = ?")
      .run(entityId, prefix, prefix).changes;
  }

  countSamples(entityId: string): number {
    return (this.db.prepare('SELECT count(*) AS n FROM recognition_samples WHERE entity_id = ?').get(entityId) as { n: number }).n;
  }

  insertSample(sample: RecognitionSample): void {
    this.db
      .prepare(
        `INSERT INTO recognition_samples (id, entity_id, lib_id, image_url, image_width, image_height,
           box_x, box_y, box_w, box_h, score, quality, descriptor, embedding, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        sample.id,
        sample.entityId,
        sample.libId,
        sample.imageUrl,
        sample.imageWidth,
        sample.imageHeight,
        sample.box.x,
        sample.box.y,
        sample.box.width,
        sample.box.height,
        sample.score,
        sample.quality,
        toBlob(sample.descriptor),
        toBlob(sample.embedding),
        sample.createdAt,
      );
  }

  getSample(id: string): RecognitionSample | undefined {
    const row = this.db.prepare('SELECT * FROM recognition_samples WHERE id = ?').get(id) as SampleRow | undefined;
    return row && toSample(row);
  }

  listSamples(
    filter: { libId: string; entityId?: string; entityName?: string },
    offset: number,
    limit: number,
  ): Page<RecognitionSample> {
    const where = ['s.lib_id = ?'];
    const args: unknown[] = [filter.libId];
    if (filter.entityId !== undefined) {
      where.push('s.entity_id = ?');
      args.push(filter.entityId);
    }
    if (filter.entityName !== undefined) {
      where.push('e.name = ?');
      args.push(filter.entityName);
    }
    const from = `FROM recognition_samples s JOIN recognition_entities e ON e.id = s.entity_id WHERE ${where.join(' AND ')}`;
    const rows = this.db
      .prepare(`SELECT s.* ${from} ORDER BY s.created_at, s.rowid LIMIT ? OFFSET ?`)
      .all(...args, limit, offset) as SampleRow[];
    const { total } = this.db.prepare(`SELECT count(*) AS total ${from}`).get(...args) as { total: number };
    return { items: rows.map(toSample), total };
  }

  /** All samples of these entities, grouped by entity id, in creation order. */
  samplesOfEntities(entityIds: readonly string[]): Map<string, RecognitionSample[]> {
    const byEntity = new Map<string, RecognitionSample[]>(entityIds.map((id) => [id, []]));
    const select = this.db.prepare('SELECT * FROM recognition_samples WHERE entity_id = ? ORDER BY created_at, rowid');
    for (const id of entityIds) byEntity.set(id, (select.all(id) as SampleRow[]).map(toSample));
    return byEntity;
  }

  deleteSample(id: string): boolean {
    return this.db.prepare('DELETE FROM recognition_samples WHERE id = ?').run(id).changes > 0;
  }
}
