import fs from 'node:fs';

/**
 * The hand-written part of an earlier report that a script rewrites: everything from the first
 * line matching `from` on, with a blank line before it; '' when the file or the heading is absent.
 */
export function handWrittenSections(file: string, from: RegExp): string {
  if (!fs.existsSync(file)) return '';
  const previous = fs.readFileSync(file, 'utf8');
  const at = previous.search(from);
  return at < 0 ? '' : `\n${previous.slice(at)}`;
}
