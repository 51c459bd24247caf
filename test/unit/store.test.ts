import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { tempDir } from '../helpers/fixtures.js';
import { openDatabase, schemaVersion } from '../../src/store/database.js';
import { MIGRATIONS } from '../../src/store/migrations/index.js';
import type { NewAsset } from '../../src/store/asset-repository.js';
import { Store } from '../../src/store/store.js';
import type { MediaProbe } from '../../src/types.js';

const temp = tempDir('mediasearch-store-');
after(() => temp.cleanup());

let fileCounter = 0;
const freshFile = () => path.join(temp.dir, `db-${++fileCounter}`, 'mediasearch.db');

const T0 = 1_700_000_000_000;

function newAsset(overrides: Partial<NewAsset> = {}): NewAsset {
  return {
    library: 'lib',
    mediaId: 'm1',
    namespace: '',
    mediaType: 'video',
    input: 'file:///media/m1.mp4',
    metadata: {},
    msgBody: {},
    now: T0,
    ...overrides,
  };
}

const PROBE: MediaProbe = {
  kind: 'video',
  formatName: 'mov,mp4,m4a,3gp,3g2,mj2',
  duration: 3,
  width: 320,
  height: 240,
  videoCodec: 'h264',
  audioCodec: null,
  rotation: 0,
};

function markReady(store: Store, assetId: number): void {
  store.assets.markIngested(assetId, { localPath: '/data/media/1/source.mp4', fileSize: 1234, probe: PROBE, thumbnail: null });
}

describe('database', () => {
  it('creates the file and migrates to the newest schema with WAL and foreign keys on', () => {
    const file = freshFile();
    const db = openDatabase(file);
    try {
      assert.equal(schemaVersion(db), MIGRATIONS.length);
      assert.ok(MIGRATIONS.length >= 1);
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
      assert.equal(db.pragma('synchronous', { simple: true }), 2); // FULL
      const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as {
        name: string;
      }[]).map((t) => t.name);
      for (const table of ['assets', 'jobs', 'libraries', 'library_indexes']) assert.ok(tables.includes(table), table);
    } finally {
      db.close();
    }
  });

  it('reopening a migrated database changes nothing and keeps the data', () => {
    const file = freshFile();
    const first = Store.open(file);
    assert.equal(first.libraries.create('kept', {}, ['mm'], T0), true);
    first.close();
    const schemaBefore = readSchema(file);

    const second = Store.open(file);
    try {
      assert.equal(schemaVersion(second.db), MIGRATIONS.length);
      assert.equal(second.libraries.get('kept')?.name, 'kept');
      assert.deepEqual(second.libraries.activeIndexTypes('kept'), ['mm']);
    } finally {
      second.close();
    }
    assert.deepEqual(readSchema(file), schemaBefore);
  });

  it('keeps face search tokens of schema 7 when migration 8 gives tokens an owner', () => {
    const file = freshFile();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const raw = new Database(file);
    raw.pragma('foreign_keys = ON');
    for (const [i, migration] of MIGRATIONS.slice(0, 7).entries()) {
      migration(raw);
      raw.pragma(`user_version = ${i + 1}`);
    }
    raw.prepare("INSERT INTO libraries (name, config, created_at, updated_at) VALUES ('lib', '{}', 1, 1)").run();
    raw
      .prepare(
        `INSERT INTO face_search_tokens (token, library, image_url, embedding, scope, entity_id, created_at, expires_at)
         VALUES ('old-token', 'lib', 'https://x/a.jpg', ?, '{}', NULL, 1, ?)`,
      )
      .run(Buffer.from(new Float32Array([0.6, 0.8]).buffer), T0 + 1000);
    raw.close();

    const store = Store.open(file);
    try {
      const kept = store.faces.getToken('', 'old-token', T0);
      assert.equal(kept?.imageUrl, 'https://x/a.jpg');
      assert.deepEqual([...kept!.embedding].map((v) => Math.round(v * 10) / 10), [0.6, 0.8]);
      assert.equal(store.faces.getToken('SOME-KEY', 'old-token', T0), undefined);
      const indexes = store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'face_search_tokens'").pluck().all();
      assert.ok(indexes.includes('face_search_tokens_by_expiry'));
    } finally {
      store.close();
    }
  });

  it('refuses to open a database written by a newer version, with a clear message', () => {
    const file = freshFile();
    openDatabase(file).close();
    const raw = new Database(file);
    raw.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    raw.close();
    assert.throws(
      () => openDatabase(file),
      (error: unknown) => {
        assert.ok(error instanceof Error);
        assert.match(error.message, /newer mediasearch/);
        assert.match(error.message, new RegExp(`schema ${MIGRATIONS.length + 1}, this build knows ${MIGRATIONS.length}`));
        assert.match(error.message, /MEDIASEARCH_DATA_DIR/);
        return true;
      },
    );
    // Nothing was changed by the refused open.
    const check = new Database(file, { readonly: true });
    try {
      assert.equal(check.pragma('user_version', { simple: true }), MIGRATIONS.length + 1);
    } finally {
      check.close();
    }
  });

  it('works in memory too', () => {
    const store = Store.open(':memory:');
    try {
      assert.equal(schemaVersion(store.db), MIGRATIONS.length);
      assert.equal(store.db.pragma('foreign_keys', { simple: true }), 1);
    } finally {
      store.close();
    }
  });

  it('close() may be called twice', () => {
    const store = Store.open(freshFile());
    store.close();
    store.close();
    assert.equal(store.db.open, false);
  });
});

function readSchema(file: string): { version: number; sql: string[] } {
  const db = new Database(file, { readonly: true });
  try {
    return {
      version: db.pragma('user_version', { simple: true }) as number,
      sql: (db.prepare('SELECT sql FROM sqlite_master ORDER BY name').all() as { sql: string | null }[]).map(
        (r) => r.sql ?? '',
      ),
    };
  } finally {
    db.close();
  }
}

describe('repositories', () => {
  let store: Store;

  beforeEach(() => {
    store = Store.open(freshFile());
  });
  afterEach(() => store.close());

  describe('LibraryRepository', () => {
    it('creates a library with its active indexes and refuses a duplicate name', () => {
      assert.equal(store.libraries.create('lib', { faceGroupIds: 'a,b' }, ['mm', 'face'], T0), true);
      const library = store.libraries.get('lib');
      assert.deepEqual(library, { name: 'lib', status: 'normal', config: { faceGroupIds: 'a,b' }, createdAt: T0, updatedAt: T0 });

      assert.equal(store.libraries.create('lib', {}, ['aiLabel'], T0 + 1), false);
      // The refused create touched neither the library nor its indexes.
      assert.deepEqual(store.libraries.get('lib'), library);
      assert.deepEqual(store.libraries.activeIndexTypes('lib'), ['mm', 'face']);
      assert.equal(store.libraries.get('missing'), undefined);
    });

    it('lists indexes in mm, face, aiLabel order whatever the insertion order', () => {
      store.libraries.create('lib', {}, ['aiLabel', 'face', 'mm'], T0);
      assert.deepEqual(
        store.libraries.indexes('lib').map((i) => i.indexType),
        ['mm', 'face', 'aiLabel'],
      );
      store.libraries.create('two', {}, [], T0);
      store.libraries.upsertIndex('two', 'aiLabel', 'Active', {}, T0);
      store.libraries.upsertIndex('two', 'mm', 'Deactive', {}, T0);
      assert.deepEqual(
        store.libraries.indexes('two').map((i) => [i.indexType, i.status]),
        [
          ['mm', 'Deactive'],
          ['aiLabel', 'Active'],
        ],
      );
      assert.deepEqual(store.libraries.activeIndexTypes('two'), ['aiLabel']);
    });

    it('upserts an index keeping its creation time, and deletes it', () => {
      store.libraries.create('lib', {}, ['mm'], T0);
      store.libraries.upsertIndex('lib', 'mm', 'Deactive', { k: 1 }, T0 + 5);
      assert.deepEqual(store.libraries.getIndex('lib', 'mm'), {
        library: 'lib',
        indexType: 'mm',
        status: 'Deactive',
        config: { k: 1 },
        createdAt: T0,
        updatedAt: T0 + 5,
      });
      assert.equal(store.libraries.deleteIndex('lib', 'mm'), true);
      assert.equal(store.libraries.deleteIndex('lib', 'mm'), false);
      assert.equal(store.libraries.getIndex('lib', 'mm'), undefined);
    });

    it('refuses an index for a library that does not exist', () => {
      assert.throws(() => store.libraries.upsertIndex('ghost', 'mm', 'Active', {}, T0), /FOREIGN KEY/);
    });

    it('lists libraries by creation time with a total, and pages', () => {
      store.libraries.create('b', {}, [], T0 + 1);
      store.libraries.create('a', {}, [], T0 + 1);
      store.libraries.create('c', {}, [], T0);
      const all = store.libraries.list(0, 10);
      assert.equal(all.total, 3);
      assert.deepEqual(
        all.libraries.map((l) => l.name),
        ['c', 'a', 'b'],
      );
      const page = store.libraries.list(1, 1);
      assert.equal(page.total, 3);
      assert.deepEqual(
        page.libraries.map((l) => l.name),
        ['a'],
      );
    });

    it('updates the config and status', () => {
      store.libraries.create('lib', {}, [], T0);
      assert.equal(store.libraries.updateConfig('lib', { faceGroupIds: 'x' }, T0 + 2), true);
      assert.equal(store.libraries.updateConfig('nope', {}, T0), false);
      store.libraries.setStatus('lib', 'deleting', T0 + 3);
      const library = store.libraries.get('lib');
      assert.deepEqual(library?.config, { faceGroupIds: 'x' });
      assert.equal(library?.status, 'deleting');
      assert.equal(library?.updatedAt, T0 + 3);
      assert.equal(library?.createdAt, T0);
    });
  });

  describe('AssetRepository', () => {
    beforeEach(() => {
      store.libraries.create('lib', {}, ['mm', 'face'], T0);
      store.libraries.create('other', {}, [], T0);
    });

    it('inserts an asset and reads it back', () => {
      const id = store.assets.insert(
        newAsset({
          metadata: {
            title: 'T',
            description: 'D',
            tags: ['a', 'b'],
            customFields: { intField1: 7, strField1: 's1' },
            utcCreate: 1000,
          },
          msgBody: { title: 'T', extra: 1 },
          namespace: 'ns',
        }),
      );
      assert.equal(typeof id, 'number');
      const asset = store.assets.getById(id!);
      assert.deepEqual(asset, {
        id,
        library: 'lib',
        mediaId: 'm1',
        namespace: 'ns',
        mediaType: 'video',
        input: 'file:///media/m1.mp4',
        title: 'T',
        description: 'D',
        tags: ['a', 'b'],
        customFields: { intField1: 7, strField1: 's1', strField2: null },
        msgBody: { title: 'T', extra: 1 },
        utcCreate: 1000,
        utcModified: T0,
        ingestState: 'pending',
        ingestError: null,
        localPath: null,
        fileSize: null,
        duration: null,
        width: null,
        height: null,
        formatName: null,
        thumbnail: null,
      });
      assert.deepEqual(store.assets.get('lib', 'm1'), asset);
      assert.equal(store.assets.get('other', 'm1'), undefined);
    });

    it('defaults utcCreate to the insert time and tags to []', () => {
      const id = store.assets.insert(newAsset())!;
      const asset = store.assets.getById(id)!;
      assert.equal(asset.utcCreate, T0);
      assert.deepEqual(asset.tags, []);
      assert.equal(asset.title, null);
    });

    it('returns undefined for a MediaId already taken in the same library, but not in another', () => {
      const first = store.assets.insert(newAsset());
      assert.notEqual(first, undefined);
      assert.equal(store.assets.insert(newAsset({ input: 'file:///other.mp4', metadata: { title: 'dup' } })), undefined);
      assert.equal(store.assets.getById(first!)?.input, 'file:///media/m1.mp4');
      assert.equal(store.assets.getById(first!)?.title, null);
      const elsewhere = store.assets.insert(newAsset({ library: 'other' }));
      assert.notEqual(elsewhere, undefined);
      assert.notEqual(elsewhere, first);
      assert.equal(store.assets.countInLibrary('lib'), 1);
      assert.equal(store.assets.countInLibrary('other'), 1);
    });

    it('refuses an asset in a library that does not exist', () => {
      assert.throws(() => store.assets.insert(newAsset({ library: 'ghost' })), /FOREIGN KEY/);
    });

    it('updateMetadata changes only the fields given, and null clears', () => {
      const id = store.assets.insert(
        newAsset({
          metadata: {
            title: 'T',
            description: 'D',
            tags: ['a'],
            customFields: { intField1: 1, strField1: 'x', strField2: 'y' },
            utcCreate: 500,
          },
        }),
      )!;

      store.assets.updateMetadata(id, { title: 'T2', customFields: { strField1: 'x2' } }, { title: 'T2' }, T0 + 10);
      let asset = store.assets.getById(id)!;
      assert.equal(asset.title, 'T2');
      assert.equal(asset.description, 'D');
      assert.deepEqual(asset.tags, ['a']);
      assert.deepEqual(asset.customFields, { intField1: 1, strField1: 'x2', strField2: 'y' });
      assert.equal(asset.utcCreate, 500);
      assert.equal(asset.utcModified, T0 + 10);
      assert.deepEqual(asset.msgBody, { title: 'T2' });

      store.assets.updateMetadata(
        id,
        { title: null, description: null, tags: null, customFields: { intField1: null, strField2: null }, utcCreate: 900 },
        {},
        T0 + 20,
      );
      asset = store.assets.getById(id)!;
      assert.equal(asset.title, null);
      assert.equal(asset.description, null);
      assert.deepEqual(asset.tags, []);
      assert.deepEqual(asset.customFields, { intField1: null, strField1: 'x2', strField2: null });
      assert.equal(asset.utcCreate, 900);
      assert.equal(asset.utcModified, T0 + 20);

      // Nothing but msgBody and utcModified.
      store.assets.updateMetadata(id, {}, { only: 'body' }, T0 + 30);
      const untouched = store.assets.getById(id)!;
      assert.deepEqual({ ...untouched, msgBody: asset.msgBody, utcModified: asset.utcModified }, asset);
      assert.deepEqual(untouched.msgBody, { only: 'body' });
    });

    it('records ingestion, its failure and a reset', () => {
      const id = store.assets.insert(newAsset())!;
      store.assets.markIngestFailed(id, 'boom');
      assert.deepEqual(pickIngest(store.assets.getById(id)!), { ingestState: 'failed', ingestError: 'boom', localPath: null });
      store.assets.resetIngest(id);
      assert.deepEqual(pickIngest(store.assets.getById(id)!), { ingestState: 'pending', ingestError: null, localPath: null });
      store.assets.markIngestFailed(id, 'again');
      markReady(store, id);
      const asset = store.assets.getById(id)!;
      assert.deepEqual(pickIngest(asset), {
        ingestState: 'ready',
        ingestError: null,
        localPath: '/data/media/1/source.mp4',
      });
      assert.equal(asset.fileSize, 1234);
      assert.equal(asset.duration, 3);
      assert.equal(asset.width, 320);
      assert.equal(asset.height, 240);
      assert.equal(asset.formatName, PROBE.formatName);
    });

    it('delete removes the asset and its jobs', () => {
      const id = store.assets.insert(newAsset())!;
      store.jobs.enqueue(id, 'ingest', T0);
      store.jobs.enqueue(id, 'mm', T0);
      assert.equal(store.assets.delete(id), true);
      assert.equal(store.assets.delete(id), false);
      assert.deepEqual(store.jobs.forAsset(id), []);
    });
  });

  it('deleting a library cascades to its indexes, assets and jobs only', () => {
    store.libraries.create('lib', {}, ['mm', 'face'], T0);
    store.libraries.create('keep', {}, ['mm'], T0);
    const gone = store.assets.insert(newAsset())!;
    const kept = store.assets.insert(newAsset({ library: 'keep' }))!;
    for (const id of [gone, kept]) {
      store.jobs.enqueue(id, 'ingest', T0);
      store.jobs.enqueue(id, 'mm', T0);
    }
    assert.equal(store.libraries.delete('lib'), true);
    assert.equal(store.libraries.delete('lib'), false);
    assert.equal(store.libraries.get('lib'), undefined);
    assert.deepEqual(store.libraries.indexes('lib'), []);
    assert.equal(store.assets.getById(gone), undefined);
    assert.deepEqual(store.jobs.forAsset(gone), []);
    const count = (sql: string) => (store.db.prepare(sql).get() as { n: number }).n;
    assert.equal(count('SELECT count(*) AS n FROM assets'), 1);
    assert.equal(count('SELECT count(*) AS n FROM jobs'), 2);
    assert.equal(count('SELECT count(*) AS n FROM library_indexes'), 1);
    assert.equal(store.jobs.forAsset(kept).length, 2);
  });

  describe('JobRepository', () => {
    let assetId: number;

    beforeEach(() => {
      store.libraries.create('lib', {}, ['mm', 'face'], T0);
      assetId = store.assets.insert(newAsset())!;
      store.jobs.enqueue(assetId, 'ingest', T0);
      store.jobs.enqueue(assetId, 'mm', T0);
      store.jobs.enqueue(assetId, 'face', T0);
    });

    const job = (kind: string) => store.jobs.forAsset(assetId).find((j) => j.kind === kind)!;

    it('enqueues jobs as queued with no attempts', () => {
      const jobs = store.jobs.forAsset(assetId);
      assert.deepEqual(
        jobs.map((j) => [j.kind, j.state, j.attempts, j.runAfter, j.submittedAt, j.startedAt, j.finishedAt, j.error, j.result]),
        [
          ['ingest', 'queued', 0, T0, T0, null, null, null, null],
          ['mm', 'queued', 0, T0, T0, null, null, null, null],
          ['face', 'queued', 0, T0, T0, null, null, null, null],
        ],
      );
      assert.deepEqual(store.jobs.get(jobs[0]!.id), jobs[0]);
      assert.equal(store.jobs.get(999_999), undefined);
      assert.deepEqual(store.jobs.countsByState(), { queued: 3, running: 0, success: 0, failed: 0 });
      assert.equal(store.jobs.nextDueTime(), T0);
    });

    it('claims index jobs only once the asset is ingested (ready)', () => {
      const first = store.jobs.claimReady(T0, 10);
      assert.deepEqual(
        first.map((j) => j.kind),
        ['ingest'],
      );
      assert.deepEqual(store.jobs.claimReady(T0, 10), []);

      store.jobs.succeed(first[0]!, {}, T0 + 1);
      assert.deepEqual(store.jobs.claimReady(T0 + 1, 10), [], 'a succeeded ingest alone does not release index jobs');

      markReady(store, assetId);
      const second = store.jobs.claimReady(T0 + 2, 10);
      assert.deepEqual(
        second.map((j) => j.kind),
        ['mm', 'face'],
      );
    });

    it('does not claim index jobs of an asset whose ingest failed', () => {
      store.assets.markIngestFailed(assetId, 'bad file');
      assert.deepEqual(
        store.jobs.claimReady(T0, 10).map((j) => j.kind),
        ['ingest'],
      );
      assert.deepEqual(store.jobs.claimReady(T0, 10), []);
    });

    it('claims only due jobs, oldest first, up to the limit, and counts the attempt', () => {
      markReady(store, assetId);
      assert.deepEqual(store.jobs.claimReady(T0 - 1, 10), [], 'nothing is due before run_after');
      assert.deepEqual(store.jobs.claimReady(T0, 0), []);
      const claimed = store.jobs.claimReady(T0 + 7, 2);
      assert.deepEqual(
        claimed.map((j) => [j.kind, j.state, j.attempts, j.startedAt]),
        [
          ['ingest', 'running', 1, T0 + 7],
          ['mm', 'running', 1, T0 + 7],
        ],
      );
      // What claimReady returns is what the table now holds.
      for (const j of claimed) assert.deepEqual(store.jobs.get(j.id), j);
      assert.deepEqual(
        store.jobs.claimReady(T0 + 7, 5).map((j) => j.kind),
        ['face'],
      );
      assert.deepEqual(store.jobs.countsByState(), { queued: 0, running: 3, success: 0, failed: 0 });
      assert.equal(store.jobs.nextDueTime(), undefined);
    });

    it('orders by run_after before id', () => {
      markReady(store, assetId);
      const [ingest] = store.jobs.claimReady(T0, 1);
      store.jobs.retryLater(ingest!, 'later', T0 + 100);
      const order = store.jobs.claimReady(T0 + 100, 10).map((j) => j.kind);
      assert.deepEqual(order, ['mm', 'face', 'ingest']);
    });

    it('succeed, fail and retryLater act only on running jobs', () => {
      const ingest = job('ingest');
      assert.equal(store.jobs.succeed(ingest, { ok: true }, T0), false);
      assert.equal(store.jobs.fail(ingest, 'x', T0), false);
      assert.equal(store.jobs.retryLater(ingest, 'x', T0 + 50), false);
      assert.deepEqual(job('ingest'), ingest, 'a queued job is left alone');

      const [run] = store.jobs.claimReady(T0, 1);
      assert.equal(store.jobs.succeed(ingest, { bytes: 10 }, T0 + 3), false, 'a run must name its claim');
      assert.equal(store.jobs.succeed(run!, { bytes: 10 }, T0 + 3), true);
      const done = job('ingest');
      assert.equal(done.state, 'success');
      assert.deepEqual(done.result, { bytes: 10 });
      assert.equal(done.finishedAt, T0 + 3);
      assert.equal(done.error, null);
      // Terminal states are final for all three.
      assert.equal(store.jobs.fail(run!, 'late', T0 + 4), false);
      assert.equal(store.jobs.retryLater(run!, 'late', T0 + 4), false);
      assert.equal(store.jobs.succeed(run!, {}, T0 + 4), false);
      assert.deepEqual(job('ingest'), done);
    });

    it('fail records the error and is final', () => {
      const [claimed] = store.jobs.claimReady(T0, 1);
      assert.equal(store.jobs.fail(claimed!, 'corrupt', T0 + 9), true);
      const failed = job('ingest');
      assert.deepEqual([failed.state, failed.error, failed.finishedAt, failed.attempts], ['failed', 'corrupt', T0 + 9, 1]);
      assert.equal(store.jobs.succeed(claimed!, {}, T0 + 10), false);
      assert.equal(store.jobs.retryLater(claimed!, 'x', T0 + 10), false);
    });

    it('retryLater re-queues with a later run_after, keeping the attempt count', () => {
      const [claimed] = store.jobs.claimReady(T0, 1);
      assert.equal(store.jobs.retryLater(claimed!, 'timeout', T0 + 2000), true);
      const queued = job('ingest');
      assert.deepEqual([queued.state, queued.attempts, queued.runAfter, queued.error], ['queued', 1, T0 + 2000, 'timeout']);
      assert.deepEqual(store.jobs.claimReady(T0 + 1999, 10), []);
      const [again] = store.jobs.claimReady(T0 + 2000, 10);
      assert.equal(again?.id, claimed!.id);
      assert.equal(again?.attempts, 2);
    });

    it('release hands the attempt back and only touches running jobs', () => {
      const [claimed] = store.jobs.claimReady(T0, 1);
      assert.equal(claimed!.attempts, 1);
      store.jobs.release(claimed!);
      const released = job('ingest');
      assert.deepEqual([released.state, released.attempts, released.startedAt], ['queued', 0, null]);
      store.jobs.release(claimed!); // queued: no-op
      assert.deepEqual(job('ingest'), released);

      const [again] = store.jobs.claimReady(T0, 1);
      store.jobs.release(claimed!); // an older claim: no-op
      assert.equal(job('ingest').state, 'running');
      store.jobs.succeed(again!, {}, T0);
      store.jobs.release(again!); // success: no-op
      assert.equal(job('ingest').state, 'success');
      assert.equal(job('ingest').attempts, 1);
    });

    it('release never makes attempts negative', () => {
      const [claimed] = store.jobs.claimReady(T0, 1);
      store.db.prepare('UPDATE jobs SET attempts = 0 WHERE id = ?').run(claimed!.id);
      store.jobs.release(claimed!);
      assert.equal(job('ingest').attempts, 0);
    });

    it('recoverInterrupted re-queues every running job, keeping attempts', () => {
      markReady(store, assetId);
      store.jobs.claimReady(T0, 2); // ingest, mm
      store.jobs.succeed(job('ingest'), {}, T0);
      assert.equal(store.jobs.recoverInterrupted(T0 + 500), 1);
      const mm = job('mm');
      assert.deepEqual([mm.state, mm.attempts, mm.runAfter, mm.startedAt], ['queued', 1, T0 + 500, null]);
      assert.equal(job('ingest').state, 'success');
      assert.equal(job('face').state, 'queued');
      assert.equal(store.jobs.recoverInterrupted(T0 + 600), 0);
    });

    it('failWaitingIndexJobs fails only the queued index jobs of that asset', () => {
      const otherAsset = store.assets.insert(newAsset({ mediaId: 'm2' }))!;
      store.jobs.enqueue(otherAsset, 'mm', T0);
      // Put 'face' in a terminal state first: it must stay as it is.
      markReady(store, assetId);
      store.jobs.claimReady(T0, 1); // ingest
      const [mm, face] = store.jobs.claimReady(T0, 2).filter((j) => j.assetId === assetId);
      store.jobs.release(mm!);
      store.jobs.succeed(face!, { done: 1 }, T0);
      store.jobs.failWaitingIndexJobs(assetId, 'the media file could not be ingested: x', T0 + 1);
      assert.deepEqual(
        store.jobs.forAsset(assetId).map((j) => [j.kind, j.state, j.error]),
        [
          ['ingest', 'running', null],
          ['mm', 'failed', 'the media file could not be ingested: x'],
          ['face', 'success', null],
        ],
      );
      assert.equal(job('mm').finishedAt, T0 + 1);
      assert.equal(store.jobs.forAsset(otherAsset)[0]?.state, 'queued');
    });

    it('enqueue again re-runs a job from scratch', () => {
      const [claimed] = store.jobs.claimReady(T0, 1);
      store.jobs.fail(claimed!, 'broken', T0 + 1);
      store.jobs.enqueue(assetId, 'ingest', T0 + 50);
      const rerun = job('ingest');
      assert.equal(rerun.id, claimed!.id);
      assert.deepEqual(
        [rerun.state, rerun.attempts, rerun.runAfter, rerun.submittedAt, rerun.startedAt, rerun.finishedAt, rerun.error, rerun.result],
        ['queued', 0, T0 + 50, T0 + 50, null, null, null, null],
      );
      assert.equal(store.jobs.forAsset(assetId).length, 3);
    });

    it('deletes the jobs of one kind in a whole library index', () => {
      const second = store.assets.insert(newAsset({ mediaId: 'm2' }))!;
      store.jobs.enqueue(second, 'mm', T0);
      const mmIds = [job('mm').id, store.jobs.forAsset(second)[0]!.id];
      assert.deepEqual(store.jobs.deleteForLibraryIndex('lib', 'mm').sort(), mmIds.sort());
      assert.deepEqual(
        store.jobs.forAsset(assetId).map((j) => j.kind),
        ['ingest', 'face'],
      );
      assert.deepEqual(store.jobs.deleteForLibraryIndex('lib', 'mm'), []);
    });
  });

  it('Store.transaction rolls back on error', () => {
    store.libraries.create('lib', {}, [], T0);
    assert.throws(() =>
      store.transaction(() => {
        store.assets.insert(newAsset());
        throw new Error('abort');
      }),
    );
    assert.equal(store.assets.countInLibrary('lib'), 0);
  });
});

function pickIngest(asset: { ingestState: string; ingestError: string | null; localPath: string | null }) {
  return { ingestState: asset.ingestState, ingestError: asset.ingestError, localPath: asset.localPath };
}
