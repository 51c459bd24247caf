import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { pino } from 'pino';
import { JobScheduler, type JobHandler, type SchedulerOptions } from '../../src/jobs/scheduler.js';
import { MediaError } from '../../src/media/media-error.js';
import { Store } from '../../src/store/store.js';
import type { Asset, IndexType, Job, JobKind, MediaProbe } from '../../src/types.js';

/*
 * Every handler in this file is a TEST DOUBLE standing in for the real analysis handlers
 * (src/jobs/handlers/ingest-job.ts and index-job.ts): no file is fetched, probed or analysed.
 * They only mimic the contract the scheduler relies on: resolve with a JSON summary, throw to
 * fail (MediaError with retryable=false for a permanent failure), and honour the AbortSignal.
 */

const silent = pino({ level: 'silent' });

const PROBE: MediaProbe = {
  kind: 'video',
  formatName: 'mov,mp4,m4a,3gp,3g2,mj2',
  duration: 1,
  width: 2,
  height: 2,
  videoCodec: 'h264',
  audioCodec: null,
  rotation: 0,
};

/** Polls `check` until it returns true, failing after `timeoutMs` (a bound, never an assertion on speed). */
async function waitFor(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Resolves when `signal` aborts, rejecting with its reason: a handler that only ends when told to. */
function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

/** Waits for the gate, or for an abort so a failed test cannot leave a handler hanging in afterEach. */
function held(g: { promise: Promise<void> }, signal: AbortSignal): Promise<void> {
  return Promise.race([g.promise, untilAborted(signal)]);
}

/** A promise plus its resolve function, to hold a handler until the test lets it go. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** Test double of the ingest handler: marks the asset ready as the real one does on success. */
function fakeIngestHandler(store: Store, behaviour?: (job: Job, asset: Asset, signal: AbortSignal) => Promise<void>): JobHandler {
  return async (job, asset, signal) => {
    if (behaviour) await behaviour(job, asset, signal);
    store.assets.markIngested(asset.id, { localPath: `/fake/${asset.id}`, fileSize: 1, probe: PROBE, thumbnail: null });
    return { fake: 'ingest', attempt: job.attempts };
  };
}

/** Test double of an index handler. */
function fakeIndexHandler(
  indexType: IndexType,
  behaviour?: (job: Job, asset: Asset, signal: AbortSignal) => Promise<void>,
): JobHandler {
  return async (job, asset, signal) => {
    if (behaviour) await behaviour(job, asset, signal);
    return { fake: indexType, attempt: job.attempts };
  };
}

describe('JobScheduler', () => {
  let store: Store;
  let scheduler: JobScheduler | undefined;
  let mediaCounter = 0;

  beforeEach(() => {
    store = Store.open(':memory:');
    store.libraries.create('lib', {}, ['mm', 'face'], Date.now());
  });

  afterEach(async () => {
    // A bounded grace: doubles that wait for their signal are aborted and end at once.
    await scheduler?.stop(50);
    scheduler = undefined;
    store.close();
  });

  /** Inserts an asset and queues the given jobs for it. */
  function addAsset(kinds: readonly JobKind[] = ['ingest']): number {
    const now = Date.now();
    const id = store.assets.insert({
      library: 'lib',
      mediaId: `media-${++mediaCounter}`,
      namespace: '',
      mediaType: 'video',
      input: 'file:///nowhere.mp4',
      metadata: {},
      msgBody: {},
      now,
    })!;
    for (const kind of kinds) store.jobs.enqueue(id, kind, now);
    return id;
  }

  function jobOf(assetId: number, kind: JobKind): Job {
    const job = store.jobs.forAsset(assetId).find((j) => j.kind === kind);
    assert.ok(job, `no ${kind} job for asset ${assetId}`);
    return job;
  }

  function startScheduler(handlers: Partial<Record<JobKind, JobHandler>>, options: Partial<SchedulerOptions> = {}): JobScheduler {
    const unexpected: JobHandler = async (job) => {
      throw new Error(`no test double for ${job.kind}`);
    };
    scheduler = new JobScheduler(
      store,
      {
        ingest: handlers.ingest ?? fakeIngestHandler(store),
        mm: handlers.mm ?? unexpected,
        face: handlers.face ?? unexpected,
        aiLabel: handlers.aiLabel ?? unexpected,
      },
      { concurrency: 2, maxAttempts: 3, retryBaseMs: 1, pollMs: 20, ...options },
      silent,
    );
    scheduler.start();
    return scheduler;
  }

  const settled = (assetId: number, kind: JobKind) => () => {
    const state = jobOf(assetId, kind).state;
    return state === 'success' || state === 'failed';
  };

  it('runs the ingest job, then the index jobs of the ready asset', async () => {
    const order: string[] = [];
    const asset = addAsset(['ingest', 'mm', 'face']);
    startScheduler({
      ingest: fakeIngestHandler(store, async () => void order.push('ingest')),
      mm: fakeIndexHandler('mm', async () => void order.push('mm')),
      face: fakeIndexHandler('face', async () => void order.push('face')),
    });
    await waitFor('all jobs', () => store.jobs.forAsset(asset).every((j) => j.state === 'success'));
    assert.equal(order[0], 'ingest');
    assert.deepEqual([...order].sort(), ['face', 'ingest', 'mm']);
    assert.deepEqual(jobOf(asset, 'mm').result, { fake: 'mm', attempt: 1 });
    assert.equal(store.assets.getById(asset)?.ingestState, 'ready');
  });

  it('retries a plain Error and ends in success on the third attempt', async () => {
    const attemptsSeen: number[] = [];
    const asset = addAsset(['ingest']);
    startScheduler(
      {
        ingest: fakeIngestHandler(store, async (job) => {
          attemptsSeen.push(job.attempts);
          if (attemptsSeen.length <= 2) throw new Error(`transient failure ${attemptsSeen.length}`);
        }),
      },
      { maxAttempts: 3 },
    );
    await waitFor('ingest to settle', settled(asset, 'ingest'));
    const job = jobOf(asset, 'ingest');
    assert.equal(job.state, 'success');
    assert.equal(job.attempts, 3);
    assert.equal(job.error, null);
    assert.deepEqual(job.result, { fake: 'ingest', attempt: 3 });
    assert.deepEqual(attemptsSeen, [1, 2, 3]);
  });

  it('fails an ingest job at once on a permanent MediaError and fails its waiting index jobs', async () => {
    let calls = 0;
    const asset = addAsset(['ingest', 'mm', 'face']);
    startScheduler({
      ingest: fakeIngestHandler(store, async () => {
        calls++;
        throw new MediaError('the file is not a readable image, video or audio file (ffprobe: moov atom not found)');
      }),
    });
    await waitFor('ingest to settle', settled(asset, 'ingest'));
    const ingest = jobOf(asset, 'ingest');
    assert.equal(ingest.state, 'failed');
    assert.equal(ingest.attempts, 1);
    assert.match(ingest.error ?? '', /moov atom not found/);
    assert.equal(calls, 1);

    const stored = store.assets.getById(asset)!;
    assert.equal(stored.ingestState, 'failed');
    assert.match(stored.ingestError ?? '', /moov atom not found/);
    for (const kind of ['mm', 'face'] as const) {
      const job = jobOf(asset, kind);
      assert.equal(job.state, 'failed', kind);
      assert.equal(job.attempts, 0, `${kind} never ran`);
      assert.match(job.error ?? '', /^the media file could not be ingested: .*moov atom not found/);
    }
  });

  it('fails an index job at once on a permanent MediaError without touching the others', async () => {
    const asset = addAsset(['ingest', 'mm', 'face']);
    startScheduler({
      mm: fakeIndexHandler('mm', async () => {
        throw new MediaError('cannot decode frames');
      }),
      face: fakeIndexHandler('face'),
    });
    await waitFor('index jobs', () => settled(asset, 'mm')() && settled(asset, 'face')());
    assert.deepEqual(
      [jobOf(asset, 'mm').state, jobOf(asset, 'mm').attempts, jobOf(asset, 'mm').error],
      ['failed', 1, 'cannot decode frames'],
    );
    assert.equal(jobOf(asset, 'face').state, 'success');
    assert.equal(store.assets.getById(asset)?.ingestState, 'ready');
  });

  it('fails a job whose retryable errors exhaust maxAttempts', async () => {
    let calls = 0;
    const asset = addAsset(['ingest', 'mm']);
    startScheduler(
      {
        ingest: fakeIngestHandler(store, async () => {
          calls++;
          throw new MediaError(`HTTP 503 from the origin (try ${calls})`, { retryable: true });
        }),
      },
      { maxAttempts: 4 },
    );
    await waitFor('ingest to settle', settled(asset, 'ingest'));
    const ingest = jobOf(asset, 'ingest');
    assert.equal(ingest.state, 'failed');
    assert.equal(ingest.attempts, 4);
    assert.equal(ingest.error, 'HTTP 503 from the origin (try 4)');
    assert.equal(calls, 4);
    assert.equal(store.assets.getById(asset)?.ingestState, 'failed');
    assert.equal(jobOf(asset, 'mm').state, 'failed');
  });

  it('with maxAttempts 1 a plain Error fails at once', async () => {
    const asset = addAsset(['ingest']);
    startScheduler(
      {
        ingest: fakeIngestHandler(store, async () => {
          throw new Error('nope');
        }),
      },
      { maxAttempts: 1 },
    );
    await waitFor('ingest to settle', settled(asset, 'ingest'));
    assert.deepEqual([jobOf(asset, 'ingest').state, jobOf(asset, 'ingest').attempts], ['failed', 1]);
  });

  it('a non-Error rejection is recorded as text', async () => {
    const asset = addAsset(['ingest']);
    startScheduler(
      {
        ingest: fakeIngestHandler(store, async () => {
          throw 'a bare string';
        }),
      },
      { maxAttempts: 1 },
    );
    await waitFor('ingest to settle', settled(asset, 'ingest'));
    assert.equal(jobOf(asset, 'ingest').error, 'a bare string');
  });

  it('never runs more jobs at once than the concurrency limit', async () => {
    const concurrency = 3;
    let inFlight = 0;
    let maxInFlight = 0;
    let activeCountOverLimit = false;
    const assets = Array.from({ length: 10 }, () => addAsset(['ingest', 'mm']));
    const busy = async () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      if ((scheduler?.activeCount ?? 0) > concurrency) activeCountOverLimit = true;
      try {
        await new Promise((resolve) => setTimeout(resolve, 3));
      } finally {
        inFlight--;
      }
    };
    const current = startScheduler({ ingest: fakeIngestHandler(store, busy), mm: fakeIndexHandler('mm', busy) }, { concurrency });
    await waitFor('every job', () => assets.every((a) => store.jobs.forAsset(a).every((j) => j.state === 'success')));
    assert.ok(maxInFlight <= concurrency, `max in flight ${maxInFlight}`);
    assert.equal(maxInFlight, concurrency, 'with 20 jobs queued every slot gets used');
    assert.equal(activeCountOverLimit, false);
    assert.equal(current.activeCount, 0);
  });

  it('holds further jobs while every slot is busy', async () => {
    const release = gate();
    let started = 0;
    const assets = Array.from({ length: 4 }, () => addAsset(['ingest']));
    const current = startScheduler(
      {
        ingest: fakeIngestHandler(store, async (_job, _asset, signal) => {
          started++;
          await held(release, signal);
        }),
      },
      { concurrency: 2 },
    );
    await waitFor('two running', () => started === 2);
    // Give the scheduler several poll periods in which it could wrongly claim more.
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(started, 2);
    assert.equal(current.activeCount, 2);
    assert.equal(store.jobs.countsByState().running, 2);
    release.open();
    await waitFor('all done', () => assets.every((a) => jobOf(a, 'ingest').state === 'success'));
    assert.equal(started, 4);
  });

  it('cancelAsset aborts the running handler through its AbortSignal', async () => {
    let seenSignal: AbortSignal | undefined;
    const asset = addAsset(['ingest', 'mm']);
    const current = startScheduler({
      ingest: fakeIngestHandler(store, async (_job, _asset, signal) => {
        seenSignal = signal;
        await untilAborted(signal);
      }),
    });
    await waitFor('the handler to start', () => seenSignal !== undefined);
    assert.equal(seenSignal!.aborted, false);
    // As MediaService.delete does: abort, then delete the rows.
    current.cancelAsset(asset);
    store.assets.delete(asset);
    assert.equal(seenSignal!.aborted, true);
    assert.match(String((seenSignal!.reason as Error).message), /asset was deleted/);
    await waitFor('the job to leave the scheduler', () => current.activeCount === 0);
    assert.deepEqual(store.jobs.forAsset(asset), []);
  });

  it('cancelAsset leaves other assets running and does not count the aborted attempt', async () => {
    const started = new Map<number, number>();
    const signals = new Map<number, AbortSignal>();
    const release = gate();
    const target = addAsset(['ingest']);
    const bystander = addAsset(['ingest']);
    const current = startScheduler({
      ingest: fakeIngestHandler(store, async (_job, asset, signal) => {
        const n = (started.get(asset.id) ?? 0) + 1;
        started.set(asset.id, n);
        signals.set(asset.id, signal);
        // The first run of the target waits until cancelled; every other run waits for the gate.
        if (asset.id === target && n === 1) await untilAborted(signal);
        else await held(release, signal);
      }),
    });
    await waitFor('both to start', () => signals.size === 2);
    current.cancelAsset(target);
    assert.equal(signals.get(target)!.aborted, true);
    assert.equal(signals.get(bystander)!.aborted, false);
    // The asset still exists here, so the released job runs again; the cancelled try is not counted.
    await waitFor('the target to run again', () => started.get(target) === 2);
    release.open();
    await waitFor('both done', () => settled(target, 'ingest')() && settled(bystander, 'ingest')());
    assert.deepEqual([jobOf(target, 'ingest').state, jobOf(target, 'ingest').attempts], ['success', 1]);
    assert.deepEqual([jobOf(bystander, 'ingest').state, jobOf(bystander, 'ingest').attempts], ['success', 1]);
  });

  it('cancelJobs aborts by job id, and a handler that still resolves is not recorded as success', async () => {
    let runs = 0;
    let firstSignal: AbortSignal | undefined;
    const asset = addAsset(['ingest']);
    const jobId = jobOf(asset, 'ingest').id;
    const current = startScheduler({
      ingest: async (job, _asset, signal) => {
        runs++;
        if (runs === 1) {
          firstSignal = signal;
          // Ignores the reason and resolves normally once aborted.
          await untilAborted(signal).catch(() => undefined);
          return { fake: 'ingest', finishedAfterAbort: true };
        }
        return { fake: 'ingest', attempt: job.attempts };
      },
    });
    await waitFor('the handler to start', () => firstSignal !== undefined);
    current.cancelJobs([jobId, 999_999]);
    assert.match(String((firstSignal!.reason as Error).message), /job was cancelled/);
    await waitFor('the rerun', () => settled(asset, 'ingest')());
    const job = jobOf(asset, 'ingest');
    assert.equal(runs, 2);
    assert.deepEqual(job.result, { fake: 'ingest', attempt: 1 });
    assert.equal(job.attempts, 1);
  });

  it('stop(grace) aborts a handler that does not finish and re-queues its job uncounted', async () => {
    let seenSignal: AbortSignal | undefined;
    const asset = addAsset(['ingest']);
    const current = startScheduler({
      ingest: fakeIngestHandler(store, async (_job, _asset, signal) => {
        seenSignal = signal;
        await untilAborted(signal);
      }),
    });
    await waitFor('the handler to start', () => seenSignal !== undefined);
    assert.equal(jobOf(asset, 'ingest').attempts, 1);
    await current.stop(30);
    assert.equal(seenSignal!.aborted, true);
    assert.match(String((seenSignal!.reason as Error).message), /shutting down/);
    assert.equal(current.activeCount, 0);
    const job = jobOf(asset, 'ingest');
    assert.equal(job.state, 'queued');
    assert.equal(job.attempts, 0);
    assert.equal(job.startedAt, null);
    assert.equal(store.assets.getById(asset)?.ingestState, 'pending');
  });

  it('stop(grace) lets a job that finishes within the grace period succeed', async () => {
    const release = gate();
    let started = false;
    let signal: AbortSignal | undefined;
    const asset = addAsset(['ingest']);
    const current = startScheduler({
      ingest: fakeIngestHandler(store, async (_job, _asset, s) => {
        started = true;
        signal = s;
        await held(release, s);
      }),
    });
    await waitFor('the handler to start', () => started);
    const stopping = current.stop(60_000);
    release.open();
    await stopping;
    assert.equal(signal!.aborted, false);
    assert.deepEqual([jobOf(asset, 'ingest').state, jobOf(asset, 'ingest').attempts], ['success', 1]);
  });

  it('claims nothing after stop()', async () => {
    const current = startScheduler({});
    await current.stop(0);
    const asset = addAsset(['ingest']);
    current.wake();
    await new Promise((resolve) => setTimeout(resolve, 60));
    assert.equal(jobOf(asset, 'ingest').state, 'queued');
    assert.equal(current.activeCount, 0);
  });

  // A rerun re-queues a job that may still be running; the older run must be stopped first and
  // must not be able to record its outcome over the rerun's.
  it(
    'a rerun of a running job does not run it twice at once, and the rerun\'s result is kept',
    async () => {
      const release = gate();
      let runs = 0;
      let inFlight = 0;
      let maxInFlight = 0;
      const asset = addAsset(['mm']);
      store.assets.markIngested(asset, { localPath: '/fake', fileSize: 1, probe: PROBE, thumbnail: null });
      const current = startScheduler(
        {
          mm: async (_job, _asset, signal) => {
            const run = ++runs;
            inFlight++;
            maxInFlight = Math.max(maxInFlight, inFlight);
            try {
              await held(release, signal);
            } finally {
              inFlight--;
            }
            return { run };
          },
        },
        { concurrency: 4 },
      );
      await waitFor('the first run', () => runs === 1);
      store.jobs.enqueue(asset, 'mm', Date.now()); // what MediaService.rerun does
      current.wake();
      await new Promise((resolve) => setTimeout(resolve, 100));
      release.open();
      await waitFor('the job to settle', () => inFlight === 0 && settled(asset, 'mm')());
      await waitFor('the scheduler to drain', () => current.activeCount === 0 && inFlight === 0);
      assert.equal(maxInFlight, 1, 'the same job ran twice at once');
      assert.deepEqual(jobOf(asset, 'mm').result, { run: runs }, 'the result must come from the latest run');
    },
  );

  it('start() re-queues and then runs jobs a previous process left running', async () => {
    const asset = addAsset(['ingest', 'mm']);
    store.assets.markIngested(asset, { localPath: '/fake', fileSize: 1, probe: PROBE, thumbnail: null });
    // A previous process claimed both and died.
    const claimed = store.jobs.claimReady(Date.now(), 10);
    assert.equal(claimed.length, 2);
    assert.equal(store.jobs.countsByState().running, 2);

    let recovered = -1;
    const attemptsSeen: number[] = [];
    scheduler = new JobScheduler(
      store,
      {
        ingest: fakeIngestHandler(store, async (job) => void attemptsSeen.push(job.attempts)),
        mm: fakeIndexHandler('mm', async (job) => void attemptsSeen.push(job.attempts)),
        face: fakeIndexHandler('face'),
        aiLabel: fakeIndexHandler('aiLabel'),
      },
      { concurrency: 2, maxAttempts: 3, retryBaseMs: 1, pollMs: 20 },
      silent,
    );
    recovered = scheduler.start();
    assert.equal(recovered, 2);
    await waitFor('both jobs', () => settled(asset, 'ingest')() && settled(asset, 'mm')());
    assert.deepEqual(
      store.jobs.forAsset(asset).map((j) => [j.kind, j.state, j.attempts]),
      [
        ['ingest', 'success', 2],
        ['mm', 'success', 2],
      ],
    );
    assert.deepEqual(attemptsSeen, [2, 2]);
  });

  it('start() reports 0 when nothing was left running', () => {
    addAsset(['ingest']);
    const current = new JobScheduler(
      store,
      { ingest: fakeIngestHandler(store), mm: fakeIndexHandler('mm'), face: fakeIndexHandler('face'), aiLabel: fakeIndexHandler('aiLabel') },
      { concurrency: 1, maxAttempts: 1, retryBaseMs: 1 },
      silent,
    );
    scheduler = current;
    assert.equal(current.start(), 0);
  });
});
