import fs from 'node:fs/promises';
import path from 'node:path';

const UPLOAD_ID = /^[a-f0-9]{32}$/;

/**
 * Where files live under the data directory:
 *   media/<asset id>/source.<ext>   downloaded http(s) inputs
 *   media/<asset id>/thumbnail.jpg
 *   media/<asset id>/keyframes/<n>.jpg  keyframes of the asset's segments
 *   media/<asset id>/faces/<track seq>.jpg  a face crop per face track (person covers)
 *   uploads/<upload id>/<file name> files sent to POST /upload, until their asset is deleted
 * file:// inputs stay where they are (inside MEDIASEARCH_FILE_ROOTS) and are never deleted.
 */
export class MediaFiles {
  readonly mediaDir: string;
  readonly uploadsDir: string;

  constructor(dataDir: string) {
    this.mediaDir = path.join(dataDir, 'media');
    this.uploadsDir = path.join(dataDir, 'uploads');
  }

  assetDir(assetId: number): string {
    return path.join(this.mediaDir, String(assetId));
  }

  thumbnailPath(assetId: number): string {
    return path.join(this.assetDir(assetId), 'thumbnail.jpg');
  }

  /** Keyframe JPEGs of an asset, named by the keyframe file column. */
  keyframeDir(assetId: number): string {
    return path.join(this.assetDir(assetId), 'keyframes');
  }

  /** Face crops of an asset's tracks, named by the track's seq. */
  faceDir(assetId: number): string {
    return path.join(this.assetDir(assetId), 'faces');
  }

  isUploadId(id: string): boolean {
    return UPLOAD_ID.test(id);
  }

  uploadDir(id: string): string {
    return path.join(this.uploadsDir, id);
  }

  /** The folder holding an `upload://<id>` input, or undefined for other inputs. */
  uploadDirOf(input: string): string | undefined {
    if (!input.startsWith('upload://')) return undefined;
    const id = input.slice('upload://'.length);
    return this.isUploadId(id) ? this.uploadDir(id) : undefined;
  }

  async removeAssetFiles(assetId: number, input: string): Promise<void> {
    await fs.rm(this.assetDir(assetId), { recursive: true, force: true });
    const uploadDir = this.uploadDirOf(input);
    if (uploadDir) await fs.rm(uploadDir, { recursive: true, force: true });
  }
}
