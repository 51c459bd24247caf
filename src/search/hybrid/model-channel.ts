import type { Db } from '../../store/database.js';
import type { AssetFilter } from '../text/text-search.js';
import type { EncodedQuery } from '../query-encoder.js';
import type { SyncedVectorIndex } from '../vector-index/synced-vector-index.js';
import { sortedIdFilter, type CandidateFilter } from '../vector-index/vector-index.js';
import { dotAt, normalized } from '../vector-index/vector-math.js';
import { modelRelevance } from './relevance.js';
import { segmentKey, type SegmentHit } from './segment-hit.js';

export interface ModelChannelOptions {
  readonly filter: AssetFilter;
  /** false when the filter is the whole index (one library, no other conditions): no allow-list to build. */
  readonly filtered: boolean;
  /** Nearest keyframes recalled. */
  readonly depth: number;
}

interface KeyframeRow {
  id: number;
  assetId: number;
  segmentId: number;
  start: number;
  end: number;
  vector: Buffer;
}

/**
 * The model channel: the query embedding's nearest keyframes in the model's vector index, with
 * the request's filters applied inside the index search as an allow-list of keyframe ids (so a
 * filter that keeps 1% of the library still gets its true nearest keyframes). Each keyframe's
 * relevance is the zero-shot probability that the query describes it better than a generic
 * caption (src/search/hybrid/relevance.ts); a segment takes its best keyframe.
 */
export function searchModelChannel(
  db: Db,
  index: SyncedVectorIndex,
  encoded: EncodedQuery,
  options: ModelChannelOptions,
): SegmentHit[] {
  const allowed = options.filtered ? allowedKeyframes(db, encoded.spec.name, options.filter) : undefined;
  if (allowed?.size === 0) return [];
  const hits = index.search(encoded.query, options.depth, allowed);
  if (hits.length === 0) return [];
  const cosine = new Map(hits.map((h) => [h.id, h.score]));
  const position = new Map(hits.map((h, i) => [h.id, i]));
  const rows = db
    .prepare(
      `SELECT k.id, k.asset_id AS assetId, k.segment_id AS segmentId, s.start_s AS start, s.end_s AS "end", v.vector
       FROM keyframes k
       JOIN segments s ON s.id = k.segment_id
       JOIN keyframe_vectors v ON v.keyframe_id = k.id AND v.model = ?
       WHERE k.id IN (SELECT value FROM json_each(?))`,
    )
    .all(encoded.spec.name, JSON.stringify(hits.map((h) => h.id))) as KeyframeRow[];

  const bySegment = new Map<string, SegmentHit>();
  for (const row of rows) {
    // Copy: a blob's bytes need not be 4-byte aligned for a Float32Array view. Normalised (as the
    // index does) so the dot products are cosines whatever a model's embedder stored.
    const vector = normalized(new Float32Array(row.vector.buffer.slice(row.vector.byteOffset, row.vector.byteOffset + row.vector.byteLength)));
    const generic = Math.max(...encoded.generic.map((g) => dotAt(g, vector, 0)));
    const relevance = modelRelevance(cosine.get(row.id)!, generic, encoded.spec.logitScale);
    const key = segmentKey(row.segmentId, row.id);
    const previous = bySegment.get(key);
    if (!previous || previous.relevance < relevance) {
      bySegment.set(key, { key, assetId: row.assetId, from: row.start, to: row.end, relevance, rank: position.get(row.id)! });
    }
  }
  return [...bySegment.values()];
}

/** Keyframe ids of the model's vectors whose assets pass the filter, ascending. */
function allowedKeyframes(db: Db, model: string, filter: AssetFilter): CandidateFilter {
  const rows = db
    .prepare(
      `SELECT v.keyframe_id AS id FROM keyframe_vectors v JOIN assets a ON a.id = v.asset_id
       WHERE v.model = ? AND (${filter.sql})
       ORDER BY v.keyframe_id`,
    )
    .pluck()
    .all(model, ...filter.params) as number[];
  return sortedIdFilter(Int32Array.from(rows));
}
