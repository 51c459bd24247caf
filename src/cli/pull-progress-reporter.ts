/**
 * Shows a model pull's progress: a cli-progress bar per file on a terminal, plain lines otherwise
 * (logs and CI output, where a redrawn bar would be unreadable).
 */
import cliProgress, { type SingleBar } from 'cli-progress';
import type { PullProgressEvent } from '../models/downloader.js';
import { formatBytes } from './format.js';

export interface PullProgressReporter {
  onProgress(event: PullProgressEvent): void;
  /** Ends any bar still drawn (before printing a summary or an error). */
  stop(): void;
}

const BAR_FORMAT = '{label} [{bar}] {percentage}% | {received} / {size} | ETA {eta_formatted}';

/** How often, at most, a plain-text report prints a progress line while one file downloads. */
const PLAIN_PROGRESS_INTERVAL_MS = 10_000;

function prefix(event: PullProgressEvent): string {
  return `[${event.fileNumber}/${event.fileCount}] ${event.file}`;
}

function sizeText(bytes: number | undefined): string {
  return bytes === undefined ? 'size unknown' : formatBytes(bytes);
}

function describeResume(event: PullProgressEvent): string | undefined {
  return event.resumedFromBytes > 0 ? `resuming at ${formatBytes(event.resumedFromBytes)}` : undefined;
}

export function createPlainReporter(out: NodeJS.WritableStream): PullProgressReporter {
  // The first progress event of a transfer is announced rather than file-start: only by then does
  // the hub's answer tell the file's size and whether the transfer resumed.
  let announced = false;
  let lastLineAt = 0;
  const write = (line: string): void => {
    out.write(`${line}\n`);
  };
  return {
    onProgress(event) {
      switch (event.kind) {
        case 'file-start':
          announced = false;
          break;
        case 'file-progress':
          if (!announced) {
            announced = true;
            lastLineAt = Date.now();
            const resume = describeResume(event);
            write(
              resume === undefined
                ? `${prefix(event)}: downloading (${sizeText(event.totalBytes)})`
                : `${prefix(event)}: ${resume} of ${sizeText(event.totalBytes)}`,
            );
          } else if (Date.now() - lastLineAt >= PLAIN_PROGRESS_INTERVAL_MS && event.totalBytes) {
            lastLineAt = Date.now();
            const percent = Math.floor((event.receivedBytes / event.totalBytes) * 100);
            write(`${prefix(event)}: ${percent}% (${formatBytes(event.receivedBytes)} of ${formatBytes(event.totalBytes)})`);
          }
          break;
        case 'file-retry':
          announced = false;
          write(`${prefix(event)}: ${event.error ?? 'the transfer failed'}; retrying`);
          break;
        case 'file-done':
          write(`${prefix(event)}: done, ${formatBytes(event.receivedBytes)} verified`);
          break;
        case 'file-skipped':
          write(`${prefix(event)}: already present, ${formatBytes(event.receivedBytes)}`);
          break;
      }
    },
    stop() {},
  };
}

export function createBarReporter(out: NodeJS.WritableStream): PullProgressReporter {
  let bar: SingleBar | undefined;
  let barTotal = 0;
  const stopBar = (): void => {
    bar?.stop();
    bar = undefined;
  };
  const payload = (event: PullProgressEvent): Record<string, unknown> => ({
    label: prefix(event),
    received: formatBytes(event.receivedBytes),
    size: sizeText(event.totalBytes),
  });
  return {
    onProgress(event) {
      switch (event.kind) {
        case 'file-start':
          stopBar();
          break;
        case 'file-progress': {
          const total = event.totalBytes ?? Math.max(event.receivedBytes, 1);
          if (bar === undefined) {
            const resume = describeResume(event);
            if (resume !== undefined) out.write(`${prefix(event)}: ${resume}\n`);
            const options = { stream: out, format: BAR_FORMAT, hideCursor: true };
            bar = new cliProgress.SingleBar(options, cliProgress.Presets.shades_classic);
            bar.start(total, event.receivedBytes, payload(event));
            barTotal = total;
          } else {
            if (total !== barTotal) {
              bar.setTotal(total);
              barTotal = total;
            }
            bar.update(event.receivedBytes, payload(event));
          }
          break;
        }
        case 'file-retry':
          stopBar();
          out.write(`${prefix(event)}: ${event.error ?? 'the transfer failed'}; retrying\n`);
          break;
        case 'file-done':
          bar?.update(event.receivedBytes, payload(event));
          stopBar();
          break;
        case 'file-skipped':
          stopBar();
          out.write(`${prefix(event)}: already present, ${formatBytes(event.receivedBytes)}\n`);
          break;
      }
    },
    stop: stopBar,
  };
}

export function createPullProgressReporter(out: NodeJS.WritableStream & { isTTY?: boolean }): PullProgressReporter {
  return out.isTTY === true ? createBarReporter(out) : createPlainReporter(out);
}
