import type { Db } from '../../store/database.js';
import { toIndexText } from './tokenize.js';

/**
 * Writes the transformed text of queued rows into the FTS5 tables of migration 004. Triggers
 * there keep the queue and remove stale entries; this is the half SQL cannot do (the CJK bigram
 * transform lives in TypeScript).
 */

const BATCH_SIZE = 2000;

interface QueueEntry {
  kind: 'segment' | 'asset';
  row_id: number;
}

function statements(db: Db) {
  return {
    anyQueued: db.prepare('SELECT 1 FROM text_index_queue LIMIT 1').pluck(),
    nextBatch: db.prepare('SELECT kind, row_id FROM text_index_queue LIMIT ?'),
    dequeue: db.prepare('DELETE FROM text_index_queue WHERE kind = ? AND row_id = ?'),
    segmentText: db.prepare('SELECT text, text_zh FROM segment_texts WHERE id = ?'),
    deleteSegment: db.prepare('DELETE FROM segment_text_fts WHERE rowid = ?'),
    insertSegment: db.prepare('INSERT INTO segment_text_fts (rowid, text, text_zh) VALUES (?, ?, ?)'),
    assetText: db.prepare('SELECT title, description, tags FROM assets WHERE id = ?'),
    deleteAsset: db.prepare('DELETE FROM asset_text_fts WHERE rowid = ?'),
    insertAsset: db.prepare('INSERT INTO asset_text_fts (rowid, title, description, tags) VALUES (?, ?, ?, ?)'),
  };
}

const cache = new WeakMap<Db, ReturnType<typeof statements>>();

function statementsFor(db: Db): ReturnType<typeof statements> {
  let prepared = cache.get(db);
  if (!prepared) {
    prepared = statements(db);
    cache.set(db, prepared);
  }
  return prepared;
}

/**
 * Indexes every queued row; returns how many queue entries were processed (0, and no write
 * transaction, when the index is current). Safe to call from several connections: each batch is
 * an IMMEDIATE transaction that re-reads the queue, and an entry's index row is replaced, not
 * appended.
 */
export function syncTextIndex(db: Db): number {
  const s = statementsFor(db);
  if (s.anyQueued.get() === undefined) return 0;
  let processed = 0;
  const indexBatch = db.transaction((): number => {
    const batch = s.nextBatch.all(BATCH_SIZE) as QueueEntry[];
    for (const entry of batch) {
      if (entry.kind === 'segment') indexSegmentText(s, entry.row_id);
      else indexAssetText(s, entry.row_id);
      s.dequeue.run(entry.kind, entry.row_id);
    }
    return batch.length;
  });
  for (let n = indexBatch.immediate(); n > 0; n = indexBatch.immediate()) processed += n;
  return processed;
}

function indexSegmentText(s: ReturnType<typeof statements>, id: number): void {
  s.deleteSegment.run(id);
  const row = s.segmentText.get(id) as { text: string; text_zh: string | null } | undefined;
  if (row) s.insertSegment.run(id, toIndexText(row.text), toIndexText(row.text_zh));
}

function indexAssetText(s: ReturnType<typeof statements>, id: number): void {
  s.deleteAsset.run(id);
  const row = s.assetText.get(id) as { title: string | null; description: string | null; tags: string | null } | undefined;
  if (row) s.insertAsset.run(id, toIndexText(row.title), toIndexText(row.description), toIndexText(tagText(row.tags)));
}

/** assets.tags is a JSON array of strings; the tags are indexed as one text. */
function tagText(tags: string | null): string | null {
  if (tags === null) return null;
  try {
    const parsed: unknown = JSON.parse(tags);
    if (Array.isArray(parsed)) return parsed.filter((t): t is string => typeof t === 'string').join('\n');
  } catch {
    // not JSON: index the raw text rather than nothing
  }
  return tags;
}
