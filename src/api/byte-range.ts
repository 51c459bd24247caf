/** A byte range of a file, both ends included (as in Content-Range). */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/**
 * What to answer to a `Range` header (RFC 9110 §14) for a file of `size` bytes:
 * - `full`: send the whole file with 200 (no Range, a Range this server does not take — another
 *   unit, several ranges, bad syntax — which the RFC lets a server ignore);
 * - `partial`: 206 with that one range;
 * - `unsatisfiable`: 416 with `Content-Range: bytes *\/size` (the range starts past the end).
 * Browsers seeking in a video send one `bytes=start-` range at a time, so multipart answers are
 * not worth their complexity.
 */
export function parseRange(header: string | undefined, size: number): { kind: 'full' } | { kind: 'partial'; range: ByteRange } | { kind: 'unsatisfiable' } {
  if (header === undefined) return { kind: 'full' };
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return { kind: 'full' };
  const [, first, last] = match as unknown as [string, string, string];
  if (first === '') {
    // A suffix range: the last N bytes.
    const length = Number(last);
    if (length === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', range: { start: Math.max(0, size - length), end: size - 1 } };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Number(last);
  if (last !== '' && end < start) return { kind: 'full' };
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'partial', range: { start, end: Math.min(end, size - 1) } };
}
