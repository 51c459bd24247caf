/** Text formatting shared by CLI commands. */

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB'];

/** Decimal units, as the Hugging Face hub shows file sizes. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(value < 10 ? 2 : 1)} ${UNITS[unit]}`;
}

/** Left-aligned columns separated by two spaces, with a header row. */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/**
 * A time inside a video as people read it on a player: `m:ss.s` (`1:03.5`), with hours once the
 * video is that long (`1:02:03.5`). Tenths are enough to find the place and keep columns narrow.
 */
export function formatSeconds(seconds: number): string {
  const tenths = Math.round(Math.max(0, seconds) * 10);
  const hours = Math.floor(tenths / 36_000);
  const minutes = Math.floor((tenths % 36_000) / 600);
  const rest = ((tenths % 600) / 10).toFixed(1).padStart(4, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${rest}` : `${minutes}:${rest}`;
}

/** `0:03.0-0:06.5`; a range of zero length is one instant. */
export function formatTimeRange(from: number, to: number): string {
  return Math.abs(to - from) < 0.05 ? formatSeconds(from) : `${formatSeconds(from)}-${formatSeconds(to)}`;
}

/** At most `shown` ranges, then how many more there are, so a row stays one screen line. */
export function formatRanges(ranges: readonly { from: number; to: number }[], shown = 3): string {
  const text = ranges.slice(0, shown).map((range) => formatTimeRange(range.from, range.to));
  if (ranges.length > shown) text.push(`+${ranges.length - shown} more`);
  return text.join(', ');
}

export function formatScore(score: number | undefined): string {
  return score === undefined || !Number.isFinite(score) ? '-' : score.toFixed(3);
}

/** Cuts a cell to `width` characters with an ellipsis, for free text such as titles and error messages. */
export function truncate(text: string, width: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= width ? flat : `${flat.slice(0, Math.max(0, width - 1))}…`;
}
