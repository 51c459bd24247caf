import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { tempDir } from '../helpers/fixtures.js';
import { seededRandom } from '../helpers/seeded-random.js';
import type { ModelSpec } from '../../src/models/model-spec.js';
import { MODEL_REGISTRY } from '../../src/models/registry.js';
import { rankAssets } from '../../src/search/hybrid/clips.js';
import { fuseSegments } from '../../src/search/hybrid/fusion.js';
import { queryLanguage } from '../../src/search/hybrid/generic-captions.js';
import { searchModelChannel } from '../../src/search/hybrid/model-channel.js';
import { coverage, queryTerms } from '../../src/search/hybrid/query-terms.js';
import { foldSuffix } from '../../src/search/text/fold-suffix.js';
import { mentionedLabels } from '../../src/search/text/label-mentions.js';
import { modelRelevance, noisyOr } from '../../src/search/hybrid/relevance.js';
import type { SegmentHit } from '../../src/search/hybrid/segment-hit.js';
import { searchTextChannel } from '../../src/search/hybrid/text-channel.js';
import { scopeToAssetFilter } from '../../src/search/search-scope.js';
import { SyncedVectorIndex } from '../../src/search/vector-index/synced-vector-index.js';
import { keyframeVectorChanges } from '../../src/search/vector-index/sqlite-vector-changes.js';
import { openDatabase } from '../../src/store/database.js';
import { Store } from '../../src/store/store.js';

const T0 = 1_700_000_000_000;
const hit = (key: string, assetId: number, from: number, to: number, relevance: number, rank = 0): SegmentHit => ({
  key,
  assetId,
  from,
  to,
  relevance,
  rank,
});

describe('query terms and coverage', () => {
  it('folds plural and verb endings the way a reader would', () => {
    assert.deepEqual(['dogs', 'buses', 'running', 'fights', 'glass', 'puppies', 'jumped', 'bus'].map(foldSuffix), [
      'dog', 'bus', 'run', 'fight', 'glass', 'puppy', 'jump', 'bus',
    ]);
  });

  it('counts the share of content terms a text covers, in English and Chinese', () => {
    const english = queryTerms('two dogs fighting in the snow');
    assert.deepEqual(english.words, ['two', 'dog', 'fight', 'snow']);
    assert.equal(coverage(english, ['dog']), 0.25);
    assert.equal(coverage(english, ['dog', 'A dog fights in the snow']), 0.75);
    const chinese = queryTerms('两只狗在雪地上打架');
    assert.equal(chinese.size, 8);
    // The one-character label 狗 covers the two bigrams that contain it.
    assert.equal(coverage(chinese, ['狗']), 2 / 8);
    assert.equal(coverage(chinese, ['雪地']), 1 / 8);
    assert.equal(coverage(queryTerms(''), ['dog']), 0);
  });

  it('finds the COCO labels a query names in either language', () => {
    assert.deepEqual(mentionedLabels('two dogs fighting in the snow'), ['dog']);
    assert.deepEqual(mentionedLabels('两只狗在雪地上打架'), ['dog']);
    assert.deepEqual(mentionedLabels('traffic lights at night'), ['traffic light']);
    assert.deepEqual(mentionedLabels('hotdog stand'), []);
    assert.deepEqual(mentionedLabels('a woman walks her puppy'), ['person', 'dog']);
    assert.deepEqual(mentionedLabels('正在等车的女孩'), ['person']);
  });

  it('tells Chinese queries from others', () => {
    assert.equal(queryLanguage('熊猫 panda'), 'zh');
    assert.equal(queryLanguage('a panda'), 'en');
  });
});

describe('calibrated relevance and fusion', () => {
  it('is 0.5 when the query fits no better than a generic caption, and saturates either way', () => {
    assert.equal(modelRelevance(0.25, 0.25), 0.5);
    assert.ok(modelRelevance(0.3, 0.25) > 0.99);
    assert.ok(modelRelevance(0.2, 0.25) < 0.01);
    assert.ok(modelRelevance(0.26, 0.25, 50) < modelRelevance(0.26, 0.25, 100));
  });

  it('fuses by noisy-OR so agreeing channels add up and stay in [0, 1]', () => {
    assert.equal(noisyOr([]), 0);
    assert.ok(Math.abs(noisyOr([0.5, 0.5]) - 0.75) < 1e-12);
    const fused = fuseSegments([[hit('s1', 1, 0, 5, 0.6)], [hit('s1', 1, 1, 6, 0.5), hit('s2', 2, 0, 0, 0.4)]]);
    const s1 = fused.find((h) => h.key === 's1')!;
    assert.ok(Math.abs(s1.relevance - 0.8) < 1e-12);
    assert.deepEqual([s1.from, s1.to], [0, 6]);
    assert.equal(fused.find((h) => h.key === 's2')!.relevance, 0.4);
  });

  it('reciprocal-rank fusion ranks by positions only', () => {
    const fused = fuseSegments([[hit('a', 1, 0, 0, 0.9), hit('b', 2, 0, 0, 0.1)], [hit('b', 2, 0, 0, 0.2)]], 'rrf');
    const score = new Map(fused.map((h) => [h.key, h.relevance]));
    assert.ok(score.get('b')! > score.get('a')!, 'found by two channels beats first in one');
  });
});

describe('assets and clips', () => {
  const options = { minScore: 0.3, joinGap: 0.5, duration: () => 42 };

  it('merges touching segments into one clip scored by its best, sorts clips by score', () => {
    const ranked = rankAssets(
      [hit('s1', 1, 0, 4, 0.5), hit('s2', 1, 4, 8, 0.9), hit('s3', 1, 20, 25, 0.6), hit('s4', 1, 8.2, 10, 0.2)],
      new Map(),
      options,
    );
    assert.equal(ranked.length, 1);
    assert.deepEqual(ranked[0]!.clips, [
      { from: 0, to: 8, score: 0.9 },
      { from: 20, to: 25, score: 0.6 },
    ]);
    assert.equal(ranked[0]!.score, 0.9);
  });

  it('drops what is below the floor, counts an asset matched by its own text, breaks ties by channel rank then id', () => {
    const ranked = rankAssets(
      [hit('s1', 3, 0, 1, 0.5, 1), hit('s2', 2, 0, 1, 0.5, 1), hit('s5', 5, 0, 1, 0.5, 0), hit('s3', 1, 0, 1, 0.1)],
      new Map([[4, 0.8]]),
      options,
    );
    assert.deepEqual(ranked.map((a) => a.assetId), [4, 5, 2, 3]);
    assert.deepEqual(ranked[0]!.clips, [{ from: 0, to: 42, score: 0.8 }]);
  });
});

describe('channels over a real store', () => {
  function openStore(): Store {
    const store = new Store(openDatabase(':memory:'));
    store.libraries.create('lib', {}, [], T0);
    return store;
  }

  function addAsset(store: Store, n: number, fields: { intField1?: number; title?: string } = {}): number {
    const id = store.assets.insert({
      library: 'lib',
      mediaId: `m${n}`,
      namespace: '',
      mediaType: 'image',
      input: 'file:///x.jpg',
      metadata: { ...(fields.title ? { title: fields.title } : {}), customFields: { intField1: fields.intField1 ?? null } },
      msgBody: {},
      now: T0 + n,
    });
    assert.ok(id !== undefined);
    store.analysis.replaceSegments(id, [{ seq: 0, from: 0, to: 0, keyframes: [{ time: 0, frameTime: 0, file: 'k.jpg', width: 8, height: 8 }] }]);
    return id;
  }

  it('text channel: a one-character Chinese label is found by a long Chinese query', () => {
    const store = openStore();
    const dog = addAsset(store, 1);
    const cat = addAsset(store, 2);
    const segment = (id: number) => store.analysis.segments(id)[0]!.id;
    const label = (id: number, en: string, zh: string) =>
      store.analysis.replaceTexts(id, ['label'], [
        { segmentId: segment(id), source: 'label', label: en, text: en, textZh: zh, confidence: 0.8, from: 0, to: 0, box: null },
      ]);
    label(dog, 'dog', '狗');
    label(cat, 'cat', '猫');
    const result = searchTextChannel(store.db, '两只狗在雪地上打架', {
      filter: scopeToAssetFilter({ library: 'lib', customFields: [] }),
      sources: ['label'],
      assetText: true,
      depth: 100,
    });
    assert.deepEqual(result.segments.map((s) => [s.assetId, s.relevance]), [[dog, 0.25]]);
    // Everyday words count as the label: "puppy" and "snow" of three terms, the label covers "puppy".
    const puppy = searchTextChannel(store.db, 'a puppy in the snow', {
      filter: scopeToAssetFilter({ library: 'lib', customFields: [] }),
      sources: ['label'],
      assetText: false,
      depth: 100,
    });
    assert.deepEqual(puppy.segments.map((s) => [s.assetId, s.relevance]), [[dog, 0.5]]);
    store.close();
  });

  it('model channel: a 1%-selective filter still returns the true nearest keyframes', async () => {
    const temp = tempDir();
    const store = openStore();
    const random = seededRandom(7);
    const dim = 16;
    const unit = (v: Float32Array) => {
      const n = Math.hypot(...v);
      return v.map((x) => x / n);
    };
    const randomVector = () => unit(Float32Array.from({ length: dim }, () => random() * 2 - 1));
    const vectors = new Map<number, Float32Array>();
    store.transaction(() => {
      for (let n = 0; n < 1000; n++) {
        const id = addAsset(store, n, { intField1: n % 100 });
        const keyframe = store.analysis.keyframes(id)[0]!;
        const vector = randomVector();
        vectors.set(id, vector);
        store.analysis.replaceKeyframeVectors(id, 'test-model', [{ keyframeId: keyframe.id, segmentId: keyframe.segmentId, vector }]);
      }
    });
    const index = SyncedVectorIndex.open({ dir: path.join(temp.dir, 'v'), dim, tag: 'test-model', changesAfter: keyframeVectorChanges(store.db, 'test-model') });
    const query = randomVector();
    const spec: ModelSpec = { ...MODEL_REGISTRY[0]!, name: 'test-model', dimension: dim };
    // Test double of the query encoder's output: the query vector and one generic caption vector.
    const encoded = { spec, query, generic: [randomVector()] };
    const scope = { library: 'lib', customFields: [{ field: 'intField1' as const, mode: 'exact' as const, value: 42 }] };
    const hits = searchModelChannel(store.db, index, encoded, { filter: scopeToAssetFilter(scope), filtered: true, depth: 5 });

    const dot = (a: Float32Array, b: Float32Array) => a.reduce((sum, x, i) => sum + x * b[i]!, 0);
    const allowed = [...vectors].filter(([id]) => (id - 1) % 100 === 42);
    assert.equal(allowed.length, 10);
    const expected = allowed.sort((a, b) => dot(b[1], query) - dot(a[1], query)).slice(0, 5).map(([id]) => id);
    assert.deepEqual(new Set(hits.map((h) => h.assetId)), new Set(expected));
    for (const h of hits) {
      const v = vectors.get(h.assetId)!;
      assert.ok(Math.abs(h.relevance - modelRelevance(dot(v, query), dot(v, encoded.generic[0]!))) < 1e-4);
    }
    await index.close();
    store.close();
    temp.cleanup();
    assert.equal(fs.existsSync(temp.dir), false);
  });
});
