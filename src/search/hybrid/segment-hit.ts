/**
 * One piece of media time that a channel found relevant: a segment (or, for a transcript line that
 * belongs to no segment, the line's own time range), with the channel's calibrated relevance.
 */
export interface SegmentHit {
  /** Identity for fusion across channels: `s<segment id>`, or `t<text id>` for a text with no segment. */
  readonly key: string;
  readonly assetId: number;
  /** Seconds into the media (0 for images). */
  readonly from: number;
  readonly to: number;
  /** Calibrated relevance in [0, 1] (src/search/hybrid/relevance.ts). */
  readonly relevance: number;
  /**
   * Position in the channel's own ranking (BM25, cosine), 0 = best: breaks ties between equal
   * relevances, which coverage produces often (every photo labelled "dog" covers "a dog" fully).
   */
  readonly rank: number;
}

export const segmentKey = (segmentId: number | null, textId: number): string =>
  segmentId === null ? `t${textId}` : `s${segmentId}`;
