/**
 * Downloads one model file into place, verified. Bytes go to `<file>.part`; an existing `.part`
 * from an interrupted transfer is continued with a Range request. The file is renamed into place
 * only after its size and sha256 check out, so a file at its final path is always a complete,
 * verified one. One call is one attempt; the caller decides whether to try again.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { hashFileInto } from './file-sha256.js';
import { requestHubFile } from './hub-request.js';
import { ModelDownloadError, toModelDownloadError } from './model-download-error.js';

export interface FileTransferTarget {
  /** Repository-relative path, for messages. */
  repoPath: string;
  /** The hub `resolve` URL of the file. */
  url: string;
  localPath: string;
  /** From the model spec; when absent the hub's linked ETag (if it is a sha256) is checked instead. */
  expectedSha256?: string;
  expectedSize?: number;
}

export interface TransferProgress {
  receivedBytes: number;
  totalBytes: number | undefined;
  /** Bytes that were already in the .part file when this transfer resumed it. */
  resumedFromBytes: number;
}

export interface FileTransferOptions {
  token?: string;
  fetchImpl: typeof fetch;
  signal?: AbortSignal;
  /** Longest wait from sending the request to the final response's headers. */
  responseTimeoutMs: number;
  /** Longest pause between two pieces of the body. */
  stallTimeoutMs: number;
  maxRedirects: number;
  onProgress?: (progress: TransferProgress) => void;
}

export interface FileTransferResult {
  size: number;
  sha256: string;
  /** Bytes that came over the network in this call. */
  transferredBytes: number;
  resumedFromBytes: number;
}

async function fileSize(filePath: string): Promise<number> {
  try {
    return (await stat(filePath)).size;
  } catch {
    return 0;
  }
}

function sizeOrUndefined(value: string | null): number | undefined {
  if (value === null || !/^\d+$/.test(value.trim())) return undefined;
  const size = Number(value);
  return Number.isSafeInteger(size) ? size : undefined;
}

type RangePlan =
  | { kind: 'write'; from: number; total: number | undefined }
  /** The .part already holds the whole file (the server refused a range that starts at its end). */
  | { kind: 'complete'; total: number }
  /** The server's answer does not continue our .part; it must be thrown away. */
  | { kind: 'restart' };

/** What a response to a (possibly ranged) request means for the .part file that holds `offset` bytes. */
function planFromResponse(response: Response, offset: number): RangePlan {
  const contentRange = response.headers.get('content-range') ?? '';
  if (response.status === 416) {
    const total = /^bytes \*\/(\d+)$/.exec(contentRange.trim());
    const partIsWholeFile = offset > 0 && total !== null && Number(total[1]) === offset;
    return partIsWholeFile ? { kind: 'complete', total: offset } : { kind: 'restart' };
  }
  if (response.status === 206) {
    const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(contentRange.trim());
    if (range === null || Number(range[1]) !== offset) return { kind: 'restart' };
    return { kind: 'write', from: offset, total: range[3] === '*' ? undefined : Number(range[3]) };
  }
  // A plain 200 is the whole file from byte 0, whatever was asked for.
  return { kind: 'write', from: 0, total: sizeOrUndefined(response.headers.get('content-length')) };
}

export async function transferFile(target: FileTransferTarget, options: FileTransferOptions): Promise<FileTransferResult> {
  const { repoPath, url, localPath } = target;
  const partPath = `${localPath}.part`;
  // One controller carries our own reasons to stop (timeouts); its reason is the error reported.
  const controller = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal;
  const fail = (error: ModelDownloadError): void => {
    if (!controller.signal.aborted) controller.abort(error);
  };
  const responseTimer = setTimeout(
    () =>
      fail(
        new ModelDownloadError(`Could not download ${repoPath} from ${url}: no answer within ${options.responseTimeoutMs} ms`, {
          retryable: true,
        }),
      ),
    options.responseTimeoutMs,
  );
  let stallTimer: NodeJS.Timeout | undefined;
  const watchForStall = (): NodeJS.Timeout =>
    setTimeout(
      () =>
        fail(
          new ModelDownloadError(
            `Could not download ${repoPath} from ${url}: the transfer stalled (no data for ${options.stallTimeoutMs} ms)`,
            { retryable: true },
          ),
        ),
      options.stallTimeoutMs,
    );
  // Set for failures after which the .part cannot be continued: its bytes are wrong, not just incomplete.
  let partIsWrong = false;
  const wrongBytes = (message: string, retryable = false): ModelDownloadError => {
    partIsWrong = true;
    return new ModelDownloadError(message, { retryable });
  };

  try {
    await mkdir(dirname(localPath), { recursive: true });
    let offset = await fileSize(partPath);
    if (target.expectedSize !== undefined && offset > target.expectedSize) {
      await rm(partPath, { force: true });
      offset = 0;
    }

    let hub = await requestHubFile(url, { ...options, file: repoPath, signal, rangeStart: offset });
    let plan = planFromResponse(hub.response, offset);
    if (plan.kind === 'restart' && offset > 0) {
      // The server's answer does not continue our bytes (another range, or the file changed): start over.
      await hub.response.body?.cancel().catch(() => undefined);
      await rm(partPath, { force: true });
      offset = 0;
      hub = await requestHubFile(url, { ...options, file: repoPath, signal });
      plan = planFromResponse(hub.response, offset);
    }
    if (plan.kind === 'restart') {
      await hub.response.body?.cancel().catch(() => undefined);
      throw new ModelDownloadError(
        `Could not download ${repoPath} from ${url}: unexpected HTTP ${hub.response.status} answer to a request from byte 0`,
        { retryable: true },
      );
    }
    clearTimeout(responseTimer);

    const expectedSha256 = target.expectedSha256?.toLowerCase() ?? hub.linkedSha256;
    const announcedSize = hub.linkedSize ?? plan.total;
    if (target.expectedSize !== undefined && announcedSize !== undefined && announcedSize !== target.expectedSize) {
      await hub.response.body?.cancel().catch(() => undefined);
      throw wrongBytes(
        `Size mismatch for ${repoPath}: the model spec expects ${target.expectedSize} bytes but ${url} has ${announcedSize}; ` +
          'check the model revision or HF_ENDPOINT mirror',
      );
    }
    const expectedSize = target.expectedSize ?? announcedSize;

    const hash = createHash('sha256');
    const resumedFromBytes = plan.kind === 'complete' ? plan.total : plan.from;
    let received = resumedFromBytes;
    let transferred = 0;
    if (plan.kind === 'complete') await hub.response.body?.cancel().catch(() => undefined);
    if (resumedFromBytes > 0) await hashFileInto(hash, partPath);
    if (plan.kind === 'write') {
      const handle = await open(partPath, plan.from > 0 ? 'a' : 'w');
      try {
        options.onProgress?.({ receivedBytes: received, totalBytes: expectedSize, resumedFromBytes });
        stallTimer = watchForStall();
        for await (const chunk of hub.response.body ?? []) {
          stallTimer.refresh();
          const bytes = chunk as Uint8Array;
          received += bytes.length;
          if (expectedSize !== undefined && received > expectedSize) {
            throw wrongBytes(`Size mismatch for ${repoPath}: ${url} sent more than the expected ${expectedSize} bytes`);
          }
          hash.update(bytes);
          await handle.write(bytes);
          transferred += bytes.length;
          options.onProgress?.({ receivedBytes: received, totalBytes: expectedSize, resumedFromBytes });
        }
        clearTimeout(stallTimer);
        await handle.sync();
      } finally {
        clearTimeout(stallTimer);
        await handle.close();
      }
    }
    // A timeout or cancel may land just as the body ends; honour it rather than half-succeed.
    if (signal.aborted) throw signal.reason;

    if (expectedSize !== undefined && received < expectedSize) {
      throw new ModelDownloadError(
        `Could not download ${repoPath} from ${url}: the transfer ended after ${received} of ${expectedSize} bytes`,
        { retryable: true },
      );
    }
    const actual = hash.digest('hex');
    if (expectedSha256 !== undefined && actual !== expectedSha256) {
      // When the bad bytes may come from an earlier transfer's .part (a file changed upstream, a
      // damaged disk), one fresh download from byte 0 can still succeed, so that case is retryable.
      throw wrongBytes(
        `Checksum mismatch for ${repoPath}: expected sha256 ${expectedSha256}, got ${actual}; the downloaded bytes were deleted`,
        resumedFromBytes > 0,
      );
    }
    await rename(partPath, localPath);
    return { size: received, sha256: actual, transferredBytes: transferred, resumedFromBytes };
  } catch (error) {
    if (partIsWrong) await rm(partPath, { force: true });
    if (options.signal?.aborted) {
      throw new ModelDownloadError(`Download of ${repoPath} was cancelled; pull again to resume it`, {
        retryable: false,
        cancelled: true,
        cause: options.signal.reason,
      });
    }
    if (controller.signal.aborted) throw controller.signal.reason as ModelDownloadError;
    throw toModelDownloadError(error, repoPath, url);
  } finally {
    clearTimeout(responseTimer);
    clearTimeout(stallTimer);
    if (!controller.signal.aborted) controller.abort();
  }
}
