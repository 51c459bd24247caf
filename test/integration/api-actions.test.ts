import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { generateMediaFixtures, tempDir } from '../helpers/fixtures.js';
import { rpc, startServer, waitForJobs, type RunningServer } from '../helpers/server-harness.js';
import { installedTinyModelEnv } from '../helpers/installed-tiny-model.js';

describe('ICE actions over HTTP', () => {
  let server: RunningServer;
  let url: string;
  let media: ReturnType<typeof generateMediaFixtures>;
  const temp = tempDir();
  const fileUrl = (file: string) => pathToFileURL(file).href;

  before(async () => {
    media = generateMediaFixtures(path.join(temp.dir, 'media'));
    server = await startServer({
      MEDIASEARCH_DATA_DIR: path.join(temp.dir, 'data'),
      MEDIASEARCH_FILE_ROOTS: path.join(temp.dir, 'media'),
      ...(await installedTinyModelEnv(temp.dir)),
    });
    url = server.url;
  });
  after(async () => {
    await server.stop();
    temp.cleanup();
  });

  it('has the default library with all three indexes active on first start', async () => {
    const { status, body } = await rpc(url, 'QuerySearchLib', {});
    assert.equal(status, 200);
    assert.equal(body.Success, 'true');
    assert.equal(body.Code, '200');
    assert.equal(typeof body.RequestId, 'string');
    assert.equal(body.SearchLibName, 'ims-default-search-lib');
    assert.deepEqual(
      (body.IndexInfo as { IndexType: string; IndexStatus: string }[]).map((i) => [i.IndexType, i.IndexStatus]),
      [
        ['mm', 'Active'],
        ['face', 'Active'],
        ['aiLabel', 'Active'],
      ],
    );
  });

  it('creates, alters, lists and drops a search library', async () => {
    // faceGroupIds must name existing face recognition libraries.
    const [a, b, c] = await Promise.all(
      ['a', 'b', 'c'].map(async (name) => (await rpc(url, 'CreateRecognitionLib', { Algorithm: 'face', LibName: name })).body.LibId as string),
    );
    const created = await rpc(url, 'CreateSearchLib', { SearchLibName: 'news2024', SearchLibConfig: `{"faceGroupIds":"${a},${b}"}` });
    assert.equal(created.status, 200);
    assert.equal(created.body.SearchLibName, 'news2024');

    const again = await rpc(url, 'CreateSearchLib', { SearchLibName: 'news2024' });
    assert.equal(again.status, 409);
    assert.equal(again.body.Code, 'SearchLibAlreadyExists');

    await rpc(url, 'AlterSearchLib', { SearchLibName: 'news2024', SearchLibConfig: `{"faceGroupIds":"${c}"}` });
    const queried = await rpc(url, 'QuerySearchLib', { SearchLibName: 'news2024' });
    assert.equal(queried.body.SearchLibConfig, `{"faceGroupIds":"${c}"}`);
    assert.equal(queried.body.Status, 'normal');

    const listed = await rpc(url, 'ListSearchLib', { PageNo: 1, PageSize: 50 });
    const names = (listed.body.SearchLibInfoList as { SearchLibName: string }[]).map((l) => l.SearchLibName);
    assert.ok(names.includes('news2024') && names.includes('ims-default-search-lib'));
    assert.equal(listed.body.Total, names.length);

    const page2 = await rpc(url, 'ListSearchLib', { PageNo: 2, PageSize: 1 });
    assert.equal((page2.body.SearchLibInfoList as unknown[]).length, 1);

    const dropped = await rpc(url, 'DropSearchLib', { SearchLibName: 'news2024' });
    assert.equal(dropped.status, 200);
    const gone = await rpc(url, 'QuerySearchLib', { SearchLibName: 'news2024' });
    assert.equal(gone.status, 404);
    assert.equal(gone.body.Code, 'SearchLibNotFound');
    assert.match(String(gone.body.Message), /CreateSearchLib/);
  });

  it('manages the indexes of a library', async () => {
    await rpc(url, 'CreateSearchLib', { SearchLibName: 'idxlib' });
    assert.equal((await rpc(url, 'CreateSearchIndex', { SearchLibName: 'idxlib', IndexType: 'mm' })).status, 200);
    const deactivated = await rpc(url, 'AlterSearchIndex', { SearchLibName: 'idxlib', IndexType: 'face', IndexStatus: 'Deactive' });
    assert.equal(deactivated.status, 200);
    const face = await rpc(url, 'QuerySearchIndex', { SearchLibName: 'idxlib', IndexType: 'face' });
    assert.equal(face.body.IndexStatus, 'Deactive');
    assert.equal(face.body.MediaTotal, '0');

    await rpc(url, 'DropSearchIndex', { SearchLibName: 'idxlib', IndexType: 'aiLabel' });
    const missing = await rpc(url, 'QuerySearchIndex', { SearchLibName: 'idxlib', IndexType: 'aiLabel' });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.Code, 'IndexNotFound');

    // Only the active index (mm) is analysed for a new asset.
    const inserted = await rpc(url, 'InsertMediaToSearchLib', {
      SearchLibName: 'idxlib',
      Input: fileUrl(media.png),
      MediaType: 'image',
    });
    const jobs = await waitForJobs(url, String(inserted.body.MediaId), 'idxlib');
    assert.deepEqual(jobs.map((j) => [j.IndexType, j.Status]), [['mm', 'Success']]);
    const mm = await rpc(url, 'QuerySearchIndex', { SearchLibName: 'idxlib', IndexType: 'mm' });
    assert.equal(mm.body.MediaTotal, '1');

    const noChange = await rpc(url, 'AlterSearchIndex', { SearchLibName: 'idxlib', IndexType: 'mm' });
    assert.equal(noChange.body.Code, 'MissingParameter');
  });

  it('inserts a video and an image whose jobs end in Success, with metadata kept', async () => {
    const video = await rpc(url, 'InsertMediaToSearchLib', {
      Input: fileUrl(media.video),
      MediaId: 'clip-1',
      MsgBody: JSON.stringify({ title: '测试视频', customFields: { intField1: 12, strField1: 'abc' } }),
      Namespace: 'team-a',
    });
    assert.equal(video.status, 200);
    assert.equal(video.body.MediaId, 'clip-1');
    const image = await rpc(url, 'InsertMediaToSearchLib', { Input: fileUrl(media.jpeg), MediaType: 'image' });
    assert.match(String(image.body.MediaId), /^[0-9a-f]{32}$/);

    for (const id of ['clip-1', String(image.body.MediaId)]) {
      const jobs = await waitForJobs(url, id);
      assert.deepEqual(jobs.map((j) => j.IndexType).sort(), ['aiLabel', 'face', 'mm']);
      for (const job of jobs) {
        assert.equal(job.Status, 'Success');
        assert.match(String((job as { GmtFinish?: string }).GmtFinish), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
      }
    }
    const asset = server.app.store.assets.get('ims-default-search-lib', 'clip-1')!;
    assert.equal(asset.title, '测试视频');
    assert.deepEqual(asset.customFields, { intField1: 12, strField1: 'abc', strField2: null });
    assert.equal(asset.namespace, 'team-a');
    assert.ok(Math.abs((asset.duration ?? 0) - 3) < 0.2, `duration ${asset.duration}`);
    assert.equal(asset.width, 320);
    assert.ok(asset.thumbnail && fs.statSync(asset.thumbnail).size > 0);
  });

  it('fails the jobs of corrupt, truncated or mistyped media with a reason, and keeps serving', async () => {
    const cases = [
      { file: media.corrupt, type: 'video', reason: /not a readable image, video or audio file/ },
      { file: media.truncatedVideo, type: 'video', reason: /not a readable|no video/ },
      { file: media.png, type: 'video', reason: /MediaType=video \(the default\) but the file is an image/ },
      { file: media.audio, type: 'image', reason: /file is an audio/ },
    ];
    for (const [i, c] of cases.entries()) {
      await rpc(url, 'InsertMediaToSearchLib', { Input: fileUrl(c.file), MediaType: c.type, MediaId: `bad-${i}` });
    }
    for (const [i, c] of cases.entries()) {
      const jobs = await waitForJobs(url, `bad-${i}`);
      for (const job of jobs) {
        assert.equal(job.Status, 'Fail', `${c.file}: ${JSON.stringify(job)}`);
        assert.match(String(job.ErrorMessage), c.reason);
      }
    }
    const health = await fetch(`${url}/healthz`);
    assert.equal(health.status, 200);
  });

  it('validates insert parameters with actionable messages', async () => {
    const missing = await rpc(url, 'InsertMediaToSearchLib', {});
    assert.equal(missing.status, 400);
    assert.equal(missing.body.Code, 'MissingParameter');
    assert.match(String(missing.body.Message), /Input/);

    const checks: [Record<string, string>, RegExp][] = [
      [{ Input: fileUrl(media.png), MediaType: 'photo' }, /MediaType.*not one of image, video, audio/],
      [{ Input: fileUrl(media.png), MsgBody: '{bad json' }, /MsgBody.*not valid JSON/],
      [{ Input: fileUrl(media.png), MsgBody: '{"customFields":{"intField2":1}}' }, /unknown field "intField2"/],
      [{ Input: fileUrl(media.png), MsgBody: '{"customFields":{"intField1":"12"}}' }, /intField1 must be a whole number/],
      [{ Input: 'file:///etc/passwd' }, /Input.*MEDIASEARCH_FILE_ROOTS|outside/i],
      [{ Input: 'http://127.0.0.1/x.mp4' }, /loopback address/],
      [{ Input: 'ftp://example.com/x.mp4' }, /unsupported input scheme/],
      [{ Input: 'upload://0123456789abcdef0123456789abcdef' }, /does not exist/],
      [{ Input: fileUrl(media.png), MediaId: 'has space' }, /MediaId/],
      [{ Input: fileUrl(media.png), SearchLibName: 'nope' }, /does not exist/],
    ];
    for (const [params, message] of checks) {
      const { status, body } = await rpc(url, 'InsertMediaToSearchLib', params);
      assert.ok(status === 400 || status === 404, `${JSON.stringify(params)} -> ${status}`);
      assert.match(String(body.Message), message, JSON.stringify(params));
      assert.equal(typeof body.RequestId, 'string');
    }
    const duplicate = await rpc(url, 'InsertMediaToSearchLib', { Input: fileUrl(media.png), MediaId: 'clip-1' });
    assert.equal(duplicate.body.Code, 'MediaAlreadyExists');
  });

  it('updates metadata, reruns jobs and deletes assets with their files', async () => {
    await rpc(url, 'InsertMediaToSearchLib', { Input: fileUrl(media.jpeg), MediaType: 'image', MediaId: 'life', Namespace: 'ns1' });
    await waitForJobs(url, 'life');

    const updated = await rpc(url, 'UpdateMediaToSearchLib', {
      MediaId: 'life',
      MsgBody: '{"title":"new title","customFields":{"strField2":"x"}}',
    });
    assert.equal(updated.status, 200);
    const asset = server.app.store.assets.get('ims-default-search-lib', 'life')!;
    assert.equal(asset.title, 'new title');
    assert.equal(asset.customFields.strField2, 'x');

    const wrongNamespace = await rpc(url, 'UpdateMediaToSearchLib', { MediaId: 'life', Namespace: 'ns2', MsgBody: '{}' });
    assert.equal(wrongNamespace.body.Code, 'MediaNotFound');

    const rerun = await rpc(url, 'SearchIndexJobRerun', { MediaIds: 'life,ghost', Task: 'mm' });
    assert.deepEqual((rerun.body.Data as { MediaIdsNoExist: string[] }).MediaIdsNoExist, ['ghost']);
    const jobs = await waitForJobs(url, 'life');
    assert.ok(jobs.every((j) => j.Status === 'Success'));

    const tooMany = await rpc(url, 'SearchIndexJobRerun', { MediaIds: Array.from({ length: 21 }, (_, i) => `m${i}`).join(',') });
    assert.match(String(tooMany.body.Message), /at most 20/);
    const badTask = await rpc(url, 'SearchIndexJobRerun', { MediaIds: 'life', Task: 'ocr' });
    assert.match(String(badTask.body.Message), /not one of mm, face, aiLabel/);

    const dir = path.dirname(asset.thumbnail!);
    assert.ok(fs.existsSync(dir));
    const deleted = await rpc(url, 'DeleteMediaFromSearchLib', { MediaId: 'life', Namespace: 'ns1' });
    assert.equal(deleted.status, 200);
    assert.equal(fs.existsSync(dir), false);
    const after = await rpc(url, 'QueryMediaIndexJob', { MediaId: 'life' });
    assert.equal(after.body.Code, 'MediaNotFound');
  });

  it('accepts uploads and inserts them by upload:// id', async () => {
    const bytes = fs.readFileSync(media.png);
    const response = await fetch(`${url}/upload?FileName=${encodeURIComponent('bars.png')}`, { method: 'POST', body: bytes });
    const upload = (await response.json()) as { Input: string; Size: number };
    assert.equal(response.status, 200);
    assert.match(upload.Input, /^upload:\/\/[0-9a-f]{32}$/);
    assert.equal(upload.Size, bytes.length);
    const inserted = await rpc(url, 'InsertMediaToSearchLib', { Input: upload.Input, MediaType: 'image', MediaId: 'uploaded' });
    assert.equal(inserted.status, 200);
    const jobs = await waitForJobs(url, 'uploaded');
    assert.ok(jobs.every((j) => j.Status === 'Success'));
    const reuse = await rpc(url, 'InsertMediaToSearchLib', { Input: upload.Input, MediaType: 'image' });
    assert.match(String(reuse.body.Message), /already inserted/);
  });

  it('answers unknown actions, wrong versions and unknown paths with catalogue errors', async () => {
    const unknown = await rpc(url, 'Frobnicate');
    assert.equal(unknown.body.Code, 'InvalidAction');
    const version = await rpc(url, 'ListSearchLib', { Version: '2017-03-21' });
    assert.equal(version.body.Code, 'InvalidVersion');
    const noAction = await fetch(`${url}/`);
    assert.equal(((await noAction.json()) as { Code: string }).Code, 'MissingParameter');
    const notFound = await fetch(`${url}/nothing-here`);
    assert.equal(notFound.status, 404);
    const json = await fetch(`${url}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(((await json.json()) as { Code: string }).Code, 'UnsupportedMediaType');
    const post = await rpc(url, 'ListSearchLib', { PageSize: 51 }, 'POST');
    assert.match(String(post.body.Message), /PageSize.*from 1 to 50/);
  });
});
