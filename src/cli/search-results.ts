/**
 * Renders search answers as tables. The three natural-language actions answer in two shapes
 * (Hybrid/Multimodal: clips with scores; AILabel: assets with the AI data that matched), so both
 * are first reduced to one row shape: an asset, its best score, and where in it the match is.
 */
import { formatRanges, formatScore, formatTable, truncate } from './format.js';
import type { MediaSummary } from './media-lookup.js';

export interface ResultRow {
  mediaId: string;
  score?: number;
  ranges: { from: number; to: number }[];
  /** A person's name (face search). */
  person?: string;
}

interface Clip {
  From?: number;
  To?: number;
  Score?: number;
}

interface HybridItem {
  MediaId: string;
  ClipInfo?: Clip[];
}

interface AiLabelItem {
  MediaId: string;
  AiData?: {
    AiLabelInfo?: { Occurrences?: Clip[] }[];
    OcrInfo?: Clip[];
    AsrInfo?: Clip[];
  };
}

function maxScore(clips: readonly Clip[]): number | undefined {
  const scores = clips.map((clip) => clip.Score).filter((score): score is number => typeof score === 'number');
  return scores.length === 0 ? undefined : Math.max(...scores);
}

/** Clips in the server's order (best first); the row's score is the best clip's. */
export function hybridRows(items: readonly HybridItem[]): ResultRow[] {
  return items.map((item) => {
    const clips = item.ClipInfo ?? [];
    const score = maxScore(clips);
    return {
      mediaId: item.MediaId,
      ...(score !== undefined ? { score } : {}),
      ranges: clips.map((clip) => ({ from: clip.From ?? 0, to: clip.To ?? 0 })),
    };
  });
}

/**
 * AILabel results carry no relevance (ICE orders them by time); a label's detector confidence is
 * the only score there is, so it is shown when a label matched. Places are in time order, once each.
 */
export function aiLabelRows(items: readonly AiLabelItem[]): ResultRow[] {
  return items.map((item) => {
    const labels = (item.AiData?.AiLabelInfo ?? []).flatMap((label) => label.Occurrences ?? []);
    const all = [...labels, ...(item.AiData?.OcrInfo ?? []), ...(item.AiData?.AsrInfo ?? [])];
    const seen = new Set<string>();
    const ranges = all
      .map((clip) => ({ from: clip.From ?? 0, to: clip.To ?? 0 }))
      .sort((a, b) => a.from - b.from || a.to - b.to)
      .filter((range) => {
        const key = `${range.from}:${range.to}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
    const score = maxScore(labels);
    return { mediaId: item.MediaId, ...(score !== undefined ? { score } : {}), ranges };
  });
}

const TITLE_WIDTH = 32;

/** Time ranges only mean something in videos (and audio); an image's clips are all 0-0. */
function where(row: ResultRow, summary: MediaSummary | undefined): string {
  if (summary !== undefined && summary.mediaType === 'image') return '';
  return formatRanges(row.ranges);
}

export function renderResultTable(rows: readonly ResultRow[], media: ReadonlyMap<string, MediaSummary>, options: { firstRank: number; person?: boolean }): string {
  const headers = ['#', 'MEDIA ID', 'TYPE', 'TITLE', ...(options.person ? ['PERSON'] : []), 'SCORE', 'WHERE'];
  // Rows of one asset (several persons in a face result) share its rank.
  let rank = options.firstRank - 1;
  const body = rows.map((row, index) => {
    if (index === 0 || rows[index - 1]!.mediaId !== row.mediaId) rank += 1;
    const summary = media.get(row.mediaId);
    return [
      String(rank),
      row.mediaId,
      summary?.mediaType ?? '?',
      truncate(summary?.title ?? '', TITLE_WIDTH),
      ...(options.person ? [row.person ?? ''] : []),
      formatScore(row.score),
      where(row, summary),
    ];
  });
  return `${formatTable(headers, body)}\n`;
}
