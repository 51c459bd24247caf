import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { ApiError, type ErrorCode } from '../../src/api/errors.js';
import type { JobScheduler } from '../../src/jobs/scheduler.js';
import type { CustomFieldCondition } from '../../src/search/search-scope.js';
import { LibraryService } from '../../src/services/library-service.js';
import { MediaQueryService, type MediaQueryRequest, type MediaQueryResult } from '../../src/services/media-query-service.js';
import { MediaFiles } from '../../src/store/media-files.js';
import { Store } from '../../src/store/store.js';
import { INDEX_TYPES, type MediaType } from '../../src/types.js';
import { tempDir } from '../helpers/fixtures.js';

const T0 = Date.UTC(2024, 0, 15, 8, 0, 0);
const DAY = 24 * 3600_000;

interface Seed {
  mediaId: string;
  library?: string;
  title?: string;
  mediaType?: MediaType;
  namespace?: string;
  day: number;
  /** utcModified, in days after T0 (default: the creation day). */
  modifiedDay?: number;
  intField1?: number;
  strField1?: string;
  tags?: string[];
}

describe('MediaQueryService', () => {
  const temp = tempDir('mediasearch-media-query-');
  let store: Store;
  let service: MediaQueryService;
  const ids = new Map<string, number>();

  const seed = (asset: Seed): number => {
    const id = store.assets.insert({
      library: asset.library ?? 'lib',
      mediaId: asset.mediaId,
      namespace: asset.namespace ?? '',
      mediaType: asset.mediaType ?? 'image',
      input: `file:///media/${asset.mediaId}.jpg`,
      metadata: {
        ...(asset.title !== undefined ? { title: asset.title } : {}),
        ...(asset.tags ? { tags: asset.tags } : {}),
        customFields: { intField1: asset.intField1 ?? null, strField1: asset.strField1 ?? null },
        utcCreate: T0 + asset.day * DAY,
      },
      msgBody: {},
      now: T0 + (asset.modifiedDay ?? asset.day) * DAY,
    })!;
    ids.set(asset.mediaId, id);
    return id;
  };

  const search = (request: Partial<MediaQueryRequest> = {}): MediaQueryResult =>
    service.search({ library: 'lib', customFilters: [], pageNo: 1, pageSize: 10, ...request });
  const mediaIds = (result: MediaQueryResult) => result.hits.map((hit) => hit.asset.mediaId);

  /** Every page of a scroll, following the tokens; returns the MediaIds in order and the page count. */
  const scrollAll = (request: Partial<MediaQueryRequest>, onPage?: (page: number) => void): { order: string[]; pages: number } => {
    const order: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const result = search({ ...request, ...(token ? { scrollToken: token } : {}) });
      order.push(...mediaIds(result));
      token = result.scrollToken;
      pages++;
      onPage?.(pages);
      assert.ok(pages < 100, 'the scroll does not end');
    } while (token);
    return { order, pages };
  };

  const rejects = (request: Partial<MediaQueryRequest>, code: ErrorCode, message: string | RegExp) =>
    assert.throws(
      () => search(request),
      (error: unknown) => {
        assert.ok(error instanceof ApiError, String(error));
        assert.equal(error.code, code);
        if (typeof message === 'string') assert.equal(error.message, message);
        else assert.match(error.message, message);
        return true;
      },
    );

  before(() => {
    store = Store.open(path.join(temp.dir, 'mediasearch.db'));
    store.libraries.create('lib', {}, INDEX_TYPES, T0);
    store.libraries.create('other', {}, INDEX_TYPES, T0);
    service = new MediaQueryService(store, new LibraryService(store, {} as JobScheduler, new MediaFiles(temp.dir)));
    seed({ mediaId: 'china-news', title: 'China News tonight', day: 1, intField1: 1, strField1: 'a', tags: ['news'] });
    seed({ mediaId: 'beijing', title: '北京 中国新闻', day: 2, intField1: 2, strField1: 'b', mediaType: 'video', namespace: 'team-a' });
    seed({ mediaId: 'sports', title: 'Sports', day: 3, intField1: 3, strField1: 'a', mediaType: 'video', modifiedDay: 9 });
    seed({ mediaId: 'untitled', day: 3, intField1: 4, mediaType: 'audio' });
    seed({ mediaId: 'weather', title: 'weather in china', day: 5, intField1: 5, strField1: 'c', namespace: 'team-a', tags: ['news', 'sky'] });
    seed({ mediaId: 'archive', title: 'Archive', day: 0, modifiedDay: 4 });
    seed({ mediaId: 'elsewhere', library: 'other', title: 'China elsewhere', day: 4 });
  });
  after(() => {
    store.close();
    temp.cleanup();
  });

  it('lists every asset of the library, newest first, with the total', () => {
    const result = search();
    // sports and untitled share a creation time: the later-inserted one comes first.
    assert.deepEqual(mediaIds(result), ['weather', 'untitled', 'sports', 'beijing', 'china-news', 'archive']);
    assert.equal(result.total, 6);
    assert.equal(result.scrollToken, undefined);
  });

  it('filters with Match, alone and with CustomFilters', () => {
    assert.deepEqual(mediaIds(search({ match: "title = 'china'" })), ['weather', 'china-news']);
    assert.deepEqual(mediaIds(search({ match: "Title = '中国'" })), ['beijing']);
    assert.deepEqual(mediaIds(search({ match: "mediaType in ('video','audio') and namespace == ''" })), ['untitled', 'sports']);
    assert.deepEqual(mediaIds(search({ match: "utcCreate = ['2024-01-17T08:00:00Z', '2024-01-18T08:00:00Z')" })), ['beijing']);
    assert.deepEqual(mediaIds(search({ match: `utcModified = [${T0 + 4 * DAY},]` })), ['weather', 'sports', 'archive']);
    assert.deepEqual(mediaIds(search({ match: "tagList = 'news' or intField1 = [3, 4]" })), ['weather', 'untitled', 'sports', 'china-news']);
    const aOnly: CustomFieldCondition[] = [{ field: 'strField1', mode: 'exact', value: 'a' }];
    assert.deepEqual(mediaIds(search({ customFilters: aOnly })), ['sports', 'china-news']);
    assert.deepEqual(mediaIds(search({ customFilters: aOnly, match: "title = 'news'" })), ['china-news']);
    const result = search({ match: "mediaId == 'nothing'" });
    assert.deepEqual(result.hits, []);
    assert.equal(result.total, 0);
    assert.equal(result.scrollToken, undefined);
  });

  it('sorts by utcCreate, utcModified or title, in either direction and on several keys', () => {
    assert.deepEqual(mediaIds(search({ sortBy: 'utcCreate:Asc' })), ['archive', 'china-news', 'beijing', 'sports', 'untitled', 'weather']);
    assert.deepEqual(mediaIds(search({ sortBy: 'utcModified:Desc' })), ['sports', 'weather', 'archive', 'untitled', 'beijing', 'china-news']);
    // An absent title sorts as the empty text; titles compare by code point.
    assert.deepEqual(mediaIds(search({ sortBy: 'title:Asc' })), ['untitled', 'archive', 'china-news', 'sports', 'weather', 'beijing']);
    assert.deepEqual(mediaIds(search({ sortBy: 'utcCreate:Desc, title:Asc' })), ['weather', 'untitled', 'sports', 'beijing', 'china-news', 'archive']);
    assert.deepEqual(mediaIds(search({ sortBy: 'CreationTime:asc,utcModified:desc' })).slice(3, 5), ['sports', 'untitled']);
  });

  it('pages with PageNo and PageSize while the total stays the count of all matches', () => {
    const page2 = search({ pageNo: 2, pageSize: 4 });
    assert.deepEqual(mediaIds(page2), ['china-news', 'archive']);
    assert.equal(page2.total, 6);
    assert.equal(page2.scrollToken, undefined);
    const page1 = search({ pageNo: 1, pageSize: 4 });
    assert.equal(mediaIds(page1).length, 4);
    assert.ok(page1.scrollToken, 'a page with more after it carries a ScrollToken');
    assert.deepEqual(mediaIds(search({ pageNo: 9, pageSize: 4 })), []);
    // The token of a PageNo page continues after that page.
    assert.deepEqual(mediaIds(search({ pageSize: 4, scrollToken: page1.scrollToken! })), ['china-news', 'archive']);
  });

  it('scrolls through every sort order, each asset exactly once, and the last page has no token', () => {
    for (const sortBy of ['utcCreate:Desc', 'utcCreate:Asc', 'utcModified:Desc', 'title:Asc', 'title:Desc,utcCreate:Asc']) {
      const full = mediaIds(search({ sortBy, pageSize: 50 }));
      const { order, pages } = scrollAll({ sortBy, pageSize: 2 });
      assert.deepEqual(order, full, sortBy);
      assert.equal(pages, 3, sortBy);
    }
    const filtered = scrollAll({ match: "title = 'H'", pageSize: 1 });
    assert.deepEqual(filtered.order, ['weather', 'china-news', 'archive']);
  });

  it('ignores PageNo when a ScrollToken is given', () => {
    const first = search({ pageSize: 2 });
    assert.deepEqual(mediaIds(search({ pageSize: 2, pageNo: 3, scrollToken: first.scrollToken! })), ['sports', 'beijing']);
  });

  it('keeps a scroll stable while assets are added and removed', () => {
    const before = mediaIds(search({ pageSize: 50 }));
    const added: string[] = [];
    const { order } = scrollAll({ pageSize: 2 }, (page) => {
      if (page === 1) {
        // Ahead of the position (older) and behind it (newest): neither disturbs the scroll.
        seed({ mediaId: 'late-old', title: 'late', day: -1 });
        seed({ mediaId: 'late-new', title: 'late', day: 30 });
        added.push('late-old', 'late-new');
      }
      if (page === 2) store.assets.delete(ids.get('china-news')!);
    });
    for (const mediaId of before.filter((id) => id !== 'china-news')) {
      assert.equal(order.filter((id) => id === mediaId).length, 1, mediaId);
    }
    assert.ok(order.includes('late-old'), 'an asset added ahead of the position is reached');
    assert.ok(!order.includes('late-new'), 'an asset added behind the position is not');
    assert.ok(!order.includes('china-news'));
    for (const mediaId of added) store.assets.delete(ids.get(mediaId)!);
    seed({ mediaId: 'china-news', title: 'China News tonight', day: 1, intField1: 1, strField1: 'a', tags: ['news'] });
  });

  it('refuses a ScrollToken from other conditions, another SortBy or elsewhere', () => {
    const token = search({ match: "title = 'a'", pageSize: 1 }).scrollToken!;
    assert.ok(token);
    assert.doesNotThrow(() => search({ match: "TITLE   =   'a'", scrollToken: token }), 'spelling and spacing do not matter');
    rejects(
      { match: "title = 'b'", scrollToken: token },
      'InvalidParameter',
      'The parameter ScrollToken is invalid: it was issued for other search conditions (Match, CustomFilters, EntityId or SearchLibName); ' +
        'send the same conditions while scrolling, or leave ScrollToken out to start again from the first page.',
    );
    rejects({ match: "title = 'a'", customFilters: [{ field: 'intField1', mode: 'exact', value: 1 }], scrollToken: token }, 'InvalidParameter', /other search conditions/);
    rejects({ match: "title = 'a'", library: 'other', scrollToken: token }, 'InvalidParameter', /other search conditions/);
    rejects(
      { match: "title = 'a'", sortBy: 'utcCreate:Asc', scrollToken: token },
      'InvalidParameter',
      'The parameter ScrollToken is invalid: it was issued for SortBy "utcCreate:Desc", not "utcCreate:Asc"; keep SortBy while scrolling, ' +
        'or leave ScrollToken out to start again from the first page.',
    );
    const notOurs = 'The parameter ScrollToken is invalid: it is not a ScrollToken this server issued; leave ScrollToken out to start again from the first page.';
    for (const bad of ['F8C4F642184DBDA5D93907A70AAE1234', 'not a token!', Buffer.from('{"v":1}').toString('base64url'), token.slice(0, -3)]) {
      rejects({ match: "title = 'a'", scrollToken: bad }, 'InvalidParameter', notOurs);
    }
  });

  it('explains a bad Match or SortBy as InvalidParameter', () => {
    rejects({ match: 'Title = ' }, 'InvalidParameter', 'The parameter Match is invalid: expected a value after "=" at character 9 ("Title = ").');
    rejects({ sortBy: 'size:Desc' }, 'InvalidParameter', /^The parameter SortBy is invalid: "size" cannot be sorted on; write field:Asc or field:Desc/);
    rejects({ sortBy: 'utcCreate' }, 'InvalidParameter', /"utcCreate" is not a sort key/);
    rejects({ sortBy: 'utcCreate:Up' }, 'InvalidParameter', /"Up" is not a direction; use Asc or Desc\./);
    rejects({ sortBy: 'title:Asc,Title:Desc' }, 'InvalidParameter', /title is listed twice/);
    rejects({ sortBy: 'title:Asc,utcCreate:Asc,utcModified:Asc,title:Desc' }, 'InvalidParameter', /at most 3 are allowed/);
  });

  it('answers SearchLibNotFound for an unknown library; an EntityId nobody was recognised as matches nothing', () => {
    rejects({ library: 'nope' }, 'SearchLibNotFound', /The search library "nope" does not exist/);
    const none = search({ entityId: 'person-1' });
    assert.equal(none.total, 0);
    assert.deepEqual(none.hits, []);
  });

  it('answers any Match, SortBy and ScrollToken with a result or an ApiError, never another error', () => {
    const token = search({ pageSize: 1 }).scrollToken!;
    fc.assert(
      fc.property(
        fc.option(fc.oneof(fc.string(), fc.constantFrom("title = 'a'", "intField1 = [1,", 'utcCreate = (,)', "mediaId in ('a'")), { nil: undefined }),
        fc.option(fc.oneof(fc.string(), fc.constantFrom('title:Asc', 'utcCreate:Desc,title:Asc')), { nil: undefined }),
        fc.option(fc.oneof(fc.string(), fc.constant(token), fc.string().map((tail) => token.slice(0, 20) + tail)), { nil: undefined }),
        (match, sortBy, scrollToken) => {
          try {
            search({ match, sortBy, scrollToken, pageSize: 2 });
          } catch (error) {
            assert.ok(error instanceof ApiError && error.code === 'InvalidParameter', String(error));
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('reports the index jobs of each asset in mm, face, aiLabel order', () => {
    const id = ids.get('weather')!;
    for (const kind of ['aiLabel', 'ingest', 'mm', 'face'] as const) store.jobs.enqueue(id, kind, T0);
    store.db.prepare("UPDATE jobs SET state = 'success' WHERE asset_id = ? AND kind = 'mm'").run(id);
    store.db.prepare("UPDATE jobs SET state = 'failed' WHERE asset_id = ? AND kind = 'face'").run(id);
    const hit = search({ match: "mediaId == 'weather'" }).hits[0]!;
    assert.deepEqual(hit.indexJobs, [
      { kind: 'mm', state: 'success' },
      { kind: 'face', state: 'failed' },
      { kind: 'aiLabel', state: 'queued' },
    ]);
    assert.deepEqual(search({ match: "mediaId == 'sports'" }).hits[0]!.indexJobs, []);
  });
});
