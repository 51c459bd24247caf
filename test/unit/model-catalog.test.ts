import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ModelCatalogError, createModelCatalog, loadModelCatalog, parseModelSpec } from '../../src/models/model-catalog.js';
import { DEFAULT_MM_MODEL, MODEL_REGISTRY } from '../../src/models/registry.js';
import { tempDir } from '../helpers/fixtures.js';
import { createTestModel } from '../helpers/test-model-hub.js';

describe('model catalog', () => {
  it('accepts every registry entry in the models-file format unchanged', () => {
    // Guards that a models file can say everything the registry says (a new spec field needs parsing here too).
    for (const spec of MODEL_REGISTRY) {
      assert.deepEqual(parseModelSpec(JSON.parse(JSON.stringify(spec)), spec.name), spec);
    }
  });

  it('keeps optional runtime settings and rejects malformed ones with the field named', () => {
    const { spec } = createTestModel();
    const withExtras = {
      ...spec,
      runtime: { ...spec.runtime, maxTextLength: 64, preprocess: { resize: { shortestEdge: 224 }, resample: 'bicubic', mean: null } },
    };
    assert.deepEqual(parseModelSpec(JSON.parse(JSON.stringify(withExtras)), 'x'), withExtras);

    const broken = (change: Record<string, unknown>): unknown => ({ ...spec, ...change });
    assert.throws(() => parseModelSpec(broken({ name: '../x' }), 'file 0'), /^ModelCatalogError: file 0: name may hold only/);
    assert.throws(() => parseModelSpec(broken({ files: [] }), 'f'), /files must be a non-empty array/);
    assert.throws(() => parseModelSpec(broken({ files: [{ path: '../up' }] }), 'f'), /files\[0\]\.path must be a relative path/);
    assert.throws(() => parseModelSpec(broken({ files: [{ path: 'a', sha256: 'abc' }] }), 'f'), /files\[0\]\.sha256 must be 64 hex/);
    assert.throws(
      () => parseModelSpec(broken({ runtime: { ...spec.runtime, preprocess: { resample: 'cubic' } } }), 'f'),
      /runtime\.preprocess\.resample must be one of/,
    );
    assert.throws(() => parseModelSpec(broken({ task: 'speech' }), 'f'), ModelCatalogError);
  });

  it('adds the models of MEDIASEARCH_MODELS_FILE to the registry and refuses duplicate names', async () => {
    const { spec } = createTestModel();
    const dir = tempDir('mediasearch-catalog-');
    try {
      const file = path.join(dir.dir, 'models.json');
      writeFileSync(file, JSON.stringify([spec]));
      const catalog = await loadModelCatalog({ MEDIASEARCH_MODELS_FILE: file });
      assert.equal(catalog.models.length, MODEL_REGISTRY.length + 1);
      assert.deepEqual(catalog.find(spec.name), spec);
      assert.equal(catalog.defaultModel, DEFAULT_MM_MODEL);
      assert.equal((await loadModelCatalog({})).find(spec.name), undefined);

      writeFileSync(file, '{"not": "an array"}');
      await assert.rejects(loadModelCatalog({ MEDIASEARCH_MODELS_FILE: file }), /must hold a JSON array of models/);
      assert.throws(() => createModelCatalog([spec, spec]), /Two models are named test-synthetic-model/);
    } finally {
      dir.cleanup();
    }
  });
});
