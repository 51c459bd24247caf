import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { tempDir } from '../helpers/fixtures.js';
import { rpc, startServer, waitForJobs, type RunningServer } from '../helpers/server-harness.js';
import { SHARED_DATA, sharedDataMissing } from '../helpers/shared-data.js';

const KNOWN = path.join(SHARED_DATA, 'faces/face_recognition');
const fileUrl = (name: string) => pathToFileURL(path.join(KNOWN, name)).href;

type Body = Record<string, unknown>;
type Clip = {
  Category: string;
  EntityId: string;
  LabelName: string;
  Score: number;
  OccurrencesInfos: { StartTime: number; EndTime: number; TrackData: { Timestamp: number; BoxPosition: { X: number; Y: number; W: number; H: number } }[] }[];
};

/**
 * Face search end to end on real faces (../shared/data/faces/face_recognition): registered persons
 * label the Hamilton clip's tracks, SearchMediaByFace finds the assets, SearchMediaClipByFace the
 * time ranges and boxes, PersonName and EntityId find the named persons, persons cluster and can
 * be named. Times are what a person sees in the clip: Miranda close up at about 4.5–8.5 s, the
 * Obamas in the audience at about 8.5–10 s.
 */
describe('face search over HTTP', { skip: sharedDataMissing('faces/face_recognition/short_hamilton_clip.mp4') }, () => {
  let server: RunningServer;
  let url: string;
  const temp = tempDir('mediasearch-face-search-');
  const media = path.join(temp.dir, 'media');
  let noFace: string;
  const entities: Record<string, string> = {};

  const call = (action: string, params: Record<string, string | number> = {}) => rpc(url, action, params);
  async function ok(action: string, params: Record<string, string | number> = {}): Promise<Body> {
    const { status, body } = await call(action, params);
    assert.equal(status, 200, `${action}: ${JSON.stringify(body)}`);
    return body;
  }
  const clipsOf = async (token: string, mediaId: string, extra: Record<string, string> = {}) =>
    (await ok('SearchMediaClipByFace', { FaceSearchToken: token, MediaId: mediaId, SearchLibName: 'faces', ...extra })).MediaClipList as Clip[];

  before(async () => {
    fs.mkdirSync(media, { recursive: true });
    noFace = path.join(media, 'no-face.png');
    await sharp({ create: { width: 320, height: 240, channels: 3, background: { r: 40, g: 90, b: 160 } } }).png().toFile(noFace);
    server = await startServer({
      MEDIASEARCH_DATA_DIR: path.join(temp.dir, 'data'),
      MEDIASEARCH_FILE_ROOTS: [media, KNOWN].join(','),
      MEDIASEARCH_WORKERS: '1',
    });
    url = server.url;

    const lib = (await ok('CreateRecognitionLib', { Algorithm: 'face', LibName: 'stage' })).LibId as string;
    for (const [name, photo] of [
      ['Lin-Manuel Miranda', 'lin-manuel-miranda.png'],
      ['Barack Obama', 'obama.jpg'],
    ] as const) {
      const entityId = (await ok('CreateRecognitionEntity', { Algorithm: 'face', LibId: lib, EntityName: name })).EntityId as string;
      await ok('CreateRecognitionSample', { Algorithm: 'face', LibId: lib, EntityId: entityId, ImageUrl: fileUrl(photo) });
      entities[name] = entityId;
    }
    await ok('CreateSearchLib', { SearchLibName: 'faces', SearchLibConfig: JSON.stringify({ faceGroupIds: lib }) });
    for (const index of ['face', 'aiLabel']) await ok('CreateSearchIndex', { SearchLibName: 'faces', IndexType: index });
    for (const [mediaId, file, type] of [
      ['hamilton', 'short_hamilton_clip.mp4', 'video'],
      ['obama2', 'obama2.jpg', 'image'],
      ['biden', 'biden.jpg', 'image'],
    ] as const) {
      await ok('InsertMediaToSearchLib', { SearchLibName: 'faces', MediaId: mediaId, MediaType: type, Input: fileUrl(file) });
    }
    for (const mediaId of ['hamilton', 'obama2', 'biden']) {
      const jobs = await waitForJobs(url, mediaId, 'faces', 240_000);
      const face = jobs.find((job) => job.IndexType === 'face');
      assert.equal(face?.Status, 'Success', `${mediaId}: ${JSON.stringify(jobs)}`);
    }
  });
  after(async () => {
    await server.stop();
    temp.cleanup();
  });

  it('finds the assets a face appears in, best first, and only those', async () => {
    const body = await ok('SearchMediaByFace', { SearchLibName: 'faces', PersonImageUrl: fileUrl('obama3.jpg'), FaceSearchToken: 'obama-q1' });
    const list = body.MediaInfoList as { MediaId: string; Score: number }[];
    const ids = list.map((item) => item.MediaId);
    assert.ok(ids.includes('obama2'), JSON.stringify(body));
    assert.ok(!ids.includes('biden'), JSON.stringify(body));
    assert.equal(body.Total, list.length);
    for (const item of list) assert.ok(item.Score > 0.5 && item.Score <= 1, JSON.stringify(item));
    // MediaType narrows inside the search.
    const videos = await ok('SearchMediaByFace', { SearchLibName: 'faces', PersonImageUrl: fileUrl('obama3.jpg'), FaceSearchToken: 'obama-q2', MediaType: 'video' });
    assert.ok((videos.MediaInfoList as { MediaId: string }[]).every((item) => item.MediaId === 'hamilton'));
  });

  it("returns Miranda's moments in the Hamilton clip with his name, times and pixel boxes", async () => {
    const body = await ok('SearchMediaByFace', { SearchLibName: 'faces', PersonImageUrl: fileUrl('lin-manuel-miranda.png'), FaceSearchToken: 'lmm' });
    assert.deepEqual((body.MediaInfoList as { MediaId: string }[]).map((m) => m.MediaId), ['hamilton']);
    const clips = await clipsOf('lmm', 'hamilton');
    const named = clips.find((clip) => clip.EntityId === entities['Lin-Manuel Miranda']);
    assert.ok(named, JSON.stringify(clips));
    assert.equal(named.Category, 'custom');
    assert.equal(named.LabelName, 'Lin-Manuel Miranda');
    assert.ok(named.Score > 0.5 && named.Score <= 1);
    const onStage = named.OccurrencesInfos.find((o) => o.StartTime < 7 && o.EndTime > 5);
    assert.ok(onStage, `a close-up between 5 and 7 s: ${JSON.stringify(named.OccurrencesInfos.map((o) => [o.StartTime, o.EndTime]))}`);
    assert.ok(onStage.TrackData.length >= 2);
    for (const point of onStage.TrackData) {
      const { X, Y, W, H } = point.BoxPosition;
      assert.ok(point.Timestamp >= onStage.StartTime - 1e-6 && point.Timestamp <= onStage.EndTime + 1e-6);
      assert.ok(X >= 0 && Y >= 0 && W > 20 && H > 20 && X + W <= 640 && Y + H <= 360, JSON.stringify(point));
    }
  });

  it('finds registered persons by name (PersonName) and by EntityId (SearchMedia, SearchMediaByFace)', async () => {
    const byName = await ok('SearchMediaByAILabel', { SearchLibName: 'faces', Text: 'Miranda', MultimodalSearchType: 'PersonName' });
    const items = byName.MediaList as { MediaId: string; AiData: { AiLabelInfo: { LabelName: string; LabelType: string; FaceId: string; Occurrences: { Tracks: unknown[] }[] }[] } }[];
    assert.deepEqual(items.map((m) => m.MediaId), ['hamilton']);
    const info = items[0]!.AiData.AiLabelInfo.find((label) => label.LabelName === 'Lin-Manuel Miranda');
    assert.equal(info?.LabelType, 'face');
    assert.equal(info?.FaceId, entities['Lin-Manuel Miranda']);
    assert.ok(info!.Occurrences.some((o) => o.Tracks.length > 0));

    // The name is a text of the track's time range, so natural-language search finds the moment.
    const hybrid = await ok('SearchMediaByHybrid', { SearchLibName: 'faces', Text: 'Lin-Manuel Miranda' });
    const hit = (hybrid.MediaList as { MediaId: string; ClipInfo: { From: number; To: number }[] }[])[0];
    assert.equal(hit?.MediaId, 'hamilton', JSON.stringify(hybrid));
    assert.ok(hit.ClipInfo.some((clip) => clip.From <= 3.5 && clip.To >= 7.5), JSON.stringify(hit.ClipInfo));

    const byEntity = await ok('SearchMedia', { SearchLibName: 'faces', EntityId: entities['Barack Obama']! });
    assert.ok((byEntity.MediaInfoList as { MediaId: string }[]).some((m) => m.MediaId === 'obama2'), JSON.stringify(byEntity));
    assert.ok(!(byEntity.MediaInfoList as { MediaId: string }[]).some((m) => m.MediaId === 'biden'));

    // EntityId narrows face search to tracks recognised as that person.
    const narrowed = await ok('SearchMediaByFace', {
      SearchLibName: 'faces',
      PersonImageUrl: fileUrl('obama3.jpg'),
      FaceSearchToken: 'obama-entity',
      EntityId: entities['Lin-Manuel Miranda']!,
    });
    assert.equal(narrowed.Total, 0);
  });

  it('keeps the query under the token until it is replaced, and explains token errors', async () => {
    await ok('SearchMediaByFace', { SearchLibName: 'faces', PersonImageUrl: fileUrl('biden.jpg'), FaceSearchToken: 'reused' });
    assert.equal((await clipsOf('reused', 'obama2')).length, 0);
    // Reusing a token with another image replaces the query it names.
    await ok('SearchMediaByFace', { SearchLibName: 'faces', PersonImageUrl: fileUrl('obama3.jpg'), FaceSearchToken: 'reused' });
    assert.equal((await clipsOf('reused', 'obama2')).length, 1);

    const unknown = await call('SearchMediaClipByFace', { FaceSearchToken: 'never-used', MediaId: 'obama2' });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.Code, 'FaceSearchTokenNotFound');
    const otherLib = await call('SearchMediaClipByFace', { FaceSearchToken: 'reused', MediaId: 'obama2', SearchLibName: 'default' });
    assert.equal(otherLib.status, 400);
    assert.match(otherLib.body.Message as string, /made for the search library "faces"/);
    const noFaceFound = await call('SearchMediaByFace', { SearchLibName: 'faces', PersonImageUrl: pathToFileURL(noFace).href, FaceSearchToken: 'x' });
    assert.equal(noFaceFound.body.Code, 'FaceNotFound');
    const missing = await call('SearchMediaByFace', { SearchLibName: 'faces', PersonImageUrl: fileUrl('obama3.jpg') });
    assert.equal(missing.body.Code, 'MissingParameter');
  });

  it('clusters unnamed faces into persons that can be named, with a face crop each', async () => {
    const listed = await ok('ListPersons', { SearchLibName: 'faces', PageSize: 50 });
    const persons = listed.Persons as {
      PersonId: number;
      Name: string;
      EntityId: string;
      RecognizedName: string;
      TrackCount: number;
      MediaCount: number;
      FaceUrl: string;
      CoverMediaId: string;
    }[];
    assert.ok(persons.length >= 3, JSON.stringify(listed));
    // Unnamed, but its face was recognised as a registered person: the list says who.
    assert.equal(persons.find((p) => p.CoverMediaId === 'obama2')?.RecognizedName, 'Barack Obama');
    const biden = persons.find((p) => p.CoverMediaId === 'biden');
    assert.equal(biden?.Name, '');
    assert.equal(biden?.RecognizedName, '');
    assert.ok(biden, JSON.stringify(persons));
    const crop = await fetch(biden.FaceUrl);
    assert.equal(crop.status, 200);
    assert.equal(crop.headers.get('content-type'), 'image/jpeg');
    assert.equal((await sharp(Buffer.from(await crop.arrayBuffer())).metadata()).width, 128);

    const bidenPerson = await ok('SearchMediaByFace', { SearchLibName: 'faces', PersonImageUrl: fileUrl('biden.jpg'), FaceSearchToken: 'biden' });
    assert.deepEqual((bidenPerson.MediaInfoList as { MediaId: string }[]).map((m) => m.MediaId), ['biden']);

    const named = await ok('NamePerson', { SearchLibName: 'faces', PersonId: biden.PersonId, Name: 'Joe Biden' });
    assert.ok(named.EntityId);
    const found = await ok('SearchMediaByAILabel', { SearchLibName: 'faces', Text: 'Biden', MultimodalSearchType: 'PersonName' });
    assert.deepEqual((found.MediaList as { MediaId: string }[]).map((m) => m.MediaId), ['biden']);
    const clips = await clipsOf('biden', 'biden');
    assert.equal(clips[0]?.LabelName, 'Joe Biden');
    assert.equal(clips[0]?.OccurrencesInfos[0]?.StartTime, 0);

    const unknownPerson = await call('NamePerson', { SearchLibName: 'faces', PersonId: 999999, Name: 'x' });
    assert.equal(unknownPerson.body.Code, 'PersonNotFound');
  });
});
