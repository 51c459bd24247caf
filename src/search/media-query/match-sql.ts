import type { Db } from '../../store/database.js';
import { normalizeText } from '../text/tokenize.js';
import type { AssetFilter } from '../text/text-search.js';
import type { MatchCondition, MatchExpr, MatchField } from './match-grammar.js';

/**
 * The SQL function behind fuzzy matches: NFKC then lower case, the text index's normalisation, so
 * `title = 'NEWS'` finds "news", "Ｎｅｗｓ" and "Évènement" finds "évènement". SQLite's own lower()
 * folds ASCII only; CJK has no case, so Chinese titles match by plain substring.
 */
export const NORMALIZE_FUNCTION = 'mediasearch_normalize';

/** Registers the functions the compiled SQL calls; idempotent, once per connection is enough. */
export function registerMatchFunctions(db: Db): void {
  db.function(NORMALIZE_FUNCTION, { deterministic: true }, (value: unknown) =>
    typeof value === 'string' ? normalizeText(value) : null,
  );
}

/** Columns over the alias `a` (a row of `assets`). Tags are a JSON array of strings. */
const COLUMNS: Record<MatchField, string> = {
  title: 'a.title',
  description: 'a.description',
  tagList: 'a.tags',
  mediaId: 'a.media_id',
  mediaType: 'a.media_type',
  namespace: 'a.namespace',
  utcCreate: 'a.utc_create',
  utcModified: 'a.utc_modified',
  intField1: 'a.int_field1',
  strField1: 'a.str_field1',
  strField2: 'a.str_field2',
};

/**
 * Match as one parameterised SQL condition over the alias `a`; values only ever travel as
 * parameters. Lists are one JSON parameter read with json_each, so a long `in (…)` cannot run
 * into SQLite's limit on the number of parameters.
 */
export function matchToSql(expr: MatchExpr): AssetFilter {
  const params: unknown[] = [];
  const sql = compile(expr, params);
  return { sql, params };
}

function compile(expr: MatchExpr, params: unknown[]): string {
  if ('operands' in expr) {
    const joiner = expr.kind === 'and' ? ' AND ' : ' OR ';
    return `(${expr.operands.map((operand) => compile(operand, params)).join(joiner)})`;
  }
  return condition(expr, params);
}

function condition(expr: MatchCondition, params: unknown[]): string {
  const column = COLUMNS[expr.field];
  if (expr.field === 'tagList') {
    // A tag condition holds when any of the asset's tags is equal to (one of) the value(s).
    if (expr.kind === 'equals') {
      params.push(expr.value);
      return `EXISTS (SELECT 1 FROM json_each(${column}) AS tag WHERE tag.value = ?)`;
    }
    if (expr.kind === 'anyOf') {
      params.push(JSON.stringify(expr.values));
      return `EXISTS (SELECT 1 FROM json_each(${column}) AS tag WHERE tag.value IN (SELECT value FROM json_each(?)))`;
    }
  }
  switch (expr.kind) {
    case 'contains':
      params.push(normalizeText(expr.value));
      return `instr(${NORMALIZE_FUNCTION}(${column}), ?) > 0`;
    case 'equals':
      params.push(expr.value);
      return `${column} = ?`;
    case 'anyOf':
      params.push(JSON.stringify(expr.values));
      return `${column} IN (SELECT value FROM json_each(?))`;
    case 'range': {
      const parts: string[] = [];
      if (expr.lower) {
        parts.push(`${column} ${expr.lower.inclusive ? '>=' : '>'} ?`);
        params.push(expr.lower.value);
      }
      if (expr.upper) {
        parts.push(`${column} ${expr.upper.inclusive ? '<=' : '<'} ?`);
        params.push(expr.upper.value);
      }
      return parts.length === 1 ? parts[0]! : `(${parts.join(' AND ')})`;
    }
  }
}
