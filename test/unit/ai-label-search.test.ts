import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ActionContext } from '../../src/api/actions/action.js';
import { searchMediaByAiLabel } from '../../src/api/actions/search-media-by-ai-label.js';
import { ApiError, type ErrorCode } from '../../src/api/errors.js';
import { FileUrlSigner } from '../../src/api/file-url-signer.js';
import { MediaFileUrls } from '../../src/api/media-file-urls.js';
import { Params } from '../../src/api/params.js';
import type { AiLabelMediaItem } from '../../src/services/ai-label-search-service.js';
import type { JobScheduler } from '../../src/jobs/scheduler.js';
import type { NewSegmentText } from '../../src/store/analysis-repository.js';
import { openDatabase } from '../../src/store/database.js';
import { MediaFiles } from '../../src/store/media-files.js';
import { Store } from '../../src/store/store.js';
import {
  AiLabelSearchService,
  MAX_AI_ITEMS_PER_SOURCE,
  SEARCH_TYPE_TARGETS,
  queryLanguage,
} from '../../src/services/ai-label-search-service.js';
import { LibraryService } from '../../src/services/library-service.js';
import { INDEX_TYPES, type MediaType } from '../../src/types.js';

const T0 = Date.UTC(2024, 0, 15, 8, 0, 0);
const BASE_URL = 'http://media.test:8080';

type Item = AiLabelMediaItem;

interface SeedAsset {
  mediaId: string;
  library?: string;
  namespace?: string;
  mediaType?: MediaType;
  utcCreate?: number;
  title?: string;
  description?: string;
  tags?: string[];
  intField1?: number;
  strField1?: string;
  /** Not ingested: no file, segments or thumbnail. */
  pending?: boolean;
  /** Per segment (10 s each, keyframes every 5 s at 960×540 for a 1920×1080 video). */
  texts?: (segments: number[]) => NewSegmentText[];
  segments?: number;
}

const label = (segmentId: number, en: string, zh: string, confidence: number, from: number, box = { x: 96, y: 54, width: 192, height: 108 }): NewSegmentText => ({
  segmentId, source: 'label', label: en, text: en, textZh: zh, confidence, from, to: from + 10, box,
});
const ocr = (segmentId: number, text: string, from: number): NewSegmentText => ({
  segmentId, source: 'ocr', label: null, text, textZh: null, confidence: 0.95, from, to: from + 10, box: { x: 10, y: 10, width: 100, height: 20 },
});
const asr = (segmentId: number, text: string, from: number, to: number): NewSegmentText => ({
  segmentId, source: 'asr', label: null, text, textZh: null, confidence: 0.8, from, to, box: null,
});

describe('SearchMediaByAILabel (service and action over a real store)', () => {
  let store: Store;
  let context: ActionContext;
  let counter = 0;

  function seed(asset: SeedAsset): number {
    const library = asset.library ?? 'lib';
    const mediaType = asset.mediaType ?? 'video';
    const id = store.assets.insert({
      library,
      mediaId: asset.mediaId,
      namespace: asset.namespace ?? '',
      mediaType,
      input: `file:///media/${asset.mediaId}`,
      metadata: {
        ...(asset.title ? { title: asset.title } : {}),
        ...(asset.description ? { description: asset.description } : {}),
        ...(asset.tags ? { tags: asset.tags } : {}),
        customFields: { intField1: asset.intField1 ?? null, strField1: asset.strField1 ?? null },
        utcCreate: asset.utcCreate ?? T0 + ++counter * 1000,
      },
      msgBody: {},
      now: T0 + 500,
    });
    assert.ok(id !== undefined);
    if (asset.pending) return id;
    const image = mediaType === 'image';
    const segmentCount = image ? 1 : (asset.segments ?? 2);
    store.assets.markIngested(id, {
      localPath: `/data/media/${id}/source`,
      fileSize: 4096,
      probe: {
        kind: mediaType,
        formatName: image ? 'jpeg' : 'mp4',
        duration: image ? null : segmentCount * 10,
        width: 1920,
        height: 1080,
        videoCodec: image ? null : 'h264',
        audioCodec: null,
        rotation: 0,
      },
      thumbnail: `/data/media/${id}/thumbnail.jpg`,
    });
    let file = 0;
    const keyframe = (time: number) => ({ time, frameTime: time + 0.04, file: `${String(file++).padStart(5, '0')}.jpg`, width: 960, height: 540 });
    store.analysis.replaceSegments(
      id,
      Array.from({ length: segmentCount }, (_, seq) => ({
        seq,
        from: image ? 0 : seq * 10,
        to: image ? 0 : seq * 10 + 10,
        keyframes: image ? [{ time: 0, frameTime: 0, file: '00000.jpg', width: 960, height: 540 }] : [keyframe(seq * 10 + 2.5), keyframe(seq * 10 + 7.5)],
      })),
    );
    const segmentIds = store.analysis.segments(id).map((s) => s.id);
    if (asset.texts) store.analysis.replaceTexts(id, ['label', 'ocr', 'asr'], asset.texts(segmentIds));
    return id;
  }

  async function search(values: Record<string, string>): Promise<{ total: number; items: Item[] }> {
    const result = await searchMediaByAiLabel.handle(new Params({ SearchLibName: 'lib', ...values }), context, { accessKeyId: null, baseUrl: BASE_URL });
    return { total: result.Total as number, items: result.MediaList as Item[] };
  }
  const ids = (items: Item[]) => items.map((item) => item.MediaId);

  async function rejects(values: Record<string, string>, code: ErrorCode, message?: RegExp): Promise<void> {
    await assert.rejects(
      async () => search(values),
      (error: unknown) => {
        assert.ok(error instanceof ApiError, String(error));
        assert.equal(error.code, code);
        if (message) assert.match(error.message, message);
        return true;
      },
    );
  }

  before(() => {
    store = new Store(openDatabase(':memory:'));
    store.libraries.create('lib', {}, INDEX_TYPES, T0);
    store.libraries.create('other', {}, INDEX_TYPES, T0);
    const files = new MediaFiles('/data');
    const libraries = new LibraryService(store, {} as JobScheduler, files);
    const urls = new MediaFileUrls(new FileUrlSigner(Buffer.alloc(32, 7)));
    context = { aiLabelSearch: new AiLabelSearchService(store, libraries, urls) } as unknown as ActionContext;

    // Creation times rise in this order: label-dog is the oldest.
    seed({ mediaId: 'label-dog', texts: ([s0, s1]) => [label(s0!, 'dog', '狗', 0.91, 0), label(s1!, 'dog', '狗', 0.72, 10), label(s1!, 'person', '人', 0.8, 10)] });
    seed({ mediaId: 'ocr-dog', texts: ([s0]) => [ocr(s0!, 'Dog show tonight', 0), ocr(s0!, 'Exit', 0)] });
    seed({ mediaId: 'asr-dog', texts: ([, s1]) => [asr(s1!, 'my dog is barking', 12.25, 14.5)] });
    seed({ mediaId: 'title-dog', title: 'Dog portrait', description: 'studio light', tags: ['pets', 'studio'] });
    seed({ mediaId: 'car', mediaType: 'image', intField1: 7, strField1: 'x', texts: ([s0]) => [label(s0!, 'car', '汽车', 0.66, 0), ocr(s0!, 'red car parked here', 0)] });
    seed({ mediaId: 'team-b', namespace: 'team-b', intField1: 9, texts: ([s0]) => [label(s0!, 'dog', '狗', 0.5, 0)] });
    seed({ mediaId: 'elsewhere', library: 'other', texts: ([s0]) => [label(s0!, 'dog', '狗', 0.9, 0)] });
    seed({ mediaId: 'waiting', pending: true, title: 'Dog waiting' });
  });
  after(() => store.close());

  it('maps each MultimodalSearchType to its texts, in one table', async () => {
    assert.deepEqual(SEARCH_TYPE_TARGETS.PersonName, { sources: ['face'], assetText: false });
    assert.deepEqual(ids((await search({ Text: 'dog', MultimodalSearchType: 'AiCategory' })).items), ['team-b', 'label-dog']);
    assert.deepEqual(ids((await search({ Text: 'dog', MultimodalSearchType: 'Ocr' })).items), ['ocr-dog']);
    const full = await search({ Text: 'dog' }); // FullSearch is the default
    assert.deepEqual(ids(full.items), ['waiting', 'team-b', 'title-dog', 'asr-dog', 'ocr-dog', 'label-dog']);
    assert.equal(full.total, 6);
    // No track was recognised as a person named like that: nothing, rather than an error.
    assert.deepEqual(await search({ Text: 'dog', MultimodalSearchType: 'PersonName' }), { total: 0, items: [] });
  });

  it('fuzzy matches any term, precise needs every term in one text', async () => {
    assert.deepEqual(ids((await search({ Text: 'red bicycle', MultimodalSearchType: 'Ocr' })).items), ['car']);
    assert.deepEqual(ids((await search({ Text: 'red bicycle', MultimodalSearchType: 'Ocr', MatchingMode: 'precise' })).items), []);
    assert.deepEqual(ids((await search({ Text: 'parked red', MultimodalSearchType: 'Ocr', MatchingMode: 'precise' })).items), ['car']);
    // English stemming: "dogs" finds "dog".
    assert.deepEqual(ids((await search({ Text: 'dogs', MultimodalSearchType: 'AiCategory', MatchingMode: 'precise' })).items), ['team-b', 'label-dog']);
    // Only punctuation: nothing searchable, nothing found (not the browse listing).
    assert.deepEqual(await search({ Text: '?!', MultimodalSearchType: 'AiCategory' }), { total: 0, items: [] });
  });

  it('finds labels by their Chinese name and answers in the language of the query', async () => {
    assert.equal(queryLanguage('两只狗'), 'zh');
    assert.equal(queryLanguage('dog 1'), 'en');
    const zh = await search({ Text: '狗', MultimodalSearchType: 'AiCategory', MediaId: 'label-dog' });
    assert.deepEqual(ids(zh.items), ['label-dog']);
    const [dog] = zh.items[0]!.AiData.AiLabelInfo;
    assert.equal(dog!.LabelId, 'dog');
    assert.equal(dog!.LabelName, '狗');
    assert.deepEqual(dog!.Occurrences.map((o) => o.Content), ['狗', '狗']);
    assert.deepEqual(ids((await search({ Text: '汽车', MultimodalSearchType: 'AiCategory' })).items), ['car']);
    // A one-character label inside a longer Chinese query (its bigrams 两只 只狗 do not contain 狗 alone).
    const sentence = await search({ Text: '两只狗在雪地上打架', MultimodalSearchType: 'AiCategory' });
    assert.deepEqual(ids(sentence.items), ['team-b', 'label-dog']);
    assert.deepEqual(ids((await search({ Text: '两只狗在雪地上打架', MultimodalSearchType: 'AiCategory', MatchingMode: 'precise' })).items), []);
    const en = await search({ Text: 'dog', MultimodalSearchType: 'AiCategory', MediaId: 'label-dog' });
    assert.equal(en.items[0]!.AiData.AiLabelInfo[0]!.LabelName, 'dog');
  });

  it('applies MediaType, CustomFilters, UtcCreate and Namespace inside the match', async () => {
    assert.deepEqual(ids((await search({ Text: 'car', MediaType: 'image' })).items), ['car']);
    assert.deepEqual(ids((await search({ Text: 'dog', MediaType: 'image' })).items), []);
    assert.deepEqual(ids((await search({ Text: 'dog', CustomFilters: '{"intField1":9}' })).items), ['team-b']);
    assert.deepEqual(ids((await search({ Text: 'car', CustomFilters: '{"intField1":[7,8],"strField1":"x"}' })).items), ['car']);
    assert.deepEqual(ids((await search({ Text: 'dog', Namespace: 'team-b' })).items), ['team-b']);
    const created = (mediaId: string) => store.assets.get('lib', mediaId)!.utcCreate;
    const window = JSON.stringify({ gte: created('ocr-dog'), lte: created('title-dog') });
    assert.deepEqual(ids((await search({ Text: 'dog', UtcCreate: window })).items), ['title-dog', 'asr-dog', 'ocr-dog']);
    assert.deepEqual(ids((await search({ Text: 'dog', SearchLibName: 'other' })).items), ['elsewhere']);
    await rejects({ Text: 'dog', SearchLibName: 'nolib' }, 'SearchLibNotFound');
    await rejects({ Text: 'dog', CustomFilters: '{"intField2":1}' }, 'InvalidParameter', /CustomFilters/);
  });

  it('sorts by creation time either way, ties by insertion order, and pages stably', async () => {
    const asc = await search({ Text: 'dog', SortBy: 'CreationTime:Asc' });
    assert.deepEqual(ids(asc.items), ['label-dog', 'ocr-dog', 'asr-dog', 'title-dog', 'team-b', 'waiting']);
    const pages: string[] = [];
    for (let pageNo = 1; pageNo <= 3; pageNo++) {
      const page = await search({ Text: 'dog', PageNo: String(pageNo), PageSize: '2' });
      assert.equal(page.total, 6);
      pages.push(...ids(page.items));
    }
    assert.deepEqual(pages, ['waiting', 'team-b', 'title-dog', 'asr-dog', 'ocr-dog', 'label-dog']);
    assert.deepEqual(await search({ Text: 'dog', PageNo: '4', PageSize: '2' }), { total: 6, items: [] });

    // Equal creation times: the later insert counts as newer.
    seed({ mediaId: 'tie-1', library: 'other', utcCreate: T0, texts: ([s]) => [label(s!, 'cat', '猫', 0.9, 0)] });
    seed({ mediaId: 'tie-2', library: 'other', utcCreate: T0, texts: ([s]) => [label(s!, 'cat', '猫', 0.9, 0)] });
    assert.deepEqual(ids((await search({ Text: 'cat', SearchLibName: 'other' })).items), ['tie-2', 'tie-1']);
    assert.deepEqual(ids((await search({ Text: 'cat', SearchLibName: 'other', SortBy: 'CreationTime:Asc' })).items), ['tie-1', 'tie-2']);
    await rejects({ Text: 'cat', SortBy: 'Score:Desc' }, 'InvalidParameter', /SortBy/);
  });

  it('SpecificSearch returns the one asset with its matching clips', async () => {
    const result = await search({ Text: 'dog', SpecificSearch: 'true', MediaId: 'label-dog' });
    assert.equal(result.total, 1);
    const data = result.items[0]!.AiData;
    // Only what matched: the person label in the second segment is not listed.
    assert.deepEqual(data.AiLabelInfo.map((l) => l.LabelId), ['dog']);
    assert.deepEqual(data.AiLabelInfo[0]!.Occurrences.map((o) => [o.From, o.To, o.Score]), [[0, 10, 0.91], [10, 20, 0.72]]);
    assert.deepEqual(await search({ Text: 'cat', SpecificSearch: 'true', MediaId: 'label-dog' }), { total: 0, items: [] });
    await rejects({ Text: 'dog', SpecificSearch: 'true' }, 'MissingParameter', /MediaId is required when SpecificSearch/);
    await rejects({ Text: 'dog', SpecificSearch: 'yes', MediaId: 'label-dog' }, 'InvalidParameter', /SpecificSearch/);
    await rejects({ Text: 'dog', SpecificSearch: 'true', MediaId: 'nope' }, 'MediaNotFound');
    // Another namespace's asset does not exist for this caller.
    await rejects({ Text: 'dog', SpecificSearch: 'true', MediaId: 'team-b', Namespace: 'team-a' }, 'MediaNotFound');
  });

  it('builds AiData in the ICE shape, with signed absolute URLs and boxes in media pixels', async () => {
    const { items } = await search({ Text: 'dog', MediaId: 'label-dog', MultimodalSearchType: 'AiCategory' });
    const item = items[0]!;
    const asset = store.assets.get('lib', 'label-dog')!;
    const segments = store.analysis.segments(asset.id);
    assert.deepEqual(Object.keys(item), [
      'MediaId', 'Title', 'Description', 'CoverUrl', 'Duration', 'CreationTime', 'ModificationTime', 'Size', 'Status', 'Tags', 'Snapshots', 'AiData',
    ]);
    assert.equal(item.Duration, 20);
    assert.equal(item.Size, 4096);
    assert.equal(item.Status, 'Normal');
    assert.match(item.CreationTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(item.ModificationTime, '2024-01-15T08:00:00Z');
    assert.match(item.CoverUrl, /^http:\/\/media\.test:8080\/media-files\/lib\/label-dog\/thumbnail\.jpg\?Expires=\d+&Signature=[\w-]{43}$/);
    assert.equal(item.Snapshots.length, 4);
    assert.match(item.Snapshots[0]!, /\/media-files\/lib\/label-dog\/keyframes\/00000\.jpg\?Expires=/);

    const dog = item.AiData.AiLabelInfo[0]!;
    assert.deepEqual(
      { ...dog, Occurrences: undefined },
      { Category: 'object', LabelId: 'dog', LabelName: 'dog', LabelType: 'object', Source: 'vision', FaceId: '', Occurrences: undefined },
    );
    const first = dog.Occurrences[0]!;
    assert.equal(first.ClipId, String(segments[0]!.id));
    assert.equal(first.Content, 'dog');
    assert.match(first.Image, /^http:\/\/media\.test:8080\/media-files\/lib\/label-dog\/keyframes\/00000\.jpg\?Expires=/);
    // The box was found in a 960×540 keyframe of a 1920×1080 video: twice as large in media pixels.
    assert.deepEqual(first.Tracks, [{ Position: '192.0;108.0;576.0;324.0', Size: 384 * 216, Timestamp: 2.54 }]);
    assert.equal(dog.Occurrences[1]!.ClipId, String(segments[1]!.id));
    assert.match(dog.Occurrences[1]!.Image, /keyframes\/00002\.jpg/);
    assert.deepEqual(item.AiData.OcrInfo, []);
    assert.deepEqual(item.AiData.AsrInfo, []);

    const text = await search({ Text: 'dog', MultimodalSearchType: 'FullSearch', MediaId: 'ocr-dog' });
    assert.deepEqual(text.items[0]!.AiData.OcrInfo, [
      { ClipId: String(store.analysis.segments(store.assets.get('lib', 'ocr-dog')!.id)[0]!.id), Content: 'Dog show tonight', From: 0, To: 10, Timestamp: 2.54 },
    ]);
    const speech = await search({ Text: 'barking', MediaId: 'asr-dog' });
    assert.deepEqual(speech.items[0]!.AiData.AsrInfo.map((a) => [a.Content, a.From, a.To, a.Timestamp]), [['my dog is barking', 12.25, 14.5, 12.25]]);

    // Matched only through its title: listed, with nothing in AiData.
    const titled = (await search({ Text: 'portrait' })).items;
    assert.deepEqual(ids(titled), ['title-dog']);
    assert.equal(titled[0]!.Title, 'Dog portrait');
    assert.equal(titled[0]!.Description, 'studio light');
    assert.equal(titled[0]!.Tags, 'pets,studio');
    assert.deepEqual(titled[0]!.AiData, { AiLabelInfo: [], AsrInfo: [], OcrInfo: [] });

    // Not ingested yet: no cover, no snapshots, status Preparing.
    const waiting = (await search({ Text: 'waiting' })).items[0]!;
    assert.deepEqual([waiting.CoverUrl, waiting.Snapshots, waiting.Status, waiting.Duration, waiting.Size], ['', [], 'Preparing', 0, 0]);
  });

  it('without Text lists the assets in scope with all their AI data', async () => {
    const all = await search({ SortBy: 'CreationTime:Asc', PageSize: '50' });
    assert.deepEqual(ids(all.items), ['label-dog', 'ocr-dog', 'asr-dog', 'title-dog', 'car', 'team-b', 'waiting']);
    assert.equal(all.total, 7);
    const dog = all.items[0]!.AiData;
    assert.deepEqual(dog.AiLabelInfo.map((l) => [l.LabelId, l.Occurrences.length]), [['dog', 2], ['person', 1]]);
    assert.deepEqual(all.items[1]!.AiData.OcrInfo.map((o) => o.Content), ['Dog show tonight', 'Exit']);
    // The type narrows which AI data is listed, not which assets.
    const ocrOnly = await search({ MultimodalSearchType: 'Ocr', MediaId: 'car' });
    assert.deepEqual(ocrOnly.items[0]!.AiData.AiLabelInfo, []);
    assert.equal(ocrOnly.items[0]!.AiData.OcrInfo.length, 1);
    const image = ocrOnly.items[0]!;
    assert.equal(image.Duration, 0);
    assert.equal(image.Snapshots.length, 1);
    assert.equal(image.AiData.OcrInfo[0]!.From, 0);
  });

  it('spreads at most ten snapshots over a long video and bounds AiData per source', async () => {
    const many = Array.from({ length: MAX_AI_ITEMS_PER_SOURCE + 5 }, (_, i) => i);
    seed({ mediaId: 'long', library: 'other', segments: 25, texts: (segs) => many.map((i) => ocr(segs[i % 25]!, `line ${i}`, (i % 25) * 10)) });
    const listed = (await search({ SearchLibName: 'other', MultimodalSearchType: 'Ocr' })).items.find((i) => i.MediaId === 'long')!;
    const files = listed.Snapshots.map((url) => /keyframes\/(\d+)\.jpg/.exec(url)![1]);
    assert.deepEqual(files, ['00000', '00005', '00010', '00015', '00020', '00025', '00030', '00035', '00040', '00045']);
    assert.equal(listed.AiData.OcrInfo.length, MAX_AI_ITEMS_PER_SOURCE);
    const one = await search({ SearchLibName: 'other', MultimodalSearchType: 'Ocr', SpecificSearch: 'true', MediaId: 'long' });
    assert.equal(one.items[0]!.AiData.OcrInfo.length, MAX_AI_ITEMS_PER_SOURCE + 5);
    const times = one.items[0]!.AiData.OcrInfo.map((o) => o.From);
    assert.deepEqual(times, [...times].sort((a, b) => a - b));
  });

  it('rejects unknown MultimodalSearchType, MatchingMode and MediaType values', async () => {
    await rejects({ Text: 'dog', MultimodalSearchType: 'Face' }, 'InvalidParameter', /MultimodalSearchType.*PersonName, Ocr, AiCategory, FullSearch/);
    await rejects({ Text: 'dog', MatchingMode: 'exact' }, 'InvalidParameter', /MatchingMode/);
    await rejects({ Text: 'dog', MediaType: 'document' }, 'InvalidParameter', /MediaType/);
    await rejects({ Text: 'dog', PageSize: '51' }, 'InvalidParameter', /PageSize/);
  });
});
