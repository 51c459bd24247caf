import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../helpers/fixtures.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import { AnalysisRepository } from '../../src/store/analysis-repository.js';
import { ExactVectorIndex } from '../../src/search/vector-index/exact-vector-index.js';
import type { ChangesAfter, VectorChange } from '../../src/search/vector-index/index-sync.js';
import { PlannedVectorIndex } from '../../src/search/vector-index/planned-vector-index.js';
import { keyframeVectorChanges, latestVectorChange } from '../../src/search/vector-index/sqlite-vector-changes.js';
import { SyncedVectorIndex, type VectorIndexEvent } from '../../src/search/vector-index/synced-vector-index.js';
import { sortedIdFilter, VectorDimensionError, type SearchHit } from '../../src/search/vector-index/vector-index.js';
import { VectorPartitions } from '../../src/search/vector-index/vector-partitions.js';
import { ZvecVectorIndex } from '../../src/search/vector-index/zvec-vector-index.js';

const temp = tempDir('mediasearch-vectors-');
after(() => temp.cleanup());
let folderCounter = 0;
const freshDir = (): string => path.join(temp.dir, `index-${++folderCounter}`);

/** Deterministic PRNG so failures reproduce. */
function random(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

function gaussian(next: () => number): number {
  return Math.sqrt(-2 * Math.log(next() || 1e-12)) * Math.cos(2 * Math.PI * next());
}

function unit(v: Float32Array): Float32Array {
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

/** `n` vectors around `clusters` random centres (ids 1…n) plus queries near random members. */
function clustered(n: number, dim: number, clusters: number, seed: number): { vectors: Float32Array[]; queries: Float32Array[] } {
  const next = random(seed);
  const centres = Array.from({ length: clusters }, () => unit(Float32Array.from({ length: dim }, () => gaussian(next))));
  const noisy = (centre: Float32Array, spread: number) =>
    unit(Float32Array.from(centre, (x) => x + (spread / Math.sqrt(dim)) * gaussian(next)));
  const vectors = Array.from({ length: n }, () => {
    return noisy(centres[Math.floor(next() * clusters)]!, 0.6);
  });
  const queries = Array.from({ length: 50 }, () => noisy(vectors[Math.floor(next() * n)]!, 0.6));
  return { vectors, queries };
}

const items = (vectors: Float32Array[], firstId = 1) => vectors.map((vector, i) => ({ id: firstId + i, vector }));

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(na * nb);
}

function recallAt(hits: SearchHit[], truth: SearchHit[]): number {
  const want = new Set(truth.map((h) => h.id));
  return hits.filter((h) => want.has(h.id)).length / Math.max(1, truth.length);
}

/** An in-memory stand-in for the store's change sequence (one entry per id, newest change wins). */
class FakeChangeLog {
  private seq = 0;
  private readonly entries = new Map<number, { seq: number; vector: Float32Array | null }>();
  put(id: number, vector: Float32Array): void {
    this.entries.delete(id);
    this.entries.set(id, { seq: ++this.seq, vector });
  }
  delete(id: number): void {
    this.entries.delete(id);
    this.entries.set(id, { seq: ++this.seq, vector: null });
  }
  get live(): number {
    return [...this.entries.values()].filter((e) => e.vector).length;
  }
  readonly changesAfter: ChangesAfter = (afterSeq, limit) => {
    const out: VectorChange[] = [];
    for (const [id, e] of this.entries) if (e.seq > afterSeq) out.push({ seq: e.seq, id, vector: e.vector });
    return out.sort((a, b) => a.seq - b.seq).slice(0, limit);
  };
}

describe('ExactVectorIndex', () => {
  it('returns the k most cosine-similar ids, best first, with exact scores (dimension not a multiple of 16)', () => {
    const dim = 37;
    const { vectors, queries } = clustered(600, dim, 10, 1);
    const index = new ExactVectorIndex(dim, 8); // small capacity: exercises growth
    index.upsert(items(vectors.map((v) => v.map((x) => x * 3)))); // not unit length: normalised on the way in
    assert.equal(index.size, 600);
    for (const query of queries.slice(0, 10)) {
      const hits = index.search(query, 7);
      const expected = vectors
        .map((v, i) => ({ id: i + 1, score: cosine(query, v) }))
        .sort((a, b) => b.score - a.score)
        .slice(0, 7);
      assert.deepEqual(
        hits.map((h) => h.id),
        expected.map((h) => h.id),
      );
      hits.forEach((h, i) => assert.ok(Math.abs(h.score - expected[i]!.score) < 1e-5));
    }
  });

  it('replaces a vector on upsert of the same id, and never returns removed ids', () => {
    const index = new ExactVectorIndex(4);
    index.upsert([
      { id: 1, vector: new Float32Array([1, 0, 0, 0]) },
      { id: 2, vector: new Float32Array([0, 1, 0, 0]) },
      { id: 3, vector: new Float32Array([0, 0, 1, 0]) },
    ]);
    index.upsert([{ id: 1, vector: new Float32Array([0, 0, 0, 1]) }]);
    assert.equal(index.size, 3);
    assert.equal(index.search(new Float32Array([0, 0, 0, 1]), 1)[0]!.id, 1);
    index.remove([1, 99]);
    assert.equal(index.size, 2);
    assert.deepEqual(
      index.search(new Float32Array([0, 0, 0, 1]), 5).map((h) => h.id).sort(),
      [2, 3],
    );
    // The moved last row is still found under its own id.
    assert.equal(index.search(new Float32Array([0, 0, 1, 0]), 1)[0]!.id, 3);
  });

  it('applies allow-lists (Set or sorted ids) exactly, through both scan strategies', () => {
    const { vectors, queries } = clustered(2000, 32, 20, 2);
    const index = new ExactVectorIndex(32);
    index.upsert(items(vectors));
    const next = random(3);
    const small = new Set(Array.from({ length: 50 }, () => 1 + Math.floor(next() * 2000)));
    const large = Array.from({ length: 2000 }, (_, i) => i + 1).filter(() => next() < 0.95); // larger than the index would scan
    for (const query of queries.slice(0, 10)) {
      for (const filter of [small, sortedIdFilter(large)]) {
        const hits = index.search(query, 10, filter);
        assert.equal(hits.length, 10);
        for (const h of hits) assert.ok(filter.has(h.id));
        const truth = [...filter]
          .map((id) => ({ id, score: cosine(query, vectors[id - 1]!) }))
          .sort((a, b) => b.score - a.score)
          .slice(0, 10);
        assert.deepEqual(
          hits.map((h) => h.id),
          truth.map((h) => h.id),
        );
      }
    }
  });

  it('keeps working with ids that are not small dense integers', () => {
    const index = new ExactVectorIndex(4);
    const ids = [7, 2 ** 40, 3, -5, 1.5];
    index.upsert(ids.map((id, i) => ({ id, vector: Float32Array.from([i + 1, 1, 0, 0]) })));
    assert.equal(index.size, 5);
    for (const id of ids) assert.ok(index.has(id));
    index.remove([2 ** 40]);
    assert.ok(!index.has(2 ** 40) && index.has(-5));
    assert.deepEqual(index.search(new Float32Array([1, 0, 0, 0]), 1, new Set([3, 7])).map((h) => h.id), [3]);
  });

  it('refuses vectors of another dimension', () => {
    const index = new ExactVectorIndex(8);
    assert.throws(() => index.upsert([{ id: 1, vector: new Float32Array(9) }]), VectorDimensionError);
    assert.throws(() => index.search(new Float32Array(7), 3), VectorDimensionError);
  });
});

describe('ANN index and planner', () => {
  const dim = 64;
  const data = clustered(5000, dim, 50, 4);
  let exact: ExactVectorIndex;
  let ann: ZvecVectorIndex;

  before(async () => {
    exact = new ExactVectorIndex(dim);
    exact.upsert(items(data.vectors));
    ann = ZvecVectorIndex.open({ dir: freshDir(), dim, quantization: 'int8' });
    ann.upsert(items(data.vectors));
    await ann.optimize();
  });
  after(() => ann.close());

  it('finds ≥ 0.95 of the exact top 10 on a 5k clustered set', () => {
    let recall = 0;
    for (const query of data.queries) {
      const hits = exact.score(query, ann.candidates(query, 40).map((h) => h.id), 10);
      recall += recallAt(hits, exact.search(query, 10));
    }
    recall /= data.queries.length;
    assert.ok(recall >= 0.95, `recall@10 ${recall}`);
  });

  it('never returns disallowed ids, and switches to an exact scan for selective filters', () => {
    const planned = new PlannedVectorIndex(exact, ann, { exactBelowSize: 1000, exactMaxCandidates: 200 });
    const next = random(5);
    const selective = new Set(Array.from({ length: 100 }, () => 1 + Math.floor(next() * 5000)));
    const broad = new Set(Array.from({ length: 5000 }, (_, i) => i + 1).filter(() => next() < 0.5));
    assert.equal(planned.plan(selective.size), 'exact-filtered');
    assert.equal(planned.plan(broad.size), 'ann-filtered');
    assert.equal(planned.plan(), 'ann');
    let recall = 0;
    for (const query of data.queries) {
      const narrow = planned.searchWithPlan(query, 10, selective);
      assert.equal(narrow.plan, 'exact-filtered');
      assert.deepEqual(narrow.hits, exact.search(query, 10, selective));
      const wide = planned.searchWithPlan(query, 10, broad);
      for (const h of wide.hits) assert.ok(broad.has(h.id), `disallowed id ${h.id}`);
      assert.equal(wide.hits.length, 10);
      recall += recallAt(wide.hits, exact.search(query, 10, broad));
    }
    assert.ok(recall / data.queries.length >= 0.95);
  });

  it('falls back to the exact scan when the ANN candidates hold fewer than k allowed ids', () => {
    const planned = new PlannedVectorIndex(exact, ann, { exactBelowSize: 1000, exactMaxCandidates: 200 });
    // Allow only the 600 vectors least similar to the query (12%: ANN-filtered by plan): the ANN
    // neighbourhood holds none of them, as when a library's content is unlike the query.
    const query = data.queries[0]!;
    const farthest = exact.search(query, 5000).slice(-600);
    const cut = new Set(farthest.map((h) => h.id));
    const result = planned.searchWithPlan(query, 10, cut);
    assert.equal(result.plan, 'ann-then-exact');
    assert.deepEqual(result.hits, exact.search(query, 10, cut));
  });

  it('answers exactly while the index is small', () => {
    const planned = new PlannedVectorIndex(exact, ann, { exactBelowSize: 10_000 });
    const result = planned.searchWithPlan(data.queries[1]!, 5);
    assert.equal(result.plan, 'exact');
    assert.deepEqual(result.hits, exact.search(data.queries[1]!, 5));
  });

  it('removes ids from both indexes', async () => {
    const dir = freshDir();
    const small = clustered(300, 16, 5, 6);
    const planned = new PlannedVectorIndex(new ExactVectorIndex(16), ZvecVectorIndex.open({ dir, dim: 16 }), { exactBelowSize: 0, exactMaxCandidates: 0 });
    planned.upsert(items(small.vectors));
    const top = planned.search(small.queries[0]!, 5).map((h) => h.id);
    planned.remove(top);
    assert.equal(planned.size, 295);
    assert.equal(planned.annIndex!.size, 295);
    for (const query of small.queries) {
      for (const h of planned.search(query, 20)) assert.ok(!top.includes(h.id));
      for (const h of planned.annIndex!.candidates(query, 50)) assert.ok(!top.includes(h.id));
    }
    planned.close();
  });
});

describe('partitioned filtered search', () => {
  const dim = 48;
  const data = clustered(4000, dim, 40, 10);
  const exact = new ExactVectorIndex(dim);
  exact.upsert(items(data.vectors));
  const partitions = VectorPartitions.train(exact, 32);
  exact.attachPartitions(partitions);

  it('labels every vector with its nearest list, also after upserts and removals', () => {
    exact.upsert([{ id: 9001, vector: data.queries[0]! }]);
    exact.remove([5, 6, 7]);
    const labels = exact.labelsView();
    let row = 0;
    for (const id of exact.ids()) assert.equal(labels[row++], partitions.nearest(exact.vectorOf(id)!), `id ${id}`);
    exact.remove([9001]);
  });

  it('returns only allowed ids, all of the exact answer when every list is probed, and ≥ 0.95 of it with a few', () => {
    const next = random(11);
    const filter = new Set(Array.from({ length: 4000 }, (_, i) => i + 1).filter(() => next() < 0.1));
    let recall = 0;
    for (const query of data.queries) {
      const truth = exact.search(query, 10, filter);
      // Same ids; scores may differ in the last float bit (the kernels sum in different orders).
      assert.deepEqual(
        exact.searchPartitioned(query, 10, filter, partitions.count).map((h) => h.id),
        truth.map((h) => h.id),
      );
      const probed = exact.searchPartitioned(query, 10, filter, 8);
      for (const h of probed) assert.ok(filter.has(h.id));
      recall += recallAt(probed, truth);
    }
    assert.ok(recall / data.queries.length >= 0.95, `recall ${recall / data.queries.length}`);
  });

  it('is the planner\'s choice between a small allow-list and a broad one', () => {
    const planned = new PlannedVectorIndex(exact, null, { exactBelowSize: 1000, exactMaxCandidates: 100 });
    assert.equal(planned.plan(50), 'exact-filtered');
    assert.equal(planned.plan(400), 'partition-filtered');
    assert.equal(planned.plan(), 'exact'); // no ANN index: unfiltered search scans
  });
});

describe('SyncedVectorIndex persistence and recovery', () => {
  const dim = 32;
  const data = clustered(3000, dim, 30, 7);
  const ann = { minSize: 500, quantization: 'int8' as const };

  function filled(): FakeChangeLog {
    const log = new FakeChangeLog();
    data.vectors.forEach((v, i) => log.put(i + 1, v));
    return log;
  }

  async function open(dir: string, log: FakeChangeLog, events: VectorIndexEvent[] = []): Promise<SyncedVectorIndex> {
    const index = SyncedVectorIndex.open({
      dir,
      dim,
      tag: 'test-model',
      changesAfter: log.changesAfter,
      ann,
      partitions: { minSize: 1000 },
      onEvent: (e) => events.push(e),
    });
    await index.whenIdle();
    return index;
  }

  function assertMatchesExact(index: SyncedVectorIndex, log: FakeChangeLog): void {
    assert.equal(index.size, log.live);
    assert.equal(index.planned.annIndex?.size, log.live);
    const reference = new ExactVectorIndex(dim);
    const live: { id: number; vector: Float32Array }[] = [];
    for (const c of log.changesAfter(0, Infinity)) if (c.vector) live.push({ id: c.id, vector: c.vector });
    reference.upsert(live);
    let recall = 0;
    for (const query of data.queries) recall += recallAt(index.search(query, 10), reference.search(query, 10));
    assert.ok(recall / data.queries.length >= 0.95, `recall ${recall / data.queries.length}`);
  }

  it('builds from the change log, then reopens from its files without rebuilding', async () => {
    const dir = freshDir();
    const log = filled();
    const first = await open(dir, log);
    assert.ok(first.planned.annIndex, 'ANN index built in the background');
    assert.ok(first.planned.exact.partitioned, 'partitions trained in the background');
    const labels = first.planned.exact.labelsView().slice();
    assertMatchesExact(first, log);
    const before = data.queries.map((q) => first.search(q, 10));
    await first.close();

    const events: VectorIndexEvent[] = [];
    const second = await open(dir, log, events);
    assert.deepEqual(
      events.map((e) => e.type),
      ['snapshot-loaded', 'replayed'],
    );
    assert.deepEqual(
      data.queries.map((q) => second.search(q, 10)),
      before,
    );
    assert.deepEqual(second.planned.exact.labelsView(), labels, 'partitions restored from the snapshot');
    await second.close();
  });

  it('replays only what changed after the watermark when its files are stale', async () => {
    const dir = freshDir();
    const log = filled();
    const index = await open(dir, log);
    await index.close();
    // Changes made while the index was closed: two removals and an update.
    log.delete(1);
    log.delete(2);
    log.put(3, data.vectors[2]!.map((x) => -x));
    const events: VectorIndexEvent[] = [];
    const reopened = await open(dir, log, events);
    const replayed = events.find((e) => e.type === 'replayed');
    assert.deepEqual(replayed && { upserted: replayed.upserted, removed: replayed.removed }, { upserted: 1, removed: 2 });
    assert.ok(!reopened.planned.exact.has(1) && !reopened.planned.annIndex!.has(2));
    assert.equal(reopened.search(data.vectors[2]!.map((x) => -x), 1)[0]!.id, 3);
    assertMatchesExact(reopened, log);
    await reopened.close();
  });

  it('rebuilds from the change log when its files are missing', async () => {
    const dir = freshDir();
    const log = filled();
    await (await open(dir, log)).close();
    fs.rmSync(path.join(dir, 'vectors.snap'));
    fs.rmSync(path.join(dir, 'ann'), { recursive: true });
    const events: VectorIndexEvent[] = [];
    const rebuilt = await open(dir, log, events);
    assert.ok(events.some((e) => e.type === 'replayed' && e.upserted === log.live));
    assert.ok(events.some((e) => e.type === 'ann-ready'));
    assertMatchesExact(rebuilt, log);
    await rebuilt.close();
  });

  it('rebuilds instead of crashing when the snapshot or the ANN files are corrupt', async () => {
    const dir = freshDir();
    const log = filled();
    await (await open(dir, log)).close();
    const snapshot = path.join(dir, 'vectors.snap');
    const bytes = fs.readFileSync(snapshot);
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
    fs.writeFileSync(snapshot, bytes);
    const manifest = fs.readdirSync(path.join(dir, 'ann')).find((f) => f.startsWith('manifest'))!;
    fs.writeFileSync(path.join(dir, 'ann', manifest), 'garbage');
    const events: VectorIndexEvent[] = [];
    const rebuilt = await open(dir, log, events);
    const types = events.map((e) => e.type);
    assert.ok(types.includes('snapshot-unusable'), types.join());
    assert.ok(types.includes('ann-unusable'), types.join());
    assert.ok(types.includes('ann-ready'), types.join());
    assertMatchesExact(rebuilt, log);
    await rebuilt.close();

    fs.truncateSync(snapshot, 100);
    const again: VectorIndexEvent[] = [];
    const fromTruncated = await open(dir, log, again);
    assert.ok(again.some((e) => e.type === 'snapshot-unusable'));
    assertMatchesExact(fromTruncated, log);
    await fromTruncated.close();
  });

  it('does not trust files written for another model', async () => {
    const dir = freshDir();
    const log = filled();
    await (await open(dir, log)).close();
    const events: VectorIndexEvent[] = [];
    const other = SyncedVectorIndex.open({ dir, dim, tag: 'other-model', changesAfter: log.changesAfter, ann, onEvent: (e) => events.push(e) });
    await other.whenIdle();
    assert.ok(events.some((e) => e.type === 'snapshot-unusable'));
    assert.ok(events.some((e) => e.type === 'ann-unusable'));
    await other.close();
  });
});

describe('store change sequence (migration 005)', () => {
  let db: Db;
  let analysis: AnalysisRepository;
  const MODEL = 'clip-test';

  before(() => {
    db = openDatabase(path.join(temp.dir, 'store', 'mediasearch.db'));
    analysis = new AnalysisRepository(db);
    db.prepare("INSERT INTO libraries (name, created_at, updated_at) VALUES ('lib', 0, 0)").run();
  });
  after(() => db.close());

  function addAsset(mediaId: string, vectors: Float32Array[]): number {
    const assetId = Number(
      db
        .prepare("INSERT INTO assets (library, media_id, media_type, input, utc_create, utc_modified) VALUES ('lib', ?, 'video', 'x', 0, 0)")
        .run(mediaId).lastInsertRowid,
    );
    analysis.replaceSegments(
      assetId,
      vectors.map((_, seq) => ({ seq, from: seq, to: seq + 1, keyframes: [{ time: seq, frameTime: seq, file: 'k.jpg', width: 1, height: 1 }] })),
    );
    const keyframes = analysis.keyframes(assetId);
    analysis.replaceKeyframeVectors(
      assetId,
      MODEL,
      keyframes.map((k, i) => ({ keyframeId: k.id, segmentId: k.segmentId, vector: vectors[i]! })),
    );
    return assetId;
  }

  it('records inserts, re-analysis and cascade deletes, and an index synced from it matches the store', async () => {
    const data = clustered(60, 8, 3, 8);
    const a = addAsset('a', data.vectors.slice(0, 20));
    addAsset('b', data.vectors.slice(20, 40));
    const changes = keyframeVectorChanges(db, MODEL);
    assert.equal(changes(0, 1000).length, 40);
    assert.ok(changes(0, 1000).every((c) => c.vector?.length === 8));

    const dir = freshDir();
    const index = SyncedVectorIndex.open({ dir, dim: 8, tag: MODEL, changesAfter: changes });
    assert.equal(index.size, 40);
    assert.equal(index.watermark, latestVectorChange(db));

    // Re-analysis replaces asset a's vectors (delete + insert); deleting asset b cascades.
    const before = latestVectorChange(db);
    analysis.replaceKeyframeVectors(
      a,
      MODEL,
      analysis.keyframes(a).slice(0, 5).map((k, i) => ({ keyframeId: k.id, segmentId: k.segmentId, vector: data.vectors[40 + i]! })),
    );
    db.prepare("DELETE FROM assets WHERE media_id = 'b'").run();
    assert.ok(latestVectorChange(db) > before);
    const applied = index.sync();
    assert.deepEqual(applied, { upserted: 5, removed: 35 });
    const storeIds = (db.prepare('SELECT keyframe_id AS id FROM keyframe_vectors WHERE model = ? ORDER BY 1').all(MODEL) as { id: number }[]).map(
      (r) => r.id,
    );
    assert.deepEqual([...index.planned.exact.ids()].sort((x, y) => x - y), storeIds);
    const hit = index.search(data.vectors[42]!, 1)[0]!;
    assert.ok(Math.abs(hit.score - 1) < 1e-5);
    await index.close();
  });

  it('keeps one change entry per vector, so the table does not grow with rewrites', () => {
    const data = clustered(10, 8, 2, 9);
    const id = addAsset('c', data.vectors.slice(0, 3));
    for (let i = 0; i < 5; i++) {
      analysis.replaceKeyframeVectors(
        id,
        MODEL,
        analysis.keyframes(id).map((k, j) => ({ keyframeId: k.id, segmentId: k.segmentId, vector: data.vectors[j + i]! })),
      );
    }
    const keyframeIds = analysis.keyframes(id).map((k) => k.id);
    const entries = db
      .prepare(`SELECT COUNT(*) AS n FROM vector_changes WHERE keyframe_id IN (${keyframeIds.join(',')}) AND model = ?`)
      .get(MODEL) as { n: number };
    assert.equal(entries.n, 3);
  });
});
