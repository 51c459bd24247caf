/**
 * Calibrated relevance: every channel turns its raw score into a value in [0, 1] that means the
 * same thing for every query, so channels can be fused by probability rules and a fixed floor
 * can decide what counts as a match (`Total`). Raw scores cannot do this: a cosine of 0.27 is a
 * strong match for one CLIP model and a weak one for another, and BM25 grows with the size of
 * the query and the collection.
 *
 * Model channel — zero-shot odds against a generic caption. CLIP-family models are trained with
 * a softmax over captions at a learned temperature (logit scale ≈ 100). The probability that a
 * picture matches the query rather than a caption that says nothing ("a photo") is
 * σ(scale · (cos(query, picture) − cos(generic, picture))). It needs no statistics of the library
 * (so it works for a library of five photos as for a million) and is 0.5 exactly when the query
 * describes the picture no better than "a photo" does.
 *
 * Text channel — query coverage: the share of the query's terms a text contains
 * (src/search/hybrid/query-terms.ts). A label "dog" covers one of the four terms of "two dogs
 * fighting in the snow": 0.25.
 *
 * Fusion — noisy-OR: 1 − Π(1 − pᵢ). Evidence from independent channels adds up (a picture whose
 * model score and labels both agree ranks above either alone), one strong channel is enough, and
 * the result stays in [0, 1] with the same meaning.
 */

/** The CLIP-family temperature when a model's registry entry does not state its own. */
export const DEFAULT_LOGIT_SCALE = 100;

/** σ(scale · (queryCosine − genericCosine)). */
export function modelRelevance(queryCosine: number, genericCosine: number, logitScale = DEFAULT_LOGIT_SCALE): number {
  return sigmoid(logitScale * (queryCosine - genericCosine));
}

export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** 1 − Π(1 − p): the probability that at least one piece of evidence is right. */
export function noisyOr(probabilities: Iterable<number>): number {
  let miss = 1;
  for (const p of probabilities) miss *= 1 - Math.min(1, Math.max(0, p));
  return 1 - miss;
}

/**
 * The default relevance floor: a segment or asset below it is not a match. 0.2 keeps a label that
 * names one of four or five terms of a query ("dog" in "a dog runs through the grass", 狗 in
 * 一只狗在草地上奔跑: 0.25) when no model is installed — without it such natural sentences found
 * nothing — and drops pictures the model finds clearly worse described by the query than by
 * "a photo" (σ < 0.2 means a cosine 0.014 below the generic caption's). See docs/search.md.
 */
export const DEFAULT_SEARCH_MIN_SCORE = 0.2;
