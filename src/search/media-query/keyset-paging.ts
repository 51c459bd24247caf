import { createHash } from 'node:crypto';
import { invalidParameter } from '../../api/errors.js';
import type { AssetFilter } from '../text/text-search.js';

/**
 * SortBy and ScrollToken of SearchMedia. A scroll is keyset paging: the token carries the sort
 * values and the asset id of the last row served, and the next page is the rows after that
 * position in (sort keys…, id) order. Unlike an offset it costs the same at any depth and never
 * repeats or skips an asset while others are inserted or deleted (only an asset whose own sort
 * value changes, e.g. utcModified on update, can move across the position).
 */

const SORT_FIELDS = {
  utcCreate: { sql: 'a.utc_create', type: 'number' },
  utcModified: { sql: 'a.utc_modified', type: 'number' },
  // Titles are optional; an absent one sorts as the empty text so the key is never NULL.
  title: { sql: "coalesce(a.title, '')", type: 'string' },
} as const;

export type SortField = keyof typeof SORT_FIELDS;

export interface SortKey {
  readonly field: SortField;
  readonly direction: 'Asc' | 'Desc';
}

/** ICE's default for SearchMedia. */
export const DEFAULT_SORT: readonly SortKey[] = [{ field: 'utcCreate', direction: 'Desc' }];
/** Sort keys one SortBy may list. */
export const MAX_SORT_KEYS = 3;

/** Lower-cased spelling → field; CreationTime/ModificationTime are SearchMediaByAILabel's names. */
const SORT_SPELLINGS: ReadonlyMap<string, SortField> = new Map([
  ['utccreate', 'utcCreate'],
  ['creationtime', 'utcCreate'],
  ['utcmodified', 'utcModified'],
  ['modificationtime', 'utcModified'],
  ['title', 'title'],
]);

const SORT_HINT = 'write field:Asc or field:Desc with the fields utcCreate, utcModified and title, comma-separated, e.g. "utcCreate:Desc".';

/** `SortBy`: "utcCreate:Desc" or "title:Asc,utcCreate:Desc" (at most three keys, each field once). */
export function parseSortBy(text: string | undefined): SortKey[] {
  if (text === undefined || text.trim() === '') return [...DEFAULT_SORT];
  const items = text.split(',').map((item) => item.trim());
  if (items.length > MAX_SORT_KEYS) {
    throw invalidParameter('SortBy', `it lists ${items.length} sort keys; at most ${MAX_SORT_KEYS} are allowed.`);
  }
  const keys: SortKey[] = [];
  for (const item of items) {
    const match = /^([A-Za-z]+)\s*:\s*([A-Za-z]+)$/.exec(item);
    if (!match) throw invalidParameter('SortBy', `"${item}" is not a sort key; ${SORT_HINT}`);
    const field = SORT_SPELLINGS.get(match[1]!.toLowerCase());
    if (!field) throw invalidParameter('SortBy', `"${match[1]}" cannot be sorted on; ${SORT_HINT}`);
    const direction = match[2]!.toLowerCase() === 'asc' ? 'Asc' : match[2]!.toLowerCase() === 'desc' ? 'Desc' : undefined;
    if (!direction) throw invalidParameter('SortBy', `"${match[2]}" is not a direction; use Asc or Desc.`);
    if (keys.some((key) => key.field === field)) throw invalidParameter('SortBy', `${field} is listed twice.`);
    keys.push({ field, direction });
  }
  return keys;
}

export function formatSortBy(keys: readonly SortKey[]): string {
  return keys.map((key) => `${key.field}:${key.direction}`).join(',');
}

/** Ties are broken by the asset id, in the first key's direction, so the order is total. */
function idDirection(keys: readonly SortKey[]): 'Asc' | 'Desc' {
  return keys[0]?.direction ?? 'Desc';
}

export function orderBySql(keys: readonly SortKey[]): string {
  return [...keys.map((key) => `${SORT_FIELDS[key.field].sql} ${key.direction.toUpperCase()}`), `a.id ${idDirection(keys).toUpperCase()}`].join(', ');
}

/** The select-list expressions of the sort values, aliased k0, k1, … */
export function sortValuesSql(keys: readonly SortKey[]): string {
  return keys.map((key, i) => `${SORT_FIELDS[key.field].sql} AS k${i}`).join(', ');
}

/** Where one page ended: the sort values and id of its last row. */
export interface ScrollPosition {
  readonly values: readonly (number | string)[];
  readonly id: number;
}

/** The rows strictly after `position` in the sort order: (k1 op v1) OR (k1 = v1 AND k2 op v2) … OR (… AND id op last). */
export function afterPositionSql(keys: readonly SortKey[], position: ScrollPosition): AssetFilter {
  const columns = [...keys.map((key) => SORT_FIELDS[key.field].sql), 'a.id'];
  const directions = [...keys.map((key) => key.direction), idDirection(keys)];
  const values = [...position.values, position.id];
  const alternatives: string[] = [];
  const params: unknown[] = [];
  for (let i = 0; i < columns.length; i++) {
    const parts: string[] = [];
    for (let j = 0; j < i; j++) {
      parts.push(`${columns[j]} = ?`);
      params.push(values[j]);
    }
    parts.push(`${columns[i]} ${directions[i] === 'Asc' ? '>' : '<'} ?`);
    params.push(values[i]);
    alternatives.push(parts.length === 1 ? parts[0]! : `(${parts.join(' AND ')})`);
  }
  return { sql: `(${alternatives.join(' OR ')})`, params };
}

/**
 * A fingerprint of everything that decides which assets match, so a token is refused with a clear
 * message when it comes back with other conditions (its position would mean nothing there).
 */
export function conditionsFingerprint(conditions: unknown): string {
  return createHash('sha256').update(JSON.stringify(conditions)).digest('base64url').slice(0, 22);
}

interface TokenBody {
  v: 1;
  /** SortBy it was issued for, canonical. */
  s: string;
  /** The conditions' fingerprint. */
  c: string;
  /** Sort values of the last row served. */
  k: (number | string)[];
  /** Asset id of the last row served. */
  i: number;
}

/** Opaque to clients: base64url of a small JSON document. Nothing in it is secret. */
export function encodeScrollToken(keys: readonly SortKey[], fingerprint: string, position: ScrollPosition): string {
  const body: TokenBody = { v: 1, s: formatSortBy(keys), c: fingerprint, k: [...position.values], i: position.id };
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

const RESTART = 'leave ScrollToken out to start again from the first page.';

/** The position a token continues from, or InvalidParameter saying why it cannot be used here. */
export function decodeScrollToken(token: string, keys: readonly SortKey[], fingerprint: string): ScrollPosition {
  let body: Partial<TokenBody> | undefined;
  try {
    if (/^[A-Za-z0-9_-]+$/.test(token)) body = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<TokenBody>;
  } catch {
    body = undefined;
  }
  if (
    !body ||
    typeof body !== 'object' ||
    body.v !== 1 ||
    typeof body.s !== 'string' ||
    typeof body.c !== 'string' ||
    !Array.isArray(body.k) ||
    !Number.isSafeInteger(body.i)
  ) {
    throw invalidParameter('ScrollToken', `it is not a ScrollToken this server issued; ${RESTART}`);
  }
  const sortBy = formatSortBy(keys);
  if (body.s !== sortBy) {
    throw invalidParameter('ScrollToken', `it was issued for SortBy "${body.s}", not "${sortBy}"; keep SortBy while scrolling, or ${RESTART}`);
  }
  if (body.c !== fingerprint) {
    throw invalidParameter(
      'ScrollToken',
      `it was issued for other search conditions (Match, CustomFilters, EntityId or SearchLibName); send the same conditions while scrolling, or ${RESTART}`,
    );
  }
  const values = body.k;
  if (values.length !== keys.length || values.some((value, i) => typeof value !== SORT_FIELDS[keys[i]!.field].type)) {
    throw invalidParameter('ScrollToken', `it is not a ScrollToken this server issued; ${RESTART}`);
  }
  return { values, id: body.i! };
}
