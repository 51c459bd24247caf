import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { generateMediaFixtures, tempDir } from '../helpers/fixtures.js';
import { installedTinyModelEnv } from '../helpers/installed-tiny-model.js';
import { rpc, startServer, waitForJobs, type RunningServer } from '../helpers/server-harness.js';

const LIB = 'metalib';
const DAY = 24 * 3600_000;
const T0 = Date.UTC(2021, 0, 1);

interface Seed {
  mediaId: string;
  title: string;
  day: number;
  customFields?: Record<string, number | string>;
  namespace?: string;
  tags?: string[];
  jpeg?: boolean;
}

/** Creation times are T0 + day; img-4 and img-5 share one. */
const SEEDS: Seed[] = [
  { mediaId: 'img-1', title: 'China travel guide', day: 3, customFields: { intField1: 1, strField1: 'travel' }, tags: ['travel', 'asia'] },
  { mediaId: 'img-2', title: '中国新闻联播', day: 10, customFields: { intField1: 2, strField1: 'news' }, jpeg: true },
  { mediaId: 'img-3', title: 'Sunset over the sea', day: 40, customFields: { intField1: 3 }, namespace: 'team-a' },
  { mediaId: 'img-4', title: 'china in spring', day: 45, customFields: { intField1: 4, strField2: 'x' } },
  { mediaId: 'img-5', title: 'Harbour', day: 45, customFields: { strField1: 'news' }, jpeg: true },
  { mediaId: 'img-6', title: 'Mountains', day: 70, namespace: 'team-a' },
  { mediaId: 'img-7', title: 'CHINA today', day: 100, customFields: { intField1: 7 } },
];

type MediaInfo = {
  MediaId: string;
  MediaBasicInfo: Record<string, unknown>;
  CustomFields: Record<string, unknown>;
  IndexStatusList: { IndexType: string; IndexStatus: string }[];
};

describe('SearchMedia over HTTP', () => {
  let server: RunningServer;
  let url: string;
  const temp = tempDir();

  const search = async (params: Record<string, string | number>, method: 'GET' | 'POST' = 'GET') => {
    const { status, body } = await rpc(url, 'SearchMedia', { SearchLibName: LIB, ...params }, method);
    return { status, body, ids: ((body.MediaInfoList as MediaInfo[] | undefined) ?? []).map((item) => item.MediaId) };
  };
  const newestFirst = [...SEEDS].sort((a, b) => b.day - a.day || b.mediaId.localeCompare(a.mediaId)).map((seed) => seed.mediaId);

  before(async () => {
    const media = generateMediaFixtures(path.join(temp.dir, 'media'));
    server = await startServer({
      MEDIASEARCH_DATA_DIR: path.join(temp.dir, 'data'),
      MEDIASEARCH_FILE_ROOTS: path.join(temp.dir, 'media'),
      MEDIASEARCH_WORKERS: '1',
      ...(await installedTinyModelEnv(temp.dir)),
    });
    url = server.url;
    assert.equal((await rpc(url, 'CreateSearchLib', { SearchLibName: LIB })).status, 200);
    // Only the mm index (the tiny test model): faces and labels are not what this test is about.
    for (const indexType of ['face', 'aiLabel']) {
      assert.equal((await rpc(url, 'DropSearchIndex', { SearchLibName: LIB, IndexType: indexType })).status, 200);
    }
    for (const seed of SEEDS) {
      const inserted = await rpc(url, 'InsertMediaToSearchLib', {
        SearchLibName: LIB,
        MediaId: seed.mediaId,
        MediaType: 'image',
        Input: pathToFileURL(seed.jpeg ? media.jpeg : media.png).href,
        MsgBody: JSON.stringify({
          title: seed.title,
          utcCreate: T0 + seed.day * DAY,
          ...(seed.customFields ? { customFields: seed.customFields } : {}),
          ...(seed.tags ? { tags: seed.tags } : {}),
        }),
        ...(seed.namespace ? { Namespace: seed.namespace } : {}),
      });
      assert.equal(inserted.status, 200, JSON.stringify(inserted.body));
    }
    for (const seed of SEEDS) await waitForJobs(url, seed.mediaId, LIB);
  });
  after(async () => {
    await server.stop();
    temp.cleanup();
  });

  it('lists the library newest first in the ICE response shape', async () => {
    const { status, body, ids } = await search({ PageSize: 50 });
    assert.equal(status, 200);
    assert.equal(body.Success, 'true');
    assert.equal(body.Code, '200');
    assert.equal(typeof body.RequestId, 'string');
    assert.equal(body.Total, 7);
    assert.deepEqual(ids, newestFirst);
    assert.equal(body.ScrollToken, undefined, 'one page holds everything');

    const first = (body.MediaInfoList as MediaInfo[]).find((item) => item.MediaId === 'img-1')!;
    const basic = first.MediaBasicInfo;
    assert.equal(basic.MediaId, 'img-1');
    assert.equal(basic.MediaType, 'image');
    assert.equal(basic.Title, 'China travel guide');
    assert.equal(basic.Tags, 'travel,asia');
    assert.equal(basic.CreationTime, '2021-01-04T00:00:00Z');
    assert.match(String(basic.ModificationTime), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(basic.Namespace, '');
    assert.equal(basic.Status, 'Normal');
    assert.equal(typeof basic.Size, 'number');
    assert.match(String(basic.InputURL), /^file:\/\/.*pattern\.png$/);
    assert.equal(basic.CoverUrl, undefined);
    assert.deepEqual(first.CustomFields, { intField1: 1, strField1: 'travel' });
    assert.deepEqual(first.IndexStatusList, [{ IndexType: 'mm', IndexStatus: 'Success' }]);
    assert.equal((first as Record<string, unknown>).AiData, undefined);

    const sunset = (body.MediaInfoList as MediaInfo[]).find((item) => item.MediaId === 'img-3')!;
    assert.equal(sunset.MediaBasicInfo.Namespace, 'team-a');
    assert.deepEqual(sunset.CustomFields, { intField1: 3 });
    assert.equal(sunset.MediaBasicInfo.Tags, '');
    assert.equal(sunset.MediaBasicInfo.Description, '');
    assert.equal(typeof sunset.MediaBasicInfo.Duration, 'number');
  });

  it('filters with Match: titles, times, types, namespaces and custom fields', async () => {
    assert.deepEqual(
      (await search({ Match: 'Title = "China" and utcCreate = ["2021-01-01T00:00:00Z","2021-02-20T00:00:00Z"]' })).ids,
      ['img-4', 'img-1'],
    );
    assert.deepEqual((await search({ Match: "title = 'china'" })).ids, ['img-7', 'img-4', 'img-1']);
    assert.deepEqual((await search({ Match: "title = '中国'" })).ids, ['img-2']);
    assert.deepEqual((await search({ Match: `utcCreate = ('${T0 + 10 * DAY}', '${T0 + 45 * DAY}')` })).ids, ['img-3']);
    assert.deepEqual((await search({ Match: "namespace = 'team-a' or mediaId in ('img-1', 'img-2')" })).ids, ['img-6', 'img-3', 'img-2', 'img-1']);
    assert.deepEqual((await search({ Match: "mediaType in ('video','audio')" })).ids, []);
    assert.deepEqual((await search({ Match: "customFields.strField1 == 'news' and (intField1 = [2,] or strField2 = 'y')" })).ids, ['img-2']);
    assert.deepEqual((await search({ Match: "tagList in ('asia')" })).ids, ['img-1']);
    const { body } = await search({ Match: "title = 'nothing like this'" });
    assert.equal(body.Total, 0);
    assert.deepEqual(body.MediaInfoList, []);
  });

  it('combines Match with CustomFilters and sorts by SortBy', async () => {
    assert.deepEqual((await search({ CustomFilters: '{"intField1":{"gte":2,"lte":4}}' })).ids, ['img-4', 'img-3', 'img-2']);
    assert.deepEqual((await search({ CustomFilters: '{"intField1":[1,7]}', Match: "title = 'CHINA'" })).ids, ['img-7', 'img-1']);
    assert.deepEqual((await search({ SortBy: 'utcCreate:Asc' })).ids, [...newestFirst].reverse());
    assert.deepEqual((await search({ SortBy: 'title:Asc', PageSize: 3 })).ids, ['CHINA today', 'China travel guide', 'Harbour'].map(
      (title) => SEEDS.find((seed) => seed.title === title)!.mediaId,
    ));
  });

  it('scrolls through every page with PageSize 2, each asset exactly once', async () => {
    for (const method of ['GET', 'POST'] as const) {
      const seen: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const { status, body, ids } = await search({ PageSize: 2, ...(token ? { ScrollToken: token, PageNo: 99 } : {}) }, method);
        assert.equal(status, 200, JSON.stringify(body));
        assert.equal(body.Total, 7);
        seen.push(...ids);
        token = body.ScrollToken as string | undefined;
        pages++;
        assert.ok(token === undefined || typeof token === 'string');
      } while (token && pages < 10);
      assert.equal(pages, 4);
      assert.deepEqual(seen, newestFirst, method);
      assert.equal(new Set(seen).size, SEEDS.length);
    }
  });

  it('pages with PageNo when no ScrollToken is given', async () => {
    const page2 = await search({ PageNo: 2, PageSize: 3 });
    assert.deepEqual(page2.ids, newestFirst.slice(3, 6));
    assert.equal(page2.body.Total, 7);
    const page3 = await search({ PageNo: 3, PageSize: 3 });
    assert.deepEqual(page3.ids, newestFirst.slice(6));
    assert.equal(page3.body.ScrollToken, undefined);
  });

  it('answers mistakes with InvalidParameter messages that say what to fix', async () => {
    const expectError = async (params: Record<string, string | number>, status: number, code: string, message: string | RegExp) => {
      const { status: actual, body } = await search(params);
      assert.equal(actual, status, JSON.stringify(body));
      assert.equal(body.Code, code);
      if (typeof message === 'string') assert.equal(body.Message, message);
      else assert.match(String(body.Message), message);
    };
    await expectError({ Match: 'Title = ' }, 400, 'InvalidParameter', 'The parameter Match is invalid: expected a value after "=" at character 9 ("Title = ").');
    await expectError({ Match: "size = '1'" }, 400, 'InvalidParameter', /^The parameter Match is invalid: unknown field "size" at character 1 \("size"\); the fields are title, description,/);
    await expectError({ Match: `title = '${'x'.repeat(5000)}'` }, 400, 'InvalidParameter', 'The parameter Match is invalid: it must be at most 4096 bytes long.');
    await expectError({ SortBy: 'duration:Desc' }, 400, 'InvalidParameter', /^The parameter SortBy is invalid: "duration" cannot be sorted on/);
    // An EntityId no face was recognised as is not an error: nothing matches (test/integration/face-search.test.ts has real ones).
    assert.equal((await search({ EntityId: 'person_1' })).body.Total, 0);
    await expectError({ EntityId: 'bad id!' }, 400, 'InvalidParameter', 'The parameter EntityId is invalid: an EntityId is 1-128 letters, digits, "_" and "-".');
    await expectError({ PageSize: 51 }, 400, 'InvalidParameter', 'The parameter PageSize is invalid: it must be from 1 to 50, got 51.');
    await expectError({ CustomFilters: '{"intField9":1}' }, 400, 'InvalidParameter', /^The parameter CustomFilters is invalid: unknown field "intField9"/);
    await expectError({ ScrollToken: 'abc' }, 400, 'InvalidParameter', /^The parameter ScrollToken is invalid: it is not a ScrollToken this server issued/);
    const token = (await search({ PageSize: 2, Match: "title = 'china'" })).body.ScrollToken as string;
    assert.ok(token);
    await expectError({ ScrollToken: token, Match: "title = 'sea'" }, 400, 'InvalidParameter', /it was issued for other search conditions/);
    await expectError({ ScrollToken: token, Match: "title = 'china'", SortBy: 'title:Asc' }, 400, 'InvalidParameter', /it was issued for SortBy "utcCreate:Desc", not "title:Asc"/);
    await expectError({ SearchLibName: 'nolib' }, 404, 'SearchLibNotFound', /The search library "nolib" does not exist/);
  });
});
