import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from '../../src/api/errors.js';
import { parseMsgBody } from '../../src/services/msg-body.js';

/** Asserts an InvalidParameter naming MsgBody, with a message matching `message`. */
function invalid(body: Record<string, unknown>, message: RegExp): void {
  assert.throws(
    () => parseMsgBody(body),
    (error: unknown) => {
      assert.ok(error instanceof ApiError, String(error));
      assert.equal(error.code, 'InvalidParameter');
      assert.match(error.message, /parameter MsgBody /);
      assert.match(error.message, message);
      return true;
    },
  );
}

describe('parseMsgBody', () => {
  it('returns nothing for an empty body and ignores unknown top-level keys', () => {
    assert.deepEqual(parseMsgBody({}), {});
    assert.deepEqual(parseMsgBody({ someOtherKey: 1, nested: { a: 1 } }), {});
  });

  describe('title and description', () => {
    it('keeps strings verbatim, including empty ones', () => {
      assert.deepEqual(parseMsgBody({ title: 'Sunset', description: ' at the beach ' }), {
        title: 'Sunset',
        description: ' at the beach ',
      });
      assert.deepEqual(parseMsgBody({ title: '' }), { title: '' });
    });

    it('null clears (is passed on as null)', () => {
      assert.deepEqual(parseMsgBody({ title: null, description: null }), { title: null, description: null });
    });

    it('rejects non-strings', () => {
      invalid({ title: 12 }, /title must be a string/);
      invalid({ title: ['a'] }, /title must be a string/);
      invalid({ description: { a: 1 } }, /description must be a string/);
      invalid({ description: false }, /description must be a string/);
    });

    it('limits title to 256 and description to 4096 characters', () => {
      assert.equal(parseMsgBody({ title: 't'.repeat(256) }).title?.length, 256);
      invalid({ title: 't'.repeat(257) }, /title must be at most 256 characters/);
      assert.equal(parseMsgBody({ description: 'd'.repeat(4096) }).description?.length, 4096);
      invalid({ description: 'd'.repeat(4097) }, /description must be at most 4096 characters/);
    });
  });

  describe('tags', () => {
    it('accepts an array, trimming, dropping blanks and duplicates', () => {
      assert.deepEqual(parseMsgBody({ tags: ['cat', ' dog ', '', 'cat', '  '] }).tags, ['cat', 'dog']);
      assert.deepEqual(parseMsgBody({ tags: [] }).tags, []);
    });

    it('accepts a comma-separated string', () => {
      assert.deepEqual(parseMsgBody({ tags: 'cat, dog,,cat ,bird' }).tags, ['cat', 'dog', 'bird']);
      assert.deepEqual(parseMsgBody({ tags: '' }).tags, []);
      assert.deepEqual(parseMsgBody({ tags: 'single' }).tags, ['single']);
    });

    it('null clears', () => {
      assert.deepEqual(parseMsgBody({ tags: null }), { tags: null });
    });

    it('rejects other shapes', () => {
      invalid({ tags: 5 }, /tags must be an array of strings or a comma-separated string/);
      invalid({ tags: ['a', 1] }, /tags must be an array of strings/);
      invalid({ tags: [null] }, /tags must be an array of strings/);
      invalid({ tags: { a: 'b' } }, /tags must be an array of strings/);
    });

    it('allows at most 100 distinct tags of at most 128 characters', () => {
      const hundred = Array.from({ length: 100 }, (_, i) => `tag${i}`);
      assert.equal(parseMsgBody({ tags: hundred }).tags?.length, 100);
      // Duplicates do not count against the limit.
      assert.equal(parseMsgBody({ tags: [...hundred, ...hundred] }).tags?.length, 100);
      invalid({ tags: [...hundred, 'one-more'] }, /at most 100 tags of at most 128 characters/);
      invalid({ tags: hundred.join(',') + ',extra' }, /at most 100 tags/);
      assert.deepEqual(parseMsgBody({ tags: ['x'.repeat(128)] }).tags, ['x'.repeat(128)]);
      invalid({ tags: ['x'.repeat(129)] }, /at most 128 characters/);
      // The length is checked after trimming.
      assert.deepEqual(parseMsgBody({ tags: [` ${'x'.repeat(128)} `] }).tags, ['x'.repeat(128)]);
    });
  });

  describe('customFields', () => {
    it('accepts the three backing fields with their types', () => {
      assert.deepEqual(parseMsgBody({ customFields: { intField1: 12, strField1: 'abc', strField2: '' } }), {
        customFields: { intField1: 12, strField1: 'abc', strField2: '' },
      });
      assert.deepEqual(parseMsgBody({ customFields: { intField1: -5 } }).customFields, { intField1: -5 });
      assert.deepEqual(parseMsgBody({ customFields: { intField1: 0 } }).customFields, { intField1: 0 });
      assert.deepEqual(parseMsgBody({ customFields: {} }).customFields, {});
    });

    it('only includes the fields present, and null clears one', () => {
      assert.deepEqual(parseMsgBody({ customFields: { strField2: 'x' } }).customFields, { strField2: 'x' });
      assert.deepEqual(parseMsgBody({ customFields: { intField1: null, strField1: null, strField2: null } }).customFields, {
        intField1: null,
        strField1: null,
        strField2: null,
      });
    });

    it('intField1 must be a whole number within the safe range', () => {
      const limit = 2 ** 53 - 1;
      assert.equal(parseMsgBody({ customFields: { intField1: limit } }).customFields?.intField1, limit);
      assert.equal(parseMsgBody({ customFields: { intField1: -limit } }).customFields?.intField1, -limit);
      for (const bad of [1.5, '12', true, 2 ** 53, -(2 ** 53), Number.POSITIVE_INFINITY, Number.NaN, [1], {}]) {
        invalid({ customFields: { intField1: bad } }, /customFields\.intField1 must be a whole number/);
      }
    });

    it('strField1 / strField2 must be strings of at most 1024 characters', () => {
      assert.equal(parseMsgBody({ customFields: { strField1: 's'.repeat(1024) } }).customFields?.strField1?.length, 1024);
      invalid({ customFields: { strField1: 's'.repeat(1025) } }, /customFields\.strField1 must be at most 1024/);
      invalid({ customFields: { strField2: 7 } }, /customFields\.strField2 must be a string/);
      invalid({ customFields: { strField1: ['a'] } }, /customFields\.strField1 must be a string/);
    });

    it('rejects an unknown field and lists the allowed ones', () => {
      invalid({ customFields: { intField2: 1 } }, /unknown field "intField2"; allowed: intField1, strField1, strField2/);
      invalid({ customFields: { StrField1: 'a' } }, /unknown field "StrField1"/);
      invalid({ customFields: JSON.parse('{"__proto__": 1}') as Record<string, unknown> }, /unknown field "__proto__"/);
    });

    it('must itself be an object', () => {
      for (const bad of [[], 'intField1=1', 5]) {
        invalid({ customFields: bad }, /customFields must be an object/);
      }
    });

    it('null clears all three fields', () => {
      assert.deepEqual(parseMsgBody({ customFields: null }).customFields, { intField1: null, strField1: null, strField2: null });
    });
  });

  describe('utcCreate', () => {
    it('accepts non-negative whole Unix milliseconds', () => {
      assert.equal(parseMsgBody({ utcCreate: 0 }).utcCreate, 0);
      assert.equal(parseMsgBody({ utcCreate: 1_700_000_000_000 }).utcCreate, 1_700_000_000_000);
    });

    it('rejects negatives, fractions, strings, null and unsafe integers', () => {
      for (const bad of [-1, 1.5, '1700000000000', null, 2 ** 53, Number.NaN, true]) {
        invalid({ utcCreate: bad }, /utcCreate must be a non-negative whole number of Unix milliseconds/);
      }
    });
  });

  it('reads every field together', () => {
    assert.deepEqual(
      parseMsgBody({
        title: 'T',
        description: 'D',
        tags: 'a,b',
        customFields: { intField1: 3 },
        utcCreate: 42,
        extra: 'kept by the caller, ignored here',
      }),
      { title: 'T', description: 'D', tags: ['a', 'b'], customFields: { intField1: 3 }, utcCreate: 42 },
    );
  });
});
