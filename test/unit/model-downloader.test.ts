import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { pullModel, type PullOptions, type PullProgressEvent } from '../../src/models/downloader.js';
import { sha256FromEtag } from '../../src/models/hub-request.js';
import { modelFileUrl, normaliseHubEndpoint, resolveHubEndpoint } from '../../src/models/hub-url.js';
import { ModelDownloadError } from '../../src/models/model-download-error.js';
import {
  MANIFEST_FILE_NAME,
  isModelInstalled,
  modelFilePath,
  modelFolder,
  readInstalledManifest,
  resolveModelDir,
  type InstalledManifest,
} from '../../src/models/model-paths.js';
import { LOCK_FILE_NAME } from '../../src/models/pull-lock.js';
import { tempDir } from '../helpers/fixtures.js';
import {
  createTestModel,
  startTestModelHub,
  type TestModel,
  type TestModelHub,
  type TestRepoFile,
} from '../helpers/test-model-hub.js';

const VISION = 'onnx/vision_model.onnx';
const TEXT = 'onnx/text_model.onnx';
const CONFIG = 'config.json';

async function rejection(promise: Promise<unknown>): Promise<ModelDownloadError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ModelDownloadError, `expected a ModelDownloadError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the pull to fail');
}

describe('model paths and hub URLs', () => {
  it('puts models in MEDIASEARCH_MODEL_DIR, else under the data directory, always absolute', () => {
    assert.equal(resolveModelDir({ MEDIASEARCH_MODEL_DIR: '/srv/models', MEDIASEARCH_DATA_DIR: '/srv/data' }), '/srv/models');
    assert.equal(resolveModelDir({ MEDIASEARCH_DATA_DIR: '/srv/data' }), '/srv/data/models');
    assert.equal(resolveModelDir({}), path.resolve('data', 'models'));
    assert.equal(resolveModelDir({ MEDIASEARCH_MODEL_DIR: 'rel/models' }), path.resolve('rel/models'));
    assert.equal(modelFolder('/srv/models', 'mobileclip-s0'), '/srv/models/mobileclip-s0');
  });

  it('refuses file paths that would leave the model folder', () => {
    assert.equal(modelFilePath('/m', 'x', 'onnx/model.onnx'), '/m/x/onnx/model.onnx');
    for (const bad of ['../escape', 'onnx/../../x', '/abs', 'a//b', './a']) {
      assert.throws(() => modelFilePath('/m', 'x', bad), /Invalid file path/);
    }
    assert.throws(() => modelFolder('/m', '..'), /Invalid model name/);
  });

  it('builds resolve URLs with every path segment and the revision encoded', () => {
    assert.equal(
      modelFileUrl('https://huggingface.co/', 'Xenova/clip', 'refs/pr/1', 'onnx/a b+c.onnx'),
      'https://huggingface.co/Xenova/clip/resolve/refs%2Fpr%2F1/onnx/a%20b%2Bc.onnx',
    );
    assert.equal(
      modelFileUrl('https://mirror.example/hf', 'o/r', 'main', 'x.json'),
      'https://mirror.example/hf/o/r/resolve/main/x.json',
    );
    assert.equal(resolveHubEndpoint({}), 'https://huggingface.co');
    assert.equal(resolveHubEndpoint({ HF_ENDPOINT: 'https://hf-mirror.com/' }), 'https://hf-mirror.com');
    assert.throws(() => normaliseHubEndpoint('ftp://x'), /only http and https/);
    assert.throws(() => normaliseHubEndpoint('not a url'), /absolute http\(s\) URL/);
  });

  it('reads a sha256 from an ETag only when it is one (quotes and W/ stripped)', () => {
    const sha = 'a'.repeat(64);
    assert.equal(sha256FromEtag(`"${sha}"`), sha);
    assert.equal(sha256FromEtag(`W/"${sha.toUpperCase()}"`), sha);
    assert.equal(sha256FromEtag('"0123456789abcdef0123456789abcdef01234567"'), undefined);
    assert.equal(sha256FromEtag(null), undefined);
  });
});

describe('pullModel against a local hub', () => {
  let model: TestModel;
  let hub: TestModelHub;
  let dir: { dir: string; cleanup: () => void };
  let modelDir: string;

  const content = (file: string): TestRepoFile => model.files.find((entry) => entry.path === file) as TestRepoFile;
  const local = (file: string): string => modelFilePath(modelDir, model.spec.name, file);
  const options = (extra: Partial<PullOptions> = {}): PullOptions => ({
    modelDir,
    endpoint: hub.endpoint,
    token: 'test-token',
    retryDelayMs: 10,
    ...extra,
  });
  const assertFilesMatch = (): void => {
    for (const file of model.files) {
      assert.ok(readFileSync(local(file.path)).equals(file.bytes), `${file.path} has the served bytes`);
    }
  };
  const leftovers = (): string[] =>
    readdirSync(modelFolder(modelDir, model.spec.name), { recursive: true, encoding: 'utf8' }).filter(
      (name) => name.endsWith('.part') || name.endsWith('.tmp') || name.endsWith('.lock') || name.includes('pull-state'),
    );

  before(async () => {
    model = createTestModel();
    hub = await startTestModelHub(model);
  });
  after(async () => {
    await hub.close();
  });
  beforeEach(() => {
    dir = tempDir('mediasearch-models-');
    modelDir = path.join(dir.dir, 'models');
    hub.requests.length = 0;
  });
  afterEach(() => {
    dir.cleanup();
    for (const fault of Object.values(hub.faults)) (fault as Set<string> | Map<string, number>).clear();
  });

  it('downloads every file, verifies it, writes the manifest last and counts as installed', async () => {
    const events: PullProgressEvent[] = [];
    const result = await pullModel(model.spec, options({ onProgress: (event) => events.push(event) }));

    assertFilesMatch();
    assert.deepEqual(result.downloaded, [CONFIG, VISION, TEXT]);
    assert.deepEqual(result.skipped, []);
    const totalBytes = model.files.reduce((sum, file) => sum + file.bytes.length, 0);
    assert.equal(result.transferredBytes, totalBytes);
    assert.equal(result.folder, modelFolder(modelDir, model.spec.name));

    const manifest = JSON.parse(readFileSync(path.join(result.folder, MANIFEST_FILE_NAME), 'utf8')) as InstalledManifest;
    assert.equal(manifest.repo, model.spec.source.repo);
    assert.equal(manifest.revision, model.spec.source.revision);
    assert.deepEqual(
      manifest.files,
      model.files.map((file) => ({ path: file.path, size: file.bytes.length, sha256: file.sha256 })),
    );
    assert.deepEqual(await readInstalledManifest(modelDir, model.spec), manifest);
    assert.equal(await isModelInstalled(modelDir, model.spec), true);
    assert.deepEqual(leftovers(), []);

    // The hub's redirect was followed to the CDN, and the token went to the hub only.
    const vision = hub.requestsFor(VISION);
    assert.deepEqual(
      vision.map((request) => [request.server, request.authorization]),
      [
        ['hub', 'Bearer test-token'],
        ['cdn', undefined],
      ],
    );

    const done = events.filter((event) => event.kind === 'file-done');
    assert.deepEqual(done.map((event) => event.file), [CONFIG, VISION, TEXT]);
    const last = events.at(-1) as PullProgressEvent;
    assert.equal(last.overallReceivedBytes, totalBytes);
    assert.equal(last.overallTotalBytes, totalBytes);
    for (const event of events.filter((entry) => entry.kind === 'file-progress' && entry.totalBytes !== undefined)) {
      assert.ok(event.receivedBytes <= (event.totalBytes as number));
    }
  });

  it('skips a model that is already installed without any request, and downloads again with force', async () => {
    await pullModel(model.spec, options());
    hub.requests.length = 0;

    const again = await pullModel(model.spec, options());
    assert.deepEqual(again.downloaded, []);
    assert.deepEqual(again.skipped, [CONFIG, VISION, TEXT]);
    assert.equal(again.transferredBytes, 0);
    assert.equal(hub.requests.length, 0);

    const forced = await pullModel(model.spec, options({ force: true }));
    assert.deepEqual(forced.downloaded, [CONFIG, VISION, TEXT]);
    assert.ok(hub.requests.length >= 3);
    assertFilesMatch();
    assert.equal(await isModelInstalled(modelDir, model.spec), true);
  });

  it('resumes a transfer cut half-way with a Range request and ends with the right hash', async () => {
    hub.faults.cutOnce.add(VISION);
    const events: PullProgressEvent[] = [];
    const result = await pullModel(model.spec, options({ onProgress: (event) => events.push(event) }));

    const cdn = hub.requestsFor(VISION).filter((request) => request.server === 'cdn');
    assert.equal(cdn.length, 2, 'the cut transfer and its resumption');
    assert.equal(cdn[0]?.range, undefined);
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(cdn[1]?.range ?? '')?.[1]);
    assert.ok(resumedAt > 0 && resumedAt < content(VISION).bytes.length, `resumed from byte ${cdn[1]?.range}`);
    assert.ok(events.some((event) => event.kind === 'file-retry' && event.file === VISION));
    const resumedEvent = events.find((event) => event.kind === 'file-done' && event.file === VISION);
    assert.equal(resumedEvent?.resumedFromBytes, resumedAt);

    assert.equal(result.manifest.files.find((file) => file.path === VISION)?.sha256, content(VISION).sha256);
    // Every byte crossed the network once: the cut attempt's half and the resumed rest.
    assert.equal(result.transferredBytes, model.files.reduce((sum, file) => sum + file.bytes.length, 0));
    assertFilesMatch();
    assert.equal(await isModelInstalled(modelDir, model.spec), true);
  });

  it('keeps the partial file when a pull fails and continues it in the next pull', async () => {
    hub.faults.cutOnce.add(TEXT);
    const failure = await rejection(pullModel(model.spec, options({ retries: 0 })));
    assert.equal(failure.retryable, true);
    assert.match(failure.message, /onnx\/text_model\.onnx/);
    const partSize = statSync(`${local(TEXT)}.part`).size;
    assert.ok(partSize > 0 && partSize < content(TEXT).bytes.length);
    assert.equal(existsSync(local(TEXT)), false);
    assert.equal(await isModelInstalled(modelDir, model.spec), false);
    assert.equal(existsSync(path.join(modelFolder(modelDir, model.spec.name), LOCK_FILE_NAME)), false, 'the lock is released');

    hub.requests.length = 0;
    const result = await pullModel(model.spec, options());
    // The two files finished in the first pull are not fetched again.
    assert.deepEqual(result.skipped, [CONFIG, VISION]);
    assert.deepEqual(result.downloaded, [TEXT]);
    assert.equal(result.transferredBytes, content(TEXT).bytes.length - partSize);
    assert.deepEqual(
      hub.requestsFor(TEXT).map((request) => request.range),
      [`bytes=${partSize}-`, `bytes=${partSize}-`],
    );
    assert.deepEqual(
      hub.requests.map((request) => request.file),
      [TEXT, TEXT],
    );
    assertFilesMatch();
    assert.equal(await isModelInstalled(modelDir, model.spec), true);
  });

  it('starts over when the server answers a Range request with the whole file', async () => {
    mkdirSync(path.dirname(local(VISION)), { recursive: true });
    writeFileSync(`${local(VISION)}.part`, Buffer.alloc(1000, 7));
    hub.faults.ignoreRange.add(VISION);
    await pullModel(model.spec, options());
    assert.equal(hub.requestsFor(VISION)[1]?.range, 'bytes=1000-');
    assertFilesMatch();
  });

  it('downloads from scratch when a resumed file fails its checksum because of the old partial bytes', async () => {
    mkdirSync(path.dirname(local(VISION)), { recursive: true });
    writeFileSync(`${local(VISION)}.part`, Buffer.alloc(1000, 7));
    const events: PullProgressEvent[] = [];
    await pullModel(model.spec, options({ onProgress: (event) => events.push(event) }));
    assert.deepEqual(
      hub.requestsFor(VISION).map((request) => [request.server, request.range]),
      [
        ['hub', 'bytes=1000-'],
        ['cdn', 'bytes=1000-'],
        ['hub', undefined],
        ['cdn', undefined],
      ],
    );
    assert.match(events.find((event) => event.kind === 'file-retry')?.error ?? '', /^Checksum mismatch for onnx\/vision_model\.onnx/);
    assertFilesMatch();
  });

  it('rejects bytes that do not match the pinned sha256, deletes them and is not installed', async () => {
    hub.faults.wrongBytes.add(VISION);
    const failure = await rejection(pullModel(model.spec, options()));
    const served = content(VISION);
    const wrong = Buffer.from(served.bytes.map((byte) => byte ^ 0xff));
    const { createHash } = await import('node:crypto');
    const actual = createHash('sha256').update(wrong).digest('hex');
    assert.equal(
      failure.message,
      `Checksum mismatch for ${VISION}: expected sha256 ${served.sha256}, got ${actual}; the downloaded bytes were deleted`,
    );
    assert.equal(failure.retryable, false);
    assert.equal(hub.requestsFor(VISION).filter((request) => request.server === 'cdn').length, 1, 'not retried');
    assert.equal(existsSync(local(VISION)), false);
    assert.equal(existsSync(`${local(VISION)}.part`), false);
    assert.equal(await isModelInstalled(modelDir, model.spec), false);
    assert.equal(await readInstalledManifest(modelDir, model.spec), undefined);
  });

  it("checks a file the spec gives no hash for against the hub's X-Linked-Etag", async () => {
    hub.faults.wrongBytes.add(TEXT);
    const failure = await rejection(pullModel(model.spec, options()));
    const expected = content(TEXT).sha256;
    assert.match(failure.message, new RegExp(`^Checksum mismatch for ${TEXT}: expected sha256 ${expected}, got [0-9a-f]{64}`));
    assert.equal(existsSync(local(TEXT)), false);
    assert.equal(await isModelInstalled(modelDir, model.spec), false);
  });

  it('throws a not-found message naming the URL for a 404, without retrying', async () => {
    hub.faults.status.set(CONFIG, 404);
    const failure = await rejection(pullModel(model.spec, options()));
    const url = `${hub.endpoint}/${model.spec.source.repo}/resolve/${model.spec.source.revision}/${CONFIG}`;
    assert.equal(
      failure.message,
      `${CONFIG} not found at ${url} (HTTP 404); check the model name/revision or HF_ENDPOINT mirror`,
    );
    assert.equal(failure.retryable, false);
    assert.equal(hub.requestsFor(CONFIG).length, 1);
    assert.equal(await isModelInstalled(modelDir, model.spec), false);
  });

  it('suggests HF_TOKEN when the hub refuses access', async () => {
    hub.faults.status.set(CONFIG, 401);
    const failure = await rejection(pullModel(model.spec, options()));
    assert.match(failure.message, /not found at .* \(HTTP 401 — access denied; .*HF_TOKEN.*\); check the model name\/revision/);
  });

  it('gives up on a stalled transfer after the stall timeout and keeps what arrived', async () => {
    hub.faults.stall.add(TEXT);
    const failure = await rejection(pullModel(model.spec, options({ retries: 0, stallTimeoutMs: 300 })));
    assert.match(failure.message, /onnx\/text_model\.onnx .*stalled \(no data for 300 ms\)/);
    assert.ok(statSync(`${local(TEXT)}.part`).size > 0);
  });

  it('reports a refused connection clearly', async () => {
    const closed = await startTestModelHub(model);
    const endpoint = closed.endpoint;
    await closed.close();
    const failure = await rejection(pullModel(model.spec, options({ endpoint, retries: 0 })));
    assert.match(failure.message, /^Could not download config\.json from http:\/\/127\.0\.0\.1:\d+\/.*: /);
    assert.match(failure.message, /: the connection was refused \(ECONNREFUSED\); check your network connection/);
    assert.equal(failure.retryable, true);
  });

  it('stops when cancelled, keeps the partial file and releases the lock', async () => {
    const controller = new AbortController();
    hub.faults.stall.add(VISION);
    const pulling = pullModel(
      model.spec,
      options({
        signal: controller.signal,
        onProgress: (event) => {
          if (event.file === VISION && event.receivedBytes > 0) controller.abort();
        },
      }),
    );
    const failure = await rejection(pulling);
    assert.equal(failure.cancelled, true);
    assert.match(failure.message, /cancelled/);
    assert.ok(existsSync(`${local(VISION)}.part`));
    assert.equal(existsSync(path.join(modelFolder(modelDir, model.spec.name), LOCK_FILE_NAME)), false);

    hub.faults.stall.clear();
    await pullModel(model.spec, options());
    assertFilesMatch();
  });

  it('refuses to run beside another live pull of the same model and takes over a dead one', async () => {
    const folder = modelFolder(modelDir, model.spec.name);
    mkdirSync(folder, { recursive: true });
    const lock = path.join(folder, LOCK_FILE_NAME);
    writeFileSync(lock, JSON.stringify({ pid: process.pid, host: hostname(), startedAt: new Date().toISOString() }));
    const failure = await rejection(pullModel(model.spec, options()));
    assert.match(failure.message, new RegExp(`already being pulled by process ${process.pid}`));

    const finished = spawnSync(process.execPath, ['-e', '']);
    writeFileSync(lock, JSON.stringify({ pid: finished.pid, host: hostname(), startedAt: new Date().toISOString() }));
    await pullModel(model.spec, options());
    assert.equal(existsSync(lock), false);
    assertFilesMatch();
  });

  it('does not count a model as installed when a file shrank or the manifest is for another revision', async () => {
    await pullModel(model.spec, options());
    assert.equal(await isModelInstalled(modelDir, model.spec), true);

    const otherRevision = { ...model.spec, source: { ...model.spec.source, revision: 'main' } };
    assert.equal(await isModelInstalled(modelDir, otherRevision), false);

    truncateSync(local(TEXT), 10);
    assert.equal(await isModelInstalled(modelDir, model.spec), false);

    // The next pull downloads only the damaged file (the others are known good from the manifest).
    hub.requests.length = 0;
    const repaired = await pullModel(model.spec, options());
    assert.deepEqual(repaired.downloaded, [TEXT]);
    assertFilesMatch();
    assert.equal(await isModelInstalled(modelDir, model.spec), true);
  });
});
