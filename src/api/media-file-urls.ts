import type { FileUrlSigner } from './file-url-signer.js';
import type { AssetFileUrls, AssetRef } from '../search/ai-data/asset-file-urls.js';

/** The first segment of every file URL the server serves (src/api/media-file-route.ts). */
export const MEDIA_FILES_PREFIX = '/media-files';

/** Keyframe file names as the ingest job writes them (`00000.jpg`); anything else is refused. */
export const KEYFRAME_FILE_NAME = /^[A-Za-z0-9_-]{1,64}\.jpg$/;

/**
 * Paths are built from the asset's names, not its internal row id: SQLite may hand a deleted
 * asset's id to the next insert in any library, and a URL that has not expired yet must not
 * start serving another library's file.
 */
export const mediaFilePaths = {
  thumbnail: (asset: AssetRef): string =>
    `${MEDIA_FILES_PREFIX}/${encodeURIComponent(asset.library)}/${encodeURIComponent(asset.mediaId)}/thumbnail.jpg`,
  keyframe: (asset: AssetRef, file: string): string =>
    `${MEDIA_FILES_PREFIX}/${encodeURIComponent(asset.library)}/${encodeURIComponent(asset.mediaId)}/keyframes/${encodeURIComponent(file)}`,
  original: (asset: AssetRef): string =>
    `${MEDIA_FILES_PREFIX}/${encodeURIComponent(asset.library)}/${encodeURIComponent(asset.mediaId)}/original`,
  face: (asset: AssetRef, seq: number): string =>
    `${MEDIA_FILES_PREFIX}/${encodeURIComponent(asset.library)}/${encodeURIComponent(asset.mediaId)}/faces/${seq}.jpg`,
};

/** Makes the signed file URLs for responses, against the base URL the client reached us at. */
export class MediaFileUrls {
  constructor(private readonly signer: FileUrlSigner) {}

  forBase(baseUrl: string): AssetFileUrls {
    const base = baseUrl.replace(/\/+$/, '');
    return {
      thumbnail: (asset) => base + this.signer.sign(mediaFilePaths.thumbnail(asset)),
      keyframe: (asset, file) => base + this.signer.sign(mediaFilePaths.keyframe(asset, file)),
      original: (asset) => base + this.signer.sign(mediaFilePaths.original(asset)),
      face: (asset, seq) => base + this.signer.sign(mediaFilePaths.face(asset, seq)),
    };
  }
}
