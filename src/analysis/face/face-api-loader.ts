import { createRequire } from 'node:module';
import path from 'node:path';
import { tfjsRuntime } from '../tfjs-runtime.js';

export type FaceApi = typeof import('@vladmandic/face-api/dist/face-api.node-wasm.js');

/** Per weights folder: face-api's `nets` are module singletons, so one folder per thread in practice. */
const loaded = new Map<string, Promise<FaceApi>>();

/** The weights that ship inside the npm package (SSD MobileNet v1, 68-point landmarks, ResNet-34 recogniser). */
export function bundledFaceModelDir(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
}

/**
 * Loads face-api and its three networks once per thread. The node-wasm build is the one that
 * `require`s plain `@tensorflow/tfjs` + `@tensorflow/tfjs-backend-wasm`, which Node resolves to
 * the same CommonJS files our ESM `import` gets (neither package has an `exports` map), so face-api
 * runs on the thread's single tfjs instance; the other builds bundle a private tfjs copy or need
 * tfjs-node. The identity is checked because face-api tells tensors from images with
 * `instanceof tf.Tensor`, and a second instance would also keep a second, uninitialised backend.
 * Callers may use `faceapi.tf` (typed by face-api) knowing it is that same instance.
 */
export function loadFaceApi(folder = bundledFaceModelDir()): Promise<FaceApi> {
  const modelDir = path.resolve(folder);
  const existing = loaded.get(modelDir);
  if (existing) return existing;
  if (loaded.size > 0) {
    // The networks are shared by the whole thread; reloading them from elsewhere would change
    // what every other analyser on this thread computes.
    return Promise.reject(new Error('face-api weights are already loaded from another folder on this thread'));
  }
  const loading = (async () => {
    const tf = await tfjsRuntime();
    const faceapi = (await import('@vladmandic/face-api/dist/face-api.node-wasm.js')) as FaceApi;
    if ((faceapi.tf.Tensor as unknown) !== tf.Tensor) {
      throw new Error('face-api loaded a second TensorFlow.js instance; it must share the one from tfjsRuntime()');
    }
    await Promise.all([
      faceapi.nets.ssdMobilenetv1.loadFromDisk(modelDir),
      faceapi.nets.faceLandmark68Net.loadFromDisk(modelDir),
      faceapi.nets.faceRecognitionNet.loadFromDisk(modelDir),
    ]);
    return faceapi;
  })();
  loaded.set(modelDir, loading);
  // A failed load (missing weights) must not poison the thread forever.
  loading.catch(() => loaded.delete(modelDir));
  return loading;
}
