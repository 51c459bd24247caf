import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import Fastify from 'fastify';
import { tempDir } from '../helpers/fixtures.js';
import { FileUrlSigner, URL_SIGNING_KEY_FILE } from '../../src/api/file-url-signer.js';
import { MediaFileUrls, mediaFilePaths } from '../../src/api/media-file-urls.js';
import { requestBaseUrl } from '../../src/api/public-base-url.js';
import { ConfigError, loadConfig } from '../../src/config.js';

const temp = tempDir('mediasearch-signer-');
after(() => temp.cleanup());

const KEY = Buffer.alloc(32, 1);
const NOW = Date.UTC(2025, 5, 1, 12, 0, 0);

/** Splits a signed path into its path and its Expires/Signature values. */
function parts(signed: string): { path: string; expires: string; signature: string } {
  const url = new URL(signed, 'http://x');
  return { path: url.pathname, expires: url.searchParams.get('Expires')!, signature: url.searchParams.get('Signature')! };
}

describe('FileUrlSigner', () => {
  it('accepts its own URL and refuses any change to the path, expiry or signature', () => {
    const signer = new FileUrlSigner(KEY, { now: () => NOW });
    const signed = parts(signer.sign('/media-files/lib/m1/thumbnail.jpg'));
    assert.deepEqual(signer.verify(signed.path, signed.expires, signed.signature), { ok: true, expires: Number(signed.expires) });

    const mismatch = { ok: false, reason: 'mismatch' };
    assert.deepEqual(signer.verify('/media-files/lib/m2/thumbnail.jpg', signed.expires, signed.signature), mismatch);
    assert.deepEqual(signer.verify(signed.path, String(Number(signed.expires) + 900), signed.signature), mismatch);
    const flipped = (signed.signature[0] === 'A' ? 'B' : 'A') + signed.signature.slice(1);
    assert.deepEqual(signer.verify(signed.path, signed.expires, flipped), mismatch);
    // Another server's key signs different URLs.
    assert.deepEqual(new FileUrlSigner(Buffer.alloc(32, 2), { now: () => NOW }).verify(signed.path, signed.expires, signed.signature), mismatch);

    assert.deepEqual(signer.verify(signed.path, undefined, signed.signature), { ok: false, reason: 'missing' });
    assert.deepEqual(signer.verify(signed.path, signed.expires, undefined), { ok: false, reason: 'missing' });
    assert.deepEqual(signer.verify(signed.path, '12x', signed.signature), { ok: false, reason: 'malformed' });
    assert.deepEqual(signer.verify(signed.path, signed.expires, `${signed.signature}=`), { ok: false, reason: 'malformed' });
  });

  it('expires: valid for at least the TTL, refused after Expires', () => {
    let now = NOW + 123_456;
    const signer = new FileUrlSigner(KEY, { now: () => now, ttlSeconds: 3600, granularitySeconds: 900 });
    const signed = parts(signer.sign('/p'));
    const expires = Number(signed.expires);
    assert.equal(expires % 900, 0);
    assert.ok(expires * 1000 >= now + 3600_000 && expires * 1000 < now + 4500_000, `${expires}`);
    assert.equal(signer.secondsLeft(expires), Math.floor(expires - now / 1000));
    now = expires * 1000 - 1;
    assert.equal(signer.verify(signed.path, signed.expires, signed.signature).ok, true);
    now = expires * 1000;
    assert.deepEqual(signer.verify(signed.path, signed.expires, signed.signature), { ok: false, reason: 'expired' });
    assert.equal(signer.secondsLeft(expires), 0);
  });

  it('hands out the same URL within one expiry window, so clients can cache it', () => {
    let now = NOW + 1000; // just past the start of a window
    const signer = new FileUrlSigner(KEY, { now: () => now });
    const first = signer.sign('/p');
    now += 60_000;
    assert.equal(signer.sign('/p'), first);
    now += 900_000;
    assert.notEqual(signer.sign('/p'), first);
  });

  it('creates a 32-byte key file readable only by its owner, and reuses it', () => {
    const dir = path.join(temp.dir, 'data');
    const signer = FileUrlSigner.loadOrCreate(dir, { now: () => NOW });
    const file = path.join(dir, URL_SIGNING_KEY_FILE);
    const stat = fs.statSync(file);
    assert.equal(stat.size, 32);
    assert.equal(stat.mode & 0o777, 0o600);
    assert.deepEqual(fs.readdirSync(dir), [URL_SIGNING_KEY_FILE], 'no temporary file left behind');
    const again = FileUrlSigner.loadOrCreate(dir, { now: () => NOW });
    assert.equal(again.sign('/p'), signer.sign('/p'), 'a restart keeps handed-out URLs valid');

    fs.writeFileSync(file, Buffer.alloc(8));
    assert.throws(() => FileUrlSigner.loadOrCreate(dir), /holds 8 bytes.*Delete the file/);
    assert.throws(() => new FileUrlSigner(Buffer.alloc(16)), /at least 32 bytes/);
  });

  it('builds absolute URLs from the asset names, percent-encoded', () => {
    const urls = new MediaFileUrls(new FileUrlSigner(KEY, { now: () => NOW })).forBase('https://media.example.com/base/');
    const asset = { library: 'lib', mediaId: 'a:b.c' };
    assert.equal(mediaFilePaths.thumbnail(asset), '/media-files/lib/a%3Ab.c/thumbnail.jpg');
    assert.match(urls.thumbnail(asset), /^https:\/\/media\.example\.com\/base\/media-files\/lib\/a%3Ab\.c\/thumbnail\.jpg\?Expires=\d+&Signature=/);
    assert.match(urls.keyframe(asset, '00003.jpg'), /\/media-files\/lib\/a%3Ab\.c\/keyframes\/00003\.jpg\?/);
  });
});

describe('base URL of responses', () => {
  const app = Fastify();
  app.get('/base', (request) => ({ base: requestBaseUrl(request, undefined), configured: requestBaseUrl(request, 'https://cdn.example.com') }));
  after(() => app.close());

  const base = async (headers: Record<string, string>, remoteAddress = '127.0.0.1') => {
    const response = await app.inject({ method: 'GET', url: '/base', headers, remoteAddress });
    return response.json() as { base: string; configured: string };
  };

  it('uses the Host header, or MEDIASEARCH_PUBLIC_URL when configured', async () => {
    assert.deepEqual(await base({ host: 'media.local:8080' }, '203.0.113.9'), { base: 'http://media.local:8080', configured: 'https://cdn.example.com' });
    assert.equal((await base({ host: '[::1]:8080' }, '203.0.113.9')).base, 'http://[::1]:8080');
  });

  it('honours X-Forwarded-Proto/Host only from a proxy on this machine', async () => {
    const forwarded = { host: 'internal:8080', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.example, media.example.com' };
    assert.equal((await base(forwarded, '127.0.0.1')).base, 'https://media.example.com');
    assert.equal((await base(forwarded, '::ffff:127.0.0.1')).base, 'https://media.example.com');
    assert.equal((await base(forwarded, '198.51.100.7')).base, 'http://internal:8080');
  });

  it('never builds a URL from a Host that is not host[:port]', async () => {
    const { base: url } = await base({ host: 'evil.example/x?y=' }, '198.51.100.7');
    assert.doesNotMatch(url, /evil/);
    assert.match(url, /^http:\/\/[^/]+$/);
  });

  it('validates MEDIASEARCH_PUBLIC_URL', () => {
    assert.equal(loadConfig({}).publicUrl, undefined);
    assert.equal(loadConfig({ MEDIASEARCH_PUBLIC_URL: 'https://media.example.com/' }).publicUrl, 'https://media.example.com');
    assert.equal(loadConfig({ MEDIASEARCH_PUBLIC_URL: 'http://host:9000/prefix/' }).publicUrl, 'http://host:9000/prefix');
    for (const bad of ['media.example.com', 'ftp://x', 'https://x/?a=1', 'https://u:p@x']) {
      assert.throws(() => loadConfig({ MEDIASEARCH_PUBLIC_URL: bad }), ConfigError, bad);
    }
  });
});
