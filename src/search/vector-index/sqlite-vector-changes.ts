import type { Db } from '../../store/database.js';
import type { ChangesAfter, VectorChange } from './index-sync.js';

/**
 * The change sequence of one embedding model's keyframe vectors, read from the store
 * (`vector_changes`, migration 005, joined to `keyframe_vectors` for the current value).
 */
export function keyframeVectorChanges(db: Db, model: string): ChangesAfter {
  const statement = db.prepare(
    `SELECT c.seq AS seq, c.keyframe_id AS id, v.vector AS vector
     FROM vector_changes c
     LEFT JOIN keyframe_vectors v ON v.keyframe_id = c.keyframe_id AND v.model = c.model
     WHERE c.model = ? AND c.seq > ?
     ORDER BY c.seq
     LIMIT ?`,
  );
  return (afterSeq: number, limit: number): VectorChange[] => {
    const rows = statement.all(model, afterSeq, limit) as { seq: number; id: number; vector: Buffer | null }[];
    return rows.map((row) => ({
      seq: row.seq,
      id: row.id,
      // Copy: the blob's buffer may be shared, and a Float32Array view needs 4-byte alignment.
      vector: row.vector
        ? new Float32Array(row.vector.buffer.slice(row.vector.byteOffset, row.vector.byteOffset + row.vector.byteLength))
        : null,
    }));
  };
}

/** The newest change sequence number of any model (0 when nothing was ever written). */
export function latestVectorChange(db: Db): number {
  const row = db.prepare('SELECT MAX(seq) AS seq FROM vector_changes').get() as { seq: number | null };
  return row.seq ?? 0;
}
