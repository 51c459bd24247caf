import type { MediaType } from '../types.js';
import type { AssetFilter } from './text/text-search.js';

/** The three backing fields of ICE `customFields` / `CustomFilters`, with their column and type. */
export const CUSTOM_FIELDS = {
  intField1: { column: 'int_field1', type: 'integer' },
  strField1: { column: 'str_field1', type: 'string' },
  strField2: { column: 'str_field2', type: 'string' },
} as const;

export type CustomField = keyof typeof CUSTOM_FIELDS;
export type CustomFieldValue = number | string;

/** One field's condition; ICE allows exactly one match mode per field, and ANDs the fields. */
export type CustomFieldCondition =
  | { readonly field: CustomField; readonly mode: 'exact'; readonly value: CustomFieldValue }
  | { readonly field: CustomField; readonly mode: 'anyOf'; readonly values: readonly CustomFieldValue[] }
  | { readonly field: CustomField; readonly mode: 'range'; readonly gte?: CustomFieldValue; readonly lte?: CustomFieldValue };

/** Inclusive bounds in Unix milliseconds. */
export interface TimeRange {
  readonly gte?: number;
  readonly lte?: number;
}

/**
 * Which assets a search may return: the library and every filter of the request. Each search
 * channel applies it inside its recall (as SQL conditions or as a vector-index allow-list), never
 * to what a global top-k left over.
 */
export interface SearchScope {
  readonly library: string;
  /** Absent: every namespace of the library (as QueryMediaIndexJob sees them). */
  readonly namespace?: string;
  /** Absent or empty: every media type. */
  readonly mediaTypes?: readonly MediaType[];
  readonly customFields: readonly CustomFieldCondition[];
  readonly utcCreate?: TimeRange;
  /** Only these assets (e.g. a MediaId asking for one asset's clips). */
  readonly assetIds?: readonly number[];
}

/**
 * The scope as SQL conditions over the alias `a` (a row of `assets`), ready for the text channel
 * and for the query that lists the vector index's allowed keyframes.
 */
export function scopeToAssetFilter(scope: SearchScope): AssetFilter {
  const where = ['a.library = ?'];
  const params: unknown[] = [scope.library];
  if (scope.namespace !== undefined) {
    where.push('a.namespace = ?');
    params.push(scope.namespace);
  }
  if (scope.mediaTypes && scope.mediaTypes.length > 0) {
    where.push(`a.media_type IN (${scope.mediaTypes.map(() => '?').join(', ')})`);
    params.push(...scope.mediaTypes);
  }
  if (scope.utcCreate?.gte !== undefined) {
    where.push('a.utc_create >= ?');
    params.push(scope.utcCreate.gte);
  }
  if (scope.utcCreate?.lte !== undefined) {
    where.push('a.utc_create <= ?');
    params.push(scope.utcCreate.lte);
  }
  for (const condition of scope.customFields) {
    const column = `a.${CUSTOM_FIELDS[condition.field].column}`;
    switch (condition.mode) {
      case 'exact':
        where.push(`${column} = ?`);
        params.push(condition.value);
        break;
      case 'anyOf':
        // One JSON parameter instead of one `?` per value: SQLite caps the number of parameters.
        where.push(`${column} IN (SELECT value FROM json_each(?))`);
        params.push(JSON.stringify(condition.values));
        break;
      case 'range':
        if (condition.gte !== undefined) {
          where.push(`${column} >= ?`);
          params.push(condition.gte);
        }
        if (condition.lte !== undefined) {
          where.push(`${column} <= ?`);
          params.push(condition.lte);
        }
        break;
    }
  }
  if (scope.assetIds) {
    where.push('a.id IN (SELECT value FROM json_each(?))');
    params.push(JSON.stringify(scope.assetIds));
  }
  return { sql: where.join(' AND '), params };
}
