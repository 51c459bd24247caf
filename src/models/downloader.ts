/**
 * `pullModel`: copies a model's files from a Hugging Face-style hub into `<modelDir>/<name>/`.
 *
 * Files already verified (by the installed manifest, by an interrupted pull's state, or by their
 * pinned sha256) are kept; the others are downloaded one at a time by file-transfer.ts, which
 * resumes partial files and verifies each one before putting it in place. The manifest that marks
 * the model installed is removed before the first file changes and written again only at the end.
 */
import { mkdir, rm, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { sha256OfFile } from './file-sha256.js';
import { transferFile } from './file-transfer.js';
import { DEFAULT_HUB_ENDPOINT, modelFileUrl, normaliseHubEndpoint, resolveHubToken } from './hub-url.js';
import {
  readPullState,
  removeInstalledManifest,
  removePullState,
  writeInstalledManifest,
  writePullState,
} from './install-records.js';
import { ModelDownloadError } from './model-download-error.js';
import { modelFilePath, modelFolder, readInstalledManifest, type InstalledFile, type InstalledManifest } from './model-paths.js';
import type { ModelFile, ModelSpec } from './model-spec.js';
import { acquirePullLock } from './pull-lock.js';

export interface PullProgressEvent {
  /**
   * file-start: a download begins; file-progress: bytes arrived; file-retry: an attempt failed and
   * the file will be resumed; file-done: verified and in place; file-skipped: already present.
   */
  kind: 'file-start' | 'file-progress' | 'file-retry' | 'file-done' | 'file-skipped';
  /** Repository-relative path. */
  file: string;
  /** 1-based position of the file in the spec. */
  fileNumber: number;
  fileCount: number;
  receivedBytes: number;
  totalBytes: number | undefined;
  /** Bytes of this file kept from an earlier, interrupted transfer. */
  resumedFromBytes: number;
  overallReceivedBytes: number;
  /** Sum of all file sizes, once every size is known (from the spec or the hub). */
  overallTotalBytes: number | undefined;
  /** For file-retry: why the attempt failed. */
  error?: string;
}

export interface PullOptions {
  modelDir: string;
  /** Hub base URL (HF_ENDPOINT style); default https://huggingface.co. */
  endpoint?: string;
  /** Bearer token for gated or private repositories; default the HF_TOKEN environment variable. */
  token?: string;
  onProgress?: (event: PullProgressEvent) => void;
  signal?: AbortSignal;
  /** Download every file again, ignoring what is installed or partially downloaded. */
  force?: boolean;
  /** The fetch to use; default Node's built-in one. */
  fetchImpl?: typeof fetch;
  /** Longest wait for a response's headers, per request (default 30 s). */
  responseTimeoutMs?: number;
  /** Longest pause inside a transfer before it is abandoned and resumed (default 60 s). */
  stallTimeoutMs?: number;
  /** Further attempts per file after network trouble or a server error; each resumes (default 3). */
  retries?: number;
  /** Wait before the first retry; doubles for each next one (default 1 s). */
  retryDelayMs?: number;
  maxRedirects?: number;
}

export interface PullResult {
  folder: string;
  manifest: InstalledManifest;
  /** Files downloaded (fully or by resuming) in this pull. */
  downloaded: string[];
  /** Files that were already present and verified. */
  skipped: string[];
  /** Bytes that came over the network in this pull. */
  transferredBytes: number;
}

function validateSpecFiles(spec: ModelSpec): void {
  if (spec.files.length === 0) {
    throw new ModelDownloadError(`Model ${spec.name} lists no files to download`, { retryable: false });
  }
  const seen = new Set<string>();
  for (const file of spec.files) {
    if (seen.has(file.path)) {
      throw new ModelDownloadError(`Model ${spec.name} lists ${file.path} twice`, { retryable: false });
    }
    seen.add(file.path);
    if (file.sha256 !== undefined && !/^[0-9a-fA-F]{64}$/.test(file.sha256)) {
      throw new ModelDownloadError(`Model ${spec.name}: the sha256 of ${file.path} is not 64 hex digits`, { retryable: false });
    }
  }
}

async function sizeOnDisk(filePath: string): Promise<number | undefined> {
  try {
    const info = await stat(filePath);
    return info.isFile() ? info.size : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The record of a file already in place and verified, or undefined. A record from the manifest or
 * pull state is trusted when the size on disk still matches; otherwise a pinned sha256 is checked
 * by hashing the file.
 */
async function findVerifiedFile(
  file: ModelFile,
  localPath: string,
  record: InstalledFile | undefined,
): Promise<InstalledFile | undefined> {
  const size = await sizeOnDisk(localPath);
  if (size === undefined || (file.size !== undefined && size !== file.size)) return undefined;
  const pinned = file.sha256?.toLowerCase();
  if (record !== undefined && record.size === size && (pinned === undefined || record.sha256 === pinned)) return record;
  if (pinned !== undefined && (await sha256OfFile(localPath)) === pinned) return { path: file.path, size, sha256: pinned };
  return undefined;
}

/** Adds up progress over all files; a file's size becomes known from the spec, a record or the hub. */
class OverallProgress {
  private readonly sizes: (number | undefined)[];
  private readonly received: number[];

  constructor(files: readonly ModelFile[]) {
    this.sizes = files.map((file) => file.size);
    this.received = files.map(() => 0);
  }

  update(index: number, received: number, total: number | undefined): void {
    this.received[index] = received;
    if (total !== undefined) this.sizes[index] = total;
  }

  get receivedBytes(): number {
    return this.received.reduce((sum, bytes) => sum + bytes, 0);
  }

  get totalBytes(): number | undefined {
    if (this.sizes.some((size) => size === undefined)) return undefined;
    return this.sizes.reduce<number>((sum, size) => sum + (size ?? 0), 0);
  }
}

function cancelledError(spec: ModelSpec, reason: unknown): ModelDownloadError {
  return new ModelDownloadError(`Pull of ${spec.name} was cancelled; pull again to resume it`, {
    retryable: false,
    cancelled: true,
    cause: reason,
  });
}

export async function pullModel(spec: ModelSpec, options: PullOptions): Promise<PullResult> {
  validateSpecFiles(spec);
  const folder = modelFolder(options.modelDir, spec.name);
  await mkdir(folder, { recursive: true });
  const release = await acquirePullLock(folder, spec.name);
  try {
    return await pullWithLock(spec, folder, options);
  } finally {
    await release();
  }
}

async function pullWithLock(spec: ModelSpec, folder: string, options: PullOptions): Promise<PullResult> {
  const { modelDir, force = false, signal } = options;
  const endpoint = normaliseHubEndpoint(options.endpoint ?? DEFAULT_HUB_ENDPOINT);
  const token = options.token ?? resolveHubToken();
  const retries = options.retries ?? 3;
  const retryDelayMs = options.retryDelayMs ?? 1000;
  const fileCount = spec.files.length;
  const overall = new OverallProgress(spec.files);

  const installed = force ? undefined : await readInstalledManifest(modelDir, spec);
  const installedRecords = new Map(installed?.files.map((file) => [file.path, file]));
  const stateRecords = force ? new Map<string, InstalledFile>() : await readPullState(folder, spec);

  const verified = new Map<string, InstalledFile>();
  for (const file of force ? [] : spec.files) {
    const localPath = modelFilePath(modelDir, spec.name, file.path);
    const record = installedRecords.get(file.path) ?? stateRecords.get(file.path);
    const found = await findVerifiedFile(file, localPath, record);
    if (found !== undefined) verified.set(file.path, found);
  }

  const emit = (
    kind: PullProgressEvent['kind'],
    index: number,
    received: number,
    total: number | undefined,
    extra: { resumedFromBytes?: number; error?: string } = {},
  ): void => {
    overall.update(index, received, total);
    options.onProgress?.({
      kind,
      file: (spec.files[index] as ModelFile).path,
      fileNumber: index + 1,
      fileCount,
      receivedBytes: received,
      totalBytes: total,
      resumedFromBytes: extra.resumedFromBytes ?? 0,
      overallReceivedBytes: overall.receivedBytes,
      overallTotalBytes: overall.totalBytes,
      ...(extra.error === undefined ? {} : { error: extra.error }),
    });
  };

  const everythingInstalled =
    installed !== undefined && spec.files.every((file) => verified.get(file.path) === installedRecords.get(file.path));
  if (everythingInstalled) {
    spec.files.forEach((file, index) => {
      const size = (verified.get(file.path) as InstalledFile).size;
      emit('file-skipped', index, size, size);
    });
    return { folder, manifest: installed, downloaded: [], skipped: spec.files.map((file) => file.path), transferredBytes: 0 };
  }

  // From here on files change, so the folder must not look installed until the new manifest is written.
  await removeInstalledManifest(modelDir, spec);
  if (force) {
    await removePullState(folder);
    for (const file of spec.files) await rm(`${modelFilePath(modelDir, spec.name, file.path)}.part`, { force: true });
  }

  const downloaded: string[] = [];
  const skipped: string[] = [];
  let transferredBytes = 0;
  for (const [index, file] of spec.files.entries()) {
    const already = verified.get(file.path);
    if (already !== undefined) {
      skipped.push(file.path);
      emit('file-skipped', index, already.size, already.size);
      continue;
    }
    const target = {
      repoPath: file.path,
      url: modelFileUrl(endpoint, spec.source.repo, spec.source.revision, file.path),
      localPath: modelFilePath(modelDir, spec.name, file.path),
      expectedSha256: file.sha256,
      expectedSize: file.size,
    };
    emit('file-start', index, 0, file.size);
    for (let attempt = 0; ; attempt++) {
      if (signal?.aborted) throw cancelledError(spec, signal.reason);
      // Counted from progress so that the bytes of a failed attempt, which also crossed the network, count too.
      let attemptBytes = 0;
      try {
        const result = await transferFile(target, {
          token,
          fetchImpl: options.fetchImpl ?? fetch,
          signal,
          responseTimeoutMs: options.responseTimeoutMs ?? 30_000,
          stallTimeoutMs: options.stallTimeoutMs ?? 60_000,
          maxRedirects: options.maxRedirects ?? 10,
          onProgress: (progress) => {
            attemptBytes = progress.receivedBytes - progress.resumedFromBytes;
            emit('file-progress', index, progress.receivedBytes, progress.totalBytes, {
              resumedFromBytes: progress.resumedFromBytes,
            });
          },
        });
        transferredBytes += result.transferredBytes;
        verified.set(file.path, { path: file.path, size: result.size, sha256: result.sha256 });
        emit('file-done', index, result.size, result.size, { resumedFromBytes: result.resumedFromBytes });
        break;
      } catch (error) {
        transferredBytes += attemptBytes;
        const failure = error as ModelDownloadError;
        if (!(failure instanceof ModelDownloadError) || !failure.retryable || attempt >= retries) throw failure;
        emit('file-retry', index, 0, undefined, { error: failure.message });
        try {
          await sleep(retryDelayMs * 2 ** attempt, undefined, { signal });
        } catch {
          throw cancelledError(spec, signal?.reason);
        }
      }
    }
    downloaded.push(file.path);
    await writePullState(folder, spec, verified.values());
  }

  const files = spec.files.map((file) => verified.get(file.path) as InstalledFile);
  const manifest = await writeInstalledManifest(modelDir, spec, files);
  await removePullState(folder);
  return { folder, manifest, downloaded, skipped, transferredBytes };
}
