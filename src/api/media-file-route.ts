import fs from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from './errors.js';
import type { FileUrlSigner, SignatureCheck } from './file-url-signer.js';
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
 * GET (and HEAD) of the files search responses link to: an asset's thumbnail (CoverUrl) and its
 * keyframes (Snapshots, Occurrences[].Image). The pre-signed query (`Expires`, `Signature`,
 * src/api/file-url-signer.ts) is the only authorisation: these URLs go into <img> tags, which
 * cannot sign RPC requests. The signature is checked before anything is looked up, so an unsigned
 * request learns nothing about which assets exist.
 */
export function registerMediaFileRoute(app: FastifyInstance, deps: MediaFileRouteDeps): void {
  app.get<{ Params: { library: string; mediaId: string } }>(
    `${MEDIA_FILES_PREFIX}/:library/:mediaId/thumbnail.jpg`,
    (request, reply) =>
      serveFile(request, reply, deps, mediaFilePaths.thumbnail(request.params), (asset) => asset.thumbnail),
  );
  app.get<{ Params: { library: string; mediaId: string; file: string } }>(
    `${MEDIA_FILES_PREFIX}/:library/:mediaId/keyframes/:file`,
    (request, reply) => {
      const { file } = request.params;
      return serveFile(request, reply, deps, mediaFilePaths.keyframe(request.params, file), (asset) => {
        if (!KEYFRAME_FILE_NAME.test(file)) return null;
        // Only files of the asset's current keyframes: a rerun may leave others behind.
        const known = deps.store.db.prepare('SELECT 1 FROM keyframes WHERE asset_id = ? AND file = ? LIMIT 1').get(asset.id, file);
        return known ? path.join(deps.files.keyframeDir(asset.id), file) : null;
      });
    },
  );
}

async function serveFile(
  request: FastifyRequest<{ Params: AssetRef }>,
  reply: FastifyReply,
  deps: MediaFileRouteDeps,
  canonicalPath: string,
  locate: (asset: Asset) => string | null,
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
    if (!handle) throw new ApiError('NotFound', 'The file no longer exists (the asset was re-analysed or not yet ingested); search again for current URLs.');
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) throw new ApiError('NotFound', 'The file no longer exists; search again for current URLs.');
      // Reading from the open descriptor keeps serving the bytes even if a rerun replaces the file now.
      return reply
        .code(200)
        .header('content-type', 'image/jpeg')
        .header('content-length', stat.size)
        .header('cache-control', `private, max-age=${Math.min(MAX_CACHE_SECONDS, deps.signer.secondsLeft(check.expires))}`)
        .header('last-modified', stat.mtime.toUTCString())
        .header('x-content-type-options', 'nosniff')
        .send(handle.createReadStream());
    } catch (error) {
      await handle.close();
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
