import type { TextSource } from '../../analysis/types.js';
import type { Db } from '../../store/database.js';
import { syncTextIndex } from './text-index.js';
import type { AssetFilter } from './text-search.js';
import { mentionedLabels } from './label-mentions.js';
import { toMatchExpression, type MatchMode } from './tokenize.js';

/**
 * Text matching as SQL conditions, for searches that page over assets in an order of their own
 * (creation time, for SearchMediaByAILabel) rather than by BM25 rank: every matching asset must be
 * counted for `Total` and any page reachable, which a top-k list (text-search.ts) cannot give.
 * Both sides use the same FTS5 tables and query transform as text-search.ts.
 */

/** A boolean SQL expression and its parameters (the SQL is built from constants only). */
export interface SqlCondition {
  readonly sql: string;
  readonly params: readonly unknown[];
}

/** A user query ready to be matched: its FTS5 expression (see tokenize.ts). */
export interface TextMatch {
  readonly expression: string;
  /**
   * COCO labels the query names (fuzzy mode only): their label rows match too, because a
   * one-character Chinese label (狗) cannot be found by the bigrams of a longer query (两只狗).
   */
  readonly labels: readonly string[];
}

/** Which texts a match looks at. */
export interface TextMatchTargets {
  /** Segment texts of these sources. */
  readonly sources: readonly TextSource[];
  /** Also the asset's own text: title, description and tags. */
  readonly assetText: boolean;
}

/**
 * The query as a match, after bringing the index up to date; null when it holds nothing
 * searchable (only punctuation or symbols), which matches nothing.
 */
export function prepareTextMatch(db: Db, query: string, mode: MatchMode): TextMatch | null {
  const expression = toMatchExpression(query, mode);
  if (expression === null) return null;
  syncTextIndex(db);
  return { expression, labels: mode === 'fuzzy' ? mentionedLabels(query) : [] };
}

/**
 * `a.id IN (…)`: the asset (alias `a`) has a segment text of the given sources, or an asset text,
 * that matches. Null when the targets are empty (nothing can match).
 */
export function assetsMatchingText(match: TextMatch, targets: TextMatchTargets): AssetFilter | null {
  const parts: string[] = [];
  const params: unknown[] = [];
  if (targets.sources.length > 0) {
    parts.push(
      `SELECT st.asset_id FROM segment_text_fts JOIN segment_texts st ON st.id = segment_text_fts.rowid
       WHERE segment_text_fts MATCH ? AND st.source IN (SELECT value FROM json_each(?))`,
    );
    params.push(match.expression, JSON.stringify(targets.sources));
    if (match.labels.length > 0 && targets.sources.includes('label')) {
      parts.push(`SELECT asset_id FROM segment_texts WHERE source = 'label' AND label IN (SELECT value FROM json_each(?))`);
      params.push(JSON.stringify(match.labels));
    }
  }
  if (targets.assetText) {
    parts.push('SELECT rowid FROM asset_text_fts WHERE asset_text_fts MATCH ?');
    params.push(match.expression);
  }
  if (parts.length === 0) return null;
  return { sql: `a.id IN (${parts.join(' UNION ')})`, params };
}

/** `<column> IN (…)`: the segment text whose id is in `idColumn` matches. */
export function segmentTextsMatching(match: TextMatch, idColumn: string): SqlCondition {
  const fts = `${idColumn} IN (SELECT rowid FROM segment_text_fts WHERE segment_text_fts MATCH ?)`;
  if (match.labels.length === 0) return { sql: fts, params: [match.expression] };
  return {
    sql: `(${fts} OR ${idColumn} IN (SELECT id FROM segment_texts WHERE source = 'label' AND label IN (SELECT value FROM json_each(?))))`,
    params: [match.expression, JSON.stringify(match.labels)],
  };
}
