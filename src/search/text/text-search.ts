import type { TextSource } from '../../analysis/types.js';
import type { Db } from '../../store/database.js';
import { syncTextIndex } from './text-index.js';
import { toMatchExpression, type MatchMode } from './tokenize.js';

/**
 * BM25 search over the FTS5 tables of migration 004. Filters are conditions of the same SQL
 * statement as the MATCH, so the LIMIT applies to matching rows that pass them: a filter that
 * keeps 1% of the library still gets its true top results, not what is left of a global top-k.
 *
 * Scores are FTS5's bm25() negated, so higher is better. They are unbounded and depend on the
 * collection (IDF) and on the number of query terms: compare them within one query, and fuse
 * channels by rank rather than by raw score.
 */

/**
 * A boolean SQL expression over the alias `a` (a row of assets), e.g. `a.library = ? AND
 * a.namespace = ?`. The SQL is spliced into the statement: build it from constants only and pass
 * every value through `params`.
 */
export interface AssetFilter {
  sql: string;
  params: readonly unknown[];
}

export interface TextSearchOptions {
  mode: MatchMode;
  /** 1 … MAX_TEXT_SEARCH_LIMIT results. */
  limit: number;
  assetFilter?: AssetFilter;
  /** Only these assets; an empty list finds nothing. */
  assetIds?: readonly number[];
}

export interface SegmentTextSearchOptions extends TextSearchOptions {
  /** Only texts of these sources (all when absent); an empty list finds nothing. */
  sources?: readonly TextSource[];
}

export interface SegmentTextHit {
  segmentTextId: number;
  assetId: number;
  segmentId: number | null;
  source: TextSource;
  /** The label id for source 'label', else null. */
  label: string | null;
  text: string;
  textZh: string | null;
  confidence: number | null;
  /** Seconds into the media. */
  start: number;
  end: number;
  /** -bm25: higher is better. */
  score: number;
}

export interface AssetTextHit {
  assetId: number;
  /** -bm25 over title, description and tags (weighted by ASSET_COLUMN_WEIGHTS): higher is better. */
  score: number;
}

export const MAX_TEXT_SEARCH_LIMIT = 10_000;

/**
 * bm25() weights of asset_text_fts's columns (title, description, tags): a word in a short title
 * or a tag says more about the asset than the same word somewhere in a description.
 */
export const ASSET_COLUMN_WEIGHTS = { title: 3, description: 1, tags: 2 } as const;

export function searchSegmentTexts(db: Db, query: string, options: SegmentTextSearchOptions): SegmentTextHit[] {
  const match = prepareSearch(db, query, options);
  if (match === null || options.sources?.length === 0) return [];
  const where = ['segment_text_fts MATCH ?'];
  const params: unknown[] = [match];
  if (options.sources) {
    where.push(`st.source IN (${options.sources.map(() => '?').join(', ')})`);
    params.push(...options.sources);
  }
  const filter = assetConditions('st.asset_id', options);
  const rows = db
    .prepare(
      `SELECT st.id AS segmentTextId, st.asset_id AS assetId, st.segment_id AS segmentId, st.source, st.label,
              st.text, st.text_zh AS textZh, st.confidence, st.start_s AS start, st.end_s AS "end",
              -bm25(segment_text_fts) AS score
       FROM segment_text_fts
       JOIN segment_texts st ON st.id = segment_text_fts.rowid
       ${filter.join}
       WHERE ${[...where, ...filter.where].join(' AND ')}
       ORDER BY score DESC, st.id
       LIMIT ?`,
    )
    .all(...params, ...filter.params, options.limit);
  return rows as SegmentTextHit[];
}

export function searchAssetTexts(db: Db, query: string, options: TextSearchOptions): AssetTextHit[] {
  const match = prepareSearch(db, query, options);
  if (match === null) return [];
  const { title, description, tags } = ASSET_COLUMN_WEIGHTS;
  const filter = assetConditions('asset_text_fts.rowid', options);
  const rows = db
    .prepare(
      `SELECT asset_text_fts.rowid AS assetId, -bm25(asset_text_fts, ${title}, ${description}, ${tags}) AS score
       FROM asset_text_fts
       ${filter.join}
       WHERE ${['asset_text_fts MATCH ?', ...filter.where].join(' AND ')}
       ORDER BY score DESC, asset_text_fts.rowid
       LIMIT ?`,
    )
    .all(match, ...filter.params, options.limit);
  return rows as AssetTextHit[];
}

/** Validates options, brings the index up to date and returns the MATCH expression (null: no results). */
function prepareSearch(db: Db, query: string, options: TextSearchOptions): string | null {
  if (!Number.isInteger(options.limit) || options.limit < 1 || options.limit > MAX_TEXT_SEARCH_LIMIT) {
    throw new RangeError(`limit must be an integer from 1 to ${MAX_TEXT_SEARCH_LIMIT}, got ${options.limit}`);
  }
  if (options.mode !== 'fuzzy' && options.mode !== 'precise') {
    throw new RangeError(`mode must be 'fuzzy' or 'precise', got ${String(options.mode)}`);
  }
  const match = toMatchExpression(query, options.mode);
  if (match === null || options.assetIds?.length === 0) return null;
  syncTextIndex(db);
  return match;
}

/** JOIN and WHERE parts that restrict `assetIdColumn` to the options' assets. */
function assetConditions(
  assetIdColumn: string,
  options: TextSearchOptions,
): { join: string; where: string[]; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  if (options.assetIds) {
    // One JSON parameter instead of one `?` each: SQLite caps the number of parameters.
    where.push(`${assetIdColumn} IN (SELECT value FROM json_each(?))`);
    params.push(JSON.stringify(options.assetIds));
  }
  if (options.assetFilter) {
    where.push(`(${options.assetFilter.sql})`);
    params.push(...options.assetFilter.params);
  }
  return { join: options.assetFilter ? `JOIN assets a ON a.id = ${assetIdColumn}` : '', where, params };
}
