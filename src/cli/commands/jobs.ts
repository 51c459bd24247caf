/**
 * `mediasearch jobs [--watch]`: the assets of a library whose index jobs are not all Success,
 * with each job's status and, for failures, the reason.
 *
 * ICE has no "list unfinished jobs" action, so the library is read through SearchMedia (50 assets
 * a request, ScrollToken paging), whose items carry IndexStatusList; the reasons come from
 * QueryMediaIndexJob, for at most MAX_REASONS failed assets per refresh so that a library with
 * thousands of failures does not cost thousands of requests. `--watch` repeats until no job is
 * Running (failed jobs stay failed: rerun them with SearchIndexJobRerun), or Ctrl-C.
 */
import type { Command } from 'commander';
import { DEFAULT_LIBRARY } from '../../types.js';
import type { ApiClient } from '../api-client.js';
import type { CliContext } from '../cli-context.js';
import { createClient, withEndpointOption, type ConnectionOptions } from '../connection.js';
import { formatTable, truncate } from '../format.js';
import { indexJobs, scanLibrary, type MediaSummary } from '../media-lookup.js';
import { pause } from '../pause.js';
import { parsePositiveInteger } from '../search-options.js';

const MAX_REASONS = 20;
const REASON_WIDTH = 80;
const TITLE_WIDTH = 24;

interface JobsOptions extends ConnectionOptions {
  lib?: string;
  watch?: boolean;
  interval: number;
  json?: boolean;
}

interface Snapshot {
  library: string;
  total: number;
  unfinished: (MediaSummary & { reason?: string })[];
  running: number;
  failed: number;
}

async function snapshot(client: ApiClient, library: string): Promise<Snapshot> {
  const { assets } = await scanLibrary(client, library);
  const unfinished: Snapshot['unfinished'] = assets.filter((asset) => asset.jobs.some((job) => job.status !== 'Success'));
  const running = unfinished.filter((asset) => asset.jobs.some((job) => job.status === 'Running')).length;
  const failedAssets = unfinished.filter((asset) => asset.jobs.some((job) => job.status === 'Fail'));
  for (const asset of failedAssets.slice(0, MAX_REASONS)) {
    const jobs = await indexJobs(client, library, asset.mediaId);
    const reasons = jobs.filter((job) => job.status === 'Fail').map((job) => `${job.indexType}: ${job.errorMessage ?? 'no reason given'}`);
    if (reasons.length > 0) asset.reason = reasons.join('; ');
  }
  return { library, total: assets.length, unfinished, running, failed: failedAssets.length };
}

function render(state: Snapshot): string {
  if (state.unfinished.length === 0) {
    return `All ${state.total} asset${state.total === 1 ? '' : 's'} in ${state.library} are indexed.\n`;
  }
  const rows = state.unfinished.map((asset) => [
    asset.mediaId,
    asset.mediaType,
    truncate(asset.title, TITLE_WIDTH),
    asset.status,
    asset.jobs.map((job) => `${job.indexType} ${job.status}`).join(', '),
    truncate(asset.reason ?? '', REASON_WIDTH),
  ]);
  const table = formatTable(['MEDIA ID', 'TYPE', 'TITLE', 'FILE', 'JOBS', 'REASON'], rows);
  const more = state.failed > MAX_REASONS ? ` (reasons shown for the first ${MAX_REASONS})` : '';
  return (
    `${table}\n${state.unfinished.length} of ${state.total} assets in ${state.library} are not fully indexed: ` +
    `${state.running} running, ${state.failed} with failed jobs${more}.\n`
  );
}

function toJson(state: Snapshot): string {
  return `${JSON.stringify(
    {
      SearchLibName: state.library,
      Total: state.total,
      Running: state.running,
      Failed: state.failed,
      MediaList: state.unfinished.map((asset) => ({
        MediaId: asset.mediaId,
        MediaType: asset.mediaType,
        Title: asset.title,
        Status: asset.status,
        IndexStatusList: asset.jobs.map((job) => ({ IndexType: job.indexType, IndexStatus: job.status })),
        ...(asset.reason ? { ErrorMessage: asset.reason } : {}),
      })),
    },
    null,
    2,
  )}\n`;
}

/** Home the cursor and clear the screen, as `watch(1)` redraws. */
const CLEAR_SCREEN = '\u001b[H\u001b[2J';

async function jobsCommand(options: JobsOptions, context: CliContext): Promise<void> {
  const client = createClient(options, context);
  const library = options.lib ?? DEFAULT_LIBRARY;
  let state = await snapshot(client, library);
  if (options.watch !== true || options.json === true) {
    // --json --watch prints only the final state: a stream of JSON documents would not parse as one.
    while (options.watch === true && state.running > 0 && (await pause(options.interval * 1000, context.signal))) {
      state = await snapshot(client, library);
    }
    context.stdout.write(options.json === true ? toJson(state) : render(state));
    return;
  }
  const tty = context.stdout.isTTY === true;
  let previous = '';
  while (true) {
    const text = render(state);
    // On a terminal the view is redrawn in place; elsewhere a new copy is printed only when it changed.
    if (tty) context.stdout.write(`${CLEAR_SCREEN}${new Date().toLocaleTimeString()}  every ${options.interval}s, Ctrl-C to stop\n\n${text}`);
    else if (text !== previous) context.stdout.write(`${previous === '' ? '' : '\n'}${text}`);
    previous = text;
    if (state.running === 0 || !(await pause(options.interval * 1000, context.signal))) return;
    state = await snapshot(client, library);
  }
}

export function registerJobsCommand(program: Command, context: CliContext): void {
  const command = program
    .command('jobs')
    .description('list assets whose index jobs are running or failed')
    .option('--lib <name>', `search library (default: ${DEFAULT_LIBRARY})`)
    .option('-w, --watch', 'refresh until no job is running (Ctrl-C stops)')
    .option('--interval <seconds>', 'seconds between refreshes with --watch', parsePositiveInteger('--interval'), 2)
    .option('--json', 'print JSON');
  withEndpointOption(command).action((options: JobsOptions) => jobsCommand(options, context));
}
