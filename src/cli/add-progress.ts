/**
 * Progress of `mediasearch add`, in two phases: files sent (uploaded or inserted by URL), then
 * index jobs finished. A cli-progress bar per phase on a terminal; on anything else (a log, CI, a
 * pipe) one plain line per event, because a redrawn bar is unreadable there.
 */
import cliProgress, { type SingleBar } from 'cli-progress';

export interface AddProgress {
  startSending(total: number): void;
  sent(done: number, total: number, label: string, outcome: { mediaId: string } | { error: string }): void;
  startIndexing(assets: number, jobs: number): void;
  /** `finishedJobs` of all jobs are done; `label` just finished all of its own when given. */
  indexed(finishedJobs: number, update?: { done: number; total: number; label: string; text: string }): void;
  /** Ends a drawn bar (before a summary or an error is printed). */
  stop(): void;
}

type Stream = NodeJS.WritableStream & { isTTY?: boolean };

export function createPlainAddProgress(out: Stream): AddProgress {
  const write = (line: string): void => {
    out.write(`${line}\n`);
  };
  return {
    startSending(total) {
      write(`Adding ${total} file${total === 1 ? '' : 's'}`);
    },
    sent(done, total, label, outcome) {
      write('error' in outcome ? `[${done}/${total}] failed ${label}: ${outcome.error}` : `[${done}/${total}] added ${label} as ${outcome.mediaId}`);
    },
    startIndexing(assets, jobs) {
      write(`Waiting for ${jobs} index job${jobs === 1 ? '' : 's'} of ${assets} asset${assets === 1 ? '' : 's'} (Ctrl-C stops waiting, not indexing)`);
    },
    indexed(_finishedJobs, update) {
      if (update) write(`[${update.done}/${update.total}] ${update.label}: ${update.text}`);
    },
    stop() {},
  };
}

/**
 * Time left at the rate so far. cli-progress has its own {eta_formatted}, but before the first job
 * finishes it prints a cut-off "NULL"/"INF" ("LL"), and the first job of a batch is the slowest
 * (workers load their models), so a plain estimate from the start reads better.
 */
function remaining(startedAt: number, done: number, total: number): string {
  if (done === 0) return '?';
  const seconds = Math.round(((Date.now() - startedAt) / 1000 / done) * (total - done));
  return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
}

export function createBarAddProgress(out: Stream): AddProgress {
  let bar: SingleBar | undefined;
  let startedAt = 0;
  let total = 0;
  let shown = 0;
  const start = (count: number, format: string): void => {
    bar?.stop();
    startedAt = Date.now();
    total = count;
    shown = 0;
    bar = new cliProgress.SingleBar({ stream: out, format, hideCursor: true, clearOnComplete: false }, cliProgress.Presets.shades_classic);
    bar.start(count, 0, { label: '', left: '?' });
  };
  return {
    startSending(total) {
      start(total, 'Adding   [{bar}] {value}/{total} files | {label}');
    },
    // Failures are not printed under the bar (it would be redrawn over them); the summary lists them.
    sent(done, _total, label) {
      bar?.update(done, { label });
    },
    startIndexing(_assets, jobs) {
      start(jobs, 'Indexing [{bar}] {value}/{total} jobs | {left} left | {label}');
    },
    indexed(finishedJobs, update) {
      // Never backwards: an asset's finished jobs are first counted from the batch status and
      // then from its own job list, which can lag behind by a poll.
      shown = Math.max(shown, finishedJobs);
      const left = remaining(startedAt, shown, total);
      bar?.update(shown, update ? { label: update.label, left } : { left });
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}

export function createAddProgress(out: Stream): AddProgress {
  return out.isTTY === true ? createBarAddProgress(out) : createPlainAddProgress(out);
}
