import type { VectorIndex, VectorItem } from './vector-index.js';

/**
 * One entry of the store's vector change sequence: id `id` changed at `seq`; `vector` is its
 * current value, or null when it no longer exists. Because each entry carries the *current*
 * state (not a diff), replaying a range twice, or a range that overlaps what an index already
 * holds, gives the same result: that is what makes crash recovery a plain replay.
 */
export interface VectorChange {
  readonly seq: number;
  readonly id: number;
  readonly vector: Float32Array | null;
}

/** Changes with `seq > afterSeq`, ascending, at most `limit` of them. */
export type ChangesAfter = (afterSeq: number, limit: number) => VectorChange[];

const REPLAY_BATCH = 5_000;

/**
 * Brings `indexes` up to date with the store from `afterSeq` on: upserts ids that have a vector,
 * removes those that are gone. Replaying from 0 rebuilds from scratch (the change table has an
 * entry for every vector ever written). Returns the new watermark and what was applied.
 */
export function replayChanges(
  indexes: readonly VectorIndex[],
  changesAfter: ChangesAfter,
  afterSeq: number,
  batchSize = REPLAY_BATCH,
): { watermark: number; upserted: number; removed: number } {
  let watermark = afterSeq;
  let upserted = 0;
  let removed = 0;
  while (true) {
    const changes = changesAfter(watermark, batchSize);
    if (changes.length === 0) break;
    const upserts: VectorItem[] = [];
    const removals: number[] = [];
    for (const change of changes) {
      if (change.seq <= watermark) throw new Error(`change sequence went backwards (${change.seq} after ${watermark})`);
      watermark = change.seq;
      if (change.vector) upserts.push({ id: change.id, vector: change.vector });
      else removals.push(change.id);
    }
    for (const index of indexes) {
      if (removals.length > 0) index.remove(removals);
      if (upserts.length > 0) index.upsert(upserts);
    }
    upserted += upserts.length;
    removed += removals.length;
    if (changes.length < batchSize) break;
  }
  return { watermark, upserted, removed };
}

/**
 * Makes `target` hold exactly the ids of `reference` (the exact index, already reconciled with the
 * store): removes ids only the target has, upserts the ones it lacks. Used when a derived index's
 * count disagrees after replay — e.g. it lost writes the watermark claimed — so that the two
 * cannot stay apart.
 */
export function reconcileIds(
  target: { ids(): Iterable<number>; upsert(items: readonly VectorItem[]): void; remove(ids: readonly number[]): void },
  reference: { has(id: number): boolean; ids(): Iterable<number>; vectorOf(id: number): Float32Array | undefined },
): { added: number; removed: number } {
  const held = new Set<number>();
  const extra: number[] = [];
  for (const id of target.ids()) {
    if (reference.has(id)) held.add(id);
    else extra.push(id);
  }
  if (extra.length > 0) target.remove(extra);
  let added = 0;
  let batch: VectorItem[] = [];
  for (const id of reference.ids()) {
    if (held.has(id)) continue;
    batch.push({ id, vector: Float32Array.from(reference.vectorOf(id)!) });
    added++;
    if (batch.length === REPLAY_BATCH) {
      target.upsert(batch);
      batch = [];
    }
  }
  if (batch.length > 0) target.upsert(batch);
  return { added, removed: extra.length };
}
