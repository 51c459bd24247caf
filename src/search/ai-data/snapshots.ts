import type { Db } from '../../store/database.js';
import type { AssetFileUrls, AssetRef } from './asset-file-urls.js';

/** Snapshots listed per asset: enough to preview a video, few enough for a page of 50 assets. */
export const MAX_SNAPSHOTS = 10;

/**
 * `Snapshots` of each asset: signed URLs of up to `max` keyframes spread evenly over the asset
 * (all of them when it has no more), in time order; an image has its one picture. One query for
 * all the assets: the spreading is done by SQL over row numbers, so a long video's thousand
 * keyframes are not read to keep ten.
 */
export function readSnapshots(
  db: Db,
  assets: readonly (AssetRef & { readonly id: number })[],
  urls: AssetFileUrls,
  max = MAX_SNAPSHOTS,
): Map<number, string[]> {
  const result = new Map(assets.map((asset) => [asset.id, [] as string[]]));
  if (assets.length === 0) return result;
  // Row i of n is kept when some k in 0…max-1 has floor(k·n/max) = i, i.e. when
  // ceil(i·max/n) < ceil((i+1)·max/n), written with integer division (better-sqlite3 binds JS
  // numbers as REAL, hence the CAST).
  const rows = db
    .prepare(
      `SELECT assetId, file FROM (
         SELECT asset_id AS assetId, file, time_s, id,
                ROW_NUMBER() OVER (PARTITION BY asset_id ORDER BY time_s, id) - 1 AS i,
                COUNT(*) OVER (PARTITION BY asset_id) AS n,
                CAST(? AS INTEGER) AS m
         FROM keyframes WHERE asset_id IN (SELECT value FROM json_each(?))
       )
       WHERE ((i + 1) * m + n - 1) / n > (i * m + n - 1) / n
       ORDER BY assetId, time_s, id`,
    )
    .all(max, JSON.stringify(assets.map((asset) => asset.id))) as { assetId: number; file: string }[];
  const byId = new Map(assets.map((asset) => [asset.id, asset]));
  const seen = new Set<string>();
  for (const row of rows) {
    // Keyframes planned close together in a short video can share one decoded frame (one file).
    const key = `${row.assetId}/${row.file}`;
    if (seen.has(key)) continue;
    seen.add(key);
    result.get(row.assetId)!.push(urls.keyframe(byId.get(row.assetId)!, row.file));
  }
  return result;
}
