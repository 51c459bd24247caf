/** An asset as its file URLs name it: by library and MediaId, the names a client knows it by. */
export interface AssetRef {
  readonly library: string;
  readonly mediaId: string;
}

/**
 * Absolute URLs of an asset's files, valid for one response (the HTTP layer signs them against
 * the base URL the client used: src/api/media-file-urls.ts).
 */
export interface AssetFileUrls {
  thumbnail(asset: AssetRef): string;
  keyframe(asset: AssetRef, file: string): string;
  /** The asset's file itself (the downloaded copy, the upload, or the file:// original). */
  original(asset: AssetRef): string;
  /** The face crop of the asset's face track `seq` (person covers). */
  face(asset: AssetRef, seq: number): string;
}
