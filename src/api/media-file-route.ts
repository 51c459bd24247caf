import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseRange } from './byte-range.js';
import { ApiError } from './errors.js';
import type { FileUrlSigner, SignatureCheck } from './file-url-signer.js';
import { originalContentType } from './media-content-type.js';
import { KEYFRAME_FILE_NAME, MEDIA_FILES_PREFIX, mediaFilePaths } from './media-file-urls.js';
import type { AssetRef } from '../search/ai-data/asset-file-urls.js';
import { newRequestId, sendError } from './rpc-route.js';
import type { MediaFiles } from '../store/media-files.js';
import type { Store } from '../store/store.js';
import type { Asset } from '../types.js';

export interface MediaFileRouteDeps {
  store: Store;
  files: MediaFiles;
  signer: FileUrlSigner;
}

/** Browsers may keep a file at most this long, and never past the URL's expiry. */
const MAX_CACHE_SECONDS = 3600;

/**
 * GET (and HEAD) of the files search responses link to: an asset's thumbnail (CoverUrl), its
 * keyframes (Snapshots, Occurrences[].Image, ClipInfo[].ImageUrl) and its original file (FileUrl,
 * the WithFileUrls extension). The pre-signed query (`Expires`, `Signature`,
 * src/api/file-url-signer.ts) is the only authorisation: these URLs go into <img> and <video>
 * tags, which cannot sign RPC requests. The signature is checked before anything is looked up, so
 * an unsigned request learns nothing about which assets exist. Every file answers Range requests,
 * which is how a <video> element seeks without downloading the whole file.
 */
export function registerMediaFileRoute(app: FastifyInstance, deps: MediaFileRouteDeps): void {
  const jpeg = () => 'image/jpeg';
  app.get<{ Params: { library: string; mediaId: string } }>(
    `${MEDIA_FILES_PREFIX}/:library/:mediaId/thumbnail.jpg`,
    (request, reply) =>
      serveFile(request, reply, deps, mediaFilePaths.thumbnail(request.params), (asset) => asset.thumbnail, jpeg),
  );
  registerAssetFolder(app, deps, 'keyframes', mediaFilePaths.keyframe, (asset, file) => {
    if (!KEYFRAME_FILE_NAME.test(file)) return null;
    // Only files of the asset's current keyframes: a rerun may leave others behind.
    const known = deps.store.db.prepare('SELECT 1 FROM keyframes WHERE asset_id = ? AND file = ? LIMIT 1').get(asset.id, file);
    return known ? path.join(deps.files.keyframeDir(asset.id), file) : null;
  });
  // The face job names crops by track seq; anything else is not one of ours.
  registerAssetFolder(app, deps, 'faces', (ref, file) => mediaFilePaths.face(ref, Number(file.replace(/\.jpg$/, ''))), (asset, file) =>
    FACE_CROP_FILE_NAME.test(file) ? path.join(deps.files.faceDir(asset.id), file) : null,
  );
  app.get<{ Params: { library: string; mediaId: string } }>(
    `${MEDIA_FILES_PREFIX}/:library/:mediaId/original`,
    (request, reply) =>
      serveFile(
        request,
        reply,
        deps,
        mediaFilePaths.original(request.params),
        // localPath is what the ingest job read: the download, the upload, or the file:// original
        // (whose real path was checked against MEDIASEARCH_FILE_ROOTS then).
        (asset) => (asset.ingestState === 'ready' ? asset.localPath : null),
        (asset, file) => originalContentType(file, asset.mediaType, asset.formatName),
      ),
  );
}

/** Face crop file names as the face job writes them: `<track seq>.jpg`. */
const FACE_CROP_FILE_NAME = /^\d{1,9}\.jpg$/;

/** JPEGs in one of an asset's folders (`<folder>/<file>`), each file checked by `locate`. */
function registerAssetFolder(
  app: FastifyInstance,
  deps: MediaFileRouteDeps,
  folder: 'keyframes' | 'faces',
  canonicalPath: (asset: AssetRef, file: string) => string,
  locate: (asset: Asset, file: string) => string | null,
): void {
  app.get<{ Params: { library: string; mediaId: string; file: string } }>(`${MEDIA_FILES_PREFIX}/:library/:mediaId/${folder}/:file`, (request, reply) => {
    const { file } = request.params;
    return serveFile(request, reply, deps, canonicalPath(request.params, file), (asset) => locate(asset, file), () => 'image/jpeg');
  });
}

async function serveFile(
  request: FastifyRequest<{ Params: AssetRef }>,
  reply: FastifyReply,
  deps: MediaFileRouteDeps,
  canonicalPath: string,
  locate: (asset: Asset) => string | null,
  contentType: (asset: Asset, file: string) => string,
): Promise<FastifyReply> {
  const requestId = newRequestId();
  try {
    const query = request.query as Record<string, unknown>;
    // Verified against the path rebuilt from the decoded parameters, so a client that re-encodes
    // the URL (%3A for ":" or not) still matches.
    const check = deps.signer.verify(canonicalPath, single(query.Expires), single(query.Signature));
    if (!check.ok) throw new ApiError('Forbidden', forbiddenMessage(check));
    const { library, mediaId } = request.params;
    const asset = deps.store.assets.get(library, mediaId);
    if (!asset) throw new ApiError('MediaNotFound', `MediaId "${mediaId}" no longer exists in search library "${library}".`);
    const file = locate(asset);
    const handle = file ? await fs.open(file, 'r').catch(() => null) : null;
    if (!file || !handle) throw new ApiError('NotFound', 'The file no longer exists (the asset was re-analysed or not yet ingested); search again for current URLs.');
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) throw new ApiError('NotFound', 'The file no longer exists; search again for current URLs.');
      const etag = `"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`;
      const lastModified = stat.mtime.toUTCString();
      reply
        .header('content-type', contentType(asset, file))
        .header('accept-ranges', 'bytes')
        .header('etag', etag)
        .header('last-modified', lastModified)
        .header('cache-control', `private, max-age=${Math.min(MAX_CACHE_SECONDS, deps.signer.secondsLeft(check.expires))}`)
        .header('x-content-type-options', 'nosniff')
        // Opened on its own (not in an <img>/<video>), a file gets no origin of ours to act in.
        .header('content-security-policy', "default-src 'none'; sandbox");
      // If-Range: a range of a file that changed since the client's first piece would splice two files.
      const ifRange = single(request.headers['if-range']);
      const rangeHeader = ifRange === undefined || ifRange === etag || ifRange === lastModified ? single(request.headers.range) : undefined;
      const range = parseRange(rangeHeader, stat.size);
      if (range.kind === 'unsatisfiable') {
        await handle.close();
        return reply.code(416).header('content-range', `bytes */${stat.size}`).header('content-length', 0).send();
      }
      const { start, end } = range.kind === 'partial' ? range.range : { start: 0, end: stat.size - 1 };
      if (range.kind === 'partial') reply.code(206).header('content-range', `bytes ${start}-${end}/${stat.size}`);
      else reply.code(200);
      reply.header('content-length', Math.max(0, end - start + 1));
      if (request.method === 'HEAD' || stat.size === 0) {
        await handle.close();
        // An empty stream, not undefined: fastify's HEAD handling would reset content-length to 0.
        return reply.send(Readable.from([]));
      }
      // Reading from the open descriptor keeps serving the bytes even if a rerun replaces the file now.
      return reply.send(handle.createReadStream({ start, end }));
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw error;
    }
  } catch (error) {
    return sendError(reply, requestId, error, request);
  }
}

function single(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function forbiddenMessage(check: Extract<SignatureCheck, { ok: false }>): string {
  switch (check.reason) {
    case 'expired':
      return 'This file URL has expired; search again to get a fresh URL.';
    case 'missing':
      return 'This file URL is not signed: use the URL exactly as a search response gave it, with its Expires and Signature parameters.';
    default:
      return 'The signature of this file URL is not valid: use the URL exactly as a search response gave it.';
  }
}
