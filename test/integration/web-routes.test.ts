import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { generateMediaFixtures, tempDir } from '../helpers/fixtures.js';
import { expectJobsSucceed, rpc, startServer, type RunningServer } from '../helpers/server-harness.js';
import { signPng, videoWithStill } from '../helpers/web-fixtures.js';

type Clip = Record<string, unknown> & { From: number; To: number; Score: number };
type Hit = Record<string, unknown> & { MediaId: string; ClipInfo: Clip[] };

/**
 * The HTTP side of the web page: the page and its files, the original-file route with Range
 * requests, and the WithFileUrls extension (whose absence must leave responses exactly ICE's).
 */
describe('web routes, original files and WithFileUrls', () => {
  const temp = tempDir('mediasearch-web-routes-');
  const media = path.join(temp.dir, 'media');
  let server: RunningServer;
  let url: string;
  const ids: Record<string, string> = {};

  before(async () => {
    const fixtures = generateMediaFixtures(media);
    await signPng(path.join(media, 'bakery.png'), 'Fresh Bread Bakery');
    videoWithStill(path.join(media, 'bakery.png'), path.join(media, 'bakery.mp4'));
    server = await startServer({
      MEDIASEARCH_DATA_DIR: path.join(temp.dir, 'data'),
      MEDIASEARCH_FILE_ROOTS: media,
      MEDIASEARCH_MODEL_DIR: path.join(temp.dir, 'models'),
    });
    url = server.url;
    await rpc(url, 'AlterSearchIndex', { IndexType: 'mm', IndexStatus: 'Deactive' });
    for (const [name, file, type] of [
      ['bakery', path.join(media, 'bakery.mp4'), 'video'],
      ['pattern', fixtures.png, 'image'],
    ] as const) {
      const { body } = await rpc(url, 'InsertMediaToSearchLib', {
        Input: pathToFileURL(file).href,
        MediaType: type,
        MsgBody: JSON.stringify({ title: `${name} sample` }),
      });
      assert.equal(body.Code, '200', JSON.stringify(body));
      ids[name] = body.MediaId as string;
    }
    await expectJobsSucceed(url, Object.values(ids));
  });

  after(async () => {
    await server.stop();
    temp.cleanup();
  });

  it('serves the page to browsers at / and keeps / the API for everyone else', async () => {
    const page = await fetch(`${url}/`, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    assert.match(await page.text(), /<script type="module" src="web\/app.js">/);
    // An Action, even from a browser, is an API call.
    const api = await fetch(`${url}/?Action=ListSearchLib`, { headers: { accept: 'text/html' } });
    assert.equal(((await api.json()) as { Code: string }).Code, '200');
    const plain = await fetch(`${url}/`);
    assert.equal(((await plain.json()) as { Code: string }).Code, 'MissingParameter');
    const post = await rpc(url, 'ListSearchLib', {}, 'POST');
    assert.equal(post.status, 200);
  });

  it('serves the page\'s files and configuration, and nothing else from its folder', async () => {
    const config = await fetch(`${url}/web/config.json`);
    assert.deepEqual(await config.json(), { AuthRequired: false, ApiVersion: '2020-11-09', DefaultSearchLib: 'ims-default-search-lib' });
    const script = await fetch(`${url}/web/app.js`);
    assert.equal(script.status, 200);
    assert.match(script.headers.get('content-type') ?? '', /^text\/javascript/);
    const etag = script.headers.get('etag')!;
    const again = await fetch(`${url}/web/app.js`, { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
    for (const bad of ['/web/nothing.js', '/web/..%2Fpackage.json', '/web/%2E%2E%2Fweb-route.ts', '/web/style.css.map']) {
      const response = await fetch(`${url}${bad}`);
      assert.equal(response.status, 404, bad);
      assert.equal(((await response.json()) as { Code: string }).Code, 'NotFound');
    }
  });

  it('leaves search responses exactly as ICE shapes them unless WithFileUrls=true', async () => {
    const plain = await rpc(url, 'SearchMediaByHybrid', { Text: 'fresh bread' });
    const list = plain.body.MediaList as Hit[];
    assert.ok(list.length > 0, JSON.stringify(plain.body));
    for (const hit of list) {
      assert.deepEqual(Object.keys(hit), ['MediaId', 'ClipInfo']);
      for (const clip of hit.ClipInfo) assert.deepEqual(Object.keys(clip), ['From', 'To', 'Score']);
    }
    const media = await rpc(url, 'SearchMedia', {});
    for (const item of media.body.MediaInfoList as Record<string, unknown>[]) {
      assert.deepEqual(Object.keys(item), ['MediaId', 'MediaBasicInfo', 'CustomFields', 'IndexStatusList']);
    }
    const wrong = await rpc(url, 'SearchMediaByHybrid', { Text: 'fresh bread', WithFileUrls: 'yes' });
    assert.equal(wrong.status, 400);
    assert.match(wrong.body.Message as string, /WithFileUrls.*"true" or "false"/);
  });

  it('adds media type, title, cover, file and a keyframe per clip with WithFileUrls=true', async () => {
    for (const action of ['SearchMediaByHybrid', 'SearchMediaByMultimodal']) {
      const { status, body } = await rpc(url, action, { Text: 'fresh bread', MediaType: 'video', WithFileUrls: 'true' });
      assert.equal(status, 200, JSON.stringify(body));
      if (action === 'SearchMediaByMultimodal') continue; // no model here: an empty list, with its warning
      const hit = (body.MediaList as Hit[]).find((item) => item.MediaId === ids.bakery)!;
      assert.ok(hit, JSON.stringify(body));
      assert.deepEqual(Object.keys(hit), ['MediaId', 'MediaType', 'Title', 'CoverUrl', 'FileUrl', 'ClipInfo']);
      assert.equal(hit.MediaType, 'video');
      assert.equal(hit.Title, 'bakery sample');
      assert.match(hit.CoverUrl as string, new RegExp(`^${url}/media-files/ims-default-search-lib/${ids.bakery}/thumbnail\\.jpg\\?Expires=\\d+&Signature=`));
      assert.match(hit.FileUrl as string, new RegExp(`^${url}/media-files/ims-default-search-lib/${ids.bakery}/original\\?Expires=\\d+&Signature=`));
      const clip = hit.ClipInfo[0]!;
      assert.deepEqual(Object.keys(clip), ['From', 'To', 'Score', 'ImageUrl']);
      // The clip starts at the cut to the sign: its picture is the sign's keyframe, not the pattern's.
      const keyframe = await fetch(clip.ImageUrl as string);
      assert.equal(keyframe.status, 200);
      const keyframes = server.app.store.db
        .prepare('SELECT file, time_s AS time FROM keyframes k JOIN assets a ON a.id = k.asset_id WHERE a.media_id = ? ORDER BY time_s')
        .all(ids.bakery) as { file: string; time: number }[];
      const expected = keyframes.find((k) => k.time >= clip.From && k.time <= clip.To)!;
      assert.ok((clip.ImageUrl as string).includes(`/keyframes/${expected.file}?`), `${clip.ImageUrl} should show ${expected.file} (${expected.time} s)`);
    }
    const listed = await rpc(url, 'SearchMedia', { WithFileUrls: 'true' });
    for (const item of listed.body.MediaInfoList as Record<string, unknown>[]) {
      assert.deepEqual(Object.keys(item), ['MediaId', 'MediaBasicInfo', 'CoverUrl', 'FileUrl', 'CustomFields', 'IndexStatusList']);
      assert.match(item.FileUrl as string, /\/original\?Expires=/);
    }
  });

  it('serves the original file with Range requests, behind the URL signature', async () => {
    const { body } = await rpc(url, 'SearchMediaByHybrid', { Text: 'fresh bread', MediaId: ids.bakery!, WithFileUrls: 'true' });
    const fileUrl = (body.MediaList as Hit[])[0]!.FileUrl as string;
    const bytes = fs.readFileSync(path.join(media, 'bakery.mp4'));

    const whole = await fetch(fileUrl);
    assert.equal(whole.status, 200);
    assert.equal(whole.headers.get('content-type'), 'video/mp4');
    assert.equal(whole.headers.get('accept-ranges'), 'bytes');
    assert.equal(whole.headers.get('content-length'), String(bytes.length));
    assert.equal(whole.headers.get('content-security-policy'), "default-src 'none'; sandbox");
    assert.ok(Buffer.from(await whole.arrayBuffer()).equals(bytes));

    const part = await fetch(fileUrl, { headers: { range: 'bytes=100-199' } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), `bytes 100-199/${bytes.length}`);
    assert.ok(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(100, 200)));

    const open = await fetch(fileUrl, { headers: { range: `bytes=${bytes.length - 10}-` } });
    assert.equal(open.status, 206);
    assert.ok(Buffer.from(await open.arrayBuffer()).equals(bytes.subarray(bytes.length - 10)));
    const suffix = await fetch(fileUrl, { headers: { range: 'bytes=-5' } });
    assert.equal(suffix.headers.get('content-range'), `bytes ${bytes.length - 5}-${bytes.length - 1}/${bytes.length}`);
    assert.ok(Buffer.from(await suffix.arrayBuffer()).equals(bytes.subarray(bytes.length - 5)));

    const beyond = await fetch(fileUrl, { headers: { range: `bytes=${bytes.length}-` } });
    assert.equal(beyond.status, 416);
    assert.equal(beyond.headers.get('content-range'), `bytes */${bytes.length}`);
    await beyond.arrayBuffer();

    // Several ranges, or a changed file (If-Range), get the whole file instead.
    const multi = await fetch(fileUrl, { headers: { range: 'bytes=0-1,5-6' } });
    assert.equal(multi.status, 200);
    await multi.arrayBuffer();
    const stale = await fetch(fileUrl, { headers: { range: 'bytes=0-9', 'if-range': '"stale"' } });
    assert.equal(stale.status, 200);
    await stale.arrayBuffer();
    const fresh = await fetch(fileUrl, { headers: { range: 'bytes=0-9', 'if-range': whole.headers.get('etag')! } });
    assert.equal(fresh.status, 206);
    await fresh.arrayBuffer();

    const head = await fetch(fileUrl, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(bytes.length));

    const tampered = fileUrl.replace(/Signature=./, (match) => `Signature=${match.endsWith('A') ? 'B' : 'A'}`);
    const forbidden = await fetch(tampered, { headers: { range: 'bytes=0-9' } });
    assert.equal(forbidden.status, 403);
    assert.equal(((await forbidden.json()) as { Code: string }).Code, 'Forbidden');
    const otherAsset = fileUrl.replace(ids.bakery!, ids.pattern!);
    assert.equal((await fetch(otherAsset)).status, 403, 'a signature is for one asset only');

    const image = await rpc(url, 'SearchMedia', { Match: `mediaId == '${ids.pattern}'`, WithFileUrls: 'true' });
    const png = await fetch((image.body.MediaInfoList as { FileUrl: string }[])[0]!.FileUrl);
    assert.equal(png.headers.get('content-type'), 'image/png');
    await png.arrayBuffer();
  });
});
