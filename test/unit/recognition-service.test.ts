import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import type { FaceDetection } from '../../src/analysis/types.js';
import { ApiError, type ErrorCode } from '../../src/api/errors.js';
import { DEFAULT_URL_FETCH_POLICY } from '../../src/media/url-policy.js';
import { FacePhotoReader, type DetectedFaces, type FaceDetector } from '../../src/services/face-photo.js';
import { RecognitionService } from '../../src/services/recognition-service.js';
import { MediaFiles } from '../../src/store/media-files.js';
import { Store } from '../../src/store/store.js';
import type { MediaProbe } from '../../src/types.js';
import { tempDir } from '../helpers/fixtures.js';

const temp = tempDir('mediasearch-recognition-');
after(() => temp.cleanup());

const T0 = 1_700_000_000_000;
const ROOT = path.join(temp.dir, 'photos');
const SCRATCH = path.join(temp.dir, 'data', 'tmp');

function descriptor(seed: number): Float32Array {
  return Float32Array.from({ length: 128 }, (_, i) => Math.sin(seed * 7 + i) * 0.15);
}

function face(box: { x: number; y: number; width: number; height: number }, overrides: Partial<FaceDetection> = {}): FaceDetection {
  return { time: 0, box, score: 0.97, descriptor: descriptor(box.x), quality: 0.8, usable: true, ...overrides };
}

/** Stands in for the worker-thread detector: returns what the test set, in a half-size frame. */
class FakeDetector implements FaceDetector {
  faces: FaceDetection[] = [];
  calls: { file: string; probe: MediaProbe }[] = [];
  during: (() => void) | undefined;

  detect(file: string, probe: MediaProbe): Promise<DetectedFaces> {
    this.calls.push({ file, probe });
    this.during?.();
    return Promise.resolve({ width: probe.width! / 2, height: probe.height! / 2, detections: this.faces });
  }
}

async function expectApiError(work: () => unknown, code: ErrorCode, message: RegExp): Promise<void> {
  await assert.rejects(
    async () => work(),
    (error: unknown) => {
      assert.ok(error instanceof ApiError, `expected an ApiError, got ${String(error)}`);
      assert.equal(error.code, code);
      assert.match(error.message, message);
      return true;
    },
  );
}

let photo: string;
let corrupt: string;
let text: string;

before(async () => {
  fs.mkdirSync(ROOT, { recursive: true });
  photo = path.join(ROOT, 'photo.png');
  await sharp({ create: { width: 400, height: 300, channels: 3, background: { r: 200, g: 150, b: 120 } } })
    .png()
    .toFile(photo);
  const jpeg = await sharp({ create: { width: 400, height: 300, channels: 3, background: '#888' } }).jpeg().toBuffer();
  corrupt = path.join(ROOT, 'truncated.jpg');
  fs.writeFileSync(corrupt, jpeg.subarray(0, Math.floor(jpeg.length / 3)));
  text = path.join(ROOT, 'notes.txt');
  fs.writeFileSync(text, 'not a picture at all');
});

describe('RecognitionService over a real store', () => {
  let store: Store;
  let detector: FakeDetector;
  let service: RecognitionService;
  let clock: number;

  const reader = (maxBytes?: number) =>
    new FacePhotoReader({
      files: new MediaFiles(path.join(temp.dir, 'data')),
      fileRoots: [ROOT],
      urlPolicy: { ...DEFAULT_URL_FETCH_POLICY, allowedCidrs: ['127.0.0.1/32'], timeoutMs: 5_000 },
      scratchDir: SCRATCH,
      detector,
      ...(maxBytes === undefined ? {} : { maxBytes }),
    });

  beforeEach(() => {
    store = Store.open(path.join(temp.dir, `db-${Math.random().toString(36).slice(2)}`, 'mediasearch.db'));
    detector = new FakeDetector();
    clock = T0;
    service = new RecognitionService(store, reader(), () => clock++);
  });
  afterEach(() => store.close());

  const fileUrl = (file: string) => pathToFileURL(file).href;

  function personWithLib(name = 'Ada') {
    const lib = service.createLib({ algorithm: 'face', name: 'staff', description: 'people of the newsroom' });
    const entity = service.createEntity({ libId: lib.id, algorithm: 'face', name, info: '{"role":"editor"}' });
    return { lib, entity };
  }

  it('creates face libraries with opaque, URL-safe ids and refuses other algorithms', async () => {
    const a = service.createLib({ algorithm: 'face', name: '人物库', description: '' });
    const b = service.createLib({ algorithm: 'face', name: 'second' });
    assert.match(a.id, /^[0-9a-f]{32}$/);
    assert.notEqual(a.id, b.id);
    assert.deepEqual(store.recognition.getLib(a.id), { id: a.id, algorithm: 'face', name: '人物库', description: '', createdAt: T0 });
    for (const algorithm of ['landmark', 'object', 'logo', 'label'] as const) {
      await expectApiError(
        () => service.createLib({ algorithm, name: 'x' }),
        'InvalidParameter',
        new RegExp(`^The parameter Algorithm is invalid: "${algorithm}" recognition libraries are not supported by this server; only "face"`),
      );
    }
  });

  it('creates entities, refusing a duplicate name, an unknown library and a wrong algorithm', async () => {
    const { lib, entity } = personWithLib();
    assert.deepEqual(store.recognition.getEntity(entity.id), {
      id: entity.id,
      libId: lib.id,
      name: 'Ada',
      info: '{"role":"editor"}',
      createdAt: T0 + 1,
    });
    await expectApiError(
      () => service.createEntity({ libId: lib.id, algorithm: 'face', name: 'Ada' }),
      'RecognitionEntityAlreadyExists',
      /already has an entity named "Ada"; add samples to it/,
    );
    await expectApiError(
      () => service.createEntity({ libId: 'nope', algorithm: 'face', name: 'Bob' }),
      'RecognitionLibNotFound',
      /^The recognition library "nope" does not exist; create one with CreateRecognitionLib/,
    );
    // A library of another kind can only come from elsewhere (an older build, another tool).
    store.recognition.insertLib({ id: 'logos', algorithm: 'logo', name: 'logos', description: '', createdAt: T0 });
    await expectApiError(
      () => service.listEntities({ libId: 'logos', algorithm: 'face' }, 0, 10),
      'InvalidParameter',
      /^The parameter Algorithm is invalid: the recognition library "logos" is a logo library, not face\.$/,
    );
  });

  it('stores the largest face of a photo with its descriptor, unit embedding, box in photo pixels and size', async () => {
    const { lib, entity } = personWithLib();
    detector.faces = [face({ x: 10, y: 10, width: 40, height: 50 }), face({ x: 100, y: 20, width: 60, height: 70 })];
    const sample = await service.createSample({ libId: lib.id, entityId: entity.id, algorithm: 'face', imageUrl: fileUrl(photo) });
    assert.match(sample.id, /^[0-9a-f]{32}$/);
    assert.equal(detector.calls[0]!.file, fs.realpathSync(photo));
    assert.equal(detector.calls[0]!.probe.kind, 'image');

    const stored = store.recognition.getSample(sample.id)!;
    assert.equal(stored.imageUrl, fileUrl(photo));
    assert.equal(stored.imageWidth, 400);
    assert.equal(stored.imageHeight, 300);
    // The detector's frame is half size, so the box doubles.
    assert.deepEqual(stored.box, { x: 200, y: 40, width: 120, height: 140 });
    assert.deepEqual([...stored.descriptor], [...descriptor(100)]);
    const norm = Math.hypot(...stored.embedding);
    assert.ok(Math.abs(norm - 1) < 1e-5, `embedding norm ${norm}`);
    assert.equal(stored.quality, 0.8);
  });

  it('refuses photos without a face, with several equally large faces, or with a poor face — each with its own code', async () => {
    const { lib, entity } = personWithLib();
    const add = () => service.createSample({ libId: lib.id, entityId: entity.id, algorithm: 'face', imageUrl: fileUrl(photo) });

    detector.faces = [];
    await expectApiError(add, 'FaceNotFound', /^No face was found in the image at ImageUrl; use a photo in which the person's face is clearly visible\.$/);

    detector.faces = [face({ x: 0, y: 0, width: 60, height: 60 }), face({ x: 90, y: 0, width: 58, height: 59 })];
    await expectApiError(add, 'MultipleFacesFound', /^The image at ImageUrl shows 2 faces of about the same size \(within 10% of the largest one's area\), so it is unclear whose face is meant; crop the photo to one person\.$/);

    // 0.8 of the largest area is clearly smaller: the largest one is taken.
    detector.faces = [face({ x: 0, y: 0, width: 60, height: 60 }), face({ x: 90, y: 0, width: 48, height: 60 })];
    await add();

    detector.faces = [face({ x: 0, y: 0, width: 30, height: 36 }, { usable: false, descriptor: null, quality: 0.3 })];
    await expectApiError(add, 'FaceQualityTooLow', /^The face in the image at ImageUrl is 30 px wide as analysed; recognition needs at least 40 px\. Use a closer or larger photo of the face\.$/);

    detector.faces = [face({ x: 0, y: 0, width: 90, height: 100 }, { usable: false, descriptor: null, quality: 0.21 })];
    await expectApiError(add, 'FaceQualityTooLow', /^The face in the image at ImageUrl is too blurred, turned away or partly hidden for recognition \(quality 0\.21\); use a sharp, frontal photo\.$/);

    assert.equal(service.listSamples({ libId: lib.id }, 0, 50).total, 1);
  });

  it('refuses unreadable images and inputs outside the URL rules before detecting anything', async () => {
    const { lib, entity } = personWithLib();
    const add = (imageUrl: string) => service.createSample({ libId: lib.id, entityId: entity.id, algorithm: 'face', imageUrl });
    await expectApiError(() => add(fileUrl(text)), 'ImageUnreadable', /^The image at ImageUrl cannot be read: it is not a JPEG, PNG, WebP, GIF, TIFF, AVIF or HEIF image\.$/);
    await expectApiError(() => add(fileUrl(corrupt)), 'ImageUnreadable', /^The image at ImageUrl cannot be read: the image data is damaged \(.+\)\.$/);
    await expectApiError(() => add('file:///etc/passwd'), 'InvalidParameter', /^The parameter ImageUrl is invalid: .*MEDIASEARCH_FILE_ROOTS/);
    await expectApiError(() => add('http://10.1.2.3/face.jpg'), 'InvalidParameter', /^The parameter ImageUrl is invalid: 10\.1\.2\.3 is a private address/);
    await expectApiError(() => add('ftp://example.com/a.jpg'), 'InvalidParameter', /^The parameter ImageUrl is invalid: unsupported input scheme "ftp:"/);
    await expectApiError(() => add('upload://0123456789abcdef0123456789abcdef'), 'InvalidParameter', /^The parameter ImageUrl is invalid: the upload upload:\/\/0123456789abcdef0123456789abcdef does not exist/);
    assert.equal(detector.calls.length, 0);

    const small = new RecognitionService(store, reader(1000), () => clock++);
    await expectApiError(
      () => small.createSample({ libId: lib.id, entityId: entity.id, algorithm: 'face', imageUrl: fileUrl(photo) }),
      'PayloadTooLarge',
      /^The image at ImageUrl is larger than 1000 bytes, the limit for face photos; send a smaller JPEG or PNG\.$/,
    );
  });

  it('downloads http(s) photos under the URL policy and removes the download afterwards', async () => {
    const { lib, entity } = personWithLib();
    const body = fs.readFileSync(photo);
    const server: Server = createServer((request, response) => {
      if (request.url === '/face.png') response.writeHead(200, { 'content-type': 'image/png' }).end(body);
      else response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      detector.faces = [face({ x: 5, y: 5, width: 80, height: 90 })];
      const sample = await service.createSample({ libId: lib.id, entityId: entity.id, algorithm: 'face', imageUrl: `${base}/face.png` });
      assert.equal(store.recognition.getSample(sample.id)!.imageUrl, `${base}/face.png`);
      assert.ok(detector.calls[0]!.file.startsWith(SCRATCH));
      assert.deepEqual(fs.readdirSync(SCRATCH), []);

      await expectApiError(
        () => service.createSample({ libId: lib.id, entityId: entity.id, algorithm: 'face', imageUrl: `${base}/missing.png` }),
        'ImageUnreadable',
        /^The image at ImageUrl could not be fetched: .*404/,
      );
      assert.deepEqual(fs.readdirSync(SCRATCH), []);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('does not add a sample to an entity deleted while its photo was being analysed', async () => {
    const { lib, entity } = personWithLib();
    detector.faces = [face({ x: 0, y: 0, width: 80, height: 80 })];
    detector.during = () => service.deleteEntity(lib.id, entity.id);
    await expectApiError(
      () => service.createSample({ libId: lib.id, entityId: entity.id, algorithm: 'face', imageUrl: fileUrl(photo) }),
      'RecognitionEntityNotFound',
      new RegExp(`^The recognition library "${lib.id}" has no entity "${entity.id}"; create one with CreateRecognitionEntity`),
    );
    assert.deepEqual(store.db.prepare('SELECT count(*) AS n FROM recognition_samples').get(), { n: 0 });
  });

  it('lists with paging and filters, and deletes with cascade', async () => {
    const libs = Array.from({ length: 3 }, (_, i) => service.createLib({ algorithm: 'face', name: `lib${i}` }));
    const first = libs[0]!;
    const page = service.listLibs({}, 1, 2);
    assert.equal(page.total, 3);
    assert.deepEqual(page.items.map((l) => l.name), ['lib1', 'lib2']);
    assert.deepEqual(service.listLibs({ ids: [libs[2]!.id, 'unknown'] }, 0, 10).items.map((l) => l.name), ['lib2']);
    assert.equal(service.listLibs({ algorithm: 'logo' }, 0, 10).total, 0);

    const names = ['Ada', 'Bob', 'Cy'];
    const entities = names.map((name) => service.createEntity({ libId: first.id, algorithm: 'face', name }));
    const entityPage = service.listEntities({ libId: first.id }, 2, 2);
    assert.equal(entityPage.total, 3);
    assert.deepEqual(entityPage.items.map((e) => e.name), ['Cy']);
    assert.deepEqual(service.listEntities({ libId: first.id, name: 'Bob' }, 0, 10).items.map((e) => e.id), [entities[1]!.id]);

    detector.faces = [face({ x: 0, y: 0, width: 80, height: 80 })];
    const add = (entityId: string) => service.createSample({ libId: first.id, entityId, algorithm: 'face', imageUrl: fileUrl(photo) });
    const s1 = await add(entities[0]!.id);
    const s2 = await add(entities[0]!.id);
    const s3 = await add(entities[1]!.id);
    assert.equal(service.listSamples({ libId: first.id }, 0, 10).total, 3);
    assert.deepEqual(service.listSamples({ libId: first.id, entityId: entities[0]!.id }, 1, 1).items.map((s) => s.id), [s2.id]);
    assert.deepEqual(service.listSamples({ libId: first.id, entityName: 'Bob' }, 0, 10).items.map((s) => s.id), [s3.id]);
    await expectApiError(
      () => service.listSamples({ libId: first.id, entityId: 'someone' }, 0, 10),
      'RecognitionEntityNotFound',
      /has no entity "someone"/,
    );

    await expectApiError(
      () => service.deleteSample({ libId: first.id, entityId: entities[1]!.id, sampleId: s1.id }),
      'RecognitionSampleNotFound',
      new RegExp(`^The entity "${entities[1]!.id}" has no sample "${s1.id}"; list its samples with ListRecognitionSamples\\.$`),
    );
    service.deleteSample({ libId: first.id, entityId: entities[0]!.id, sampleId: s1.id });
    assert.equal(store.recognition.getSample(s1.id), undefined);

    service.deleteEntity(first.id, entities[0]!.id);
    assert.equal(store.recognition.getSample(s2.id), undefined, 'the entity took its samples with it');

    store.libraries.create('news', { faceGroupIds: `${first.id},${libs[1]!.id}` }, ['face'], T0);
    store.libraries.create('only', { faceGroupIds: first.id }, ['face'], T0);
    service.deleteLib(first.id);
    assert.equal(store.recognition.getLib(first.id), undefined);
    assert.equal(store.recognition.getEntity(entities[1]!.id), undefined);
    assert.equal(store.recognition.getSample(s3.id), undefined);
    assert.deepEqual(store.libraries.get('news')!.config, { faceGroupIds: libs[1]!.id });
    assert.deepEqual(store.libraries.get('only')!.config, {});
    await expectApiError(() => service.deleteLib(first.id), 'RecognitionLibNotFound', /does not exist/);
  });

  it('checks faceGroupIds and gives a search library its known persons with their sample vectors', async () => {
    const { lib, entity } = personWithLib('Ada');
    const other = service.createLib({ algorithm: 'face', name: 'guests' });
    const guest = service.createEntity({ libId: other.id, algorithm: 'face', name: 'Bob' });
    detector.faces = [face({ x: 0, y: 0, width: 80, height: 80 })];
    const sample = await service.createSample({ libId: lib.id, entityId: entity.id, algorithm: 'face', imageUrl: fileUrl(photo) });

    service.checkFaceGroupIds({});
    service.checkFaceGroupIds({ faceGroupIds: `${lib.id},${other.id}` });
    await expectApiError(
      () => service.checkFaceGroupIds({ faceGroupIds: `${lib.id},missing` }),
      'InvalidParameter',
      /^The parameter SearchLibConfig is invalid: faceGroupIds names "missing", which is not a recognition library; create one with CreateRecognitionLib \(Algorithm=face\)/,
    );
    store.recognition.insertLib({ id: 'logos', algorithm: 'logo', name: 'logos', description: '', createdAt: T0 });
    await expectApiError(
      () => service.checkFaceGroupIds({ faceGroupIds: 'logos' }),
      'InvalidParameter',
      /^The parameter SearchLibConfig is invalid: faceGroupIds names "logos", a logo library; only face libraries belong there\.$/,
    );

    const persons = service.entitiesOfSearchLib({ config: { faceGroupIds: `${other.id},gone,${lib.id}` } });
    assert.deepEqual(
      persons.map((p) => [p.entityId, p.entityName, p.libId, p.samples.map((s) => s.sampleId)]),
      [
        [guest.id, 'Bob', other.id, []],
        [entity.id, 'Ada', lib.id, [sample.id]],
      ],
    );
    const vectors = persons[1]!.samples[0]!;
    assert.equal(vectors.embedding.length, 128);
    assert.deepEqual([...vectors.descriptor], [...descriptor(0)]);
    assert.deepEqual(service.entitiesOfSearchLib({ config: {} }), []);
  });
});
