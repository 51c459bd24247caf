import { COCO_LABELS } from '../../analysis/labels/coco-labels.js';
import { foldSuffix } from './fold-suffix.js';
import { splitPieces } from './tokenize.js';

/**
 * COCO label ids the query names in either language: a Chinese name anywhere in the query (狗 in
 * 两只狗在雪地上打架), an English name as whole words (dogs → dog, "traffic lights" → traffic
 * light). The FTS query cannot find a one-character Chinese label inside a run of bigrams, so fuzzy
 * searches add these labels' rows to what they match.
 */
export function mentionedLabels(query: string): string[] {
  const pieces = splitPieces(query);
  const words = pieces.filter((p) => p.kind === 'word').map((p) => foldSuffix(p.text));
  const cjkText = pieces.filter((p) => p.kind === 'cjk').map((p) => p.chars.join('')).join(' ');
  const wordText = ` ${words.join(' ')} `;
  const found: string[] = [];
  for (const label of COCO_LABELS) {
    const enWords = label.en.split(' ').map(foldSuffix).join(' ');
    if (wordText.includes(` ${enWords} `) || (cjkText !== '' && cjkText.includes(label.zh))) found.push(label.en);
  }
  return found;
}
