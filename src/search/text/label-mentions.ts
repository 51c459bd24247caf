import { COCO_LABELS } from '../../analysis/labels/coco-labels.js';
import { foldSuffix } from './fold-suffix.js';
import { LABEL_SYNONYMS } from './label-synonyms.js';
import { splitPieces } from './tokenize.js';

/**
 * COCO label ids the query names in either language, by name or everyday word (woman → person,
 * puppy → dog; label-synonyms.ts): a Chinese name anywhere in the query (狗 in
 * 两只狗在雪地上打架), an English name as whole words (dogs → dog, "traffic lights" → traffic
 * light). The FTS query cannot find a one-character Chinese label inside a run of bigrams, so fuzzy
 * searches add these labels' rows to what they match.
 */
export function mentionedLabels(query: string): string[] {
  const pieces = splitPieces(query);
  const words = pieces.filter((p) => p.kind === 'word').map((p) => foldSuffix(p.text));
  const cjkText = pieces.filter((p) => p.kind === 'cjk').map((p) => p.chars.join('')).join(' ');
  const wordText = ` ${words.join(' ')} `;
  const names = (phrase: string) => wordText.includes(` ${phrase.split(' ').map(foldSuffix).join(' ')} `);
  const found: string[] = [];
  for (const label of COCO_LABELS) {
    const synonyms = LABEL_SYNONYMS[label.en];
    const english = [label.en, ...(synonyms?.en ?? [])];
    const chinese = [label.zh, ...(synonyms?.zh ?? [])];
    if (english.some(names) || (cjkText !== '' && chinese.some((name) => cjkText.includes(name)))) found.push(label.en);
  }
  return found;
}

/** A label's names and everyday words in both languages, for counting the query terms it covers. */
export function labelWords(label: string | null): string[] {
  if (label === null) return [];
  const synonyms = LABEL_SYNONYMS[label];
  return synonyms ? [...synonyms.en, ...synonyms.zh] : [];
}
