import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError, type ErrorCode } from '../../src/api/errors.js';
import { Params } from '../../src/api/params.js';

const p = (values: Record<string, string>) => new Params(values);

/** Asserts that `fn` throws an ApiError with `code` whose message names `name` (and matches `message`). */
function rejects(fn: () => unknown, code: ErrorCode, name: string, message?: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof ApiError, `expected an ApiError, got ${String(error)}`);
    assert.equal(error.code, code);
    assert.equal(error.status, 400);
    assert.ok(error.message.includes(`parameter ${name} `), `message should name ${name}: ${error.message}`);
    if (message) assert.match(error.message, message);
    return true;
  });
}

describe('Params.has / raw', () => {
  it('treats a missing and an empty value alike', () => {
    const params = p({ A: 'x', B: '' });
    assert.equal(params.has('A'), true);
    assert.equal(params.has('B'), false);
    assert.equal(params.has('C'), false);
    assert.equal(params.raw('A'), 'x');
    assert.equal(params.raw('B'), undefined);
    assert.equal(params.raw('C'), undefined);
  });

  it('keeps whitespace-only values (they are not empty)', () => {
    assert.equal(p({ A: ' ' }).raw('A'), ' ');
  });
});

describe('Params.string', () => {
  it('returns the value, the default, or undefined', () => {
    assert.equal(p({ Name: 'lib' }).string('Name'), 'lib');
    assert.equal(p({}).string('Name'), undefined);
    assert.equal(p({}).string('Name', { default: 'dflt' }), 'dflt');
    assert.equal(p({ Name: '' }).string('Name', { default: 'dflt' }), 'dflt');
  });

  it('raises MissingParameter for a required parameter that is missing or empty', () => {
    rejects(() => p({}).string('SearchLibName', { required: true }), 'MissingParameter', 'SearchLibName', /required/);
    rejects(() => p({ SearchLibName: '' }).requiredString('SearchLibName'), 'MissingParameter', 'SearchLibName');
    assert.equal(p({ SearchLibName: 'x' }).requiredString('SearchLibName'), 'x');
  });

  it('limits the length in UTF-8 bytes, 4096 by default', () => {
    assert.equal(p({ A: 'a'.repeat(4096) }).string('A'), 'a'.repeat(4096));
    rejects(() => p({ A: 'a'.repeat(4097) }).string('A'), 'InvalidParameter', 'A', /at most 4096 bytes/);
    assert.equal(p({ A: 'abcd' }).string('A', { maxLength: 4 }), 'abcd');
    rejects(() => p({ A: 'abcde' }).string('A', { maxLength: 4 }), 'InvalidParameter', 'A', /at most 4 bytes/);
    // Two characters, but six bytes.
    rejects(() => p({ A: '日本' }).string('A', { maxLength: 5 }), 'InvalidParameter', 'A');
    assert.equal(p({ A: '日本' }).string('A', { maxLength: 6 }), '日本');
  });

  it('checks the pattern and uses the hint when given', () => {
    const rule = { pattern: /^[a-z]+$/ };
    assert.equal(p({ A: 'abc' }).string('A', rule), 'abc');
    rejects(() => p({ A: 'ABC' }).string('A', rule), 'InvalidParameter', 'A', /"ABC" does not match/);
    rejects(
      () => p({ A: 'ABC' }).string('A', { ...rule, patternHint: 'use lower-case letters.' }),
      'InvalidParameter',
      'A',
      /use lower-case letters\./,
    );
  });

  it('does not apply the rules to the default', () => {
    assert.equal(p({}).string('A', { default: 'TOO LONG', maxLength: 2, pattern: /^x$/ }), 'TOO LONG');
  });
});

describe('Params.integer', () => {
  const rule = { default: 5, min: -10, max: 100 };

  it('uses the default when missing or empty', () => {
    assert.equal(p({}).integer('N', rule), 5);
    assert.equal(p({ N: '' }).integer('N', rule), 5);
  });

  it('parses whole numbers, negative ones and surrounding whitespace', () => {
    assert.equal(p({ N: '12' }).integer('N', rule), 12);
    assert.equal(p({ N: '-1' }).integer('N', rule), -1);
    assert.equal(p({ N: ' 7' }).integer('N', rule), 7);
    assert.equal(p({ N: '7 ' }).integer('N', rule), 7);
    assert.equal(p({ N: '007' }).integer('N', rule), 7);
  });

  it('rejects decimals, exponents, signs, hex and words', () => {
    for (const bad of ['1.5', '1e3', '+5', '0x10', 'abc', '1_000', '12abc', '-', ' ', '1 2', 'Infinity', 'NaN']) {
      rejects(() => p({ N: bad }).integer('N', rule), 'InvalidParameter', 'N', /not a whole number/);
    }
  });

  it('enforces min and max inclusively', () => {
    assert.equal(p({ N: '-10' }).integer('N', rule), -10);
    assert.equal(p({ N: '100' }).integer('N', rule), 100);
    rejects(() => p({ N: '-11' }).integer('N', rule), 'InvalidParameter', 'N', /from -10 to 100, got -11/);
    rejects(() => p({ N: '101' }).integer('N', rule), 'InvalidParameter', 'N', /from -10 to 100, got 101/);
  });

  it('rejects numbers beyond the safe integer range even without a tight max', () => {
    const wide = { default: 0, min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER };
    assert.equal(p({ N: String(Number.MAX_SAFE_INTEGER) }).integer('N', wide), Number.MAX_SAFE_INTEGER);
    rejects(() => p({ N: '9007199254740993' }).integer('N', wide), 'InvalidParameter', 'N');
    rejects(() => p({ N: '1'.repeat(400) }).integer('N', wide), 'InvalidParameter', 'N');
  });
});

describe('Params.boolean', () => {
  it('accepts exactly "true" and "false"', () => {
    assert.equal(p({ B: 'true' }).boolean('B', false), true);
    assert.equal(p({ B: 'false' }).boolean('B', true), false);
  });

  it('falls back when missing or empty', () => {
    assert.equal(p({}).boolean('B', true), true);
    assert.equal(p({ B: '' }).boolean('B', false), false);
  });

  it('rejects anything else', () => {
    for (const bad of ['TRUE', 'True', '1', '0', 'yes', ' true']) {
      rejects(() => p({ B: bad }).boolean('B', false), 'InvalidParameter', 'B', /"true" or "false"/);
    }
  });
});

describe('Params.oneOf / requiredOneOf', () => {
  const allowed = ['mm', 'face', 'aiLabel'] as const;

  it('returns an allowed value, the fallback, or undefined', () => {
    assert.equal(p({ T: 'face' }).oneOf('T', allowed), 'face');
    assert.equal(p({}).oneOf('T', allowed, 'mm'), 'mm');
    assert.equal(p({ T: '' }).oneOf('T', allowed, 'mm'), 'mm');
    assert.equal(p({}).oneOf('T', allowed), undefined);
  });

  it('is case-sensitive and lists the allowed values', () => {
    rejects(() => p({ T: 'MM' }).oneOf('T', allowed), 'InvalidParameter', 'T', /"MM" is not one of mm, face, aiLabel/);
    rejects(() => p({ T: 'ailabel' }).oneOf('T', allowed, 'mm'), 'InvalidParameter', 'T');
  });

  it('requiredOneOf raises MissingParameter when missing or empty', () => {
    assert.equal(p({ T: 'aiLabel' }).requiredOneOf('T', allowed), 'aiLabel');
    rejects(() => p({}).requiredOneOf('T', allowed), 'MissingParameter', 'T');
    rejects(() => p({ T: '' }).requiredOneOf('T', allowed), 'MissingParameter', 'T');
    rejects(() => p({ T: 'x' }).requiredOneOf('T', allowed), 'InvalidParameter', 'T');
  });
});

describe('Params.jsonObject', () => {
  it('parses a JSON object', () => {
    assert.deepEqual(p({ J: '{"a":1,"b":{"c":[1,2]}}' }).jsonObject('J'), { a: 1, b: { c: [1, 2] } });
    assert.deepEqual(p({ J: '{}' }).jsonObject('J'), {});
    assert.deepEqual(p({ J: '  {"a": "x"}  ' }).jsonObject('J'), { a: 'x' });
  });

  it('returns undefined when missing or empty, or raises MissingParameter when required', () => {
    assert.equal(p({}).jsonObject('J'), undefined);
    assert.equal(p({ J: '' }).jsonObject('J'), undefined);
    rejects(() => p({}).jsonObject('MsgBody', { required: true }), 'MissingParameter', 'MsgBody');
    rejects(() => p({ MsgBody: '' }).jsonObject('MsgBody', { required: true }), 'MissingParameter', 'MsgBody');
  });

  it('rejects invalid JSON with the parser message', () => {
    for (const bad of ['{', '{a:1}', "{'a':1}", 'not json', '{"a":1,}']) {
      rejects(() => p({ J: bad }).jsonObject('J'), 'InvalidParameter', 'J', /not valid JSON \(.+\)/);
    }
  });

  it('rejects JSON that is not an object', () => {
    for (const bad of ['[]', '[{"a":1}]', 'null', '1', '"str"', 'true']) {
      rejects(() => p({ J: bad }).jsonObject('J'), 'InvalidParameter', 'J', /must be a JSON object/);
    }
  });

  it('limits the length, 64 KiB by default', () => {
    const fits = `{"a":"${'x'.repeat(64 * 1024 - 8)}"}`;
    assert.equal(fits.length, 64 * 1024);
    assert.ok(p({ J: fits }).jsonObject('J'));
    const tooLong = `{"a":"${'x'.repeat(64 * 1024 - 7)}"}`;
    rejects(() => p({ J: tooLong }).jsonObject('J'), 'InvalidParameter', 'J', /at most 65536 characters/);
    rejects(() => p({ J: '{"a":12}' }).jsonObject('J', { maxLength: 7 }), 'InvalidParameter', 'J', /at most 7 characters/);
    assert.deepEqual(p({ J: '{"a":1}' }).jsonObject('J', { maxLength: 7 }), { a: 1 });
  });

  it('checks the length before parsing', () => {
    rejects(() => p({ J: '{'.repeat(20) }).jsonObject('J', { maxLength: 10 }), 'InvalidParameter', 'J', /at most 10/);
  });
});

describe('Params.list', () => {
  it('splits on commas, trims, drops blanks and removes duplicates in order', () => {
    assert.deepEqual(p({ L: 'a,b,c' }).list('L', { maxItems: 10 }), ['a', 'b', 'c']);
    assert.deepEqual(p({ L: ' b , a ,,b, ,a,c ' }).list('L', { maxItems: 10 }), ['b', 'a', 'c']);
    assert.deepEqual(p({ L: 'one' }).list('L', { maxItems: 1 }), ['one']);
  });

  it('returns an empty list when missing, empty or only separators', () => {
    assert.deepEqual(p({}).list('L', { maxItems: 10 }), []);
    assert.deepEqual(p({ L: '' }).list('L', { maxItems: 10 }), []);
    assert.deepEqual(p({ L: ' , ,' }).list('L', { maxItems: 10 }), []);
  });

  it('raises MissingParameter when required and nothing is listed', () => {
    rejects(() => p({}).list('MediaIds', { required: true, maxItems: 10 }), 'MissingParameter', 'MediaIds');
    rejects(() => p({ MediaIds: '' }).list('MediaIds', { required: true, maxItems: 10 }), 'MissingParameter', 'MediaIds');
    rejects(() => p({ MediaIds: ' ,, ' }).list('MediaIds', { required: true, maxItems: 10 }), 'MissingParameter', 'MediaIds');
  });

  it('counts distinct values against maxItems', () => {
    assert.deepEqual(p({ L: 'a,b,a,b,a' }).list('L', { maxItems: 2 }), ['a', 'b']);
    rejects(
      () => p({ L: 'a,b,c' }).list('L', { maxItems: 2 }),
      'InvalidParameter',
      'L',
      /lists 3 values; at most 2 are allowed/,
    );
  });
});

describe('Params.page', () => {
  it('defaults to page 1 of 10', () => {
    assert.deepEqual(p({}).page(), { pageNo: 1, pageSize: 10, offset: 0 });
    assert.deepEqual(p({ PageNo: '', PageSize: '' }).page(), { pageNo: 1, pageSize: 10, offset: 0 });
  });

  it('computes the offset', () => {
    assert.deepEqual(p({ PageNo: '3', PageSize: '20' }).page(), { pageNo: 3, pageSize: 20, offset: 40 });
    assert.deepEqual(p({ PageNo: '1000000', PageSize: '50' }).page(), {
      pageNo: 1_000_000,
      pageSize: 50,
      offset: 999_999 * 50,
    });
  });

  it('reads another page-number parameter when asked', () => {
    assert.deepEqual(p({ PageNumber: '2', PageNo: '9', PageSize: '5' }).page('PageNumber'), {
      pageNo: 2,
      pageSize: 5,
      offset: 5,
    });
  });

  it('enforces the limits and names the offending parameter', () => {
    rejects(() => p({ PageNo: '0' }).page(), 'InvalidParameter', 'PageNo', /from 1 to 1000000/);
    rejects(() => p({ PageNo: '1000001' }).page(), 'InvalidParameter', 'PageNo');
    rejects(() => p({ PageNo: '-1' }).page(), 'InvalidParameter', 'PageNo');
    rejects(() => p({ PageSize: '0' }).page(), 'InvalidParameter', 'PageSize', /from 1 to 50/);
    rejects(() => p({ PageSize: '51' }).page(), 'InvalidParameter', 'PageSize', /got 51/);
    rejects(() => p({ PageSize: '1.5' }).page(), 'InvalidParameter', 'PageSize', /not a whole number/);
    rejects(() => p({ PageNumber: '0' }).page('PageNumber'), 'InvalidParameter', 'PageNumber');
  });
});
