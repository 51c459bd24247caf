import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { loadModelCatalog } from '../../src/models/model-catalog.js';

export interface RunningServer {
  app: App;
  url: string;
  stop: () => Promise<void>;
}

/** Starts the real server in this process on a free loopback port. */
export async function startServer(env: Record<string, string>): Promise<RunningServer> {
  const fullEnv = { PORT: '0', HOST: '127.0.0.1', MEDIASEARCH_JOB_RETRY_BASE_MS: '50', ...env };
  const config = loadConfig(fullEnv);
  const catalog = await loadModelCatalog(fullEnv);
  const app = new App(config, pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), { catalog });
  const url = await app.start();
  return { app, url, stop: () => app.stop() };
}

/** Calls an RPC action with GET and returns the status and parsed JSON body. */
export async function rpc(
  url: string,
  action: string,
  params: Record<string, string | number> = {},
  method: 'GET' | 'POST' = 'GET',
): Promise<{ status: number; body: Record<string, unknown> }> {
  const search = new URLSearchParams({ Action: action, ...Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)])) });
  const response =
    method === 'GET'
      ? await fetch(`${url}/?${search}`)
      : await fetch(`${url}/`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: search.toString(),
        });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Polls until `check` returns a value or the time runs out (a functional wait, not a timing assertion). */
export async function waitFor<T>(check: () => Promise<T | undefined>, timeoutMs = 30_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

type JobInfo = { IndexType: string; Status: string; ErrorMessage?: string };

/** Waits until every index job of an asset has finished (Success or Fail) and returns them. */
export async function waitForJobs(url: string, mediaId: string, library?: string, timeoutMs = 60_000): Promise<JobInfo[]> {
  return waitFor(
    async () => {
      const { body } = await rpc(url, 'QueryMediaIndexJob', { MediaId: mediaId, ...(library ? { SearchLibName: library } : {}) });
      const jobs = body.IndexJobInfoList as JobInfo[] | undefined;
      return jobs && jobs.length > 0 && jobs.every((job) => job.Status !== 'Running') ? jobs : undefined;
    },
    timeoutMs,
    `the jobs of ${mediaId}`,
  );
}

/** Starts `npm start`'s entry point as a separate process, for crash and shutdown tests. */
export function spawnServerProcess(env: Record<string, string>): {
  child: ChildProcess;
  url: Promise<string>;
  output: () => string;
} {
  const main = fileURLToPath(new URL('../../src/main.js', import.meta.url));
  const child = spawn(process.execPath, [main], {
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let buffer = '';
  const url = new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const match = /mediasearch is serving on (http:\/\/[^"\s]+)/.exec(buffer);
      if (match) resolve(match[1]!);
    });
    child.on('exit', (code) => reject(new Error(`server exited early with code ${code}: ${buffer.slice(-2000)}`)));
  });
  // A caller that expects the process to exit (start-up refusals) never awaits `url`.
  url.catch(() => undefined);
  child.stderr!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
  });
  return { child, url, output: () => buffer };
}

/** Waits for every index job of these assets and asserts that all of them succeeded. */
export async function expectJobsSucceed(url: string, mediaIds: Iterable<string>, timeoutMs = 180_000): Promise<void> {
  for (const id of mediaIds) {
    const jobs = await waitForJobs(url, id, undefined, timeoutMs);
    if (!jobs.every((job) => job.Status === 'Success')) throw new Error(`index jobs of ${id} did not all succeed: ${JSON.stringify(jobs)}`);
  }
}
