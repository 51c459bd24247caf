import type { ModelSpec } from './model-spec.js';

/**
 * The named models mediasearch knows how to pull and run. (Being filled in with exact files,
 * revisions and tensor names by the visual-language work.)
 */
export const MODEL_REGISTRY: readonly ModelSpec[] = [];

export const DEFAULT_MM_MODEL = 'mobileclip-s0';

export function findModelSpec(name: string): ModelSpec | undefined {
  return MODEL_REGISTRY.find((spec) => spec.name === name);
}
