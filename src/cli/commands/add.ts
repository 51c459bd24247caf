/**
 * `mediasearch add PATH|URL…`: uploads local files (POST /upload, then InsertMediaToSearchLib
 * with the upload:// Input), inserts URLs directly, then follows the index jobs until they finish.
 *
 * Decisions:
 * - The library is checked first (QuerySearchLib), so a typo in --lib is one clear error rather
 *   than an upload of every file followed by as many identical failures.
 * - Each asset's title is its file name, so search results (which show titles) are readable and
 *   the name takes part in text search as a title does; MediaIds stay server-generated because
 *   file names repeat across folders and a MediaId must be unique in the library.
 * - Exit status 1 when any input was not added or any index job failed, so scripts notice; the
 *   summary says which and why. Ctrl-C stops waiting (exit 130); the server keeps indexing.
 */
import path from 'node:path';
import { Option, type Command } from 'commander';
import { DEFAULT_LIBRARY } from '../../types.js';
import { createAddProgress, type AddProgress } from '../add-progress.js';
import { ConnectionError, type ApiClient } from '../api-client.js';
import { CliError, type CliContext } from '../cli-context.js';
import { createClient, withEndpointOption, type ConnectionOptions } from '../connection.js';
import { formatBytes } from '../format.js';
import { collectMediaInputs, type CliMediaType, type MediaInput } from '../media-inputs.js';
import { allFinished, indexJobs, lookupMedia, type MediaSummary } from '../media-lookup.js';
import { pause } from '../pause.js';

/** Uploads in flight at once: enough to hide request latency, few enough not to swamp a small server's disk. */
const SEND_CONCURRENCY = 3;
const POLL_INTERVAL_MS = 1000;
const MAX_TITLE_CHARS = 256;

interface AddOptions extends ConnectionOptions {
  lib?: string;
  namespace?: string;
  recursive?: boolean;
  type?: CliMediaType;
  wait: boolean;
  json?: boolean;
}

interface AddResult {
  input: string;
  mediaId?: string;
  /** Why the input was not added. */
  error?: string;
  jobs?: { indexType: string; status: string; errorMessage?: string }[];
}

function titleOf(input: MediaInput): string {
  let name = input.location;
  if (input.kind === 'url') {
    try {
      name = decodeURIComponent(new URL(input.location).pathname);
    } catch {
      name = input.location;
    }
  }
  return path.posix.basename(name.replace(/\\/g, '/')).slice(0, MAX_TITLE_CHARS);
}

async function send(client: ApiClient, input: MediaInput, options: AddOptions): Promise<{ mediaId: string; bytes?: number }> {
  if (input.mediaType === undefined) {
    throw new CliError('cannot tell from the name whether it is an image or a video; pass --type image|video');
  }
  let source = input.location;
  let bytes: number | undefined;
  if (input.kind === 'file') {
    const uploaded = await client.upload(input.location, path.basename(input.location));
    source = uploaded.Input;
    bytes = uploaded.Size;
  }
  const title = titleOf(input);
  const inserted = await client.call<{ MediaId: string }>('InsertMediaToSearchLib', {
    Input: source,
    MediaType: input.mediaType,
    SearchLibName: options.lib,
    Namespace: options.namespace,
    MsgBody: title ? JSON.stringify({ title }) : undefined,
  });
  return { mediaId: inserted.MediaId, ...(bytes !== undefined ? { bytes } : {}) };
}

/** Sends every input, a few at a time, reporting each as it completes. */
async function sendAll(client: ApiClient, inputs: MediaInput[], options: AddOptions, progress: AddProgress, signal?: AbortSignal): Promise<AddResult[]> {
  const results: AddResult[] = inputs.map((input) => ({ input: input.label }));
  let next = 0;
  let done = 0;
  progress.startSending(inputs.length);
  const worker = async (): Promise<void> => {
    while (next < inputs.length && !signal?.aborted) {
      const index = next++;
      const input = inputs[index]!;
      const result = results[index]!;
      try {
        const sent = await send(client, input, options);
        result.mediaId = sent.mediaId;
        done += 1;
        progress.sent(done, inputs.length, input.label, { mediaId: sent.bytes === undefined ? sent.mediaId : `${sent.mediaId} (${formatBytes(sent.bytes)})` });
      } catch (error) {
        // A server that is gone (or Ctrl-C) ends the command; anything else concerns this input only.
        if (error instanceof ConnectionError) throw error;
        result.error = error instanceof Error ? error.message : String(error);
        done += 1;
        progress.sent(done, inputs.length, input.label, { error: result.error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(SEND_CONCURRENCY, inputs.length) }, worker));
  return results;
}

function describeJobs(jobs: NonNullable<AddResult['jobs']>): string {
  const failed = jobs.filter((job) => job.status === 'Fail');
  if (failed.length === 0) return `indexed (${jobs.map((job) => job.indexType).join(', ')})`;
  return failed.map((job) => `${job.indexType} failed: ${job.errorMessage ?? 'no reason given'}`).join('; ');
}

/** Polls the added assets' index jobs until all have finished, or Ctrl-C. Returns false when interrupted. */
async function waitForIndexing(client: ApiClient, results: AddResult[], options: AddOptions, progress: AddProgress, signal?: AbortSignal): Promise<boolean> {
  const pending = new Map(results.filter((result) => result.mediaId !== undefined).map((result) => [result.mediaId!, result]));
  if (pending.size === 0) return true;
  const assets = pending.size;
  let statuses = await lookupMedia(client, options.lib, [...pending.keys()]);
  const jobCount = new Map<string, number>();
  for (const [mediaId] of pending) jobCount.set(mediaId, statuses.get(mediaId)?.jobs.length ?? 0);
  const totalJobs = [...jobCount.values()].reduce((sum, count) => sum + count, 0);
  progress.startIndexing(assets, totalJobs);
  let finishedJobs = 0;
  let finishedAssets = 0;
  const running = new Map<string, number>();
  while (true) {
    for (const [mediaId, result] of pending) {
      const summary: MediaSummary | undefined = statuses.get(mediaId);
      if (summary === undefined) {
        result.error = 'the asset was deleted while it was being indexed';
      } else if (allFinished(summary)) {
        const failed = summary.jobs.some((job) => job.status === 'Fail');
        // Only failed assets cost a second request: it is the one that says why.
        result.jobs = failed ? await indexJobs(client, options.lib, mediaId) : summary.jobs.map((job) => ({ ...job }));
      } else {
        running.set(mediaId, summary.jobs.filter((job) => job.status !== 'Running').length);
        continue;
      }
      pending.delete(mediaId);
      running.delete(mediaId);
      finishedAssets += 1;
      finishedJobs += jobCount.get(mediaId) ?? 0;
      const text = result.jobs ? describeJobs(result.jobs) : result.error!;
      progress.indexed(finishedJobs, { done: finishedAssets, total: assets, label: result.input, text });
    }
    progress.indexed(finishedJobs + [...running.values()].reduce((sum, count) => sum + count, 0));
    if (pending.size === 0) return true;
    if (!(await pause(POLL_INTERVAL_MS, signal))) return false;
    statuses = await lookupMedia(client, options.lib, [...pending.keys()]);
  }
}

/** From this many assets failing for the same reason, the summary says the reason once with the count. */
const GROUP_FAILURES_FROM = 3;

function summarise(results: AddResult[], library: string, waited: boolean): { text: string; failed: boolean } {
  const added = results.filter((result) => result.mediaId !== undefined && result.error === undefined);
  const jobs = results.flatMap((result) => result.jobs ?? []);
  const jobsFailed = jobs.filter((job) => job.status === 'Fail').length;
  const lines = [`Added ${added.length} of ${results.length} to ${library}.`];
  if (waited && jobs.length > 0) lines[0] += ` Index jobs: ${jobs.length - jobsFailed} succeeded, ${jobsFailed} failed.`;
  if (!waited && added.length > 0) lines.push('Indexing continues on the server; follow it with `mediasearch jobs --watch`.');
  const problems = results.filter((result) => result.error !== undefined || result.jobs?.some((job) => job.status === 'Fail'));
  // One reason shared by many assets (a model not pulled yet fails every mm job) is said once,
  // with the count, instead of drowning the other failures.
  const byReason = new Map<string, AddResult[]>();
  for (const result of problems) {
    if (result.error !== undefined) continue;
    for (const job of result.jobs ?? []) {
      if (job.status !== 'Fail') continue;
      const key = `${job.indexType} failed: ${job.errorMessage ?? 'no reason given'}`;
      byReason.set(key, [...(byReason.get(key) ?? []), result]);
    }
  }
  const grouped = new Set([...byReason].filter(([, list]) => list.length >= GROUP_FAILURES_FROM).map(([key]) => key));
  if (problems.length > 0) {
    lines.push('Failed:');
    for (const key of grouped) lines.push(`  ${byReason.get(key)!.length} assets: ${key}`);
    for (const result of problems) {
      const own = (result.jobs ?? []).filter((job) => job.status === 'Fail' && !grouped.has(`${job.indexType} failed: ${job.errorMessage ?? 'no reason given'}`));
      if (result.error === undefined && own.length === 0) continue;
      const what = result.error ?? describeJobs(own);
      lines.push(`  ${result.input}${result.mediaId ? ` (${result.mediaId})` : ''}: ${what}`);
    }
  }
  return { text: `${lines.join('\n')}\n`, failed: problems.length > 0 };
}

async function addCommand(args: string[], options: AddOptions, context: CliContext): Promise<void> {
  const inputs = await collectMediaInputs(args, { recursive: options.recursive === true, mediaType: options.type });
  if (inputs.length === 0) throw new CliError(`nothing to add: no image or video files in ${args.join(', ')}`);
  const client = createClient(options, context);
  const library = options.lib ?? DEFAULT_LIBRARY;
  await client.call('QuerySearchLib', { SearchLibName: library });

  // With --json, stdout carries only the JSON document; progress goes to stderr.
  const progress = createAddProgress(options.json === true ? context.stderr : context.stdout);
  let interrupted = false;
  let results: AddResult[];
  try {
    results = await sendAll(client, inputs, options, progress, context.signal);
    interrupted = context.signal?.aborted === true;
    if (options.wait && !interrupted) interrupted = !(await waitForIndexing(client, results, options, progress, context.signal));
  } finally {
    progress.stop();
  }
  const summary = summarise(results, library, options.wait && !interrupted);
  if (options.json === true) {
    context.stdout.write(`${JSON.stringify({ library, results }, null, 2)}\n`);
  } else {
    context.stdout.write(summary.text);
  }
  if (interrupted) {
    throw new CliError('interrupted', 130);
  }
  if (summary.failed) throw new CliError('some inputs were not added or not indexed (listed above)');
}

export function registerAddCommand(program: Command, context: CliContext): void {
  const command = program
    .command('add')
    .description('add images and videos (files, folders or URLs) to a search library and wait for them to be indexed')
    .argument('<inputs...>', 'files, folders (with --recursive) or http(s) URLs')
    .option('--lib <name>', `search library (default: ${DEFAULT_LIBRARY})`)
    .option('--namespace <namespace>', 'namespace of the new assets')
    .option('-r, --recursive', 'add the image and video files found in folders, and their subfolders')
    .addOption(new Option('--type <type>', 'media type of every input (default: from the file extension)').choices(['image', 'video', 'audio']))
    .option('--no-wait', 'return once the files are added, without waiting for indexing')
    .option('--json', 'print the results as JSON (progress goes to stderr)');
  withEndpointOption(command).action((inputs: string[], options: AddOptions) => addCommand(inputs, options, context));
}
