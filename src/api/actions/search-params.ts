import { invalidParameter } from '../errors.js';
import type { Params } from '../params.js';
import {
  CUSTOM_FIELDS,
  type CustomField,
  type CustomFieldCondition,
  type CustomFieldValue,
  type SearchScope,
  type TimeRange,
} from '../../search/search-scope.js';
import type { AssetFileUrls } from '../../search/ai-data/asset-file-urls.js';
import type { MediaType } from '../../types.js';
import type { RequestInfo } from './action.js';
import { namespace, searchLibName } from './common-params.js';

/** Values one multi-value CustomFilters condition may list. */
export const MAX_FILTER_VALUES = 100;
/** Longest string a custom string field is compared with (the stored fields are as short). */
const MAX_FILTER_STRING_BYTES = 1024;
/** The search text (ICE states no limit; this bounds query encoding and FTS work). */
export const MAX_SEARCH_TEXT_BYTES = 1024;

const FIELD_NAMES = Object.keys(CUSTOM_FIELDS).join(', ');

/**
 * `CustomFilters`: `{"intField1":12}` (exact), `{"strField1":["a","b"]}` (any of) or
 * `{"intField1":{"gte":1,"lte":9}}` (range), one mode per field, fields ANDed. Every mistake is
 * an InvalidParameter that names the field and shows the accepted forms.
 */
export function customFilters(params: Params): CustomFieldCondition[] {
  const raw = params.jsonObject('CustomFilters', { maxLength: 16 * 1024 });
  if (!raw) return [];
  // JSON.parse keeps the last of two equal keys without a word; two conditions on one field are
  // two match modes, which ICE forbids, so say so instead of silently dropping one.
  const text = params.raw('CustomFilters')!;
  for (const field of Object.keys(raw)) {
    const occurrences = text.match(new RegExp(`"${field.replace(/[^A-Za-z0-9]/g, '')}"\\s*:`, 'g'))?.length ?? 0;
    if (field in CUSTOM_FIELDS && occurrences > 1) {
      throw filterError(`${field} is given ${occurrences} times; a field takes one match mode (exact, multi-value or range), e.g. ${example(field as CustomField, 'range')}.`);
    }
  }
  return Object.entries(raw).map(([field, value]) => customFieldCondition(field, value));
}

function customFieldCondition(field: string, value: unknown): CustomFieldCondition {
  if (!(field in CUSTOM_FIELDS)) {
    throw filterError(`unknown field "${field}"; the fields are ${FIELD_NAMES}.`);
  }
  const name = field as CustomField;
  if (Array.isArray(value)) {
    if (value.length === 0) throw filterError(`${name} lists no values; give at least one, e.g. ${example(name, 'anyOf')}.`);
    if (value.length > MAX_FILTER_VALUES) {
      throw filterError(`${name} lists ${value.length} values; at most ${MAX_FILTER_VALUES} are allowed.`);
    }
    return { field: name, mode: 'anyOf', values: [...new Set(value.map((item) => fieldValue(name, item)))] };
  }
  if (value !== null && typeof value === 'object') {
    const bounds = value as Record<string, unknown>;
    const keys = Object.keys(bounds);
    const unknown = keys.filter((key) => key !== 'gte' && key !== 'lte');
    if (unknown.length > 0 || keys.length === 0) {
      throw filterError(
        `a range on ${name} takes "gte" and/or "lte"${unknown.length > 0 ? `, not "${unknown.join('", "')}"` : ''}; ` +
          `exact match, multi-value and range are the three modes and a field takes one, e.g. ${example(name, 'range')}.`,
      );
    }
    const gte = bounds.gte === undefined ? undefined : fieldValue(name, bounds.gte, 'gte');
    const lte = bounds.lte === undefined ? undefined : fieldValue(name, bounds.lte, 'lte');
    if (gte !== undefined && lte !== undefined && gte > lte) {
      throw filterError(`the range on ${name} is empty: gte (${JSON.stringify(gte)}) is greater than lte (${JSON.stringify(lte)}).`);
    }
    return { field: name, mode: 'range', ...(gte !== undefined ? { gte } : {}), ...(lte !== undefined ? { lte } : {}) };
  }
  return { field: name, mode: 'exact', value: fieldValue(name, value) };
}

function fieldValue(field: CustomField, value: unknown, bound?: 'gte' | 'lte'): CustomFieldValue {
  const where = bound ? `${field}.${bound}` : field;
  if (CUSTOM_FIELDS[field].type === 'integer') {
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
      throw filterError(`${where} is an integer field, got ${JSON.stringify(value)}; e.g. ${example(field, bound ? 'range' : 'exact')}.`);
    }
    return value;
  }
  if (typeof value !== 'string') {
    throw filterError(`${where} is a string field, got ${JSON.stringify(value)}; e.g. ${example(field, bound ? 'range' : 'exact')}.`);
  }
  if (Buffer.byteLength(value, 'utf8') > MAX_FILTER_STRING_BYTES) {
    throw filterError(`a value of ${where} is longer than ${MAX_FILTER_STRING_BYTES} bytes.`);
  }
  return value;
}

function example(field: CustomField, mode: CustomFieldCondition['mode']): string {
  const [a, b] = CUSTOM_FIELDS[field].type === 'integer' ? ['12', '13'] : ['"abc"', '"cd"'];
  if (mode === 'exact') return `{"${field}":${a}}`;
  if (mode === 'anyOf') return `{"${field}":[${a},${b}]}`;
  return `{"${field}":{"gte":${a},"lte":${b}}}`;
}

const filterError = (problem: string) => invalidParameter('CustomFilters', problem);

/** `UtcCreate`: `{"gte":<ms>,"lte":<ms>}`, inclusive, either bound optional. */
export function utcCreate(params: Params): TimeRange | undefined {
  const raw = params.jsonObject('UtcCreate', { maxLength: 1024 });
  if (!raw) return undefined;
  const range: { gte?: number; lte?: number } = {};
  for (const [key, value] of Object.entries(raw)) {
    if (key !== 'gte' && key !== 'lte') {
      throw invalidParameter('UtcCreate', `unknown field "${key}"; use {"gte":<ms>,"lte":<ms>} (Unix milliseconds, either optional).`);
    }
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      throw invalidParameter('UtcCreate', `${key} must be a Unix time in milliseconds (a whole number ≥ 0), got ${JSON.stringify(value)}.`);
    }
    range[key] = value;
  }
  if (range.gte !== undefined && range.lte !== undefined && range.gte > range.lte) {
    throw invalidParameter('UtcCreate', `the range is empty: gte (${range.gte}) is after lte (${range.lte}).`);
  }
  return range;
}

/**
 * The filters every search action shares. `mediaTypes` are the values the action accepts; the
 * default (absent: any type) is what a request without `MediaType` searches.
 */
export function searchScope(
  params: Params,
  options: { mediaTypes: readonly MediaType[]; defaultMediaType?: MediaType },
): SearchScope {
  const mediaType = params.oneOf('MediaType', options.mediaTypes, options.defaultMediaType);
  const ns = namespace(params);
  const time = utcCreate(params);
  return {
    library: searchLibName(params),
    ...(ns !== undefined ? { namespace: ns } : {}),
    ...(mediaType ? { mediaTypes: [mediaType] } : {}),
    customFields: customFilters(params),
    ...(time ? { utcCreate: time } : {}),
  };
}

/** The natural-language query (`Text`). */
export function searchText(params: Params, options: { required: boolean }): string | undefined {
  const text = params.string('Text', { maxLength: MAX_SEARCH_TEXT_BYTES, ...(options.required ? { required: true } : {}) });
  return text?.trim() === '' ? undefined : text?.trim();
}

/**
 * `WithFileUrls=true` (mediasearch extension): the response also carries signed URLs of each
 * asset's files, so a page can show results without a call per asset. Off by default, so
 * responses stay exactly ICE's shape for SDK clients.
 */
export function withFileUrls(params: Params, request: RequestInfo): AssetFileUrls | undefined {
  if (!params.boolean('WithFileUrls', false)) return undefined;
  if (!request.fileUrls) throw new Error('WithFileUrls needs the file URL signer, which this server was built without');
  return request.fileUrls;
}
