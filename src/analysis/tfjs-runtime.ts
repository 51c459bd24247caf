import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

let ready: Promise<typeof tf> | undefined;

/**
 * The one TensorFlow.js instance of this thread, on the wasm backend (tfjs-node cannot install
 * here). face-api and the object detector share it, so the backend initialises once per worker.
 * setWasmPaths is left unset on purpose: the backend locates its own .wasm files in node_modules.
 */
export function tfjsRuntime(): Promise<typeof tf> {
  ready ??= (async () => {
    await tf.setBackend('wasm');
    await tf.ready();
    return tf;
  })();
  return ready;
}
