import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeImage } from '../../src/analysis/image-decoder.js';
import { loadClipEmbedder } from '../../src/analysis/mm/clip-embedder.js';
import { pullModel } from '../../src/models/downloader.js';
import type { ModelSpec } from '../../src/models/model-spec.js';
import { generateMediaFixtures, tempDir } from '../helpers/fixtures.js';
import { rpc, startServer, waitForJobs, type RunningServer } from '../helpers/server-harness.js';
import { startTestModelHub, type TestModel } from '../helpers/test-model-hub.js';
import { writeTinyClipModel } from '../helpers/tiny-clip-model.js';

/** A generated tiny CLIP-layout model served by a local hub, as `models pull` would fetch a real one. */
function asHubModel(spec: ModelSpec, folder: string): TestModel {
  return {
    spec,
    files: spec.files.map((file) => {
      const bytes = fs.readFileSync(path.join(folder, file.path));
      return { path: file.path, bytes, sha256: createHash('sha256').update(bytes).digest('hex'), lfs: file.path.endsWith('.onnx') };
    }),
  };
}

describe('mm index with a pulled model', () => {
  let dir: string;
  let cleanup: () => void;
  let fixtures: ReturnType<typeof generateMediaFixtures>;
  let modelDir: string;
  let modelsFile: string;
  let specA: ModelSpec;
  let specB: ModelSpec;

  before(async () => {
    ({ dir, cleanup } = tempDir());
    fixtures = generateMediaFixtures(path.join(dir, 'media'));
    const hubDir = path.join(dir, 'hub');
    specA = writeTinyClipModel(hubDir, { name: 'tiny-clip-test' });
    specB = writeTinyClipModel(hubDir, { name: 'tiny-clip-other-test', seed: 7 });
    modelDir = path.join(dir, 'models');
    for (const spec of [specA, specB]) {
      const hub = await startTestModelHub(asHubModel(spec, path.join(hubDir, spec.name)));
      try {
        await pullModel(spec, { modelDir, endpoint: hub.endpoint, retryDelayMs: 10 });
      } finally {
        await hub.close();
      }
    }
    modelsFile = path.join(dir, 'models.json');
    fs.writeFileSync(modelsFile, JSON.stringify([specA, specB]));
  });
  after(() => cleanup());

  function env(model: string, dataDir: string, models = modelDir): Record<string, string> {
    return {
      MEDIASEARCH_DATA_DIR: dataDir,
      MEDIASEARCH_FILE_ROOTS: path.join(dir, 'media'),
      MEDIASEARCH_MODELS_FILE: modelsFile,
      MEDIASEARCH_MODEL_DIR: models,
      MEDIASEARCH_MM_MODEL: model,
      MEDIASEARCH_WORKERS: '1',
    };
  }

  async function insert(server: RunningServer, mediaId: string, file: string, type: 'image' | 'video') {
    const { body } = await rpc(server.url, 'InsertMediaToSearchLib', {
      MediaId: mediaId,
      Input: `file://${file}`,
      MediaType: type,
    });
    assert.equal(body.Code, '200', JSON.stringify(body));
    return waitForJobs(server.url, mediaId, undefined, 120_000);
  }

  it('embeds every keyframe with the configured model, equal to running the model directly', async () => {
    const server = await startServer(env('tiny-clip-test', path.join(dir, 'data-a')));
    try {
      for (const [mediaId, file, type] of [['img', fixtures.png, 'image'], ['vid', fixtures.video, 'video']] as const) {
        const jobs = await insert(server, mediaId, file, type);
        const mm = jobs.find((j) => j.IndexType === 'mm');
        assert.equal(mm?.Status, 'Success', JSON.stringify(jobs));
        const asset = server.app.store.assets.get('ims-default-search-lib', mediaId)!;
        const keyframes = server.app.store.analysis.keyframes(asset.id);
        const vectors = server.app.store.analysis.keyframeVectors(asset.id);
        assert.ok(keyframes.length >= 1);
        assert.equal(vectors.length, keyframes.length);
        const embedder = await loadClipEmbedder(specA, { modelDir });
        try {
          const folder = path.join(dir, 'data-a', 'media', String(asset.id), 'keyframes');
          const images = await Promise.all(keyframes.map((k) => decodeImage(path.join(folder, k.file), { maxSide: 512 })));
          const expected = await embedder.embedImages(images);
          vectors.forEach((v, i) => {
            assert.equal(v.model, 'tiny-clip-test');
            assert.equal(v.vector.length, specA.dimension);
            const diff = Math.max(...Array.from(v.vector, (x, d) => Math.abs(x - expected[i]![d]!)));
            assert.ok(diff <= 1e-6, `keyframe ${i} differs by ${diff}`);
          });
        } finally {
          await embedder.dispose();
        }
      }
    } finally {
      await server.stop();
    }
  });

  it('refuses to mix models until a re-index, then switches', async () => {
    const dataDir = path.join(dir, 'data-a');
    const server = await startServer(env('tiny-clip-other-test', dataDir));
    try {
      const jobs = await insert(server, 'new-one', fixtures.jpeg, 'image');
      const mm = jobs.find((j) => j.IndexType === 'mm');
      assert.equal(mm?.Status, 'Fail');
      assert.match(mm?.ErrorMessage ?? '', /holds \d+ vectors of model tiny-clip-test .* SearchIndexJobRerun/);
      const { body } = await rpc(server.url, 'SearchIndexJobRerun', { MediaIds: 'img,vid,new-one', Task: 'mm' });
      assert.equal(body.Code, '200', JSON.stringify(body));
      for (const mediaId of ['img', 'vid', 'new-one']) {
        const after = await waitForJobs(server.url, mediaId, undefined, 120_000);
        assert.equal(after.find((j) => j.IndexType === 'mm')?.Status, 'Success', JSON.stringify(after));
        const asset = server.app.store.assets.get('ims-default-search-lib', mediaId)!;
        assert.ok(server.app.store.analysis.keyframeVectors(asset.id).every((v) => v.model === 'tiny-clip-other-test'));
      }
    } finally {
      await server.stop();
    }
  });

  it('without model files the mm job fails with the pull command and the other jobs still run', async () => {
    const server = await startServer(env('tiny-clip-test', path.join(dir, 'data-b'), path.join(dir, 'empty-models')));
    try {
      const jobs = await insert(server, 'img', fixtures.png, 'image');
      const mm = jobs.find((j) => j.IndexType === 'mm');
      assert.equal(mm?.Status, 'Fail');
      assert.equal(mm?.ErrorMessage, 'model tiny-clip-test not installed; run `mediasearch models pull tiny-clip-test`');
      for (const other of jobs.filter((j) => j.IndexType !== 'mm')) assert.equal(other.Status, 'Success', JSON.stringify(other));
    } finally {
      await server.stop();
    }
    // After the model is installed, a restart re-queues the jobs that failed for want of it.
    fs.cpSync(path.join(modelDir, 'tiny-clip-test'), path.join(dir, 'empty-models', 'tiny-clip-test'), { recursive: true });
    const restarted = await startServer(env('tiny-clip-test', path.join(dir, 'data-b'), path.join(dir, 'empty-models')));
    try {
      const jobs = await waitForJobs(restarted.url, 'img', undefined, 120_000);
      assert.equal(jobs.find((j) => j.IndexType === 'mm')?.Status, 'Success', JSON.stringify(jobs));
    } finally {
      await restarted.stop();
    }
  });
});
