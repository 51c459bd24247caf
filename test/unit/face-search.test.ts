import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { l2Normalise } from '../../src/analysis/face/face-embedding.js';
import type { FaceTrack } from '../../src/analysis/types.js';
import { ApiError } from '../../src/api/errors.js';
import { FACE_MATCH_DISTANCE, faceMatchScore, tracksWithin } from '../../src/search/face/face-match.js';
import { VectorIndexRegistry } from '../../src/search/vector-index-registry.js';
import { FaceClusterer } from '../../src/services/face-clustering.js';
import { FaceLabeller } from '../../src/services/face-labeller.js';
import type { FacePhotoReader } from '../../src/services/face-photo.js';
import { FaceSearchService } from '../../src/services/face-search-service.js';
import type { LibraryService } from '../../src/services/library-service.js';
import type { MediaService } from '../../src/services/media-service.js';
import { RecognitionService } from '../../src/services/recognition-service.js';
import { Store } from '../../src/store/store.js';
import type { Asset, Library } from '../../src/types.js';
import { tempDir } from '../helpers/fixtures.js';
import { seededRandom } from '../helpers/seeded-random.js';

const temp = tempDir('mediasearch-face-search-unit-');
after(() => temp.cleanup());

const random = seededRandom(7);
/** A random direction in 128-d: two of them are ~1.41 apart, far beyond any match distance. */
function identity(): Float32Array {
  return l2Normalise(Float32Array.from({ length: 128 }, () => random() - 0.5))!;
}
/** A sighting of `base` about `distance` away from it (noise orthogonal-ish to it, renormalised). */
function sighting(base: Float32Array, distance: number): Float32Array {
  const noise = identity();
  const out = Float32Array.from(base, (v, i) => v + distance * noise[i]!);
  return l2Normalise(out)!;
}
function track(start: number, embedding: Float32Array | null, quality = 0.8): FaceTrack {
  return {
    start,
    end: start + 1,
    embedding,
    quality,
    detections: [{ time: start, box: { x: 10, y: 20, width: 60, height: 80 }, score: 0.9, descriptor: embedding, quality, usable: embedding !== null }],
  };
}

describe('face search core (real SQLite store and vector index)', () => {
  let store: Store;
  let registry: VectorIndexRegistry;
  let recognition: RecognitionService;
  let labeller: FaceLabeller;
  let clusterer: FaceClusterer;
  const people = { ada: identity(), bob: identity(), cyd: identity() };
  let libId: string;
  let lib: () => Library;

  function asset(mediaId: string, tracks: FaceTrack[]): number {
    const id = store.assets.insert({
      library: 'lib',
      mediaId,
      namespace: '',
      mediaType: 'video',
      input: `file:///media/${mediaId}`,
      metadata: {},
      msgBody: {},
      now: 1,
    })!;
    store.analysis.replaceSegments(id, [
      { seq: 0, from: 0, to: 5, keyframes: [] },
      { seq: 1, from: 5, to: 10, keyframes: [] },
    ]);
    store.analysis.replaceFaceTracks(id, tracks);
    labeller.labelAsset(lib(), id);
    clusterer.assignAsset('lib', id);
    labeller.labelAsset(lib(), id);
    return id;
  }
  const nameTexts = () =>
    store.db.prepare("SELECT a.media_id AS mediaId, st.text, st.start_s AS start FROM segment_texts st JOIN assets a ON a.id = st.asset_id WHERE source = 'face' ORDER BY a.media_id, st.start_s").all();

  before(() => {
    store = Store.open(path.join(temp.dir, 'store.db'));
    registry = new VectorIndexRegistry(store.db, path.join(temp.dir, 'vector-index'), pino({ level: 'silent' }), { ann: false });
    recognition = new RecognitionService(store, {} as FacePhotoReader);
    labeller = new FaceLabeller(store, (library) => recognition.entitiesOfSearchLib(library), () => registry.faceTracks());
    recognition.attachLabeller(labeller);
    clusterer = new FaceClusterer(store);
    libId = recognition.createLib({ algorithm: 'face', name: 'people' }).id;
    store.libraries.create('lib', { faceGroupIds: libId }, ['face'], 1);
    lib = () => store.libraries.get('lib')!;
    const adaId = recognition.createEntity({ libId, algorithm: 'face', name: 'Ada Lovelace' }).id;
    recognition.addDerivedSamples(libId, adaId, [derivedSample(people.ada)]);
  });
  after(async () => {
    await registry.close();
    store.close();
  });

  function derivedSample(embedding: Float32Array) {
    return { imageUrl: 'test://sample', imageWidth: 100, imageHeight: 100, box: { x: 0, y: 0, width: 50, height: 50 }, score: 1, quality: 1, descriptor: embedding, embedding };
  }

  it('scores 0.5 at the match boundary and more the closer a face is', () => {
    assert.equal(faceMatchScore(FACE_MATCH_DISTANCE), 0.5);
    assert.ok(faceMatchScore(0.25) > 0.97 && faceMatchScore(0.5) < 0.02);
    assert.ok(faceMatchScore(0.3) > faceMatchScore(0.31));
  });

  it('labels tracks with the registered person, writes the name as a face text, and clusters the rest', () => {
    asset('v1', [track(0, sighting(people.ada, 0.2)), track(6, sighting(people.bob, 0.2)), track(8, null)]);
    asset('v2', [track(1, sighting(people.bob, 0.25))]);
    assert.deepEqual(nameTexts(), [{ mediaId: 'v1', text: 'Ada Lovelace', start: 0 }]);
    const persons = store.faces.listPersons('lib', 'all', 0, 10);
    // Ada and Bob; the track without an embedding is searchable by nobody and joins no person.
    assert.equal(persons.total, 2);
    assert.deepEqual(persons.items.map((p) => [p.trackCount, p.mediaCount]), [[2, 2], [1, 1]]);
  });

  it('relabels without re-analysis when samples are added and when an entity is deleted', () => {
    const bobId = recognition.createEntity({ libId, algorithm: 'face', name: 'Bob' }).id;
    recognition.addDerivedSamples(libId, bobId, [derivedSample(people.bob)]);
    assert.deepEqual(nameTexts().map((t) => `${(t as { mediaId: string }).mediaId}:${(t as { text: string }).text}`), ['v1:Ada Lovelace', 'v1:Bob', 'v2:Bob']);
    recognition.deleteEntity(libId, bobId);
    assert.deepEqual(nameTexts().map((t) => (t as { text: string }).text), ['Ada Lovelace']);
    // A track goes to the nearest registered person within the boundary, not the first found.
    const adaTwin = recognition.createEntity({ libId, algorithm: 'face', name: 'Ada (far sample)' }).id;
    recognition.addDerivedSamples(libId, adaTwin, [derivedSample(sighting(people.ada, 0.3))]);
    assert.deepEqual(nameTexts().map((t) => (t as { text: string }).text), ['Ada Lovelace']);
    recognition.deleteEntity(libId, adaTwin);
  });

  it('finds every track within the range even past the first page of the vector index', () => {
    const many = Array.from({ length: 600 }, (_, i) => track(i, sighting(people.cyd, 0.15)));
    const id = asset('crowd', many);
    const index = registry.faceTracks();
    const all = tracksWithin(index, people.cyd, FACE_MATCH_DISTANCE);
    assert.equal(all.length, 600);
    assert.ok(all.every((m, i) => i === 0 || all[i - 1]!.distance <= m.distance));
    const only = store.faces.tracksOfAsset(id).slice(0, 3).map((t) => t.id).sort((a, b) => a - b);
    assert.equal(tracksWithin(index, people.cyd, FACE_MATCH_DISTANCE, new Set(only)).length, 3);
    // One person for the whole crowd: every sighting is within the join distance of the centroid.
    assert.equal(store.faces.listPersons('lib', 'all', 0, 10).items[0]!.trackCount, 600);
  });

  it('keeps a face query under its token and access key, replaces it on reuse, and forgets it after the TTL', async () => {
    let now = 1_000_000;
    // Test double: the face photo reader returns the face this test chose, instead of fetching and detecting.
    let photoFace = people.ada;
    const photosDouble = { read: async () => ({ descriptor: photoFace, box: { x: 0, y: 0, width: 1, height: 1 }, score: 1, quality: 1, imageWidth: 1, imageHeight: 1 }) };
    const librariesDouble = { require: (name: string) => store.libraries.get(name) } as unknown as LibraryService;
    const mediaDouble = {
      require: (library: string, mediaId: string) => {
        const found = store.assets.get(library, mediaId);
        if (!found) throw new ApiError('MediaNotFound', mediaId);
        return found as Asset;
      },
    } as unknown as MediaService;
    const service = new FaceSearchService(store, librariesDouble, mediaDouble, photosDouble as unknown as FacePhotoReader, () => registry.faceTracks(), 60_000, () => now);
    const scope = { library: 'lib', customFields: [] };

    const ada = await service.searchByFace({ scope, imageUrl: 'https://x/ada.jpg', token: 't1', owner: 'KEY-A', offset: 0, limit: 10 });
    assert.deepEqual(ada.items.map((i) => i.mediaId), ['v1']);
    const clips = service.clipsByFace({ token: 't1', owner: 'KEY-A', mediaId: 'v1', offset: 0, limit: 10 });
    assert.equal(clips.items[0]!.labelName, 'Ada Lovelace');
    assert.equal(clips.items[0]!.category, 'custom');
    assert.deepEqual(clips.items[0]!.occurrences.map((o) => [o.start, o.end]), [[0, 1]]);
    assert.deepEqual(clips.items[0]!.occurrences[0]!.track, [{ time: 0, box: { x: 10, y: 20, width: 60, height: 80 } }]);

    photoFace = people.bob;
    const bob = await service.searchByFace({ scope, imageUrl: 'https://x/bob.jpg', token: 't1', owner: 'KEY-A', offset: 0, limit: 10 });
    assert.deepEqual(bob.items.map((i) => i.mediaId).sort(), ['v1', 'v2']);
    const bobClips = service.clipsByFace({ token: 't1', owner: 'KEY-A', mediaId: 'v1', offset: 0, limit: 10 });
    assert.deepEqual(bobClips.items.map((c) => [c.category, c.labelName]), [['unknown', '']]);

    // The same token name under another access key is another query: neither sees the other's.
    photoFace = people.ada;
    await service.searchByFace({ scope, imageUrl: 'https://x/ada.jpg', token: 't1', owner: 'KEY-B', offset: 0, limit: 10 });
    const keyB = service.clipsByFace({ token: 't1', owner: 'KEY-B', mediaId: 'v1', offset: 0, limit: 10 });
    assert.equal(keyB.items[0]!.labelName, 'Ada Lovelace');
    const keyA = service.clipsByFace({ token: 't1', owner: 'KEY-A', mediaId: 'v1', offset: 0, limit: 10 });
    assert.deepEqual(keyA.items.map((c) => [c.category, c.labelName]), [['unknown', '']]);
    assert.throws(
      () => service.clipsByFace({ token: 't1', owner: '', mediaId: 'v1', offset: 0, limit: 10 }),
      (e: unknown) => e instanceof ApiError && e.code === 'FaceSearchTokenNotFound' && /of this server/.test(e.message),
    );

    // An entity of a face library that this search library does not link labels none of its faces.
    const otherLib = recognition.createLib({ algorithm: 'face', name: 'elsewhere' }).id;
    const stranger = recognition.createEntity({ libId: otherLib, algorithm: 'face', name: 'Stranger' }).id;
    await assert.rejects(
      service.searchByFace({ scope, imageUrl: 'https://x/ada.jpg', token: 't2', owner: 'KEY-A', entityId: stranger, offset: 0, limit: 10 }),
      (e: unknown) => e instanceof ApiError && e.code === 'InvalidParameter' && /does not link/.test(e.message),
    );
    await assert.rejects(
      service.searchByFace({ scope, imageUrl: 'https://x/ada.jpg', token: 't2', owner: 'KEY-A', entityId: 'no-such-entity', offset: 0, limit: 10 }),
      (e: unknown) => e instanceof ApiError && e.code === 'RecognitionEntityNotFound',
    );
    assert.throws(
      () => service.clipsByFace({ token: 't1', owner: 'KEY-A', mediaId: 'v1', entityId: stranger, offset: 0, limit: 10 }),
      (e: unknown) => e instanceof ApiError && e.code === 'InvalidParameter' && /does not link/.test(e.message),
    );
    // A person named into a library that was unlinked later keeps its name on the tracks: still searchable.
    const track = store.db.prepare('SELECT id, entity_id AS entityId FROM face_tracks ORDER BY id LIMIT 1').get() as { id: number; entityId: string | null };
    store.db.prepare('UPDATE face_tracks SET entity_id = ? WHERE id = ?').run(stranger, track.id);
    await service.searchByFace({ scope, imageUrl: 'https://x/ada.jpg', token: 't2', owner: 'KEY-A', entityId: stranger, offset: 0, limit: 10 });
    store.db.prepare('UPDATE face_tracks SET entity_id = ? WHERE id = ?').run(track.entityId, track.id);

    now += 60_001;
    assert.throws(
      () => service.clipsByFace({ token: 't1', owner: 'KEY-A', mediaId: 'v1', offset: 0, limit: 10 }),
      (e: unknown) => e instanceof ApiError && e.code === 'FaceSearchTokenNotFound' && /the AccessKeyId KEY-A/.test(e.message),
    );
  });

  it('keeps person counts in step when an asset and its tracks are deleted', () => {
    const before = store.faces.listPersons('lib', 'all', 0, 10).items.find((p) => p.trackCount === 2)!;
    store.assets.delete(store.assets.get('lib', 'v2')!.id);
    assert.equal(store.faces.getPerson(before.id)!.trackCount, 1);
    clusterer.refresh([before.id]);
    assert.equal(store.faces.getPerson(before.id)!.trackCount, 1);
  });
});

describe('face boxes and crops', () => {
  it('scales boxes from the analysed frame to the upright media and squares the crop inside the picture', async () => {
    const { cropRegion, scaleTrackBoxes, uprightSize } = await import('../../src/analysis/face/face-crops.js');
    const [scaled] = scaleTrackBoxes([track(0, null)], { width: 960, height: 540 }, { width: 1920, height: 1080 });
    assert.deepEqual(scaled!.detections[0]!.box, { x: 20, y: 40, width: 120, height: 160 });
    // A phone video stored landscape with a 90° rotation is upright portrait.
    assert.deepEqual(uprightSize({ kind: 'video', formatName: 'mov', duration: 1, width: 1920, height: 1080, videoCodec: 'h264', audioCodec: null, rotation: 90 }), { width: 1080, height: 1920 });
    // 160 px tall face with 35% margin each side: a 272 px square, clipped at the picture's top-left corner.
    assert.deepEqual(cropRegion({ x: 20, y: 40, width: 120, height: 160 }, { width: 1920, height: 1080 }), { x: 0, y: 0, width: 216, height: 256 });
    assert.deepEqual(cropRegion({ x: 500, y: 500, width: 100, height: 100 }, { width: 1920, height: 1080 }), { x: 465, y: 465, width: 170, height: 170 });
  });
});

describe('persons: naming, renaming, merging (real SQLite store)', () => {
  let store: Store;
  let registry: VectorIndexRegistry;
  let recognition: RecognitionService;
  let labeller: FaceLabeller;
  let clusterer: FaceClusterer;
  let persons: import('../../src/services/person-service.js').PersonService;
  const ann = identity();
  const ben = identity();

  before(async () => {
    const { PersonService } = await import('../../src/services/person-service.js');
    store = Store.open(path.join(temp.dir, 'persons.db'));
    registry = new VectorIndexRegistry(store.db, path.join(temp.dir, 'persons-index'), pino({ level: 'silent' }), { ann: false });
    recognition = new RecognitionService(store, {} as FacePhotoReader);
    labeller = new FaceLabeller(store, (library) => recognition.entitiesOfSearchLib(library), () => registry.faceTracks());
    recognition.attachLabeller(labeller);
    clusterer = new FaceClusterer(store);
    store.libraries.create('lib', {}, ['face'], 1);
    // Test double of the library service: the three calls PersonService makes, over the same store.
    const librariesDouble = {
      require: (name: string) => store.libraries.get(name)!,
      get: (name: string) => store.libraries.get(name)!,
      alter: (name: string, config: Library['config']) => store.libraries.updateConfig(name, config, 2),
    } as unknown as LibraryService;
    persons = new PersonService(store, librariesDouble, recognition, clusterer, labeller);
    for (const [mediaId, face] of [['a1', ann], ['a2', ann], ['b1', ben]] as const) {
      const id = store.assets.insert({ library: 'lib', mediaId, namespace: '', mediaType: 'image', input: `file:///${mediaId}`, metadata: {}, msgBody: {}, now: 1 })!;
      store.analysis.replaceSegments(id, [{ seq: 0, from: 0, to: 0, keyframes: [] }]);
      store.analysis.replaceFaceTracks(id, [track(0, sighting(face, 0.1))]);
    }
    // Tracks stored before persons existed (an upgraded database) are placed at startup.
    const { backfillFaceTracks } = await import('../../src/services/face-backfill.js');
    assert.deepEqual(backfillFaceTracks(store, labeller, clusterer), { libraries: 1, tracks: 3 });
    assert.deepEqual(backfillFaceTracks(store, labeller, clusterer), { libraries: 0, tracks: 0 });
  });
  after(async () => {
    await registry.close();
    store.close();
  });

  const names = () =>
    (store.db.prepare("SELECT a.media_id AS m, st.text AS t FROM segment_texts st JOIN assets a ON a.id = st.asset_id WHERE st.source = 'face' ORDER BY a.media_id").all() as { m: string; t: string }[]).map(
      (row) => `${row.m}:${row.t}`,
    );
  const personOf = (mediaId: string) => store.faces.tracksOfAsset(store.assets.get('lib', mediaId)!.id)[0]!.personId!;

  it('names a person into a face library made for the search library, and renames it everywhere', () => {
    const named = persons.name({ library: 'lib', personId: personOf('a1'), name: 'Ann' });
    assert.deepEqual(names(), ['a1:Ann', 'a2:Ann']);
    assert.equal(store.libraries.get('lib')!.config.faceGroupIds, named.libId);
    persons.name({ library: 'lib', personId: personOf('a1'), name: 'Annie' });
    assert.deepEqual(names(), ['a1:Annie', 'a2:Annie']);
    assert.equal(store.recognition.getEntity(named.entityId)!.name, 'Annie');
  });

  it('refuses a repeated id in a merge instead of deleting the person', () => {
    const id = personOf('a1');
    assert.throws(() => persons.merge('lib', [id, personOf('b1'), id]), (e: unknown) => e instanceof ApiError && e.code === 'InvalidParameter');
    assert.ok(store.faces.getPerson(id));
  });

  it('merging a wrongly named person takes its name back from its faces', () => {
    const ben1 = personOf('b1');
    const wrong = persons.name({ library: 'lib', personId: ben1, name: 'Not Ben' });
    assert.deepEqual(names(), ['a1:Annie', 'a2:Annie', 'b1:Not Ben']);
    const merged = persons.merge('lib', [personOf('a1'), ben1]);
    assert.equal(merged.trackCount, 3);
    // "Not Ben" had only the samples its faces gave it: the entity is gone, and b1 carries the kept
    // person's name through the person (its face is not close to Annie's samples).
    assert.equal(store.recognition.getEntity(wrong.entityId), undefined);
    assert.deepEqual(names(), ['a1:Annie', 'a2:Annie', 'b1:Annie']);
  });

  it('unnames a person whose entity is deleted', () => {
    const person = store.faces.getPerson(personOf('a1'))!;
    const entity = store.recognition.getEntity(person.entityId!)!;
    recognition.deleteEntity(entity.libId, entity.id);
    assert.equal(store.faces.getPerson(person.id)!.name, null);
    assert.deepEqual(names(), []);
  });
});
