import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { writeInstalledManifest } from '../../src/models/install-records.js';
import { writeTinyClipModel } from './tiny-clip-model.js';

/**
 * Installs the generated tiny CLIP-layout test model as `models pull` would leave it (files plus
 * manifest) and returns the environment that makes a server use it, so tests that expect every
 * index job to succeed do not depend on downloading a real model.
 */
export async function installedTinyModelEnv(dir: string): Promise<Record<string, string>> {
  const modelDir = path.join(dir, 'models');
  const spec = writeTinyClipModel(modelDir, { name: 'tiny-clip-test' });
  const files = spec.files.map((file) => {
    const bytes = fs.readFileSync(path.join(modelDir, spec.name, file.path));
    return { path: file.path, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
  });
  await writeInstalledManifest(modelDir, spec, files);
  const modelsFile = path.join(dir, 'tiny-models.json');
  fs.writeFileSync(modelsFile, JSON.stringify([spec]));
  return { MEDIASEARCH_MODEL_DIR: modelDir, MEDIASEARCH_MODELS_FILE: modelsFile, MEDIASEARCH_MM_MODEL: spec.name };
}
