import { noisyOr } from './relevance.js';
import type { SegmentHit } from './segment-hit.js';

export type FusionMethod = 'noisy-or' | 'rrf';

/** Reciprocal-rank fusion's constant (Cormack et al. 2009). */
export const RRF_K = 60;

/**
 * Segment-level fusion of the channels' hits: one hit per segment key.
 *
 * - `noisy-or` (what the API uses): relevance = 1 − Π(1 − pᵢ) over the channels that found the
 *   segment. The inputs are calibrated, so the result is too: it can be thresholded and compared
 *   across queries.
 * - `rrf` (reciprocal-rank fusion, Σ 1/(k + rankᵢ)): the usual uncalibrated baseline; kept so
 *   `npm run eval` can compare the rankings of both on the same recall. Its values only order
 *   the hits of one query.
 */
export function fuseSegments(channels: readonly (readonly SegmentHit[])[], method: FusionMethod = 'noisy-or'): SegmentHit[] {
  const merged = new Map<string, { hit: SegmentHit; parts: number[] }>();
  for (const hits of channels) {
    const ranked = method === 'rrf' ? [...hits].sort((a, b) => b.relevance - a.relevance) : hits;
    ranked.forEach((hit, rank) => {
      const part = method === 'rrf' ? 1 / (RRF_K + rank + 1) : hit.relevance;
      const entry = merged.get(hit.key);
      if (!entry) {
        merged.set(hit.key, { hit, parts: [part] });
        return;
      }
      entry.parts.push(part);
      // Channels may see a segment's time differently (a transcript line inside it): keep the union.
      entry.hit = {
        ...entry.hit,
        from: Math.min(entry.hit.from, hit.from),
        to: Math.max(entry.hit.to, hit.to),
        rank: Math.min(entry.hit.rank, hit.rank),
      };
    });
  }
  return [...merged.values()].map(({ hit, parts }) => ({
    ...hit,
    relevance: method === 'rrf' ? parts.reduce((a, b) => a + b, 0) : noisyOr(parts),
  }));
}
