import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ApiError } from '../api/errors.js';
import type { MediaFiles } from '../store/media-files.js';

export interface ReceivedUpload {
  input: string;
  bytes: number;
  sha256: string;
}

/**
 * Receives a file for POST /upload: streams it to uploads/<id>/<name> while counting and hashing,
 * and returns the `upload://<id>` Input to pass to InsertMediaToSearchLib. Uploads never inserted
 * are removed by `removeStale` after a day.
 */
export class UploadService {
  constructor(
    private readonly files: MediaFiles,
    private readonly maxBytes: number,
  ) {}

  async receive(body: Readable, fileName: string): Promise<ReceivedUpload> {
    const id = randomUUID().replace(/-/g, '');
    const dir = this.files.uploadDir(id);
    fs.mkdirSync(dir, { recursive: true });
    const target = path.join(dir, sanitiseFileName(fileName));
    const part = `${target}.part`;
    const hash = createHash('sha256');
    let bytes = 0;
    const maxBytes = this.maxBytes;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        bytes += chunk.length;
        if (bytes > maxBytes) {
          callback(new ApiError('PayloadTooLarge', `The upload exceeds MEDIASEARCH_MAX_MEDIA_BYTES (${maxBytes} bytes).`));
          return;
        }
        hash.update(chunk);
        callback(null, chunk);
      },
    });
    try {
      await pipeline(body, meter, fs.createWriteStream(part));
      if (bytes === 0) throw new ApiError('InvalidParameter', 'The upload is empty; send the file bytes as the request body.');
      fs.renameSync(part, target);
    } catch (error) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    return { input: `upload://${id}`, bytes, sha256: hash.digest('hex') };
  }

  /** Discards an upload (e.g. when its request turns out not to be authentic). */
  discard(input: string): void {
    const dir = this.files.uploadDirOf(input);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }

  /** Deletes uploads older than `maxAgeMs` that no asset references. */
  removeStale(isReferenced: (input: string) => boolean, maxAgeMs: number, now = Date.now()): number {
    if (!fs.existsSync(this.files.uploadsDir)) return 0;
    let removed = 0;
    for (const id of fs.readdirSync(this.files.uploadsDir)) {
      const dir = this.files.uploadDir(id);
      const age = now - fs.statSync(dir).mtimeMs;
      if (age > maxAgeMs && !isReferenced(`upload://${id}`)) {
        fs.rmSync(dir, { recursive: true, force: true });
        removed++;
      }
    }
    return removed;
  }
}

/** Keeps the name readable but harmless: no directories, no leading dots, bounded length. */
function sanitiseFileName(name: string): string {
  const base = path.basename(name).replace(/[^\p{L}\p{N}._ -]/gu, '_').replace(/^\.+/, '');
  return (base || 'upload').slice(0, 120);
}
