import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { generateMediaFixtures, tempDir } from '../helpers/fixtures.js';
import { rpc, spawnServerProcess, waitForJobs } from '../helpers/server-harness.js';
import { installedTinyModelEnv } from '../helpers/installed-tiny-model.js';

const ASSETS = 40;

async function stopProcess(child: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exited = once(child, 'exit');
  child.kill(signal);
  const [code] = (await exited) as [number | null];
  return code;
}

/**
 * kill -9 while assets are being inserted and analysed, then restart on the same data directory:
 * every insert that was acknowledged must be there and every job must finish.
 */
describe('crash recovery and graceful shutdown', () => {
  const temp = tempDir();
  let media: ReturnType<typeof generateMediaFixtures>;
  let env: Record<string, string>;

  before(async () => {
    media = generateMediaFixtures(path.join(temp.dir, 'media'));
    env = {
      MEDIASEARCH_DATA_DIR: path.join(temp.dir, 'data'),
      MEDIASEARCH_FILE_ROOTS: path.join(temp.dir, 'media'),
      ...(await installedTinyModelEnv(temp.dir)),
    };
  });
  after(() => temp.cleanup());

  it(`keeps every acknowledged asset of ${ASSETS} after kill -9 mid-ingestion and finishes all jobs on restart`, async () => {
    const first = spawnServerProcess(env);
    const url = await first.url;
    const acknowledged: string[] = [];
    const inputs = [media.video, media.jpeg, media.png];
    // Fire inserts concurrently and kill the server part-way through, while jobs are running.
    const inserts = Array.from({ length: ASSETS }, async (_, i) => {
      await new Promise((resolve) => setTimeout(resolve, i * 15));
      const file = inputs[i % inputs.length]!;
      try {
        const { status } = await rpc(url, 'InsertMediaToSearchLib', {
          Input: pathToFileURL(file).href,
          MediaId: `crash-${i}`,
          MediaType: file === media.video ? 'video' : 'image',
        });
        if (status === 200) acknowledged.push(`crash-${i}`);
      } catch {
        // connection refused or reset: the server is dead, this insert was never acknowledged
      }
    });
    await new Promise((resolve) => setTimeout(resolve, ASSETS * 15 * 0.6));
    await stopProcess(first.child, 'SIGKILL');
    await Promise.all(inserts);
    assert.ok(acknowledged.length > 0, 'some inserts were acknowledged before the kill');

    const second = spawnServerProcess(env);
    const url2 = await second.url;
    const recovered = /"recovered":(\d+)/.exec(second.output());
    try {
      for (const mediaId of acknowledged) {
        const jobs = await waitForJobs(url2, mediaId);
        assert.deepEqual(
          jobs.map((job) => job.Status),
          ['Success', 'Success', 'Success'],
          `${mediaId}: ${JSON.stringify(jobs)}`,
        );
      }
      console.log(
        `crash test: ${acknowledged.length}/${ASSETS} inserts acknowledged before kill -9, ` +
          `${recovered?.[1] ?? 0} interrupted jobs resumed; all ${acknowledged.length} present and finished after restart`,
      );
    } finally {
      assert.equal(await stopProcess(second.child, 'SIGTERM'), 0);
    }
  });

  it('re-queues running jobs on SIGTERM and resumes them on the next start', async () => {
    const first = spawnServerProcess({ ...env, MEDIASEARCH_SHUTDOWN_GRACE_MS: '0' });
    const url = await first.url;
    const ids = Array.from({ length: 12 }, (_, i) => `term-${i}`);
    for (const id of ids) {
      const { status } = await rpc(url, 'InsertMediaToSearchLib', { Input: pathToFileURL(media.video).href, MediaId: id });
      assert.equal(status, 200);
    }
    const health = (await (await fetch(`${url}/healthz`)).json()) as { jobs: { queued: number; running: number } };
    const busy = health.jobs.running > 0;
    assert.equal(await stopProcess(first.child, 'SIGTERM'), 0, 'graceful shutdown exits with 0');
    if (busy) assert.match(first.output(), /re-queued jobs interrupted by shutdown/);

    const second = spawnServerProcess(env);
    const url2 = await second.url;
    try {
      for (const id of ids) {
        const jobs = await waitForJobs(url2, id);
        assert.ok(jobs.every((job) => job.Status === 'Success'), `${id}: ${JSON.stringify(jobs)}`);
      }
    } finally {
      await stopProcess(second.child, 'SIGTERM');
    }
  });
});
