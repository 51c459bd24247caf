/**
 * Vector search benchmark: the exact scan, the zvec HNSW index and the planner that chooses
 * between them, on synthetic clustered 512-d embeddings, with recall@10 measured against the exact
 * scan in the same run; plus a crash test (kill -9 while writing, reopen, reconcile).
 *
 *   npm run bench:search -- [--sizes 100000,1000000] [--queries 300] [--quantization int8]
 *                           [--threads 2] [--no-crash] [--out docs/benchmarks/search.md]
 *
 * Each size's results replace that size's section of the output file (so a 1M run does not erase a
 * 100k run); the hand-written text around the sections is kept.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase, type Db } from '../src/store/database.js';
import { ExactVectorIndex } from '../src/search/vector-index/exact-vector-index.js';
import { PlannedVectorIndex, DEFAULT_PLANNER, type SearchPlan } from '../src/search/vector-index/planned-vector-index.js';
import { keyframeVectorChanges } from '../src/search/vector-index/sqlite-vector-changes.js';
import { SyncedVectorIndex } from '../src/search/vector-index/synced-vector-index.js';
import type { CandidateFilter, SearchHit } from '../src/search/vector-index/vector-index.js';
import { VectorPartitions } from '../src/search/vector-index/vector-partitions.js';
import { ZvecVectorIndex, type ZvecQuantization } from '../src/search/vector-index/zvec-vector-index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const DIM = 512;
const K = 10;
const MODEL = 'bench-clip-512';

function arg(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] ? process.argv[at + 1]! : fallback;
}
const flag = (name: string): boolean => process.argv.includes(`--${name}`);

/** The planner's defaults, unless overridden for an experiment (--ef, --rerank, --overfetch, --probe). */
const PLANNER = {
  ...DEFAULT_PLANNER,
  ef: Number(arg('ef', String(DEFAULT_PLANNER.ef))),
  rerankFactor: Number(arg('rerank', String(DEFAULT_PLANNER.rerankFactor))),
  filterOverfetch: Number(arg('overfetch', String(DEFAULT_PLANNER.filterOverfetch))),
  partitionProbe: Number(arg('probe', String(DEFAULT_PLANNER.partitionProbe))),
};
const GRAPH = { m: Number(arg('m', '32')), efConstruction: Number(arg('efc', '200')) };

// ---------------------------------------------------------------------------------------------
// Synthetic data with the nested structure of real embeddings: a few dozen broad themes (random
// directions), a few thousand topics around them, videos (assets) of 1–24 segments around a topic
// (Zipf-like popularity), segments around their asset's own centre. Queries are noisy copies of
// random segments. (Flat random clusters would be unrealistic in 512-d: every vector outside a
// query's own cluster is then equally far, so "the 10 nearest allowed ids" under a filter would be
// chosen by noise.)

class Random {
  private state: number;
  private spare: number | null = null;
  constructor(seed: number) {
    this.state = seed >>> 0 || 1;
  }
  next(): number {
    // xorshift32: fast and good enough for synthetic data.
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state / 4294967296;
  }
  gaussian(): number {
    if (this.spare !== null) {
      const value = this.spare;
      this.spare = null;
      return value;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const radius = Math.sqrt(-2 * Math.log(u));
    const angle = 2 * Math.PI * this.next();
    this.spare = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }
}

function normaliseInPlace(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!;
  const scale = 1 / Math.sqrt(sum);
  for (let i = 0; i < v.length; i++) v[i]! *= scale;
  return v;
}

/** `centre` plus isotropic noise of expected norm `spread`, normalised. */
function around(random: Random, centre: Float32Array, spread: number, out = new Float32Array(centre.length)): Float32Array {
  const sd = spread / Math.sqrt(centre.length);
  for (let i = 0; i < centre.length; i++) out[i] = centre[i]! + sd * random.gaussian();
  return normaliseInPlace(out);
}

interface Dataset {
  readonly n: number;
  readonly topics: number;
  readonly topicOf: Int32Array; // by id (1-based ids, index id - 1)
  readonly assetOf: Int32Array;
  readonly assets: number;
}

/** Generates `n` vectors straight into `sink` in chunks (no second full copy in memory). */
function generate(n: number, seed: number, sink: (ids: number[], vectors: Float32Array[]) => void): Dataset {
  const random = new Random(seed);
  const topics = Math.min(5000, Math.max(200, Math.round(n / 50)));
  const themes: Float32Array[] = [];
  for (let t = 0; t < Math.ceil(topics / 40); t++) {
    const c = new Float32Array(DIM);
    for (let i = 0; i < DIM; i++) c[i] = random.gaussian();
    themes.push(normaliseInPlace(c));
  }
  // cos(topic, its theme) ≈ 0.75, cos(asset, topic) ≈ 0.86, cos(segment, asset) ≈ 0.91.
  const centres = Array.from({ length: topics }, () => around(random, themes[Math.floor(random.next() * themes.length)]!, 0.88));
  const topicOf = new Int32Array(n);
  const assetOf = new Int32Array(n);
  let asset = 0;
  let ids: number[] = [];
  let vectors: Float32Array[] = [];
  let id = 0;
  while (id < n) {
    const topic = Math.min(topics - 1, Math.floor(topics * Math.pow(random.next(), 1.5)));
    const assetCentre = around(random, centres[topic]!, 0.6);
    const segments = 1 + Math.floor(random.next() * 24);
    for (let s = 0; s < segments && id < n; s++) {
      topicOf[id] = topic;
      assetOf[id] = asset;
      id++;
      ids.push(id);
      vectors.push(around(random, assetCentre, 0.45));
      if (ids.length === 10_000) {
        sink(ids, vectors);
        ids = [];
        vectors = [];
      }
    }
    asset++;
  }
  if (ids.length > 0) sink(ids, vectors);
  return { n, topics, topicOf, assetOf, assets: asset };
}

function makeQueries(exact: ExactVectorIndex, n: number, count: number, seed: number): Float32Array[] {
  const random = new Random(seed);
  const queries: Float32Array[] = [];
  for (let i = 0; i < count; i++) {
    const id = 1 + Math.floor(random.next() * n);
    queries.push(around(random, exact.vectorOf(id)!, 0.7));
  }
  return queries;
}

interface Scenario {
  readonly name: string;
  readonly filter?: CandidateFilter;
}

/** Allow-lists as the store would produce them: random assets (uncorrelated), or whole topics (a library of related content). */
function scenarios(data: Dataset, seed: number): Scenario[] {
  const random = new Random(seed);
  const byAssets = (fraction: number): Set<number> => {
    const chosen = new Uint8Array(data.assets);
    for (let a = 0; a < data.assets; a++) if (random.next() < fraction) chosen[a] = 1;
    const ids = new Set<number>();
    for (let i = 0; i < data.n; i++) if (chosen[data.assetOf[i]!]) ids.add(i + 1);
    return ids;
  };
  const byTopics = (fraction: number): Set<number> => {
    const perTopic = new Int32Array(data.topics);
    for (let i = 0; i < data.n; i++) perTopic[data.topicOf[i]!]!++;
    const order = Array.from({ length: data.topics }, (_, t) => t).sort(() => random.next() - 0.5);
    const chosen = new Uint8Array(data.topics);
    let count = 0;
    for (const t of order) {
      if (count >= fraction * data.n) break;
      if (count + perTopic[t]! > fraction * data.n * 1.2) continue; // keep close to the target share
      chosen[t] = 1;
      count += perTopic[t]!;
    }
    const ids = new Set<number>();
    for (let i = 0; i < data.n; i++) if (chosen[data.topicOf[i]!]) ids.add(i + 1);
    return ids;
  };
  return [
    { name: 'none' },
    { name: 'random assets 10%', filter: byAssets(0.1) },
    { name: 'random assets 1%', filter: byAssets(0.01) },
    { name: 'correlated topics 10%', filter: byTopics(0.1) },
    { name: 'correlated topics 1%', filter: byTopics(0.01) },
  ];
}

// ---------------------------------------------------------------------------------------------
// Measurement helpers

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function rss(): number {
  gc();
  return process.memoryUsage().rss;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

function recall(hits: SearchHit[], truth: SearchHit[]): number {
  if (truth.length === 0) return 1;
  const want = new Set(truth.map((h) => h.id));
  let found = 0;
  for (const h of hits) if (want.has(h.id)) found++;
  return found / truth.length;
}

interface Row {
  n: number;
  scenario: string;
  allowed: number;
  method: string;
  p50: number;
  p95: number;
  p99: number;
  recall: number;
  plans: string;
}

function measure(
  n: number,
  scenario: Scenario,
  method: string,
  queries: Float32Array[],
  truth: SearchHit[][],
  run: (q: Float32Array) => { hits: SearchHit[]; plan?: SearchPlan },
): Row {
  for (let i = 0; i < Math.min(10, queries.length); i++) run(queries[i]!); // warm-up
  const times: number[] = [];
  let recallSum = 0;
  const plans = new Map<string, number>();
  queries.forEach((q, i) => {
    const start = performance.now();
    const { hits, plan } = run(q);
    times.push(performance.now() - start);
    recallSum += recall(hits, truth[i]!);
    if (plan) plans.set(plan, (plans.get(plan) ?? 0) + 1);
  });
  times.sort((a, b) => a - b);
  return {
    n,
    scenario: scenario.name,
    allowed: scenario.filter?.size ?? n,
    method,
    p50: percentile(times, 0.5),
    p95: percentile(times, 0.95),
    p99: percentile(times, 0.99),
    recall: recallSum / queries.length,
    plans: [...plans].map(([plan, count]) => `${plan} ${Math.round((100 * count) / queries.length)}%`).join(', '),
  };
}

interface SweepRow {
  share: number;
  allowed: number;
  exactP50: number;
  exactP99: number;
  annP50: number;
  annP99: number;
  annRecall: number;
  fallback: number;
  partitionP50: number;
  partitionP99: number;
  partitionRecall: number;
}

/**
 * Where the planner's thresholds come from: for uncorrelated allow-lists of growing size, the
 * exact scan over the allowed ids, ANN with over-fetch + post-filter (+ exact fallback), and the
 * partitioned scan.
 */
function thresholdSweep(n: number, exact: ExactVectorIndex, ann: ZvecVectorIndex, queries: Float32Array[]): SweepRow[] {
  const random = new Random(13);
  // ANN post-filtering is measured with the partitions detached, so it falls back to the exact scan.
  const partitions = exact.partitioned;
  const labels = exact.labelsView().slice();
  const forcedAnn = new PlannedVectorIndex(exact, ann, { ...PLANNER, exactBelowSize: 0, exactMaxCandidates: 0, annMinSelectivity: 0, maxAnnFetch: Infinity });
  const rows: SweepRow[] = [];
  for (const share of [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5]) {
    const filter = new Set<number>();
    for (let id = 1; id <= n; id++) if (random.next() < share) filter.add(id);
    const scenario = { name: String(share), filter };
    const truth: SearchHit[][] = [];
    const exactRow = measure(n, scenario, 'exact', queries, queries.map(() => []), (q) => {
      const hits = exact.search(q, K, filter);
      truth.push(hits);
      return { hits };
    });
    truth.splice(0, Math.min(10, queries.length));
    exact.attachPartitions(null);
    const annRow = measure(n, scenario, 'ann', queries, truth, (q) => forcedAnn.searchWithPlan(q, K, filter));
    exact.attachPartitions(partitions, (_id, row) => labels[row]);
    const fallback = /ann-then-exact (\d+)%/.exec(annRow.plans)?.[1];
    const partitionRow = measure(n, scenario, 'partitions', queries, truth, (q) => ({
      hits: exact.searchPartitioned(q, K, filter, PLANNER.partitionProbe),
    }));
    rows.push({
      share,
      allowed: filter.size,
      exactP50: exactRow.p50,
      exactP99: exactRow.p99,
      annP50: annRow.p50,
      annP99: annRow.p99,
      annRecall: annRow.recall,
      fallback: fallback ? Number(fallback) / 100 : 0,
      partitionP50: partitionRow.p50,
      partitionP99: partitionRow.p99,
      partitionRecall: partitionRow.recall,
    });
    console.error(
      `[n=${n}] sweep ${share}: exact p50 ${ms(exactRow.p50)} ms, ANN p50 ${ms(annRow.p50)} ms recall ${annRow.recall.toFixed(4)} (${annRow.plans}), ` +
        `partitions p50 ${ms(partitionRow.p50)} ms recall ${partitionRow.recall.toFixed(4)}`,
    );
  }
  return rows;
}

const ms = (x: number): string => (x < 10 ? x.toFixed(2) : x.toFixed(1));
const mb = (bytes: number): string => (bytes / 1e6).toFixed(0);

// ---------------------------------------------------------------------------------------------
// One size

interface SizeResult {
  n: number;
  topics: number;
  assets: number;
  queries: number;
  generateS: number;
  exactLoadS: number;
  annInsertS: number;
  annOptimizeS: number;
  lists: number;
  partitionTrainS: number;
  partitionAssignS: number;
  exactBytesPerVector: number;
  annBytesPerVector: number;
  rows: Row[];
  sweep: SweepRow[];
}

async function benchSize(n: number, queryCount: number, quantization: ZvecQuantization, threads: number): Promise<SizeResult> {
  const log = (message: string): void => console.error(`[n=${n}] ${message}`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-search-'));
  try {
    const rssStart = rss();
    let started = performance.now();
    const exact = new ExactVectorIndex(DIM, n);
    let generateMs = 0;
    let loadMs = 0;
    const data = generate(n, 42, (ids, vectors) => {
      const generated = performance.now();
      generateMs += generated - started;
      exact.upsert(ids.map((id, i) => ({ id, vector: vectors[i]! })));
      started = performance.now();
      loadMs += started - generated;
    });
    const rssExact = rss();
    log(`generated ${n} vectors (${data.topics} topics, ${data.assets} assets); exact index ${mb(rssExact - rssStart)} MB`);

    // --ann-dir keeps the zvec collection (and reuses it when it exists): for query-parameter
    // experiments at 1M without rebuilding (the data is generated from a fixed seed).
    const annDir = arg('ann-dir', '') || path.join(work, 'ann');
    const reuse = fs.existsSync(annDir);
    const ann = ZvecVectorIndex.open({ dir: annDir, dim: DIM, quantization, ...GRAPH, refine: flag('refine') });
    started = performance.now();
    if (!reuse) {
      const { ids, vectors } = exact.rowsView();
      for (let start = 0; start < ids.length; start += 1000) {
        const items = [];
        for (let row = start; row < Math.min(ids.length, start + 1000); row++) {
          items.push({ id: ids[row]!, vector: vectors.subarray(row * DIM, (row + 1) * DIM) });
        }
        ann.upsert(items);
      }
    }
    const annInsertMs = performance.now() - started;
    log(`zvec insert ${(annInsertMs / 1000).toFixed(1)} s${reuse ? ' (reused)' : ''}`);
    started = performance.now();
    if (!reuse) await ann.optimize(threads);
    const annOptimizeMs = performance.now() - started;
    const rssAnn = rss();
    log(`zvec optimise ${(annOptimizeMs / 1000).toFixed(1)} s; ${mb(rssAnn - rssExact)} MB`);
    started = performance.now();
    const lists = Math.round(Math.max(16, Math.sqrt(n) / 2)); // SyncedVectorIndex's default
    const partitions = VectorPartitions.train(exact, lists);
    const partitionTrainMs = performance.now() - started;
    started = performance.now();
    exact.attachPartitions(partitions);
    const partitionAssignMs = performance.now() - started;
    log(`partitions: ${lists} lists, train ${(partitionTrainMs / 1000).toFixed(1)} s, assign ${(partitionAssignMs / 1000).toFixed(1)} s`);

    const planned = new PlannedVectorIndex(exact, ann, PLANNER);
    const queries = makeQueries(exact, n, queryCount, 7);
    const rows: Row[] = [];
    const only = arg('only', '');
    for (const scenario of scenarios(data, 11).filter((s) => !only || s.name === only)) {
      const filter = scenario.filter;
      const truth: SearchHit[][] = [];
      const exactRow = measure(n, scenario, 'exact scan', queries, queries.map(() => []), (q) => {
        const hits = exact.search(q, K, filter);
        truth.push(hits);
        return { hits };
      });
      exactRow.recall = 1;
      truth.splice(0, Math.min(10, queries.length)); // drop the warm-up answers
      rows.push(exactRow);
      rows.push(
        measure(n, scenario, `zvec HNSW${filter ? ' + post-filter' : ''}`, queries, truth, (q) => ({
          hits: filter
            ? planned.exact.score(
                q,
                ann.candidates(q, Math.ceil((K * PLANNER.filterOverfetch * n) / filter.size), PLANNER.ef).map((h) => h.id).filter((id) => filter.has(id)),
                K,
              )
            : planned.exact.score(q, ann.candidates(q, K * PLANNER.rerankFactor, PLANNER.ef).map((h) => h.id), K),
        })),
      );
      rows.push(measure(n, scenario, 'planner', queries, truth, (q) => planned.searchWithPlan(q, K, filter)));
      log(`${scenario.name}: ${rows.slice(-3).map((r) => `${r.method} p50 ${ms(r.p50)} p99 ${ms(r.p99)} ms recall ${r.recall.toFixed(4)}`).join('; ')}`);
    }
    const sweep = flag('no-sweep') ? [] : thresholdSweep(n, exact, ann, queries.slice(0, Math.min(100, queries.length)));
    planned.close();
    return {
      n,
      topics: data.topics,
      assets: data.assets,
      queries: queryCount,
      generateS: generateMs / 1000,
      exactLoadS: loadMs / 1000,
      annInsertS: annInsertMs / 1000,
      annOptimizeS: annOptimizeMs / 1000,
      lists,
      partitionTrainS: partitionTrainMs / 1000,
      partitionAssignS: partitionAssignMs / 1000,
      exactBytesPerVector: (rssExact - rssStart) / n,
      annBytesPerVector: (rssAnn - rssExact) / n,
      rows,
      sweep,
    };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function sizeSection(result: SizeResult, quantization: string, threads: number): string {
  const lines = [
    `### ${result.n.toLocaleString('en-US')} segments`,
    '',
    `${result.topics} topics, ${result.assets} assets, ${result.queries} queries, k=${K}; zvec HNSW m=${GRAPH.m}, efConstruction=${GRAPH.efConstruction}, ` +
      `${quantization} graph vectors, optimise threads ${threads || 'auto'}; planner ${JSON.stringify(PLANNER)}.`,
    '',
    '| build | seconds | | memory | bytes per segment |',
    '|---|---|---|---|---|',
    `| exact index load | ${result.exactLoadS.toFixed(1)} | | exact index (RSS delta / n) | ${result.exactBytesPerVector.toFixed(0)} |`,
    `| zvec insert | ${result.annInsertS.toFixed(1)} | | zvec index (RSS delta / n) | ${result.annBytesPerVector.toFixed(0)} |`,
    `| zvec optimise (HNSW build) | ${result.annOptimizeS.toFixed(1)} | | both | ${(result.exactBytesPerVector + result.annBytesPerVector).toFixed(0)} |`,
    `| partitions: train ${result.lists} lists / label all | ${result.partitionTrainS.toFixed(1)} / ${result.partitionAssignS.toFixed(1)} | | | |`,
    '',
    '| filter | allowed | method | p50 ms | p95 ms | p99 ms | recall@10 | plans |',
    '|---|---|---|---|---|---|---|---|',
    ...result.rows.map(
      (r) =>
        `| ${r.scenario} | ${r.allowed.toLocaleString('en-US')} | ${r.method} | ${ms(r.p50)} | ${ms(r.p95)} | ${ms(r.p99)} | ${r.recall.toFixed(4)} | ${r.plans} |`,
    ),
    '',
    'Planner threshold sweep (random allow-lists, 100 queries): exact scan over the allowed ids; ANN with over-fetch ' +
      `(×${PLANNER.filterOverfetch}), post-filter and exact fallback; partitioned scan (probe ${PLANNER.partitionProbe} lists).`,
    '',
    '| allowed share | allowed | exact p50 / p99 ms | ANN p50 / p99 ms | ANN recall@10 | ANN fell back | partitions p50 / p99 ms | partitions recall@10 |',
    '|---|---|---|---|---|---|---|---|',
    ...result.sweep.map(
      (r) =>
        `| ${(r.share * 100).toFixed(1)}% | ${r.allowed.toLocaleString('en-US')} | ${ms(r.exactP50)} / ${ms(r.exactP99)} | ${ms(r.annP50)} / ${ms(r.annP99)} | ` +
        `${r.annRecall.toFixed(4)} | ${(r.fallback * 100).toFixed(0)}% | ${ms(r.partitionP50)} / ${ms(r.partitionP99)} | ${r.partitionRecall.toFixed(4)} |`,
    ),
    '',
  ];
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Crash test: a child process writes vectors to SQLite and syncs its index; it is killed with
// SIGKILL at a random moment; the parent reopens the index and checks it matches the store.

const CRASH_ANN = { minSize: 2_000, reoptimizeAt: 0.1, quantization: 'int8' as const, buildThreads: 1 };
const CRASH_PARTITIONS = { minSize: 5_000 };

function seedLibrary(db: Db): void {
  db.prepare("INSERT OR IGNORE INTO libraries (name, created_at, updated_at) VALUES ('bench', 0, 0)").run();
}

/** Inserts one asset with `segments` segments, one keyframe and vector each, in one transaction. */
function writeAsset(db: Db, random: Random, mediaId: string, segments: number): void {
  db.transaction(() => {
    const assetId = Number(
      db
        .prepare("INSERT INTO assets (library, media_id, media_type, input, utc_create, utc_modified) VALUES ('bench', ?, 'video', 'x', 0, 0)")
        .run(mediaId).lastInsertRowid,
    );
    const centre = new Float32Array(DIM);
    for (let i = 0; i < DIM; i++) centre[i] = random.gaussian();
    normaliseInPlace(centre);
    for (let s = 0; s < segments; s++) {
      const segmentId = Number(db.prepare('INSERT INTO segments (asset_id, seq, start_s, end_s) VALUES (?, ?, ?, ?)').run(assetId, s, s, s + 1).lastInsertRowid);
      const keyframeId = Number(
        db
          .prepare("INSERT INTO keyframes (asset_id, segment_id, time_s, frame_time_s, file, width, height) VALUES (?, ?, ?, ?, 'k.jpg', 1, 1)")
          .run(assetId, segmentId, s, s).lastInsertRowid,
      );
      const vector = around(random, centre, 0.5);
      db.prepare('INSERT INTO keyframe_vectors (keyframe_id, model, asset_id, segment_id, dim, vector) VALUES (?, ?, ?, ?, ?, ?)').run(
        keyframeId,
        MODEL,
        assetId,
        segmentId,
        DIM,
        Buffer.from(vector.buffer),
      );
    }
  })();
}

async function crashChild(dir: string, dbFile: string, round: number): Promise<void> {
  const db = openDatabase(dbFile);
  seedLibrary(db);
  const index = SyncedVectorIndex.open({
    dir,
    dim: DIM,
    tag: MODEL,
    changesAfter: keyframeVectorChanges(db, MODEL),
    ann: CRASH_ANN,
    partitions: CRASH_PARTITIONS,
  });
  const random = new Random(1000 + round);
  for (let batch = 0; ; batch++) {
    for (let a = 0; a < 10; a++) writeAsset(db, random, `r${round}-b${batch}-a${a}`, 1 + Math.floor(random.next() * 20));
    if (batch % 7 === 6) {
      // Deleting an asset cascades to its vectors: the index must see removals too.
      db.prepare('DELETE FROM assets WHERE id = (SELECT MIN(id) FROM assets)').run();
    }
    index.sync();
    if (batch % 10 === 9) index.checkpoint();
    process.stdout.write(`batch ${batch} vectors ${index.size}\n`);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

interface CrashRound {
  round: number;
  killedAfterMs: number;
  store: number;
  exact: number;
  ann: number | null;
  missing: number;
  partitions: string;
  reopenMs: number;
  events: string;
}

async function crashTest(rounds: number): Promise<CrashRound[]> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-search-crash-'));
  const dbFile = path.join(work, 'mediasearch.db');
  const dir = path.join(work, 'vectors');
  openDatabase(dbFile).close();
  const results: CrashRound[] = [];
  try {
    for (let round = 1; round <= rounds; round++) {
      const killAfter = 1500 + Math.floor(new Random(round * 7919).next() * 4000);
      const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--crash-child', dir, dbFile, String(round)], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let lastLine = '';
      child.stdout.on('data', (chunk: Buffer) => {
        lastLine = chunk.toString().trim().split('\n').pop() ?? lastLine;
      });
      // Let the child open and write for a while (the first round also builds the ANN index), then kill it mid-write.
      await new Promise((resolve) => setTimeout(resolve, killAfter));
      child.kill('SIGKILL');
      await new Promise((resolve) => child.on('exit', resolve));

      const db = openDatabase(dbFile);
      const events: string[] = [];
      const started = performance.now();
      const index = SyncedVectorIndex.open({
        dir,
        dim: DIM,
        tag: MODEL,
        changesAfter: keyframeVectorChanges(db, MODEL),
        ann: CRASH_ANN,
        partitions: CRASH_PARTITIONS,
        onEvent: (e) => events.push(e.type),
      });
      await index.whenIdle();
      const reopenMs = performance.now() - started;
      const storeIds = (db.prepare('SELECT keyframe_id AS id FROM keyframe_vectors WHERE model = ?').all(MODEL) as { id: number }[]).map((r) => r.id);
      const ann = index.planned.annIndex;
      let missing = 0;
      for (const id of storeIds) if (!index.planned.exact.has(id) || (ann && !ann.has(id))) missing++;
      // Every vector must sit in its nearest list, whatever the crash interrupted.
      const partitions = index.planned.exact.partitioned;
      let mislabelled = 0;
      if (partitions) {
        const labels = index.planned.exact.labelsView();
        let row = 0;
        for (const id of index.planned.exact.ids()) if (labels[row++] !== partitions.nearest(index.planned.exact.vectorOf(id)!)) mislabelled++;
      }
      results.push({
        round,
        killedAfterMs: killAfter,
        store: storeIds.length,
        exact: index.size,
        ann: ann ? ann.size : null,
        missing,
        partitions: partitions ? `${partitions.count} lists, ${mislabelled} mislabelled` : '–',
        reopenMs,
        events: `${lastLine}; ${[...new Set(events)].join(', ')}`,
      });
      console.error(`[crash] round ${round}: ${JSON.stringify(results.at(-1))}`);
      await index.close();
      db.close();
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  return results;
}

function crashSection(results: CrashRound[]): string {
  return [
    '### Crash and reopen',
    '',
    'A child process inserts assets (1–20 segments, one 512-d vector each) into SQLite, deletes the oldest asset every 7th ' +
      'batch (cascade), syncs its index after every batch of 10 assets and checkpoints every 10th batch; the parent kills it ' +
      'with SIGKILL at a random moment, reopens the index from its files and the store, and compares.',
    '',
    '| round | killed after | child\'s last line | store vectors | exact index | zvec index | ids missing | partitions | reopen ms | recovery events |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...results.map((r) => {
      const [last, events] = r.events.split('; ');
      return `| ${r.round} | ${r.killedAfterMs} ms | ${last} | ${r.store} | ${r.exact} | ${r.ann ?? '–'} | ${r.missing} | ${r.partitions} | ${r.reopenMs.toFixed(0)} | ${events} |`;
    }),
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Output

function replaceSection(document: string, name: string, body: string): string {
  const begin = `<!-- bench:search ${name} -->`;
  const end = `<!-- /bench:search ${name} -->`;
  const block = `${begin}\n${body}\n${end}`;
  const from = document.indexOf(begin);
  const to = document.indexOf(end);
  if (from >= 0 && to > from) return document.slice(0, from) + block + document.slice(to + end.length);
  return `${document.trimEnd()}\n\n${block}\n`;
}

function machine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const load = os.loadavg().map((l) => l.toFixed(1)).join(' ');
  return `${os.cpus().length} cores (${cpu}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, load average at start ${load}`;
}

async function main(): Promise<void> {
  if (flag('crash-child')) {
    const at = process.argv.indexOf('--crash-child');
    await crashChild(process.argv[at + 1]!, process.argv[at + 2]!, Number(process.argv[at + 3]));
    return;
  }
  const sizes = arg('sizes', '100000,1000000').split(',').map(Number).filter((n) => n > 0);
  const queryCount = Number(arg('queries', '300'));
  const quantization = arg('quantization', 'int8') as ZvecQuantization;
  const threads = Number(arg('threads', '2'));
  const outFile = path.resolve(arg('out', path.join(here, '../../docs/benchmarks/search.md')));
  const args = process.argv.slice(2).join(' ');
  const command = args ? `npm run bench:search -- ${args}` : 'npm run bench:search';
  const machineLine = machine();

  // Re-read before every write: the hand-written text around the sections may change meanwhile.
  const writeSection = (name: string, body: string): void => {
    const document = fs.existsSync(outFile) ? fs.readFileSync(outFile, 'utf8') : '# Vector search benchmark\n';
    fs.mkdirSync(path.dirname(outFile), { recursive: true });
    fs.writeFileSync(outFile, replaceSection(document, name, body));
  };
  for (const n of sizes) {
    const result = await benchSize(n, queryCount, quantization, threads);
    const section = `${sizeSection(result, quantization, threads)}\nCommand: \`${command}\`  \nMachine: ${machineLine}\n`;
    console.log(section);
    writeSection(`n=${n}`, section);
  }
  if (!flag('no-crash')) {
    const section = `${crashSection(await crashTest(Number(arg('crash-rounds', '3'))))}\nCommand: \`${command}\`  \nMachine: ${machineLine}\n`;
    console.log(section);
    writeSection('crash', section);
  }
  console.error(`written to ${outFile}`);
}

await main();
