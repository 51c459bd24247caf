import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import {
  formatMatch,
  MatchError,
  MAX_LIST_VALUES,
  parseMatch,
  type MatchCondition,
  type MatchExpr,
  type MatchField,
  type MatchValue,
} from '../../src/search/media-query/match-grammar.js';
import { matchToSql, registerMatchFunctions } from '../../src/search/media-query/match-sql.js';
import { normalizeText } from '../../src/search/text/tokenize.js';
import { Store } from '../../src/store/store.js';
import { MEDIA_TYPES, type MediaType } from '../../src/types.js';

const JAN_1 = Date.UTC(2021, 0, 1);
const FEB_1 = Date.UTC(2021, 1, 1);

function errorOf(text: string): string {
  try {
    parseMatch(text);
  } catch (error) {
    assert.ok(error instanceof MatchError, `expected a MatchError, got ${String(error)}`);
    return error.message;
  }
  assert.fail(`"${text}" parsed without an error`);
}

describe('Match grammar: valid forms', () => {
  it('parses the examples of the ICE documentation', () => {
    assert.deepEqual(parseMatch('Title = "China" and utcCreate = ["2021-01-01T00:00:00Z","2021-02-01T00:00:00Z"]'), {
      kind: 'and',
      operands: [
        { kind: 'contains', field: 'title', value: 'China' },
        { kind: 'range', field: 'utcCreate', lower: { value: JAN_1, inclusive: true }, upper: { value: FEB_1, inclusive: true } },
      ],
    });
    assert.deepEqual(parseMatch("title = 'China' and mediaId == 'id' and utcCreate = ('1693367158561','1693367158562')"), {
      kind: 'and',
      operands: [
        { kind: 'contains', field: 'title', value: 'China' },
        { kind: 'equals', field: 'mediaId', value: 'id' },
        {
          kind: 'range',
          field: 'utcCreate',
          lower: { value: 1693367158561, inclusive: false },
          upper: { value: 1693367158562, inclusive: false },
        },
      ],
    });
  });

  it('reads field names and keywords in any case, and both quote styles', () => {
    const expected = { kind: 'anyOf', field: 'mediaType', values: ['video', 'image'] };
    assert.deepEqual(parseMatch("mediaType in ('video','image')"), expected);
    assert.deepEqual(parseMatch('MEDIATYPE IN ("Video", "IMAGE")'), expected);
    assert.deepEqual(parseMatch("mediaType = 'video'"), { kind: 'equals', field: 'mediaType', value: 'video' });
    assert.deepEqual(parseMatch("mediaType == 'audio'"), { kind: 'equals', field: 'mediaType', value: 'audio' });
    assert.deepEqual(parseMatch("title = 'a' OR Title = 'b'"), {
      kind: 'or',
      operands: [
        { kind: 'contains', field: 'title', value: 'a' },
        { kind: 'contains', field: 'title', value: 'b' },
      ],
    });
  });

  it('tells a fuzzy "=" from an exact "==" on text fields, and takes "=" as exact elsewhere', () => {
    assert.deepEqual(parseMatch("title = '中国'"), { kind: 'contains', field: 'title', value: '中国' });
    assert.deepEqual(parseMatch("title == 'Full title'"), { kind: 'equals', field: 'title', value: 'Full title' });
    assert.deepEqual(parseMatch("description = 'x'"), { kind: 'contains', field: 'description', value: 'x' });
    assert.deepEqual(parseMatch("namespace = 'team-a'"), { kind: 'equals', field: 'namespace', value: 'team-a' });
    assert.deepEqual(parseMatch("mediaId = 'm1'"), { kind: 'equals', field: 'mediaId', value: 'm1' });
  });

  it('reads custom fields by name or as customFields.x, with numbers bare or quoted', () => {
    assert.deepEqual(parseMatch('intField1 = 12'), { kind: 'equals', field: 'intField1', value: 12 });
    assert.deepEqual(parseMatch("customFields.intField1 == '-3'"), { kind: 'equals', field: 'intField1', value: -3 });
    assert.deepEqual(parseMatch('intField1 in (12, 13, 12)'), { kind: 'anyOf', field: 'intField1', values: [12, 13] });
    assert.deepEqual(parseMatch("CustomFields.StrField2 in ['a','b']"), { kind: 'anyOf', field: 'strField2', values: ['a', 'b'] });
    assert.deepEqual(parseMatch('strField1 = 12'), { kind: 'equals', field: 'strField1', value: '12' });
    assert.deepEqual(parseMatch("strField1 = ['a','m')"), {
      kind: 'range',
      field: 'strField1',
      lower: { value: 'a', inclusive: true },
      upper: { value: 'm', inclusive: false },
    });
  });

  it('reads tags as tagList (or tags), one tag or a list', () => {
    assert.deepEqual(parseMatch("tagList in ('sea', 'sky')"), { kind: 'anyOf', field: 'tagList', values: ['sea', 'sky'] });
    assert.deepEqual(parseMatch("tags = 'sea'"), { kind: 'equals', field: 'tagList', value: 'sea' });
  });

  it('takes open-ended ranges, with the bound left out or written as an empty text', () => {
    const from = { kind: 'range', field: 'utcCreate', lower: { value: JAN_1, inclusive: true } };
    assert.deepEqual(parseMatch("utcCreate = ['2021-01-01T00:00:00Z',]"), from);
    assert.deepEqual(parseMatch("utcCreate = ['2021-01-01', '']"), from);
    assert.deepEqual(parseMatch('utcModified = (, 1000]'), { kind: 'range', field: 'utcModified', upper: { value: 1000, inclusive: true } });
    assert.deepEqual(parseMatch("utcCreate = ['2021-01-01T08:00:00+08:00', '2021-01-01T00:00:00.500Z')"), {
      kind: 'range',
      field: 'utcCreate',
      lower: { value: JAN_1, inclusive: true },
      upper: { value: JAN_1 + 500, inclusive: false },
    });
    assert.deepEqual(parseMatch('intField1 = [5, 5]'), {
      kind: 'range',
      field: 'intField1',
      lower: { value: 5, inclusive: true },
      upper: { value: 5, inclusive: true },
    });
  });

  it('binds "and" tighter than "or", lets parentheses override it, and flattens chains', () => {
    const a: MatchCondition = { kind: 'equals', field: 'mediaId', value: 'a' };
    const b: MatchCondition = { kind: 'equals', field: 'mediaId', value: 'b' };
    const c: MatchCondition = { kind: 'equals', field: 'mediaId', value: 'c' };
    const d: MatchCondition = { kind: 'equals', field: 'mediaId', value: 'd' };
    const [A, B, C, D] = ["mediaId == 'a'", "mediaId == 'b'", "mediaId == 'c'", "mediaId == 'd'"];
    assert.deepEqual(parseMatch(`${A} or ${B} and ${C}`), { kind: 'or', operands: [a, { kind: 'and', operands: [b, c] }] });
    assert.deepEqual(parseMatch(`${A} and ${B} or ${C}`), { kind: 'or', operands: [{ kind: 'and', operands: [a, b] }, c] });
    assert.deepEqual(parseMatch(`(${A} or ${B}) and ${C}`), { kind: 'and', operands: [{ kind: 'or', operands: [a, b] }, c] });
    assert.deepEqual(parseMatch(`${A} and (${B} and (${C})) and ${D}`), { kind: 'and', operands: [a, b, c, d] });
    assert.deepEqual(parseMatch(`((${A}))`), a);
  });

  it('unescapes quotes and backslashes inside values', () => {
    assert.deepEqual(parseMatch("title = 'it\\'s'"), { kind: 'contains', field: 'title', value: "it's" });
    assert.deepEqual(parseMatch('title == "say \\"hi\\" \\\\ bye"'), { kind: 'equals', field: 'title', value: 'say "hi" \\ bye' });
    assert.deepEqual(parseMatch("title = 'C:\\temp'"), { kind: 'contains', field: 'title', value: 'C:\\temp' });
  });

  it('treats a blank Match as no condition', () => {
    assert.equal(parseMatch(''), undefined);
    assert.equal(parseMatch('  \n\t'), undefined);
  });

  it('prints a canonical text that parses back to the same tree', () => {
    const expr = parseMatch("Title = 'it\\'s' AND (mediaType in ('video','image') OR intField1 = (1,]) and utcCreate = ['2021-01-01',]")!;
    assert.equal(
      formatMatch(expr),
      "title = 'it\\'s' and (mediaType in ('video', 'image') or intField1 = (1, )) and utcCreate = [1609459200000, )",
    );
    assert.deepEqual(parseMatch(formatMatch(expr)), expr);
  });
});

describe('Match grammar: errors', () => {
  const cases: [string, string][] = [
    ['Title = ', 'expected a value after "=" at character 9 ("Title = ").'],
    ['title = news', `expected a value after "=" at character 9 ("title = news"); quote text values: 'news'.`],
    ["title 'x'", `expected "=" or "==" after title at character 7 ("title 'x'").`],
    ['mediaType', 'expected "=", "==" or "in" after mediaType at character 10 ("mediaType").'],
    ["= 'x'", `expected a condition such as title = 'news' at character 1 ("=").`],
    ["title = 'x' and and", `expected a condition such as title = 'news' after "and" at character 17 ("title = 'x' and and").`],
    ["title = 'x' or", `expected a condition such as title = 'news' after "or" at character 15 ("title = 'x' or").`],
    ["title = 'x' mediaId = 'y'", `expected "and", "or" or the end of Match at character 13 ("title = 'x' mediaId").`],
    ["title = 'a')", `this ")" closes no "(" at character 12 ("title = 'a')").`],
    ["((title = 'a')", `expected ")" to close the "(" of character 1 at character 15 ("((title = 'a')").`],
    ["title = 'abc", `the text starting at character 9 is not closed: end it with ' (write \\' for a ' inside it).`],
    ["title = 'x' # 1", `unexpected character "#" at character 13 ("title = 'x' #").`],
    ["title ＝ 'a'", `unexpected character "＝" at character 7 ("title ＝"); write the half-width "=" instead.`],
    ['utcCreate = 2021-01-01', `"2021-01-01" is not a number at character 13 ("utcCreate = 2021-01-01"); quote it: '2021-01-01'.`],
    [
      "duration = '5'",
      'unknown field "duration" at character 1 ("duration"); the fields are title, description, tagList, mediaId, mediaType, ' +
        'namespace, utcCreate, utcModified, intField1, strField1, strField2 (custom fields also as customFields.intField1 …).',
    ],
    ["title in ('a')", `title does not take "in" at character 7 ("title in"); use title = 'news' (contains) or title == 'news' (exact).`],
    ["utcCreate in ('1')", `utcCreate does not take "in" at character 11 ("utcCreate in"); use utcCreate = ['2021-01-01T00:00:00Z','2021-02-01T00:00:00Z'].`],
    ["mediaType in 'video'", `expected "(" after "in" at character 14 ("mediaType in 'video'"); e.g. mediaType in ('video','image').`],
    ["mediaType in ('video' 'image')", `expected "," or ")" in the list of the "(" of character 14 at character 23 ("mediaType in ('video' 'image'").`],
    ['mediaType in ()', 'expected a value after "(" at character 15 ("mediaType in (").'],
    ["mediaId = ('a','b')", `mediaId does not take a range at character 11 ("mediaId = ("); to match any of several values write mediaId in ('abc','cd').`],
    ["title = ('a','b')", 'title does not take a range at character 9 ("title = (").'],
    [
      "utcCreate = '2021-01-01T00:00:00Z'",
      `utcCreate takes a range at character 13 ("utcCreate = '2021-01-01T00:00:00Z'"); e.g. utcCreate = ['2021-01-01T00:00:00Z','2021-02-01T00:00:00Z'].`,
    ],
    ['intField1 = [1,2,3]', 'a range takes exactly two bounds, from and to, at character 19 ("intField1 = [1,2,3]"); e.g. intField1 = [12,20].'],
    ['intField1 = [,]', 'a range needs at least one bound at character 15 ("intField1 = [,]"); leave only one empty for an open end, e.g. intField1 = [12,].'],
    ['intField1 = [5, 3]', 'the range of intField1 is empty: 5 is not before 3 at character 13 ("intField1 = [5, 3]").'],
    ['intField1 = (5, 5]', 'the range of intField1 is empty: 5 is not before 5 at character 13 ("intField1 = (5, 5]").'],
    ['intField1 = [1 2]', 'expected "," or the closing "]" or ")" of the range at character 16 ("intField1 = [1 2").'],
    ['intField1 = [1, =]', 'expected a value, "," or the closing "]" or ")" of the range at character 17 ("intField1 = [1, =").'],
    ["intField1 = 'x'", `intField1 takes whole numbers, got "x" at character 13 ("intField1 = 'x'").`],
    ['intField1 = 1.5', 'intField1 takes whole numbers, got "1.5" at character 13 ("intField1 = 1.5").'],
    ["mediaType = 'movie'", `mediaType is one of image, video, audio, got "movie" at character 13 ("mediaType = 'movie'").`],
    [
      "utcCreate = ['2021-02-30', ]",
      `utcCreate takes ISO 8601 times with a zone, such as "2023-11-21T11:33:51Z", or Unix milliseconds, got "2021-02-30" at character 14 ("utcCreate = ['2021-02-30'").`,
    ],
    [
      "utcCreate = ['2021-01-01T10:00:00', ]",
      `utcCreate takes ISO 8601 times with a zone, such as "2023-11-21T11:33:51Z", or Unix milliseconds, got "2021-01-01T10:00:00" at character 14 ("utcCreate = ['2021-01-01T10:00:00'").`,
    ],
    ["title = ''", `title = '' would match every title at character 9 ("title = ''"); give at least one character to look for.`],
    [`title = '${'x'.repeat(257)}'`, `the text title = looks for has 257 characters, more than 256 at character 9 ("…${'x'.repeat(39)}'").`],
    [`strField1 == '${'x'.repeat(1025)}'`, `a value of strField1 has 1025 characters, more than 1024 at character 14 ("…${'x'.repeat(39)}'").`],
    [
      `(`.repeat(33) + "title = 'a'" + ')'.repeat(33),
      `parentheses are nested deeper than 32 levels at character 33 ("${'('.repeat(33)}").`,
    ],
  ];
  for (const [text, message] of cases) {
    it(`explains ${JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}…` : text)}`, () => {
      assert.equal(errorOf(text), message);
    });
  }

  it('bounds the length of an "in" list', () => {
    const values = Array.from({ length: MAX_LIST_VALUES + 1 }, (_, i) => `'m${i}'`).join(',');
    assert.match(errorOf(`mediaId in (${values})`), /^a list holds at most 100 values at character \d+ /);
  });

  it('stops on a position inside long input with a shortened context', () => {
    const text = `${"mediaId == 'x' and ".repeat(5)}bogus = 1`;
    const message = errorOf(text);
    assert.match(message, /^unknown field "bogus" at character 96 \("…/);
  });

  it('reports only MatchErrors, for any input', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.array(
            fc.constantFrom('title', 'mediaType', 'intField1', 'utcCreate', '=', '==', 'in', 'and', 'or', '(', ')', '[', ']', ',', "'a'", '"b"', '12', "''", ' '),
            { maxLength: 12 },
          ).map((parts) => parts.join(' ')),
        ),
        (text) => {
          try {
            parseMatch(text);
          } catch (error) {
            assert.ok(error instanceof MatchError, String(error));
            assert.match(error.message, /at character \d+|is not closed/);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Random trees: printing round-trips, and the SQL selects exactly what a reference evaluator does.

const TEXTS = ['a', 'Ab', 'news', 'NEWS', 'é', 'É', '中国', '中', "it's", 'x\\y', 'Ｎｅｗｓ'];
const KEYWORDS = ['m1', 'm2', 'm3', 'team-a', 'team-b', '', 'a', 'b'];
const STRINGS = ['a', 'b', 'ba', 'c'];

const textField = fc.constantFrom<MatchField>('title', 'description');
const keywordField = fc.constantFrom<MatchField>('mediaId', 'namespace', 'tagList', 'strField1', 'strField2');
const uniqueList = <T,>(arb: fc.Arbitrary<T>) => fc.uniqueArray(arb, { minLength: 1, maxLength: 4 });

function rangeOf(field: MatchField, values: fc.Arbitrary<MatchValue>): fc.Arbitrary<MatchCondition> {
  return fc
    .record({
      a: fc.option(values, { nil: undefined }),
      b: fc.option(values, { nil: undefined }),
      lowerInclusive: fc.boolean(),
      upperInclusive: fc.boolean(),
    })
    .filter(({ a, b }) => a !== undefined || b !== undefined)
    .map(({ a, b, lowerInclusive, upperInclusive }) => {
      let [lo, hi] = [a, b];
      if (lo !== undefined && hi !== undefined && lo > hi) [lo, hi] = [hi, lo];
      const inclusive = lo !== undefined && hi !== undefined && lo === hi ? [true, true] : [lowerInclusive, upperInclusive];
      return {
        kind: 'range',
        field,
        ...(lo !== undefined ? { lower: { value: lo, inclusive: inclusive[0]! } } : {}),
        ...(hi !== undefined ? { upper: { value: hi, inclusive: inclusive[1]! } } : {}),
      } as MatchCondition;
    });
}

const conditionArb: fc.Arbitrary<MatchCondition> = fc.oneof(
  fc.record({ kind: fc.constant('contains' as const), field: textField, value: fc.constantFrom(...TEXTS) }),
  fc.record({ kind: fc.constant('equals' as const), field: textField, value: fc.constantFrom<MatchValue>(...TEXTS) }),
  fc.record({ kind: fc.constant('equals' as const), field: keywordField, value: fc.constantFrom<MatchValue>(...KEYWORDS.filter(Boolean)) }),
  fc.record({ kind: fc.constant('anyOf' as const), field: keywordField, values: uniqueList(fc.constantFrom<MatchValue>(...KEYWORDS.filter(Boolean))) }),
  fc.record({ kind: fc.constant('equals' as const), field: fc.constant<MatchField>('mediaType'), value: fc.constantFrom<MatchValue>(...MEDIA_TYPES) }),
  fc.record({ kind: fc.constant('anyOf' as const), field: fc.constant<MatchField>('mediaType'), values: uniqueList(fc.constantFrom<MatchValue>(...MEDIA_TYPES)) }),
  fc.record({ kind: fc.constant('equals' as const), field: fc.constant<MatchField>('intField1'), value: fc.integer({ min: -3, max: 3 }) }),
  fc.record({ kind: fc.constant('anyOf' as const), field: fc.constant<MatchField>('intField1'), values: uniqueList<MatchValue>(fc.integer({ min: -3, max: 3 })) }),
  rangeOf('intField1', fc.integer({ min: -3, max: 3 })),
  fc.constantFrom<MatchField>('strField1', 'strField2').chain((field) => rangeOf(field, fc.constantFrom(...STRINGS))),
  fc.constantFrom<MatchField>('utcCreate', 'utcModified').chain((field) => rangeOf(field, fc.integer({ min: 0, max: 6 }))),
);

function combine(kind: 'and' | 'or', operands: MatchExpr[]): MatchExpr {
  return { kind, operands: operands.flatMap((operand) => (operand.kind === kind ? (operand as { operands: readonly MatchExpr[] }).operands : [operand])) };
}

const exprArb: fc.Arbitrary<MatchExpr> = fc.letrec<{ expr: MatchExpr }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', maxDepth: 4 },
    conditionArb,
    fc.array(tie('expr'), { minLength: 2, maxLength: 3 }).map((operands) => combine('and', operands)),
    fc.array(tie('expr'), { minLength: 2, maxLength: 3 }).map((operands) => combine('or', operands)),
  ),
})).expr;

interface TestAsset {
  mediaId: string;
  namespace: string;
  mediaType: MediaType;
  title: string | null;
  description: string | null;
  tags: string[];
  intField1: number | null;
  strField1: string | null;
  strField2: string | null;
  utcCreate: number;
  utcModified: number;
}

const ASSETS: TestAsset[] = [
  { mediaId: 'm1', namespace: '', mediaType: 'video', title: 'Breaking NEWS', description: null, tags: ['a'], intField1: 1, strField1: 'a', strField2: null, utcCreate: 0, utcModified: 3 },
  { mediaId: 'm2', namespace: 'team-a', mediaType: 'image', title: '中国新闻', description: 'Été à Paris', tags: [], intField1: null, strField1: 'ba', strField2: 'b', utcCreate: 2, utcModified: 2 },
  { mediaId: 'm3', namespace: 'team-b', mediaType: 'audio', title: null, description: "it's x\\y", tags: ['a', 'b'], intField1: -3, strField1: null, strField2: 'c', utcCreate: 4, utcModified: 6 },
  { mediaId: 'a', namespace: 'team-a', mediaType: 'video', title: 'Ab', description: 'news', tags: ['m1'], intField1: 3, strField1: 'c', strField2: 'a', utcCreate: 6, utcModified: 6 },
  { mediaId: 'b', namespace: '', mediaType: 'image', title: 'ＮＥＷＳ today', description: '中', tags: ['b'], intField1: 0, strField1: 'b', strField2: 'ba', utcCreate: 5, utcModified: 5 },
  { mediaId: 'team-a', namespace: 'a', mediaType: 'video', title: "it's", description: 'É', tags: [], intField1: 2, strField1: 'a', strField2: 'a', utcCreate: 1, utcModified: 1 },
];

function fieldValue(asset: TestAsset, field: MatchField): string | number | null {
  if (field === 'tagList') throw new Error('tags are a list');
  return asset[field];
}

function evaluate(expr: MatchExpr, asset: TestAsset): boolean {
  switch (expr.kind) {
    case 'and':
      return expr.operands.every((operand) => evaluate(operand, asset));
    case 'or':
      return expr.operands.some((operand) => evaluate(operand, asset));
    case 'contains': {
      const value = fieldValue(asset, expr.field);
      return typeof value === 'string' && normalizeText(value).includes(normalizeText(expr.value));
    }
    case 'equals':
      return expr.field === 'tagList' ? asset.tags.includes(String(expr.value)) : fieldValue(asset, expr.field) === expr.value;
    case 'anyOf':
      return expr.field === 'tagList'
        ? asset.tags.some((tag) => expr.values.includes(tag))
        : expr.values.includes(fieldValue(asset, expr.field) as MatchValue);
    case 'range': {
      const value = fieldValue(asset, expr.field);
      if (value === null) return false;
      const { lower, upper } = expr;
      return (
        (!lower || (lower.inclusive ? value >= lower.value : value > lower.value)) &&
        (!upper || (upper.inclusive ? value <= upper.value : value < upper.value))
      );
    }
  }
}

describe('Match grammar and SQL over random conditions', () => {
  let store: Store;
  before(() => {
    store = Store.open(':memory:');
    registerMatchFunctions(store.db);
    store.libraries.create('lib', {}, [], 0);
    for (const asset of ASSETS) {
      const id = store.assets.insert({
        library: 'lib',
        mediaId: asset.mediaId,
        namespace: asset.namespace,
        mediaType: asset.mediaType,
        input: `file:///media/${asset.mediaId}`,
        metadata: {
          title: asset.title,
          description: asset.description,
          tags: asset.tags.length > 0 ? asset.tags : null,
          customFields: { intField1: asset.intField1, strField1: asset.strField1, strField2: asset.strField2 },
          utcCreate: asset.utcCreate,
        },
        msgBody: {},
        now: asset.utcModified,
      });
      assert.ok(id);
    }
  });
  after(() => store.close());

  const select = (expr: MatchExpr): string[] => {
    const { sql, params } = matchToSql(expr);
    return (store.db.prepare(`SELECT a.media_id AS id FROM assets AS a WHERE ${sql} ORDER BY a.id`).all(...params) as { id: string }[]).map(
      (row) => row.id,
    );
  };

  it('prints every tree to a text that parses back to it', () => {
    fc.assert(
      fc.property(exprArb, (expr) => {
        // fast-check builds some objects without a prototype; compare plain copies.
        assert.deepEqual(parseMatch(formatMatch(expr)), JSON.parse(JSON.stringify(expr)));
      }),
      { numRuns: 1000 },
    );
  });

  it('selects exactly the assets a reference evaluator accepts', () => {
    fc.assert(
      fc.property(exprArb, (expr) => {
        const expected = ASSETS.filter((asset) => evaluate(expr, asset)).map((asset) => asset.mediaId);
        assert.deepEqual(select(expr), expected, formatMatch(expr));
      }),
      { numRuns: 1000 },
    );
  });

  it('matches titles as case-insensitive substrings, full-width and CJK included', () => {
    assert.deepEqual(select(parseMatch("title = 'news'")!), ['m1', 'b']);
    assert.deepEqual(select(parseMatch("title = 'ＮＥＷ'")!), ['m1', 'b']);
    assert.deepEqual(select(parseMatch("title = '中国'")!), ['m2']);
    assert.deepEqual(select(parseMatch("title = '新'")!), ['m2']);
    assert.deepEqual(select(parseMatch("description = 'été'")!), ['m2']);
    assert.deepEqual(select(parseMatch("title == 'Ab'")!), ['a']);
    assert.deepEqual(select(parseMatch("title == 'ab'")!), []);
  });

  it('keeps values out of the SQL text', () => {
    const { sql, params } = matchToSql(parseMatch("title = 'x OR 1=1 --' or mediaId in ('a\"); DROP TABLE assets; --')")!);
    assert.doesNotMatch(sql, /DROP|1=1/);
    assert.equal(params.length, 2);
    assert.deepEqual(select(parseMatch("mediaId == 'x\\' OR 1=1 --'")!), []);
  });
});
