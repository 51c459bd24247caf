import { ApiError, invalidParameter } from '../api/errors.js';
import { faceDistance, l2Normalise } from '../analysis/face/face-embedding.js';
import { FACE_MATCH_DISTANCE, faceMatchScore, tracksWithin } from '../search/face/face-match.js';
import type { FaceIndex } from '../search/face/face-match.js';
import { scopeToAssetFilter, type SearchScope } from '../search/search-scope.js';
import { sortedIdFilter } from '../search/vector-index/vector-index.js';
import type { FaceSearchTokenRecord, FaceTrackRow } from '../store/face-repository.js';
import type { Store } from '../store/store.js';
import type { Library } from '../types.js';
import type { FacePhotoReader } from './face-photo.js';
import type { LibraryService } from './library-service.js';
import { faceGroupIdsOf } from './recognition-service.js';
import type { MediaService } from './media-service.js';

/** Whose FaceSearchTokens a request sees: its AccessKeyId, or '' when the server runs without keys. */
export type TokenOwner = string;

export interface FaceSearchRequest {
  scope: SearchScope;
  imageUrl: string;
  token: string;
  owner: TokenOwner;
  entityId?: string;
  offset: number;
  limit: number;
}

export interface FaceMediaHit {
  mediaId: string;
  /** Score of the asset's best-matching track. */
  score: number;
}

export interface FaceClipRequest {
  token: string;
  owner: TokenOwner;
  mediaId: string;
  /** The library the caller names; must be the token's. */
  library?: string;
  entityId?: string;
  offset: number;
  limit: number;
}

/** One person's appearances in an asset: a registered person's tracks, or the unrecognised ones. */
export interface FaceClip {
  category: 'custom' | 'unknown';
  entityId: string;
  labelName: string;
  score: number;
  occurrences: {
    start: number;
    end: number;
    score: number;
    track: { time: number; box: { x: number; y: number; width: number; height: number } }[];
  }[];
}

/**
 * SearchMediaByFace and SearchMediaClipByFace: the query face's embedding against the face
 * tracks of a library. The coarse search finds tracks within FACE_MATCH_DISTANCE through the face
 * vector index (filters applied inside it as an allow-list of track ids); the fine search reads one
 * asset's tracks and returns their time ranges and boxes. The token remembers the query between
 * the two (docs/faces.md): reusing a token replaces what it remembered.
 */
export class FaceSearchService {
  constructor(
    private readonly store: Store,
    private readonly libraries: LibraryService,
    private readonly media: MediaService,
    private readonly photos: FacePhotoReader,
    private readonly faceIndex: () => FaceIndex,
    private readonly tokenTtlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async searchByFace(request: FaceSearchRequest): Promise<{ items: FaceMediaHit[]; total: number }> {
    const library = this.libraries.require(request.scope.library);
    if (request.entityId !== undefined) this.requireLinkedEntity(request.entityId, library);
    const photo = await this.photos.read(request.imageUrl, 'PersonImageUrl');
    const embedding = l2Normalise(photo.descriptor);
    if (!embedding) throw new ApiError('FaceQualityTooLow', 'The face in the image at PersonImageUrl gave no usable descriptor; use another photo.');
    const now = this.now();
    this.store.faces.deleteExpiredTokens(now);
    this.store.faces.putToken({
      owner: request.owner,
      token: request.token,
      library: request.scope.library,
      imageUrl: request.imageUrl,
      embedding,
      scope: JSON.stringify(request.scope),
      entityId: request.entityId ?? null,
      createdAt: now,
      expiresAt: now + this.tokenTtlMs,
    });

    const best = new Map<number, number>();
    for (const match of this.matchingTracks(embedding, request.scope, request.entityId)) {
      best.set(match.assetId, Math.min(best.get(match.assetId) ?? Infinity, match.distance));
    }
    const ranked = [...best].sort((a, b) => a[1] - b[1] || a[0] - b[0]);
    const page = ranked.slice(request.offset, request.offset + request.limit);
    const mediaIds = new Map(
      (
        this.store.db
          .prepare('SELECT id, media_id AS mediaId FROM assets WHERE id IN (SELECT value FROM json_each(?))')
          .all(JSON.stringify(page.map(([id]) => id))) as { id: number; mediaId: string }[]
      ).map((row) => [row.id, row.mediaId]),
    );
    return {
      total: ranked.length,
      items: page.map(([assetId, distance]) => ({ mediaId: mediaIds.get(assetId)!, score: round(faceMatchScore(distance)) })),
    };
  }

  clipsByFace(request: FaceClipRequest): { items: FaceClip[]; total: number } {
    const token = this.requireToken(request.owner, request.token);
    if (request.library !== undefined && request.library !== token.library) {
      throw invalidParameter(
        'SearchLibName',
        `the FaceSearchToken "${request.token}" was made for the search library "${token.library}", not "${request.library}"; ` +
          'run SearchMediaByFace on this library with the token first.',
      );
    }
    if (request.entityId !== undefined) this.requireLinkedEntity(request.entityId, this.libraries.require(token.library));
    const scope = JSON.parse(token.scope) as SearchScope;
    const asset = this.media.require(token.library, request.mediaId, scope.namespace);
    const entityId = request.entityId ?? token.entityId ?? undefined;
    const tracks = this.store.faces
      .tracksOfAsset(asset.id)
      .filter((t) => t.embedding !== null && (entityId === undefined || t.entityId === entityId))
      .map((t) => ({ track: t, distance: faceDistance(t.embedding!, token.embedding) }))
      .filter((m) => m.distance <= FACE_MATCH_DISTANCE);

    const detections = this.store.faces.detectionsOfTracks(tracks.map((m) => m.track.id));
    const names = this.entityNames(tracks.map((m) => m.track));
    const groups = new Map<string, FaceClip>();
    for (const { track, distance } of tracks) {
      const key = track.entityId ?? '';
      let clip = groups.get(key);
      if (!clip) {
        clip = {
          category: track.entityId === null ? 'unknown' : 'custom',
          entityId: track.entityId ?? '',
          labelName: track.entityId === null ? '' : (names.get(track.entityId) ?? ''),
          score: 0,
          occurrences: [],
        };
        groups.set(key, clip);
      }
      const score = round(faceMatchScore(distance));
      clip.score = Math.max(clip.score, score);
      clip.occurrences.push({
        start: track.start,
        end: track.end,
        score,
        track: (detections.get(track.id) ?? []).map((d) => ({ time: d.time, box: roundBox(d.box) })),
      });
    }
    const clips = [...groups.values()].sort((a, b) => b.score - a.score || a.entityId.localeCompare(b.entityId));
    for (const clip of clips) clip.occurrences.sort((a, b) => a.start - b.start || b.score - a.score);
    return { total: clips.length, items: clips.slice(request.offset, request.offset + request.limit) };
  }

  /** Tracks of assets in scope within the match distance, each with its asset. */
  private matchingTracks(embedding: Float32Array, scope: SearchScope, entityId?: string): { trackId: number; assetId: number; distance: number }[] {
    const filter = scopeToAssetFilter(scope);
    const rows = this.store.db
      .prepare(
        `SELECT t.id, t.asset_id AS assetId FROM face_tracks t JOIN assets a ON a.id = t.asset_id
         WHERE t.embedding IS NOT NULL AND (${filter.sql}) ${entityId === undefined ? '' : 'AND t.entity_id = ?'}
         ORDER BY t.id`,
      )
      .all(...filter.params, ...(entityId === undefined ? [] : [entityId])) as { id: number; assetId: number }[];
    if (rows.length === 0) return [];
    const assetOf = new Map(rows.map((row) => [row.id, row.assetId]));
    const allowed = sortedIdFilter(Int32Array.from(rows, (row) => row.id));
    return tracksWithin(this.faceIndex(), embedding, FACE_MATCH_DISTANCE, allowed).map((match) => ({
      trackId: match.trackId,
      assetId: assetOf.get(match.trackId)!,
      distance: match.distance,
    }));
  }

  private requireToken(owner: TokenOwner, token: string): FaceSearchTokenRecord {
    const record = this.store.faces.getToken(owner, token, this.now());
    if (!record) {
      throw new ApiError(
        'FaceSearchTokenNotFound',
        `The FaceSearchToken "${token}" names no face query of ${owner === '' ? 'this server' : `the AccessKeyId ${owner}`} ` +
          `(never used with it, or older than ${Math.round(this.tokenTtlMs / 60_000)} minutes); call SearchMediaByFace with it first.`,
      );
    }
    return record;
  }

  /**
   * The entity must exist and be able to label this library's faces: its face library is linked,
   * or tracks already carry it (a person named into a library that was unlinked later keeps its
   * name). Any other entity would match nothing and the caller would not learn why.
   */
  private requireLinkedEntity(entityId: string, library: Library): void {
    const entity = this.store.recognition.getEntity(entityId);
    if (!entity) {
      throw new ApiError(
        'RecognitionEntityNotFound',
        `No recognition library has an entity "${entityId}"; list them with ListRecognitionEntities.`,
      );
    }
    if (!faceGroupIdsOf(library.config).includes(entity.libId) && !this.store.faces.libraryHasEntity(library.name, entityId)) {
      throw invalidParameter(
        'EntityId',
        `the entity "${entityId}" belongs to the face library "${entity.libId}", which the search library "${library.name}" ` +
          'does not link (SearchLibConfig.faceGroupIds), so none of its faces carry it; link the face library with AlterSearchLib.',
      );
    }
  }

  private entityNames(tracks: readonly FaceTrackRow[]): Map<string, string> {
    const names = new Map<string, string>();
    for (const id of new Set(tracks.flatMap((t) => (t.entityId === null ? [] : [t.entityId])))) {
      const entity = this.store.recognition.getEntity(id);
      if (entity) names.set(id, entity.name);
    }
    return names;
  }
}

const round = (value: number): number => Math.round(value * 10_000) / 10_000;

function roundBox(box: { x: number; y: number; width: number; height: number }) {
  return { x: Math.round(box.x), y: Math.round(box.y), width: Math.round(box.width), height: Math.round(box.height) };
}
