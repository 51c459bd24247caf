import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { generateMediaFixtures, signPng, tempDir, videoWithSign } from '../helpers/fixtures.js';
import { installedTinyModelEnv } from '../helpers/installed-tiny-model.js';
import { expectJobsSucceed, rpc, startServer, waitForJobs, type RunningServer } from '../helpers/server-harness.js';

type Clip = { From: number; To: number; Score: number };
type MediaHit = { MediaId: string; ClipInfo: Clip[] };



describe('SearchMediaByHybrid / SearchMediaByMultimodal over HTTP', () => {
  let server: RunningServer;
  let url: string;
  const temp = tempDir();
  const media = path.join(temp.dir, 'media');
  const ids: Record<string, string> = {};

  before(async () => {
    const fixtures = generateMediaFixtures(media);
    await signPng(path.join(media, 'paris.png'), 'Welcome to Paris');
    await signPng(path.join(media, 'bakery.png'), 'Fresh Bread Bakery');
    videoWithSign(path.join(media, 'bakery.png'), path.join(media, 'bakery.mp4'));
    server = await startServer({
      MEDIASEARCH_DATA_DIR: path.join(temp.dir, 'data'),
      MEDIASEARCH_FILE_ROOTS: media,
      ...(await installedTinyModelEnv(temp.dir)),
    });
    url = server.url;
    const insert = async (name: string, file: string, mediaType: string, msgBody: object) => {
      const { body } = await rpc(url, 'InsertMediaToSearchLib', {
        Input: pathToFileURL(file).href,
        MediaType: mediaType,
        MsgBody: JSON.stringify(msgBody),
      });
      assert.equal(body.Code, '200', JSON.stringify(body));
      ids[name] = body.MediaId as string;
    };
    await insert('paris', path.join(media, 'paris.png'), 'image', { title: 'sample sign', customFields: { intField1: 1, strField1: 'travel' } });
    await insert('pandas', fixtures.png, 'image', { title: '两只熊猫在打架 sample', customFields: { intField1: 2 } });
    await insert('pattern', fixtures.jpeg, 'image', { title: 'fractal pattern sample', customFields: { intField1: 3 } });
    await insert('bakery', path.join(media, 'bakery.mp4'), 'video', { title: 'sample video', customFields: { intField1: 4, strField1: 'food' } });
    await insert('plainVideo', fixtures.video, 'video', { title: 'test card sample', customFields: { intField1: 5 } });
    await expectJobsSucceed(url, Object.values(ids));
  });
  after(async () => {
    await server.stop();
    temp.cleanup();
  });

  const hybrid = async (params: Record<string, string | number>) => {
    const { status, body } = await rpc(url, 'SearchMediaByHybrid', params);
    assert.equal(status, 200, JSON.stringify(body));
    return body as { MediaList: MediaHit[]; Total: number; Warnings?: string[] };
  };

  it('finds a photo by the text in it, and counts only matches in Total', async (t) => {
    const body = await hybrid({ Text: 'Paris' });
    t.diagnostic(JSON.stringify(body));
    assert.equal(body.MediaList[0]?.MediaId, ids.paris, JSON.stringify(body));
    const clip = body.MediaList[0]!.ClipInfo[0]!;
    assert.deepEqual([clip.From, clip.To], [0, 0]);
    assert.ok(clip.Score >= 0.2 && clip.Score <= 1, `score ${clip.Score}`);
    assert.ok(body.Total >= 1 && body.Total < Object.keys(ids).length, `Total ${body.Total} must not count the whole library`);
  });

  it('returns the moment of a video where the text appears', async (t) => {
    const body = await hybrid({ Text: 'fresh bread', MediaType: 'video' });
    t.diagnostic(JSON.stringify(body));
    const hit = body.MediaList.find((m) => m.MediaId === ids.bakery);
    assert.ok(hit, JSON.stringify(body));
    const clip = hit.ClipInfo[0]!;
    assert.ok(clip.From >= 2.5 && clip.From <= 3.5, `clip starts at the cut, got ${clip.From}`);
    assert.ok(clip.To >= 5.5 && clip.To <= 6.1, `clip ends with the video, got ${clip.To}`);
    assert.ok(body.MediaList.every((m) => m.MediaId !== ids.paris), 'MediaType=video leaves images out');
  });

  it('matches a Chinese query against Chinese text', async () => {
    const body = await hybrid({ Text: '熊猫打架' });
    assert.equal(body.MediaList[0]?.MediaId, ids.pandas, JSON.stringify(body));
  });

  it('applies CustomFilters and UtcCreate inside the recall', async () => {
    const only = await hybrid({ Text: 'Paris', CustomFilters: JSON.stringify({ intField1: { gte: 2, lte: 5 } }) });
    assert.ok(only.MediaList.every((m) => m.MediaId !== ids.paris));
    const travel = await hybrid({ Text: 'Paris', CustomFilters: JSON.stringify({ strField1: ['travel', 'food'], intField1: 1 }) });
    assert.deepEqual(travel.MediaList.map((m) => m.MediaId), [ids.paris]);
    const future = await hybrid({ Text: 'Paris', UtcCreate: JSON.stringify({ gte: Date.now() + 3600_000 }) });
    assert.equal(future.Total, 0);
  });

  it('returns one asset\'s clips for MediaId, and MediaNotFound for an unknown one', async () => {
    const body = await hybrid({ Text: 'bread', MediaId: ids.bakery! });
    assert.deepEqual(body.MediaList.map((m) => m.MediaId), [ids.bakery]);
    const missing = await rpc(url, 'SearchMediaByHybrid', { Text: 'bread', MediaId: 'nope' });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.Code, 'MediaNotFound');
  });

  it('pages stably over the matches', async () => {
    const all = await hybrid({ Text: 'sample', PageSize: 50 });
    assert.equal(all.Total, Object.keys(ids).length, JSON.stringify(all));
    const pages: string[] = [];
    for (let page = 1; page <= Math.ceil(all.Total / 2); page++) {
      pages.push(...(await hybrid({ Text: 'sample', PageSize: 2, PageNo: page })).MediaList.map((m) => m.MediaId));
    }
    assert.deepEqual(pages, all.MediaList.map((m) => m.MediaId));
    assert.equal(new Set(pages).size, all.Total);
  });

  it('searches the model channel with the installed model (Multimodal: videos by default)', async (t) => {
    const { status, body } = await rpc(url, 'SearchMediaByMultimodal', { Text: 'a bakery sign' });
    t.diagnostic(JSON.stringify(body));
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.Warnings, undefined, 'the tiny model is installed and every keyframe is embedded');
    const list = body.MediaList as MediaHit[];
    const videos = new Set([ids.bakery, ids.plainVideo]);
    assert.ok(list.every((m) => videos.has(m.MediaId)));
    for (const hit of list) for (const clip of hit.ClipInfo) assert.ok(clip.Score >= 0.2 && clip.Score <= 1);
  });

  it('explains every invalid filter', async () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ CustomFilters: '{"intField1":' }, /CustomFilters is invalid: it is not valid JSON/],
      [{ CustomFilters: '{"intField2":1}' }, /unknown field "intField2"; the fields are intField1, strField1, strField2/],
      [{ CustomFilters: '{"intField1":"12"}' }, /intField1 is an integer field, got "12"/],
      [{ CustomFilters: '{"strField1":12}' }, /strField1 is a string field, got 12/],
      [{ CustomFilters: '{"intField1":{"gte":5,"lte":2}}' }, /range on intField1 is empty: gte \(5\) is greater than lte \(2\)/],
      [{ CustomFilters: '{"intField1":12,"intField1":[1,2]}' }, /intField1 is given 2 times; a field takes one match mode/],
      [{ CustomFilters: '{"intField1":{"gte":1,"eq":2}}' }, /takes "gte" and\/or "lte", not "eq"/],
      [{ UtcCreate: '{"gte":"yesterday"}' }, /UtcCreate is invalid: gte must be a Unix time in milliseconds/],
      [{ UtcCreate: '{"gte":10,"lte":5}' }, /UtcCreate is invalid: the range is empty/],
      [{ MediaType: 'audio' }, /MediaType is invalid: "audio" is not one of image, video/],
      [{ PageSize: '51' }, /PageSize is invalid: it must be from 1 to 50/],
    ];
    for (const [params, message] of cases) {
      const { status, body } = await rpc(url, 'SearchMediaByHybrid', { Text: 'paris', ...params });
      assert.equal(status, 400, JSON.stringify(body));
      assert.equal(body.Code, 'InvalidParameter');
      assert.match(body.Message as string, message);
    }
    const noText = await rpc(url, 'SearchMediaByHybrid', {});
    assert.equal(noText.body.Code, 'MissingParameter');
    const noLib = await rpc(url, 'SearchMediaByHybrid', { Text: 'x', SearchLibName: 'nolib' });
    assert.equal(noLib.body.Code, 'SearchLibNotFound');
  });
});

describe('SearchMediaByMultimodal without the model', () => {
  it('answers with an empty list and the reason, while text search still works', async () => {
    const temp = tempDir();
    const fixtures = generateMediaFixtures(path.join(temp.dir, 'media'));
    fs.mkdirSync(path.join(temp.dir, 'models'));
    const server = await startServer({
      MEDIASEARCH_DATA_DIR: path.join(temp.dir, 'data'),
      MEDIASEARCH_FILE_ROOTS: path.join(temp.dir, 'media'),
      MEDIASEARCH_MODEL_DIR: path.join(temp.dir, 'models'),
    });
    try {
      const { body: inserted } = await rpc(server.url, 'InsertMediaToSearchLib', {
        Input: pathToFileURL(fixtures.video).href,
        MsgBody: JSON.stringify({ title: 'test card' }),
      });
      await waitForJobs(server.url, inserted.MediaId as string, undefined, 120_000);
      const { status, body } = await rpc(server.url, 'SearchMediaByMultimodal', { Text: 'test card' });
      assert.equal(status, 200);
      assert.deepEqual(body.MediaList, []);
      assert.equal(body.Total, 0);
      assert.match((body.Warnings as string[]).join(' '), /model mobileclip-s0 not installed; run `mediasearch models pull mobileclip-s0`/);
      const hybrid = await rpc(server.url, 'SearchMediaByHybrid', { Text: 'test card' });
      assert.deepEqual((hybrid.body.MediaList as MediaHit[]).map((m) => m.MediaId), [inserted.MediaId]);
    } finally {
      await server.stop();
      temp.cleanup();
    }
  });
});
