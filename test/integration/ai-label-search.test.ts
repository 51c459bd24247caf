import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { tempDir } from '../helpers/fixtures.js';
import { installedTinyModelEnv } from '../helpers/installed-tiny-model.js';
import { rpc, startServer, waitForJobs, type RunningServer } from '../helpers/server-harness.js';
import { FileUrlSigner } from '../../src/api/file-url-signer.js';
import { mediaFilePaths } from '../../src/api/media-file-urls.js';
import type { AiLabelMediaItem } from '../../src/services/ai-label-search-service.js';

type Item = AiLabelMediaItem;

/**
 * A street sign: a red octagon reading STOP (CenterNet finds a COCO "stop sign" in it) and two
 * printed lines, English and Chinese, for OCR. 640×480, so keyframe and media pixels coincide.
 */
async function writeStreetSign(file: string): Promise<void> {
  const svg =
    '<svg xmlns="http://www.w3.org/2000/svg" width="640" height="480"><rect width="100%" height="100%" fill="#7fb0e0"/>' +
    '<rect x="310" y="300" width="20" height="180" fill="#888"/>' +
    '<polygon points="262,80 378,80 460,162 460,278 378,360 262,360 180,278 180,162" fill="#c8102e" stroke="white" stroke-width="8"/>' +
    '<text x="320" y="245" text-anchor="middle" font-family="DejaVu Sans" font-weight="bold" font-size="72" fill="white">STOP</text>' +
    '<text x="20" y="40" font-family="DejaVu Sans" font-size="28" fill="black">Harbour Street</text>' +
    '<text x="400" y="440" font-family="WenQuanYi Micro Hei" font-size="32" fill="black">海港大街</text></svg>';
  await sharp(Buffer.from(svg)).jpeg({ quality: 92 }).toFile(file);
}

describe('SearchMediaByAILabel over HTTP', () => {
  let server: RunningServer;
  let url: string;
  const temp = tempDir('mediasearch-ailabel-');
  const dataDir = path.join(temp.dir, 'data');
  const mediaDir = path.join(temp.dir, 'media');

  const search = async (params: Record<string, string>) => {
    const { status, body } = await rpc(url, 'SearchMediaByAILabel', params);
    assert.equal(status, 200, JSON.stringify(body));
    return { total: body.Total as number, items: body.MediaList as Item[] };
  };

  before(async () => {
    fs.mkdirSync(mediaDir, { recursive: true });
    await writeStreetSign(path.join(mediaDir, 'sign.jpg'));
    server = await startServer({
      MEDIASEARCH_DATA_DIR: dataDir,
      MEDIASEARCH_FILE_ROOTS: mediaDir,
      ...(await installedTinyModelEnv(temp.dir)),
    });
    url = server.url;
    const inserted = await rpc(url, 'InsertMediaToSearchLib', {
      Input: pathToFileURL(path.join(mediaDir, 'sign.jpg')).href,
      MediaId: 'street-sign',
      MediaType: 'image',
      MsgBody: JSON.stringify({ title: 'Corner of Harbour Street', tags: ['street', 'sign'], customFields: { intField1: 3 } }),
    });
    assert.equal(inserted.status, 200, JSON.stringify(inserted.body));
    const jobs = await waitForJobs(url, 'street-sign', undefined, 180_000);
    assert.deepEqual(
      jobs.map((job) => `${job.IndexType}:${job.Status}`).sort(),
      ['aiLabel:Success', 'face:Success', 'mm:Success'],
      JSON.stringify(jobs),
    );
  });
  after(async () => {
    await server.stop();
    temp.cleanup();
  });

  it('finds the sign by the text printed on it (Ocr) and answers in the ICE shape', async () => {
    const { total, items } = await search({ Text: 'Harbour Street', MultimodalSearchType: 'Ocr' });
    assert.equal(total, 1);
    const item = items[0]!;
    assert.equal(item.MediaId, 'street-sign');
    assert.equal(item.Title, 'Corner of Harbour Street');
    assert.equal(item.Description, '');
    assert.equal(item.Tags, 'street,sign');
    assert.equal(item.Duration, 0);
    assert.equal(item.Size, fs.statSync(path.join(mediaDir, 'sign.jpg')).size);
    assert.equal(item.Status, 'Normal');
    assert.match(item.CreationTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.match(item.ModificationTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.ok(item.CoverUrl.startsWith(`${url}/media-files/ims-default-search-lib/street-sign/thumbnail.jpg?Expires=`), item.CoverUrl);
    assert.equal(item.Snapshots.length, 1);
    assert.ok(item.Snapshots[0]!.startsWith(`${url}/media-files/ims-default-search-lib/street-sign/keyframes/`), item.Snapshots[0]);
    // Only the OCR line that matched, and no labels: the type was Ocr.
    assert.deepEqual(item.AiData.AiLabelInfo, []);
    assert.deepEqual(item.AiData.AsrInfo, []);
    assert.equal(item.AiData.OcrInfo.length, 1);
    const line = item.AiData.OcrInfo[0]!;
    assert.equal(line.Content, 'Harbour Street');
    assert.match(line.ClipId, /^\d+$/);
    assert.deepEqual([line.From, line.To, line.Timestamp], [0, 0, 0]);

    const chinese = await search({ Text: '海港', MultimodalSearchType: 'Ocr' });
    assert.deepEqual(chinese.items[0]!.AiData.OcrInfo.map((o) => o.Content), ['海港大街']);
    assert.equal((await search({ Text: 'Harbour Street', MultimodalSearchType: 'AiCategory' })).total, 0);
  });

  it('finds the object label in English and in Chinese (AiCategory)', async () => {
    const english = await search({ Text: 'stop sign', MultimodalSearchType: 'AiCategory', MatchingMode: 'precise' });
    assert.deepEqual(english.items.map((i) => i.MediaId), ['street-sign']);
    const chinese = await search({ Text: '停车标志', MultimodalSearchType: 'AiCategory' });
    assert.deepEqual(chinese.items.map((i) => i.MediaId), ['street-sign']);
    for (const [result, name] of [[english, 'stop sign'], [chinese, '停车标志']] as const) {
      const labels = result.items[0]!.AiData.AiLabelInfo;
      assert.equal(labels.length, 1, JSON.stringify(labels));
      const info = labels[0]!;
      assert.deepEqual(
        [info.Category, info.LabelId, info.LabelName, info.LabelType, info.Source, info.FaceId],
        ['object', 'stop sign', name, 'object', 'vision', ''],
      );
      assert.equal(info.Occurrences.length, 1);
      const occurrence = info.Occurrences[0]!;
      assert.equal(occurrence.Content, name);
      assert.match(occurrence.ClipId, /^\d+$/);
      assert.deepEqual([occurrence.From, occurrence.To], [0, 0]);
      assert.ok(occurrence.Score >= 0.5 && occurrence.Score <= 1, String(occurrence.Score));
      assert.ok(occurrence.Image.startsWith(`${url}/media-files/ims-default-search-lib/street-sign/keyframes/`), occurrence.Image);
      assert.equal(occurrence.Tracks.length, 1);
      const track = occurrence.Tracks[0]!;
      assert.match(track.Position, /^\d+\.\d;\d+\.\d;\d+\.\d;\d+\.\d$/);
      const [x1, y1, x2, y2] = track.Position.split(';').map(Number) as [number, number, number, number];
      // The octagon spans 180–460 × 80–360 in the 640×480 picture.
      assert.ok(x1 < 200 && y1 < 100 && x2 > 440 && y2 > 340 && x2 <= 640 && y2 <= 480, track.Position);
      assert.equal(track.Size, Math.round((x2 - x1) * (y2 - y1)));
      assert.equal(track.Timestamp, 0);
    }
    // FullSearch sees labels, OCR and the title at once.
    const full = await search({ Text: 'stop' });
    assert.equal(full.total, 1);
    assert.deepEqual(full.items[0]!.AiData.AiLabelInfo.map((l) => l.LabelId), ['stop sign']);
    assert.deepEqual(full.items[0]!.AiData.OcrInfo.map((o) => o.Content), ['STOP']);
    assert.equal((await search({ Text: 'stop', CustomFilters: '{"intField1":4}' })).total, 0);
  });

  it('serves the cover and keyframe images at the signed URLs', async () => {
    const { items } = await search({ Text: 'stop sign', MultimodalSearchType: 'AiCategory' });
    const item = items[0]!;
    for (const link of [item.CoverUrl, item.AiData.AiLabelInfo[0]!.Occurrences[0]!.Image, item.Snapshots[0]!]) {
      const response = await fetch(link);
      assert.equal(response.status, 200, link);
      assert.equal(response.headers.get('content-type'), 'image/jpeg');
      assert.match(response.headers.get('cache-control') ?? '', /^private, max-age=\d+$/);
      const bytes = Buffer.from(await response.arrayBuffer());
      assert.equal(Number(response.headers.get('content-length')), bytes.length);
      const meta = await sharp(bytes).metadata();
      assert.equal(meta.format, 'jpeg');
    }
    const head = await fetch(item.CoverUrl, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-type'), 'image/jpeg');
  });

  it('refuses a tampered, unsigned or expired URL with 403, and a gone asset with 404', async () => {
    const { items } = await search({ Text: 'stop sign', MultimodalSearchType: 'AiCategory' });
    const cover = new URL(items[0]!.CoverUrl);
    const expectError = async (link: string, status: number, code: string, message?: RegExp) => {
      const response = await fetch(link);
      assert.equal(response.status, status, link);
      const body = (await response.json()) as { RequestId: string; Code: string; Message: string };
      assert.equal(body.Code, code);
      assert.equal(typeof body.RequestId, 'string');
      if (message) assert.match(body.Message, message);
    };

    const signature = cover.searchParams.get('Signature')!;
    const tampered = new URL(cover);
    tampered.searchParams.set('Signature', (signature[0] === 'A' ? 'B' : 'A') + signature.slice(1));
    await expectError(tampered.href, 403, 'Forbidden', /not valid/);
    const otherAsset = new URL(cover);
    otherAsset.pathname = otherAsset.pathname.replace('street-sign', 'another');
    await expectError(otherAsset.href, 403, 'Forbidden');
    const longer = new URL(cover);
    longer.searchParams.set('Expires', String(Number(cover.searchParams.get('Expires')) + 86_400));
    await expectError(longer.href, 403, 'Forbidden');
    await expectError(`${url}${cover.pathname}`, 403, 'Forbidden', /not signed/);

    // URLs made with the server's own key: one that expired, one for an asset that does not exist.
    const signer = FileUrlSigner.loadOrCreate(dataDir, { now: () => Date.now() - 3 * 3600_000 });
    await expectError(`${url}${signer.sign(cover.pathname)}`, 403, 'Forbidden', /expired/);
    const current = FileUrlSigner.loadOrCreate(dataDir);
    await expectError(`${url}${current.sign(mediaFilePaths.thumbnail({ library: 'ims-default-search-lib', mediaId: 'nope' }))}`, 404, 'MediaNotFound');
    await expectError(`${url}${current.sign(mediaFilePaths.keyframe({ library: 'ims-default-search-lib', mediaId: 'street-sign' }, '99999.jpg'))}`, 404, 'NotFound');
  });

  it('builds URLs for the host a local reverse proxy forwards', async () => {
    const query = new URLSearchParams({ Action: 'SearchMediaByAILabel', Text: 'stop' });
    const response = await fetch(`${url}/?${query}`, { headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'media.example.com' } });
    const body = (await response.json()) as { MediaList: Item[] };
    assert.match(body.MediaList[0]!.CoverUrl, /^https:\/\/media\.example\.com\/media-files\//);
  });

  it('lists the library with its AI data when Text is absent', async () => {
    const { total, items } = await search({ SortBy: 'CreationTime:Asc' });
    assert.equal(total, 1);
    const data = items[0]!.AiData;
    assert.deepEqual(data.AiLabelInfo.map((l) => l.LabelName), ['stop sign']);
    assert.deepEqual(new Set(data.OcrInfo.map((o) => o.Content)), new Set(['Harbour Street', 'STOP', '海港大街']));
    const clip = await search({ Text: 'street', SpecificSearch: 'true', MediaId: 'street-sign' });
    assert.equal(clip.total, 1);
    assert.deepEqual(clip.items[0]!.AiData.OcrInfo.map((o) => o.Content), ['Harbour Street']);
  });

  it('validates its parameters', async () => {
    const fails = async (params: Record<string, string>, status: number, code: string, message: RegExp) => {
      const { status: got, body } = await rpc(url, 'SearchMediaByAILabel', params);
      assert.equal(got, status, JSON.stringify(body));
      assert.equal(body.Code, code);
      assert.match(String(body.Message), message);
    };
    await fails({ Text: 'stop', MultimodalSearchType: 'Objects' }, 400, 'InvalidParameter', /MultimodalSearchType.*PersonName, Ocr, AiCategory, FullSearch/);
    await fails({ Text: 'stop', SpecificSearch: 'true' }, 400, 'MissingParameter', /MediaId is required when SpecificSearch is true/);
    await fails({ Text: 'stop', CustomFilters: '{"intField1":' }, 400, 'InvalidParameter', /CustomFilters.*not valid JSON/);
    await fails({ Text: 'stop', CustomFilters: '{"intField1":"3"}' }, 400, 'InvalidParameter', /intField1 is an integer field/);
    await fails({ Text: 'stop', SpecificSearch: 'true', MediaId: 'missing-one' }, 404, 'MediaNotFound', /missing-one/);
    await fails({ Text: 'stop', SearchLibName: 'nolib' }, 404, 'SearchLibNotFound', /nolib/);
  });

  it('stops serving the files of a deleted asset', async () => {
    const { items } = await search({ Text: 'stop' });
    const cover = items[0]!.CoverUrl;
    assert.equal((await fetch(cover)).status, 200);
    assert.equal((await rpc(url, 'DeleteMediaFromSearchLib', { MediaId: 'street-sign' })).status, 200);
    const gone = await fetch(cover);
    assert.equal(gone.status, 404);
    assert.equal(((await gone.json()) as { Code: string }).Code, 'MediaNotFound');
    assert.deepEqual(await search({ Text: 'stop' }), { total: 0, items: [] });
  });
});
