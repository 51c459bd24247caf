import { ApiError } from '../api/errors.js';
import type { MediaFileUrls } from '../api/media-file-urls.js';
import { buildAiData, emptyAiData, type AiData, type AiDataAsset, type LabelLanguage } from '../search/ai-data/ai-data-builder.js';
import { readSnapshots } from '../search/ai-data/snapshots.js';
import { scopeToAssetFilter, type SearchScope } from '../search/search-scope.js';
import { assetsMatchingText, prepareTextMatch, type SqlCondition, type TextMatch, type TextMatchTargets } from '../search/text/text-match.js';
import { splitPieces, type MatchMode } from '../search/text/tokenize.js';
import type { Store } from '../store/store.js';
import type { IngestState, MediaType } from '../types.js';
import type { LibraryService } from './library-service.js';

export const MULTIMODAL_SEARCH_TYPES = ['PersonName', 'Ocr', 'AiCategory', 'FullSearch'] as const;
export type MultimodalSearchType = (typeof MULTIMODAL_SEARCH_TYPES)[number];

export const AI_LABEL_SORT_ORDERS = ['CreationTime:Desc', 'CreationTime:Asc'] as const;
export type AiLabelSortOrder = (typeof AI_LABEL_SORT_ORDERS)[number];

/**
 * What each `MultimodalSearchType` searches, in one place. PersonName searches the names of
 * registered persons recognised in face tracks (source 'face', written by the store's triggers
 * when a track is labelled: migration 007).
 */
export const SEARCH_TYPE_TARGETS: Readonly<Record<MultimodalSearchType, TextMatchTargets>> = {
  PersonName: { sources: ['face'], assetText: false },
  Ocr: { sources: ['ocr'], assetText: false },
  AiCategory: { sources: ['label'], assetText: false },
  FullSearch: { sources: ['label', 'ocr', 'asr', 'face'], assetText: true },
};

/** AiData items per asset and source (earliest first) on a page of assets. */
export const MAX_AI_ITEMS_PER_SOURCE = 200;
/** The same for the one asset a MediaId names (ICE's clip search). */
export const MAX_AI_ITEMS_PER_SOURCE_ONE_ASSET = 5000;

export interface AiLabelSearchRequest {
  scope: SearchScope;
  /** Absent: list the assets in scope with their AI data (browsing). */
  text?: string;
  searchType: MultimodalSearchType;
  mode: MatchMode;
  /** Only this asset (SpecificSearch); MediaNotFound when it is not in the library/namespace. */
  mediaId?: string;
  sortBy: AiLabelSortOrder;
  offset: number;
  limit: number;
  /** Scheme, host and port the client reached the server at, for the file URLs. */
  baseUrl: string;
}

/** One `MediaList` entry, in the wire format. */
export interface AiLabelMediaItem {
  MediaId: string;
  Title: string;
  Description: string;
  CoverUrl: string;
  /** Seconds; 0 for images and before ingest. */
  Duration: number;
  /** ISO 8601 UTC, "2017-11-14T09:15:50Z". */
  CreationTime: string;
  ModificationTime: string;
  /** Bytes of the source file; 0 before ingest. */
  Size: number;
  Status: string;
  /** Comma-separated, as ICE's string field. */
  Tags: string;
  Snapshots: string[];
  AiData: AiData;
}

export interface AiLabelSearchResult {
  total: number;
  media: AiLabelMediaItem[];
}

interface AssetRow {
  id: number;
  library: string;
  mediaId: string;
  mediaType: MediaType;
  title: string | null;
  description: string | null;
  tags: string | null;
  utcCreate: number;
  utcModified: number;
  ingestState: IngestState;
  fileSize: number | null;
  duration: number | null;
  width: number | null;
  height: number | null;
  rotation: number | null;
  thumbnail: string | null;
}

/**
 * SearchMediaByAILabel: assets whose smart-tag texts (labels, OCR, transcript; asset text for
 * FullSearch) match the query, paged in creation-time order, each with the AI data that matched.
 * Matching is the text channel's (FTS5, Chinese bigrams, fuzzy OR / precise AND); relevance does
 * not order the results, as in ICE, so `Total` is every matching asset in scope and every page is
 * reachable. Decisions: docs/api.md "SearchMediaByAILabel".
 */
export class AiLabelSearchService {
  constructor(
    private readonly store: Store,
    private readonly libraries: LibraryService,
    private readonly urls: MediaFileUrls,
  ) {}

  search(request: AiLabelSearchRequest): AiLabelSearchResult {
    this.libraries.require(request.scope.library);
    const scope: SearchScope =
      request.mediaId === undefined ? request.scope : { ...request.scope, assetIds: [this.requireAsset(request.scope, request.mediaId)] };
    const targets = SEARCH_TYPE_TARGETS[request.searchType];
    const conditions: SqlCondition[] = [scopeToAssetFilter(scope)];
    let match: TextMatch | undefined;
    if (request.text !== undefined) {
      const prepared = prepareTextMatch(this.store.db, request.text, request.mode);
      const matching = prepared && assetsMatchingText(prepared, targets);
      if (!prepared || !matching) return { total: 0, media: [] };
      match = prepared;
      conditions.push(matching);
    }
    const where = conditions.map((condition) => `(${condition.sql})`).join(' AND ');
    const params = conditions.flatMap((condition) => condition.params);
    const total = this.store.db.prepare(`SELECT count(*) FROM assets a WHERE ${where}`).pluck().get(...params) as number;
    if (request.offset >= total) return { total, media: [] };
    // Ties in creation time (bulk imports) are broken by insertion order, so pages never overlap.
    const direction = request.sortBy === 'CreationTime:Asc' ? 'ASC' : 'DESC';
    const rows = this.store.db
      .prepare(
        `SELECT a.id, a.library, a.media_id AS mediaId, a.media_type AS mediaType, a.title, a.description, a.tags,
                a.utc_create AS utcCreate, a.utc_modified AS utcModified, a.ingest_state AS ingestState,
                a.file_size AS fileSize, a.duration, a.width, a.height, a.thumbnail,
                json_extract(a.probe, '$.rotation') AS rotation
         FROM assets a WHERE ${where}
         ORDER BY a.utc_create ${direction}, a.id ${direction}
         LIMIT ? OFFSET ?`,
      )
      .all(...params, request.limit, request.offset) as AssetRow[];

    const urls = this.urls.forBase(request.baseUrl);
    const assets = rows.map(aiDataAsset);
    const aiData = buildAiData(this.store.db, assets, {
      sources: targets.sources,
      ...(match ? { match } : {}),
      language: request.text !== undefined ? queryLanguage(request.text) : 'en',
      maxItemsPerSource: request.mediaId === undefined ? MAX_AI_ITEMS_PER_SOURCE : MAX_AI_ITEMS_PER_SOURCE_ONE_ASSET,
      urls,
    });
    const snapshots = readSnapshots(this.store.db, assets, urls);
    return {
      total,
      media: rows.map((row) => ({
        MediaId: row.mediaId,
        Title: row.title ?? '',
        Description: row.description ?? '',
        CoverUrl: row.thumbnail ? urls.thumbnail(row) : '',
        Duration: row.duration ?? 0,
        CreationTime: isoTime(row.utcCreate),
        ModificationTime: isoTime(row.utcModified),
        Size: row.fileSize ?? 0,
        Status: MEDIA_STATUS[row.ingestState],
        Tags: row.tags ? (JSON.parse(row.tags) as string[]).join(',') : '',
        Snapshots: snapshots.get(row.id) ?? [],
        AiData: aiData.get(row.id) ?? emptyAiData(),
      })),
    };
  }

  /** Namespace isolates: an asset of another namespace than the one named does not exist. */
  private requireAsset(scope: SearchScope, mediaId: string): number {
    const asset = this.store.assets.get(scope.library, mediaId);
    if (!asset || (scope.namespace !== undefined && asset.namespace !== scope.namespace)) {
      throw new ApiError(
        'MediaNotFound',
        `MediaId "${mediaId}" does not exist in search library "${scope.library}"` +
          `${scope.namespace !== undefined ? ` and namespace "${scope.namespace}"` : ''}.`,
      );
    }
    return asset.id;
  }
}

/** ICE's media Status values for the asset's ingest state. */
const MEDIA_STATUS: Readonly<Record<IngestState, string>> = {
  pending: 'Preparing',
  ready: 'Normal',
  failed: 'PrepareFail',
};

/** Label names are returned in Chinese for a query with Chinese (or other CJK) text in it. */
export function queryLanguage(text: string): LabelLanguage {
  return splitPieces(text).some((piece) => piece.kind === 'cjk') ? 'zh' : 'en';
}

/** ICE's "yyyy-MM-ddTHH:mm:ssZ". */
function isoTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** ffprobe reports a rotated video's coded size; its keyframes (and boxes) are upright. */
function aiDataAsset(row: AssetRow): AiDataAsset {
  const quarterTurn = row.mediaType === 'video' && (row.rotation === 90 || row.rotation === 270);
  return {
    id: row.id,
    library: row.library,
    mediaId: row.mediaId,
    width: quarterTurn ? row.height : row.width,
    height: quarterTurn ? row.width : row.height,
  };
}
