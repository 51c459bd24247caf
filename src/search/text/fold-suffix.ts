/**
 * Plural and verb endings folded so "dogs"/"dog", "buses"/"bus", "running"/"runs"/"run" and
 * "fighting"/"fights" compare equal where a suffix rule can tell (irregular forms stay apart).
 */
export function foldSuffix(word: string): string {
  if (word.length <= 3 || !/^[a-z]+$/.test(word)) return word;
  if (word.endsWith('ies') && word.length > 4) return `${word.slice(0, -3)}y`;
  if (/(?:s|x|z|ch|sh)es$/.test(word)) return word.slice(0, -2);
  if (word.endsWith('s') && !word.endsWith('ss') && !word.endsWith('us') && !word.endsWith('is')) return word.slice(0, -1);
  for (const suffix of ['ing', 'ed']) {
    if (word.endsWith(suffix) && word.length - suffix.length >= 3) {
      const stem = word.slice(0, -suffix.length);
      // running → runn → run; but fall → fall (double l, s, z stay).
      return /([^aeiouslz])\1$/.test(stem) ? stem.slice(0, -1) : stem;
    }
  }
  return word;
}
