import type { Db } from '../../store/database.js';
import type { Asset, MediaType } from '../../types.js';
import type { AssetFileUrls } from './asset-file-urls.js';

/**
 * What a client needs to show a search hit without another call (the WithFileUrls extension):
 * the asset's type and title, its cover, its playable file, and one picture per clip.
 */
export interface HitFiles {
  readonly mediaType: MediaType;
  readonly title: string;
  /** Signed thumbnail URL; "" for audio or before ingest. */
  readonly coverUrl: string;
  /** Signed URL of the original file; "" until the file is ingested. */
  readonly fileUrl: string;
  /** Per clip, in the order given: signed keyframe URL, "" when the asset has no keyframes. */
  readonly clipImageUrls: string[];
}

/** The cover and file URLs of one asset (SearchMedia's WithFileUrls needs no clip pictures). */
export function assetFileUrls(asset: Asset, urls: AssetFileUrls): { coverUrl: string; fileUrl: string } {
  return {
    coverUrl: asset.thumbnail ? urls.thumbnail(asset) : '',
    fileUrl: asset.ingestState === 'ready' && asset.localPath ? urls.original(asset) : '',
  };
}

/**
 * The picture of a clip is the keyframe nearest its start: the first one inside the clip when
 * there is one (a clip that starts at a cut shows the new shot, not the end of the old one),
 * else whichever of the last before and the first after the start is closer. Two index seeks per
 * clip on keyframes_by_asset, so a two-hour video's keyframes are never read in full.
 */
export function readHitFiles(
  db: Db,
  hits: readonly { asset: Asset; clips: readonly { from: number; to: number }[] }[],
  urls: AssetFileUrls,
): HitFiles[] {
  const atOrAfter = db.prepare('SELECT file, time_s AS time FROM keyframes WHERE asset_id = ? AND time_s >= ? ORDER BY time_s, id LIMIT 1');
  const before = db.prepare('SELECT file, time_s AS time FROM keyframes WHERE asset_id = ? AND time_s < ? ORDER BY time_s DESC, id LIMIT 1');
  return hits.map(({ asset, clips }) => ({
    mediaType: asset.mediaType,
    title: asset.title ?? '',
    ...assetFileUrls(asset, urls),
    clipImageUrls: clips.map((clip) => {
      const after = atOrAfter.get(asset.id, clip.from) as { file: string; time: number } | undefined;
      const earlier = before.get(asset.id, clip.from) as { file: string; time: number } | undefined;
      const inside = after && after.time <= clip.to ? after : undefined;
      const nearest =
        inside ?? (after && earlier ? (after.time - clip.from < clip.from - earlier.time ? after : earlier) : (after ?? earlier));
      return nearest ? urls.keyframe(asset, nearest.file) : '';
    }),
  }));
}
