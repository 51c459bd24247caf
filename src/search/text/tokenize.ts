/**
 * How text becomes FTS5 tokens, for both sides of the index: the stored text (`toIndexText`) and
 * the user's query (`toMatchExpression`). SQLite's tokenizer (`porter unicode61`, migration 004)
 * then only splits on the spaces put in here, case-folds, strips diacritics and stems English.
 *
 * Why bigrams: `unicode61` treats a whole run of Chinese characters as one token, so a query finds
 * a text only when the run is identical (measured: 0/20 Chinese queries on 1M texts), and the
 * `trigram` tokenizer cannot match 2-character words. Chinese has no spaces and a dictionary
 * segmenter is a large dependency whose mistakes differ between a short query and a long text, so
 * runs of CJK characters are written as overlapping character bigrams (两只狗 → 两只 只狗), as
 * Lucene's CJKBigramFilter does; a query run becomes its bigrams (OR) or their phrase (precise).
 * On Flickr8k-CN captions (another person's caption as the query) this finds the image at R@10
 * 0.66–0.72, plain unicode61 at 0.006–0.09 and the trigram tokenizer at 0.52–0.58.
 *
 * Decisions (numbers in docs/benchmarks/text-search.md):
 * - NFKC folds full-width Latin letters and digits to ASCII (ＡＢＣ１２ → abc12) and half-width
 *   katakana to full-width; then lower case.
 * - Traditional and simplified Chinese are NOT converted into each other: 貓 does not find 猫.
 *   Doing so needs a conversion table (OpenCC); until then a library should be searched in the
 *   script its texts are written in.
 * - CJK means Han, Hiragana, Katakana and Hangul letters/digits (Lucene's set). A run of one
 *   character stays a unigram. A longer run also emits its last character as a unigram, so a
 *   one-character query can be the prefix query `"狗"*`: every character of a run is either the
 *   first character of a bigram or the run's last character, hence every occurrence is found
 *   (the prefix matches 狗X bigrams and the 狗 unigram). One extra token per run, where a full
 *   unigram column would double the Chinese postings.
 * - Other letters, digits and combining marks form words; everything else (punctuation, symbols,
 *   spaces, emoji) separates tokens and is dropped. Scripts without spaces other than CJK (Thai,
 *   Lao, Khmer, …) stay one token per run: they match only whole runs.
 * - A small list of English function words is dropped from queries (not from the index) unless
 *   nothing else is left: in "fuzzy" mode they would otherwise make almost every English text a
 *   candidate (slow, and a meaningless Total), in "precise" mode they would demand "the".
 *   Measured on English captions: 367 instead of 1282 of 1533 texts match a query, R@10 0.859
 *   instead of 0.861.
 * - English words are stemmed by FTS5's porter tokenizer (migration 004), on both sides, so "dogs
 *   fighting" finds "dog fights"; it leaves non-ASCII tokens (all CJK) unchanged. "precise" means
 *   every stemmed term matches, not character-exact. English R@5 0.745 → 0.788 with it.
 */

export type MatchMode = 'fuzzy' | 'precise';

/** A piece of normalised text: a word of a spaced script, or a run of CJK characters. */
export type TextPiece = { kind: 'word'; text: string } | { kind: 'cjk'; chars: string[] };

/** A query never expands into more than this many FTS5 terms (bounds the work of one search). */
export const MAX_QUERY_TERMS = 64;

const CJK_SCRIPT = /[\p{scx=Han}\p{scx=Hiragana}\p{scx=Katakana}\p{scx=Hangul}]/u;
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;
const MARK = /\p{M}/u;

/** English function words dropped from queries; the index keeps them (see the module comment). */
export const ENGLISH_STOPWORDS: ReadonlySet<string> = new Set(
  ('a an and are as at be but by for from has have in into is it its of on or that the their there ' +
    'they this to was were with').split(' '),
);

/** NFKC (full-width → half-width and other compatibility forms), then lower case. */
export function normalizeText(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}

/** Splits normalised text into words and CJK runs, dropping punctuation, symbols and spaces. */
export function splitPieces(text: string): TextPiece[] {
  const pieces: TextPiece[] = [];
  let word = '';
  let run: string[] = [];
  const flushWord = () => {
    if (word !== '') pieces.push({ kind: 'word', text: word });
    word = '';
  };
  const flushRun = () => {
    if (run.length > 0) pieces.push({ kind: 'cjk', chars: run });
    run = [];
  };
  for (const char of normalizeText(text)) {
    if (LETTER_OR_DIGIT.test(char)) {
      if (CJK_SCRIPT.test(char)) {
        flushWord();
        run.push(char);
      } else {
        flushRun();
        word += char;
      }
    } else if (MARK.test(char) && word !== '') {
      word += char; // e.g. Devanagari vowel signs belong to their word
    } else {
      flushWord();
      flushRun();
    }
  }
  flushWord();
  flushRun();
  return pieces;
}

/** Overlapping pairs of a CJK run; a single character is its own (only) token. */
export function cjkBigrams(chars: readonly string[]): string[] {
  if (chars.length < 2) return [...chars];
  const bigrams: string[] = [];
  for (let i = 0; i + 1 < chars.length; i++) bigrams.push(chars[i]! + chars[i + 1]!);
  return bigrams;
}

/** The text stored in the FTS5 table: space-separated words, CJK bigrams and run-final unigrams. */
export function toIndexText(text: string | null | undefined): string {
  if (!text) return '';
  const tokens: string[] = [];
  for (const piece of splitPieces(text)) {
    if (piece.kind === 'word') {
      tokens.push(piece.text);
    } else {
      tokens.push(...cjkBigrams(piece.chars));
      if (piece.chars.length > 1) tokens.push(piece.chars[piece.chars.length - 1]!);
    }
  }
  return tokens.join(' ');
}

/** An FTS5 string: any character is literal inside double quotes, a quote is doubled. */
export function quoteFts(text: string): string {
  return `"${text.replaceAll('"', '""')}"`;
}

/**
 * The FTS5 MATCH expression for a user query, or null when it holds nothing searchable (then the
 * search has no results; an empty expression would be an FTS5 syntax error).
 * - precise: every word and every CJK run must occur, a run as the phrase of its bigrams
 *   ("两只 只狗"), joined with AND.
 * - fuzzy: any of them may occur (OR) and BM25 ranks texts by how many and how rare: each word and
 *   each bigram on its own, so 狗在雪地里打闹 still matches 狗在雪地上打架 through 狗在, 雪地, …. Adding the
 *   run's whole phrase as one more OR term (a rare, high-IDF bonus for exact runs) changed R@k by
 *   at most 0.001 on the captions benchmark, so it is left out.
 * Every term is a quoted FTS5 string, so no user input can be read as FTS5 syntax (AND, NEAR,
 * column filters, `*`, `^`, parentheses).
 */
export function toMatchExpression(query: string, mode: MatchMode): string | null {
  const terms = new Set<string>();
  for (const term of queryTerms(query, mode)) {
    if (terms.size >= MAX_QUERY_TERMS) break;
    terms.add(term);
  }
  if (terms.size === 0) return null;
  return [...terms].join(mode === 'precise' ? ' AND ' : ' OR ');
}

function queryTerms(query: string, mode: MatchMode): string[] {
  const pieces = withoutStopwords(splitPieces(query));
  const terms: string[] = [];
  for (const piece of pieces) {
    if (piece.kind === 'word') {
      terms.push(quoteFts(piece.text));
    } else if (piece.chars.length === 1) {
      terms.push(`${quoteFts(piece.chars[0]!)}*`);
    } else {
      const bigrams = cjkBigrams(piece.chars);
      if (mode === 'precise') terms.push(quoteFts(bigrams.join(' ')));
      else terms.push(...bigrams.map(quoteFts));
    }
  }
  return terms;
}

/** Drops English function words unless the query consists of nothing else. */
function withoutStopwords(pieces: TextPiece[]): TextPiece[] {
  const kept = pieces.filter((p) => p.kind === 'cjk' || !ENGLISH_STOPWORDS.has(p.text));
  return kept.length > 0 ? kept : pieces;
}
