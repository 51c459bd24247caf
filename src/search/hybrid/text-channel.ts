import type { TextSource } from '../../analysis/types.js';
import type { Db } from '../../store/database.js';
import { searchAssetTexts, searchSegmentTexts, type AssetFilter } from '../text/text-search.js';
import { labelWords, mentionedLabels } from '../text/label-mentions.js';
import { coverage, queryTerms } from './query-terms.js';
import { segmentKey, type SegmentHit } from './segment-hit.js';

export interface TextChannelOptions {
  readonly filter: AssetFilter;
  /** Segment-text sources searched (labels, OCR, transcript). */
  readonly sources: readonly TextSource[];
  /** Also search asset titles, descriptions and tags. */
  readonly assetText: boolean;
  /** Most text rows (and assets) recalled; the best by BM25 are kept. */
  readonly depth: number;
}

export interface TextChannelResult {
  readonly segments: SegmentHit[];
  /** Relevance of an asset's own text (title, description, tags), by asset id. */
  readonly assets: Map<number, number>;
}

interface TextRow {
  id: number;
  source: TextSource;
  label: string | null;
  assetId: number;
  segmentId: number | null;
  text: string;
  textZh: string | null;
  start: number;
  end: number;
}

/**
 * The text channel: BM25 recall over segment texts and asset texts (src/search/text), plus the
 * rows of COCO labels the query names (a one-character Chinese label such as 狗 cannot be found
 * by the bigram query), then each segment's relevance = the query coverage of all its matched
 * texts together, so a "dog" label and a "snow" OCR line in one segment jointly cover more of
 * "dog in the snow" than either alone.
 */
export function searchTextChannel(db: Db, query: string, options: TextChannelOptions): TextChannelResult {
  const terms = queryTerms(query);
  const bySegment = new Map<string, { rows: TextRow[] }>();
  const add = (row: TextRow) => {
    const key = segmentKey(row.segmentId, row.id);
    const entry = bySegment.get(key) ?? { rows: [] };
    if (!entry.rows.some((r) => r.id === row.id)) entry.rows.push(row);
    bySegment.set(key, entry);
  };

  if (options.sources.length > 0) {
    for (const hit of searchSegmentTexts(db, query, { mode: 'fuzzy', limit: options.depth, assetFilter: options.filter, sources: options.sources })) {
      add({ ...hit, id: hit.segmentTextId });
    }
    const labels = options.sources.includes('label') ? mentionedLabels(query) : [];
    if (labels.length > 0) {
      const rows = db
        .prepare(
          `SELECT st.id, st.source, st.label, st.asset_id AS assetId, st.segment_id AS segmentId, st.text, st.text_zh AS textZh,
                  st.start_s AS start, st.end_s AS "end"
           FROM segment_texts st JOIN assets a ON a.id = st.asset_id
           WHERE st.source = 'label' AND st.label IN (SELECT value FROM json_each(?)) AND (${options.filter.sql})
           ORDER BY st.confidence DESC, st.id
           LIMIT ?`,
        )
        .all(JSON.stringify(labels), ...options.filter.params, options.depth) as TextRow[];
      for (const row of rows) add(row);
    }
  }

  const segments: SegmentHit[] = [];
  let rank = 0;
  for (const [key, { rows }] of bySegment) {
    // A label covers the words people use for it too: "person" covers "woman" of "a woman waits".
    const relevance = coverage(terms, rows.flatMap((r) => [r.text, r.textZh, ...(r.source === 'label' ? labelWords(r.label) : [])]));
    if (relevance <= 0) continue;
    const first = rows[0]!;
    segments.push({
      key,
      assetId: first.assetId,
      from: Math.min(...rows.map((r) => r.start)),
      to: Math.max(...rows.map((r) => r.end)),
      relevance,
      rank: rank++,
    });
  }

  const assets = new Map<number, number>();
  if (options.assetText) {
    const hits = searchAssetTexts(db, query, { mode: 'fuzzy', limit: options.depth, assetFilter: options.filter });
    if (hits.length > 0) {
      const rows = db
        .prepare(`SELECT id, title, description, tags FROM assets WHERE id IN (SELECT value FROM json_each(?))`)
        .all(JSON.stringify(hits.map((h) => h.assetId))) as { id: number; title: string | null; description: string | null; tags: string | null }[];
      for (const row of rows) {
        const tags = row.tags ? (JSON.parse(row.tags) as string[]).join(' ') : null;
        const relevance = coverage(terms, [row.title, row.description, tags]);
        if (relevance > 0) assets.set(row.id, relevance);
      }
    }
  }
  return { segments, assets };
}
