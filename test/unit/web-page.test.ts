import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import fc from 'fast-check';
import { parseRange } from '../../src/api/byte-range.js';
import { OPAQUE_CONTENT_TYPE, originalContentType } from '../../src/api/media-content-type.js';
import { v1Signature, v1StringToSign } from '../../src/api/auth/signature-v1.js';

/** The page's signing module as the browser loads it (src/web is plain JavaScript, no build). */
interface WebSignature {
  signV1(method: string, params: Record<string, string>, id: string, secret: string, options?: { forceFallback?: boolean; now?: number }): Promise<Record<string, string>>;
  hmacSha1Base64(key: string, message: string, options?: { forceFallback?: boolean }): Promise<string>;
}
const webSignature = (await import(
  pathToFileURL(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../src/web/signature.js')).href
)) as WebSignature;

describe('the page\'s signature 1.0 (src/web/signature.js)', () => {
  it('signs exactly as the server verifies, with WebCrypto and with its own SHA-1', async () => {
    const text = fc.string({ unit: 'binary', maxLength: 40 });
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), text, { maxKeys: 6 }), text, fc.boolean(), async (params, secret, fallback) => {
        const signed = await webSignature.signV1('POST', { Action: 'SearchMedia', ...params }, 'key-id', secret, { forceFallback: fallback });
        assert.equal(signed.SignatureMethod, 'HMAC-SHA1');
        assert.match(signed.Timestamp!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
        assert.equal(signed.Signature, v1Signature(v1StringToSign('POST', signed), secret));
      }),
      { numRuns: 200 },
    );
  });

  it('computes HMAC-SHA1 over long keys and messages like node:crypto', async () => {
    const key = 'k'.repeat(100);
    const message = '中文 and text '.repeat(500);
    const { createHmac } = await import('node:crypto');
    const expected = createHmac('sha1', key).update(message).digest('base64');
    assert.equal(await webSignature.hmacSha1Base64(key, message, { forceFallback: true }), expected);
    assert.equal(await webSignature.hmacSha1Base64(key, message), expected);
  });
});

describe('parseRange', () => {
  it('reads one byte range and clamps its end to the file', () => {
    assert.deepEqual(parseRange('bytes=0-99', 1000), { kind: 'partial', range: { start: 0, end: 99 } });
    assert.deepEqual(parseRange('bytes=500-', 1000), { kind: 'partial', range: { start: 500, end: 999 } });
    assert.deepEqual(parseRange('bytes=900-5000', 1000), { kind: 'partial', range: { start: 900, end: 999 } });
    assert.deepEqual(parseRange('bytes=-100', 1000), { kind: 'partial', range: { start: 900, end: 999 } });
    assert.deepEqual(parseRange('bytes=-5000', 1000), { kind: 'partial', range: { start: 0, end: 999 } });
  });

  it('answers 416 for ranges past the end, and ignores what it does not take', () => {
    assert.deepEqual(parseRange('bytes=1000-', 1000), { kind: 'unsatisfiable' });
    assert.deepEqual(parseRange('bytes=-0', 1000), { kind: 'unsatisfiable' });
    assert.deepEqual(parseRange('bytes=0-', 0), { kind: 'unsatisfiable' });
    for (const ignored of [undefined, '', 'bytes=', 'bytes=-', 'items=0-1', 'bytes=0-1,3-4', 'bytes=5-2', 'bytes=a-b']) {
      assert.deepEqual(parseRange(ignored, 1000), { kind: 'full' }, String(ignored));
    }
  });

  it('never yields a range outside the file', () => {
    fc.assert(
      fc.property(fc.nat(10_000), fc.option(fc.nat(20_000)), fc.option(fc.nat(20_000)), (size, first, last) => {
        const header = `bytes=${first ?? ''}-${last ?? ''}`;
        const result = parseRange(header, size);
        if (result.kind === 'partial') {
          assert.ok(result.range.start >= 0 && result.range.start <= result.range.end && result.range.end < size, `${header} of ${size}`);
        }
      }),
    );
  });
});

describe('originalContentType', () => {
  it('names media types a browser plays, from the extension or the probed format', () => {
    assert.equal(originalContentType('/x/source.MP4', 'video', null), 'video/mp4');
    assert.equal(originalContentType('/x/photo.jpeg', 'image', 'jpeg'), 'image/jpeg');
    assert.equal(originalContentType('/x/source', 'video', 'mov,mp4,m4a,3gp,3g2,mj2'), 'video/mp4');
    assert.equal(originalContentType('/x/source', 'audio', 'mov,mp4,m4a,3gp,3g2,mj2'), 'audio/mp4');
    assert.equal(originalContentType('/x/source', 'video', 'matroska,webm'), 'video/webm');
    assert.equal(originalContentType('/x/source', 'image', 'png'), 'image/png');
  });

  it('never serves something a browser would run as a page', () => {
    assert.equal(originalContentType('/x/drawing.svg', 'image', 'svg'), OPAQUE_CONTENT_TYPE);
    assert.equal(originalContentType('/x/page.html', 'image', 'svg'), OPAQUE_CONTENT_TYPE);
    assert.equal(originalContentType('/x/page.html', 'image', 'png'), 'image/png');
  });
});
