import { foldSuffix } from '../text/fold-suffix.js';
import { cjkBigrams, ENGLISH_STOPWORDS, MAX_QUERY_TERMS, splitPieces } from '../text/tokenize.js';

/**
 * The content terms of a query and how much of them a text covers — the text channel's
 * calibrated relevance (src/search/hybrid/relevance.ts).
 *
 * Terms are what the FTS query is made of (src/search/text/tokenize.ts): English words without
 * function words, and CJK bigrams (a lone CJK character is its own term). Words are compared
 * after a light suffix folding (dogs → dog, fighting → fight): FTS5's porter stemmer already
 * decided that the text matches; this only has to count which terms it matched, and the few
 * words the two treat differently change a coverage share, not whether a text is found.
 *
 * A CJK term is covered when the text contains it, or when the text holds one of its characters
 * as a word of its own: the label 狗 covers 只狗 and 狗在 of 两只狗在雪地上打架, as a person reading the
 * label would agree.
 */

export interface QueryTerms {
  readonly words: readonly string[];
  readonly cjk: readonly string[];
  readonly size: number;
}

export function queryTerms(query: string): QueryTerms {
  const pieces = splitPieces(query);
  const content = pieces.filter((p) => p.kind === 'cjk' || !ENGLISH_STOPWORDS.has(p.text));
  const kept = content.length > 0 ? content : pieces;
  const words = new Set<string>();
  const cjk = new Set<string>();
  for (const piece of kept) {
    if (words.size + cjk.size >= MAX_QUERY_TERMS) break;
    if (piece.kind === 'word') words.add(foldSuffix(piece.text));
    else for (const term of cjkBigrams(piece.chars)) cjk.add(term);
  }
  return { words: [...words], cjk: [...cjk], size: words.size + cjk.size };
}

/** The share of the query's terms found in any of `texts` (0 … 1). */
export function coverage(terms: QueryTerms, texts: readonly (string | null | undefined)[]): number {
  if (terms.size === 0) return 0;
  const words = new Set<string>();
  const runs: string[] = [];
  for (const text of texts) {
    if (!text) continue;
    for (const piece of splitPieces(text)) {
      if (piece.kind === 'word') words.add(foldSuffix(piece.text));
      else runs.push(piece.chars.join(''));
    }
  }
  const singles = new Set(runs.filter((run) => [...run].length === 1));
  let covered = 0;
  for (const word of terms.words) if (words.has(word)) covered++;
  for (const term of terms.cjk) {
    if (runs.some((run) => run.includes(term)) || [...term].some((char) => singles.has(char))) covered++;
  }
  return covered / terms.size;
}
