import { noisyOr } from './relevance.js';
import type { SegmentHit } from './segment-hit.js';

export interface Clip {
  readonly from: number;
  readonly to: number;
  readonly score: number;
}

export interface AssetMatch {
  readonly assetId: number;
  /** The asset's relevance: its best clip, combined (noisy-OR) with a match of its own text. */
  readonly score: number;
  /** Best first. */
  readonly clips: Clip[];
  /** Best channel rank of its matching segments: the tie-break between equal scores. */
  readonly rank: number;
}

export interface ClipOptions {
  /** Segments and assets below this relevance are not matches. */
  readonly minScore: number;
  /**
   * Matching segments closer than this (seconds) join into one clip: shots cut a scene into
   * pieces, and the user wants "0:12–0:31", not four touching ranges.
   */
  readonly joinGap: number;
  /** Duration by asset id, for an asset that matched by its own text only (its clip is all of it). */
  readonly duration: (assetId: number) => number;
}

/**
 * Groups fused segment hits by asset, merges adjacent matching segments into clips (a merged
 * clip scores as its best segment), and ranks assets by score. Assets whose own text (title, description, tags) matched count too.
 */
export function rankAssets(segments: readonly SegmentHit[], assetText: ReadonlyMap<number, number>, options: ClipOptions): AssetMatch[] {
  const byAsset = new Map<number, SegmentHit[]>();
  for (const hit of segments) {
    if (hit.relevance < options.minScore) continue;
    const list = byAsset.get(hit.assetId) ?? [];
    list.push(hit);
    byAsset.set(hit.assetId, list);
  }
  const assets: AssetMatch[] = [];
  for (const assetId of new Set([...byAsset.keys(), ...assetText.keys()])) {
    const clips = mergeClips(byAsset.get(assetId) ?? [], options.joinGap);
    const textScore = assetText.get(assetId) ?? 0;
    const best = clips[0]?.score ?? 0;
    const score = noisyOr([best, textScore]);
    if (score < options.minScore) continue;
    if (clips.length === 0) clips.push({ from: 0, to: options.duration(assetId), score: textScore });
    const rank = Math.min(...(byAsset.get(assetId) ?? []).map((hit) => hit.rank));
    assets.push({ assetId, score, clips, rank });
  }
  // Ties: the better channel rank (BM25 or cosine order), then insertion order, so paging is stable.
  return assets.sort((a, b) => b.score - a.score || a.rank - b.rank || a.assetId - b.assetId);
}

function mergeClips(hits: readonly SegmentHit[], joinGap: number): Clip[] {
  const sorted = [...hits].sort((a, b) => a.from - b.from || a.to - b.to);
  const clips: { from: number; to: number; score: number }[] = [];
  for (const hit of sorted) {
    const last = clips[clips.length - 1];
    if (last && hit.from <= last.to + joinGap) {
      last.to = Math.max(last.to, hit.to);
      last.score = Math.max(last.score, hit.relevance);
    } else {
      clips.push({ from: hit.from, to: hit.to, score: hit.relevance });
    }
  }
  return clips.sort((a, b) => b.score - a.score || a.from - b.from);
}
