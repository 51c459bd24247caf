/**
 * The `Match` condition language of ICE SearchMedia, parsed by hand into a checked AST.
 *
 * The cloud documents it in "Media asset search filter syntax" (IMS, media-asset-search-filter-description)
 * and, for the older VOD flavour it descends from, in "Protocol for media asset search" (VOD):
 *   title = 'China' and mediaId == 'id' and utcCreate = ('1693367158561','1693367158562')
 * with `==` an exact match, `=` a fuzzy match ("contains the string") on text fields, `in (…)` a
 * multi-value match, `field = [a, b]` / `(a, b)` a closed / open interval, and `and`, `or` and
 * parentheses relating conditions. What this module accepts (a superset; docs/api.md lists it):
 *
 *   match     := or
 *   or        := and ("or" and)*                        -- "and" binds tighter than "or"
 *   and       := primary ("and" primary)*
 *   primary   := "(" or ")" | condition
 *   condition := FIELD ("=" | "==") value
 *              | FIELD ("=" | "==") ("[" | "(") bound? "," bound? ("]" | ")")
 *              | FIELD "in" ("(" | "[") value ("," value)* (")" | "]")
 *   value     := 'text' | "text" | NUMBER              -- \' \" \\ escape inside quotes
 *
 * Keywords and field names are case-insensitive (ICE's own examples write both `Title` and
 * `title`). Values are checked against the field here, so the SQL compiler only maps fields to
 * columns; every mistake is a MatchError that says where, what was expected and how to fix it.
 */

import { MEDIA_TYPES } from '../../types.js';

/** Longest Match accepted, in UTF-8 bytes (the action enforces it; ICE states no limit). */
export const MAX_MATCH_BYTES = 4096;
/** Deepest parenthesis nesting: keeps the recursive parser and the generated SQL shallow. */
export const MAX_MATCH_DEPTH = 32;
/** Values one `in (…)` list may hold (the same bound as CustomFilters). */
export const MAX_LIST_VALUES = 100;
/** Longest text a fuzzy match looks for: a title is at most 256 characters (MsgBody rule). */
export const MAX_CONTAINS_CHARS = 256;
/** Longest exact value (custom string fields hold at most 1024 characters). */
export const MAX_VALUE_CHARS = 1024;

export type MatchValue = string | number;

type ValueType = 'text' | 'keyword' | 'mediaType' | 'integer' | 'time';
type Test = 'contains' | 'equals' | 'anyOf' | 'range';

interface FieldSpec {
  readonly name: string;
  readonly type: ValueType;
  readonly tests: readonly Test[];
}

/** The searchable fields, by canonical name. The SQL side maps each to a column of `assets`. */
export const MATCH_FIELDS = {
  title: { name: 'title', type: 'text', tests: ['contains', 'equals'] },
  description: { name: 'description', type: 'text', tests: ['contains', 'equals'] },
  tagList: { name: 'tagList', type: 'keyword', tests: ['equals', 'anyOf'] },
  mediaId: { name: 'mediaId', type: 'keyword', tests: ['equals', 'anyOf'] },
  mediaType: { name: 'mediaType', type: 'mediaType', tests: ['equals', 'anyOf'] },
  namespace: { name: 'namespace', type: 'keyword', tests: ['equals', 'anyOf'] },
  utcCreate: { name: 'utcCreate', type: 'time', tests: ['range'] },
  utcModified: { name: 'utcModified', type: 'time', tests: ['range'] },
  intField1: { name: 'intField1', type: 'integer', tests: ['equals', 'anyOf', 'range'] },
  strField1: { name: 'strField1', type: 'keyword', tests: ['equals', 'anyOf', 'range'] },
  strField2: { name: 'strField2', type: 'keyword', tests: ['equals', 'anyOf', 'range'] },
} as const satisfies Record<string, FieldSpec>;

export type MatchField = keyof typeof MATCH_FIELDS;

/** Lower-cased spelling → field; custom fields also answer to the MsgBody path `customFields.x`. */
const FIELD_BY_SPELLING: ReadonlyMap<string, MatchField> = new Map<string, MatchField>([
  ...(Object.keys(MATCH_FIELDS) as MatchField[]).map((field) => [field.toLowerCase(), field] as [string, MatchField]),
  ['tags', 'tagList'],
  ['customfields.intfield1', 'intField1'],
  ['customfields.strfield1', 'strField1'],
  ['customfields.strfield2', 'strField2'],
]);

const FIELD_LIST = `${Object.keys(MATCH_FIELDS).join(', ')} (custom fields also as customFields.intField1 …)`;

export interface RangeBound {
  readonly value: MatchValue;
  readonly inclusive: boolean;
}

export type MatchCondition =
  /** Case-insensitive substring of a text field (ICE's fuzzy match). */
  | { readonly kind: 'contains'; readonly field: MatchField; readonly value: string }
  | { readonly kind: 'equals'; readonly field: MatchField; readonly value: MatchValue }
  | { readonly kind: 'anyOf'; readonly field: MatchField; readonly values: readonly MatchValue[] }
  /** At least one bound; times are Unix milliseconds by now. */
  | { readonly kind: 'range'; readonly field: MatchField; readonly lower?: RangeBound; readonly upper?: RangeBound };

/** `and` / `or` nodes are flattened: no operand of an `and` is itself an `and`. */
export type MatchExpr = MatchCondition | { readonly kind: 'and' | 'or'; readonly operands: readonly MatchExpr[] };

/** A mistake in Match, with the 0-based offset it was found at. The message is complete. */
export class MatchError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
    this.name = 'MatchError';
  }
}

// ---------------------------------------------------------------------------------------------
// Tokens

type TokenKind = 'word' | 'string' | 'number' | '=' | '==' | '(' | ')' | '[' | ']' | ',' | 'end';

interface Token {
  readonly kind: TokenKind;
  /** The word as written, the unescaped string, or the number's text. */
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

const WORD_START = /[A-Za-z_]/;
const WORD_PART = /[A-Za-z0-9_.]/;
const DIGIT = /[0-9]/;
/** What may not follow a number directly: an unquoted date or id would otherwise split oddly. */
const NUMBER_TAIL = /[A-Za-z0-9_.:+-]/;
const PUNCTUATION = new Set(['(', ')', '[', ']', ',']);
const FULL_WIDTH_HINT: Record<string, string> = {
  '＝': '=', '（': '(', '）': ')', '［': '[', '］': ']', '，': ',', '‘': "'", '’': "'", '“': '"', '”': '"', '、': ',',
};

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const char = text[i]!;
    if (/\s/.test(char)) {
      i++;
      continue;
    }
    const start = i;
    if (char === '=') {
      const double = text[i + 1] === '=';
      i += double ? 2 : 1;
      tokens.push({ kind: double ? '==' : '=', text: double ? '==' : '=', start, end: i });
    } else if (PUNCTUATION.has(char)) {
      i++;
      tokens.push({ kind: char as TokenKind, text: char, start, end: i });
    } else if (char === "'" || char === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) {
          throw new MatchError(
            `the text starting at character ${start + 1} is not closed: end it with ${char} (write \\${char} for a ${char} inside it).`,
            start,
          );
        }
        const next = text[i]!;
        if (next === char) break;
        if (next === '\\' && (text[i + 1] === char || text[i + 1] === '\\' || text[i + 1] === "'" || text[i + 1] === '"')) {
          value += text[i + 1];
          i += 2;
          continue;
        }
        value += next;
        i++;
      }
      i++;
      tokens.push({ kind: 'string', text: value, start, end: i });
    } else if (DIGIT.test(char) || (char === '-' && DIGIT.test(text[i + 1] ?? ''))) {
      const match = /^-?\d+(\.\d+)?/.exec(text.slice(i))!;
      i += match[0].length;
      if (i < text.length && NUMBER_TAIL.test(text[i]!)) {
        const rest = /^[^\s,()[\]]*/.exec(text.slice(start))![0];
        throw failAt(text, start, `"${rest}" is not a number`, start + rest.length, `quote it: '${rest}'`);
      }
      tokens.push({ kind: 'number', text: match[0], start, end: i });
    } else if (WORD_START.test(char)) {
      while (i < text.length && WORD_PART.test(text[i]!)) i++;
      tokens.push({ kind: 'word', text: text.slice(start, i), start, end: i });
    } else {
      const codePoint = String.fromCodePoint(text.codePointAt(i)!);
      const halfWidth = FULL_WIDTH_HINT[codePoint];
      throw failAt(
        text,
        start,
        `unexpected character "${codePoint}"`,
        start + codePoint.length,
        halfWidth ? `write the half-width "${halfWidth}" instead` : undefined,
      );
    }
  }
  tokens.push({ kind: 'end', text: '', start: text.length, end: text.length });
  return tokens;
}

/**
 * "<problem> at character 9 ("Title = ")[; <hint>]." The position is 1-based; the context is the
 * text up to and including the trouble spot, so the caller sees where the parser stopped.
 */
function failAt(text: string, position: number, problem: string, contextEnd = position, hint?: string): MatchError {
  const from = Math.max(0, contextEnd - 40);
  const context = (from > 0 ? '…' : '') + text.slice(from, contextEnd);
  return new MatchError(`${problem} at character ${position + 1} (${JSON.stringify(context)})${hint ? `; ${hint}` : ''}.`, position);
}

// ---------------------------------------------------------------------------------------------
// Parser

/** Parses Match into a checked AST; undefined when the text is blank (no condition). */
export function parseMatch(text: string): MatchExpr | undefined {
  if (text.trim() === '') return undefined;
  return new Parser(text, tokenize(text)).parse();
}

class Parser {
  private index = 0;
  private depth = 0;

  constructor(
    private readonly text: string,
    private readonly tokens: readonly Token[],
  ) {}

  parse(): MatchExpr {
    const expr = this.parseOr();
    const next = this.peek();
    if (next.kind !== 'end') {
      throw this.fail(next, next.kind === ')' ? 'this ")" closes no "("' : 'expected "and", "or" or the end of Match', true);
    }
    return expr;
  }

  private parseOr(): MatchExpr {
    const operands = [this.parseAnd()];
    while (this.isKeyword(this.peek(), 'or')) {
      this.index++;
      operands.push(this.parseAnd());
    }
    return combine('or', operands);
  }

  private parseAnd(): MatchExpr {
    const operands = [this.parsePrimary()];
    while (this.isKeyword(this.peek(), 'and')) {
      this.index++;
      operands.push(this.parsePrimary());
    }
    return combine('and', operands);
  }

  private parsePrimary(): MatchExpr {
    const token = this.peek();
    if (token.kind === '(') {
      if (++this.depth > MAX_MATCH_DEPTH) {
        throw this.fail(token, `parentheses are nested deeper than ${MAX_MATCH_DEPTH} levels`, true);
      }
      this.index++;
      const inner = this.parseOr();
      const close = this.peek();
      if (close.kind !== ')') {
        throw this.fail(close, `expected ")" to close the "(" of character ${token.start + 1}`);
      }
      this.index++;
      this.depth--;
      return inner;
    }
    return this.parseCondition();
  }

  private parseCondition(): MatchCondition {
    const nameToken = this.peek();
    if (nameToken.kind !== 'word' || this.isKeyword(nameToken, 'and') || this.isKeyword(nameToken, 'or')) {
      const after = this.index > 0 ? ` after "${this.tokens[this.index - 1]!.text}"` : '';
      throw this.fail(nameToken, `expected a condition such as title = 'news'${after}`, nameToken.kind !== 'end');
    }
    const field = FIELD_BY_SPELLING.get(nameToken.text.toLowerCase());
    if (!field) {
      throw this.fail(nameToken, `unknown field "${nameToken.text}"`, true, `the fields are ${FIELD_LIST}`);
    }
    this.index++;
    const spec: FieldSpec = MATCH_FIELDS[field];
    const operator = this.peek();
    if (operator.kind === '=' || operator.kind === '==') {
      this.index++;
      const next = this.peek();
      if (next.kind === '[' || next.kind === '(') return this.parseRange(field, spec, next);
      const valueToken = this.expectValue(operator);
      if (spec.tests.includes('range') && !spec.tests.includes('equals')) {
        throw this.fail(valueToken, `${spec.name} takes a range`, true, `e.g. ${spec.name} = ${rangeExample(spec)}`);
      }
      if (operator.kind === '=' && spec.tests.includes('contains')) {
        const value = this.checkValue(spec, valueToken, 'contains') as string;
        return { kind: 'contains', field, value };
      }
      return { kind: 'equals', field, value: this.checkValue(spec, valueToken, 'equals') };
    }
    if (this.isKeyword(operator, 'in')) {
      this.index++;
      return this.parseIn(field, spec, operator);
    }
    throw this.fail(operator, `expected ${operatorsOf(spec)} after ${spec.name}`, operator.kind !== 'end');
  }

  private parseIn(field: MatchField, spec: FieldSpec, operator: Token): MatchCondition {
    if (!spec.tests.includes('anyOf')) {
      throw this.fail(operator, `${spec.name} does not take "in"`, true, `use ${exampleOf(spec)}`);
    }
    const open = this.peek();
    if (open.kind !== '(' && open.kind !== '[') {
      throw this.fail(open, 'expected "(" after "in"', open.kind !== 'end', `e.g. ${spec.name} in (${listExample(spec)})`);
    }
    this.index++;
    const values: MatchValue[] = [];
    for (;;) {
      const valueToken = this.expectValue(this.tokens[this.index - 1]!);
      if (values.length === MAX_LIST_VALUES) {
        throw this.fail(valueToken, `a list holds at most ${MAX_LIST_VALUES} values`, true);
      }
      const value = this.checkValue(spec, valueToken, 'anyOf');
      if (!values.includes(value)) values.push(value);
      const next = this.peek();
      this.index++;
      if (next.kind === ',') continue;
      if (next.kind === ')' || next.kind === ']') break;
      this.index--;
      throw this.fail(next, `expected "," or ")" in the list of the "(" of character ${open.start + 1}`, next.kind !== 'end');
    }
    return { kind: 'anyOf', field, values };
  }

  private parseRange(field: MatchField, spec: FieldSpec, open: Token): MatchCondition {
    if (!spec.tests.includes('range')) {
      const hint = spec.tests.includes('anyOf') ? `to match any of several values write ${spec.name} in (${listExample(spec)})` : undefined;
      throw this.fail(open, `${spec.name} does not take a range`, true, hint);
    }
    this.index++;
    const bounds: (Token | undefined)[] = [];
    for (;;) {
      const token = this.peek();
      const isValue = token.kind === 'string' || token.kind === 'number';
      if (isValue) this.index++;
      else if (token.kind !== ',' && token.kind !== ']' && token.kind !== ')') {
        throw this.fail(token, `expected a value, "," or the closing "]" or ")" of the range`, token.kind !== 'end');
      }
      // An empty bound, written '' or left out, is an open end.
      bounds.push(isValue && !(token.kind === 'string' && token.text.trim() === '') ? token : undefined);
      const next = this.peek();
      this.index++;
      if (next.kind === ',') continue;
      if (next.kind === ']' || next.kind === ')') {
        if (bounds.length !== 2) {
          throw this.fail(next, 'a range takes exactly two bounds, from and to,', true, `e.g. ${spec.name} = ${rangeExample(spec)}`);
        }
        const [from, to] = bounds;
        if (!from && !to) {
          throw this.fail(next, 'a range needs at least one bound', true, `leave only one empty for an open end, e.g. ${spec.name} = ${openRangeExample(spec)}`);
        }
        const lower = from && { value: this.checkValue(spec, from, 'range'), inclusive: open.kind === '[' };
        const upper = to && { value: this.checkValue(spec, to, 'range'), inclusive: next.kind === ']' };
        if (lower && upper && (lower.value > upper.value || (lower.value === upper.value && !(lower.inclusive && upper.inclusive)))) {
          throw failAt(this.text, open.start, `the range of ${spec.name} is empty: ${from!.text} is not before ${to!.text}`, next.end);
        }
        return { kind: 'range', field, ...(lower ? { lower } : {}), ...(upper ? { upper } : {}) };
      }
      this.index--;
      throw this.fail(next, `expected "," or the closing "]" or ")" of the range`, next.kind !== 'end');
    }
  }

  private expectValue(after: Token): Token {
    const token = this.peek();
    if (token.kind === 'string' || token.kind === 'number') {
      this.index++;
      return token;
    }
    const hint = token.kind === 'word' ? `quote text values: '${token.text}'` : undefined;
    throw this.fail(token, `expected a value after "${after.text}"`, token.kind === 'word', hint);
  }

  /** The value as the field stores it, or a MatchError explaining what the field takes. */
  private checkValue(spec: FieldSpec, token: Token, test: Test): MatchValue {
    const raw = token.text;
    const bad = (problem: string) => this.fail(token, `${spec.name} ${problem}, got ${JSON.stringify(raw)}`, true);
    switch (spec.type) {
      case 'integer': {
        if (!/^\s*-?\d+\s*$/.test(raw) || !Number.isSafeInteger(Number(raw))) throw bad('takes whole numbers');
        return Number(raw);
      }
      case 'time': {
        const ms = parseTime(raw);
        if (ms === undefined) throw bad('takes ISO 8601 times with a zone, such as "2023-11-21T11:33:51Z", or Unix milliseconds');
        return ms;
      }
      case 'mediaType': {
        const type = raw.trim().toLowerCase();
        if (!(MEDIA_TYPES as readonly string[]).includes(type)) throw bad(`is one of ${MEDIA_TYPES.join(', ')}`);
        return type;
      }
      case 'text':
      case 'keyword': {
        if (test === 'contains') {
          if (raw.trim() === '') {
            throw this.fail(token, `${spec.name} = '' would match every ${spec.name}`, true, 'give at least one character to look for');
          }
          const length = [...raw].length;
          if (length > MAX_CONTAINS_CHARS) {
            throw this.fail(token, `the text ${spec.name} = looks for has ${length} characters, more than ${MAX_CONTAINS_CHARS}`, true);
          }
        } else if ([...raw].length > MAX_VALUE_CHARS) {
          throw this.fail(token, `a value of ${spec.name} has ${[...raw].length} characters, more than ${MAX_VALUE_CHARS}`, true);
        }
        return raw;
      }
    }
  }

  private peek(): Token {
    return this.tokens[this.index]!;
  }

  private isKeyword(token: Token, keyword: string): boolean {
    return token.kind === 'word' && token.text.toLowerCase() === keyword;
  }

  /** `inclusive`: show the offending token in the context (else the text before it). */
  private fail(token: Token, problem: string, inclusive = false, hint?: string): MatchError {
    return failAt(this.text, token.start, problem, inclusive ? token.end : token.start, hint);
  }
}

function combine(kind: 'and' | 'or', operands: MatchExpr[]): MatchExpr {
  if (operands.length === 1) return operands[0]!;
  return { kind, operands: operands.flatMap((operand) => (operand.kind === kind ? operand.operands : [operand])) };
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/i;

/**
 * Unix milliseconds from epoch milliseconds or an ISO 8601 date/time. A time needs its zone (Z
 * or ±hh:mm): without one it would depend on the server's time zone. A bare date is UTC midnight.
 */
export function parseTime(raw: string): number | undefined {
  const text = raw.trim();
  if (/^\d{1,15}$/.test(text)) return Number(text);
  if (!ISO_TIME.test(text)) return undefined;
  const ms = Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text);
  if (!Number.isFinite(ms) || ms < 0) return undefined;
  // Date.parse rolls "2021-02-30" over to March; a calendar date that does not exist is refused.
  const [year, month, day] = text.slice(0, 10).split('-').map(Number);
  const check = new Date(Date.UTC(year!, month! - 1, day!));
  return check.getUTCMonth() === month! - 1 && check.getUTCDate() === day ? ms : undefined;
}

function operatorsOf(spec: FieldSpec): string {
  const ops = [...(spec.tests.some((test) => test !== 'anyOf') ? ['"="', '"=="'] : []), ...(spec.tests.includes('anyOf') ? ['"in"'] : [])];
  return ops.length === 1 ? ops[0]! : `${ops.slice(0, -1).join(', ')} or ${ops.at(-1)}`;
}

function sample(spec: FieldSpec): string {
  switch (spec.type) {
    case 'integer':
      return '12';
    case 'mediaType':
      return "'video'";
    case 'time':
      return "'2021-01-01T00:00:00Z'";
    default:
      return spec.name === 'title' || spec.name === 'description' ? "'news'" : "'abc'";
  }
}

function listExample(spec: FieldSpec): string {
  return spec.type === 'mediaType' ? "'video','image'" : spec.type === 'integer' ? '12,13' : "'abc','cd'";
}

function rangeExample(spec: FieldSpec): string {
  return spec.type === 'time' ? "['2021-01-01T00:00:00Z','2021-02-01T00:00:00Z']" : spec.type === 'integer' ? '[12,20]' : "['a','m']";
}

function openRangeExample(spec: FieldSpec): string {
  return spec.type === 'time' ? "['2021-01-01T00:00:00Z',]" : spec.type === 'integer' ? '[12,]' : "['a',]";
}

function exampleOf(spec: FieldSpec): string {
  if (spec.tests.includes('contains')) return `${spec.name} = ${sample(spec)} (contains) or ${spec.name} == ${sample(spec)} (exact)`;
  if (spec.tests.includes('equals')) return `${spec.name} = ${sample(spec)}`;
  return `${spec.name} = ${rangeExample(spec)}`;
}

// ---------------------------------------------------------------------------------------------
// Printing

/**
 * The canonical text of an AST; `parseMatch(formatMatch(e))` gives `e` back. Used to fingerprint
 * a query (ScrollToken) independently of spacing and spelling.
 */
export function formatMatch(expr: MatchExpr): string {
  switch (expr.kind) {
    case 'and':
      return expr.operands.map((operand) => (operand.kind === 'or' ? `(${formatMatch(operand)})` : formatMatch(operand))).join(' and ');
    case 'or':
      return expr.operands.map(formatMatch).join(' or ');
    case 'contains':
      return `${expr.field} = ${formatValue(expr.value)}`;
    case 'equals':
      return `${expr.field} == ${formatValue(expr.value)}`;
    case 'anyOf':
      return `${expr.field} in (${expr.values.map(formatValue).join(', ')})`;
    case 'range':
      return (
        `${expr.field} = ${expr.lower?.inclusive ? '[' : '('}${expr.lower ? formatValue(expr.lower.value) : ''}, ` +
        `${expr.upper ? formatValue(expr.upper.value) : ''}${expr.upper?.inclusive ? ']' : ')'}`
      );
  }
}

function formatValue(value: MatchValue): string {
  return typeof value === 'number' ? String(value) : `'${value.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}
