import type { Logger } from 'pino';
import type { TextSource } from '../analysis/types.js';
import { ModelNotInstalledError } from '../models/model-errors.js';
import type { AssetFileUrls } from '../search/ai-data/asset-file-urls.js';
import { readHitFiles, type HitFiles } from '../search/ai-data/hit-files.js';
import { rankAssets, type AssetMatch } from '../search/hybrid/clips.js';
import { fuseSegments, type FusionMethod } from '../search/hybrid/fusion.js';
import { queryLanguage } from '../search/hybrid/generic-captions.js';
import { searchModelChannel } from '../search/hybrid/model-channel.js';
import { DEFAULT_SEARCH_MIN_SCORE } from '../search/hybrid/relevance.js';
import type { SegmentHit } from '../search/hybrid/segment-hit.js';
import { searchTextChannel } from '../search/hybrid/text-channel.js';
import type { QueryEncoder } from '../search/query-encoder.js';
import { scopeToAssetFilter, type SearchScope } from '../search/search-scope.js';
import type { VectorIndexRegistry } from '../search/vector-index-registry.js';
import type { Store } from '../store/store.js';
import type { LibraryService } from './library-service.js';
import type { MediaService } from './media-service.js';

export type SearchChannel = 'model' | 'text';

export interface SearchRequest {
  readonly text: string;
  readonly scope: SearchScope;
  readonly channels: readonly SearchChannel[];
  /** Restrict to this asset and return all its matching clips. */
  readonly mediaId?: string;
  readonly offset: number;
  readonly limit: number;
  /** Evaluation only: the API always fuses by noisy-OR with the configured floor. */
  readonly fusion?: FusionMethod;
  readonly minScore?: number;
  /** When given, each item also carries its files (the WithFileUrls extension), signed with these. */
  readonly fileUrls?: AssetFileUrls;
}

export interface SearchResult {
  readonly items: { mediaId: string; score: number; clips: AssetMatch['clips']; files?: HitFiles }[];
  /** Assets above the relevance floor among everything the channels recalled. */
  readonly total: number;
  /** Why a channel did not take part (no model installed, a query language the model cannot read…). */
  readonly warnings: string[];
}

export interface SearchSettings {
  /** Relevance floor: segments and assets below it are not matches (and not counted in Total). */
  readonly minScore: number;
  /** Keyframes recalled by the model channel per model. */
  readonly modelDepth: number;
  /** Text rows (and titled assets) recalled by the text channel. */
  readonly textDepth: number;
  /** Matching segments closer than this many seconds join into one clip. */
  readonly joinGap: number;
  /** The model new keyframes are embedded with (MEDIASEARCH_MM_MODEL). */
  readonly mmModel: string;
}

export const DEFAULT_SEARCH_SETTINGS: Omit<SearchSettings, 'mmModel'> = { minScore: DEFAULT_SEARCH_MIN_SCORE, modelDepth: 200, textDepth: 1000, joinGap: 0.5 };

const SEGMENT_SOURCES: readonly TextSource[] = ['label', 'ocr', 'asr', 'face'];

/**
 * Natural-language search (SearchMediaByHybrid, SearchMediaByMultimodal): recall per channel
 * with the filters inside the recall, calibrated relevance per segment, noisy-OR fusion,
 * grouping into assets and clips, the relevance floor, paging.
 */
export class SearchService {
  constructor(
    private readonly store: Store,
    private readonly libraries: LibraryService,
    private readonly media: MediaService,
    private readonly encoder: QueryEncoder,
    private readonly vectors: VectorIndexRegistry,
    private readonly settings: SearchSettings,
    private readonly log: Logger,
  ) {}

  async search(request: SearchRequest): Promise<SearchResult> {
    this.libraries.require(request.scope.library);
    let scope = request.scope;
    if (request.mediaId !== undefined) {
      const asset = this.media.require(scope.library, request.mediaId, scope.namespace);
      scope = { ...scope, assetIds: [asset.id] };
    }
    const filter = scopeToAssetFilter(scope);
    const warnings: string[] = [];
    const channels: SegmentHit[][] = [];
    let assetText = new Map<number, number>();

    if (request.channels.includes('text')) {
      const text = searchTextChannel(this.store.db, request.text, {
        filter,
        sources: SEGMENT_SOURCES,
        assetText: true,
        depth: this.settings.textDepth,
      });
      channels.push(text.segments);
      assetText = text.assets;
    }
    if (request.channels.includes('model')) {
      channels.push(...(await this.modelChannel(request.text, scope, warnings)));
    }

    const method = request.fusion ?? 'noisy-or';
    const minScore = request.minScore ?? this.settings.minScore;
    const fused = fuseSegments(channels, method);
    const ranked = rankAssets(fused, method === 'rrf' ? new Map() : assetText, {
      minScore,
      joinGap: this.settings.joinGap,
      duration: (assetId) => this.store.assets.getById(assetId)?.duration ?? 0,
    });
    const page = request.mediaId !== undefined ? ranked : ranked.slice(request.offset, request.offset + request.limit);
    const mediaIds = this.mediaIds(page.map((a) => a.assetId));
    const files = request.fileUrls ? this.hitFiles(page, request.fileUrls) : undefined;
    return {
      items: page.map((a, i) => ({ mediaId: mediaIds.get(a.assetId)!, score: a.score, clips: a.clips, ...(files ? { files: files[i]! } : {}) })),
      total: ranked.length,
      warnings,
    };
  }

  async close(): Promise<void> {
    await this.encoder.close();
  }

  /** One channel per embedding model the library holds vectors of (two while a re-index switches models). */
  private async modelChannel(text: string, scope: SearchScope, warnings: string[]): Promise<SegmentHit[][]> {
    const models = this.vectors.models().filter((model) => this.libraryHasVectors(scope.library, model));
    if (models.length === 0) {
      const installed = await this.encoder.isInstalled(this.settings.mmModel);
      warnings.push(
        installed
          ? `the model channel found nothing to search: no keyframe of search library "${scope.library}" has been embedded yet (mm index jobs).`
          : `the model channel is unavailable: model ${this.settings.mmModel} not installed; run \`mediasearch models pull ${this.settings.mmModel}\` (mm index jobs fail until then).`,
      );
      return [];
    }
    const language = queryLanguage(text);
    const filter = scopeToAssetFilter(scope);
    const filtered = !this.isWholeIndex(scope);
    const results: SegmentHit[][] = [];
    for (const model of models) {
      let encoded;
      try {
        encoded = await this.encoder.encode(model, text, language);
      } catch (error) {
        if (error instanceof ModelNotInstalledError) {
          warnings.push(`the model channel skipped ${model}: ${error.message}.`);
          continue;
        }
        throw error;
      }
      if (language === 'zh' && !encoded.spec.languages.includes('zh')) {
        warnings.push(
          `the model channel skipped ${model}: it reads ${encoded.spec.languages.join(', ')} queries, not Chinese; ` +
            'use a Chinese or multilingual model (mediasearch models list) for Chinese queries.',
        );
        continue;
      }
      const index = this.vectors.get(model, encoded.spec.dimension);
      results.push(searchModelChannel(this.store.db, index, encoded, { filter, filtered, depth: this.settings.modelDepth }));
    }
    return results;
  }

  private libraryHasVectors(library: string, model: string): boolean {
    return (
      this.store.db
        .prepare(
          `SELECT 1 FROM keyframe_vectors v JOIN assets a ON a.id = v.asset_id WHERE v.model = ? AND a.library = ? LIMIT 1`,
        )
        .get(model, library) !== undefined
    );
  }

  /** True when the scope is everything the vector index holds: then no allow-list is needed. */
  private isWholeIndex(scope: SearchScope): boolean {
    if (scope.namespace !== undefined || scope.mediaTypes?.length || scope.customFields.length > 0 || scope.utcCreate || scope.assetIds) {
      return false;
    }
    const others = this.store.db.prepare('SELECT name FROM libraries WHERE name != ?').pluck().all(scope.library) as string[];
    const hasAssets = this.store.db.prepare('SELECT 1 FROM assets WHERE library = ? LIMIT 1').pluck();
    return others.every((name) => hasAssets.get(name) === undefined);
  }

  private hitFiles(page: readonly AssetMatch[], urls: AssetFileUrls): HitFiles[] {
    const hits = page.map((match) => ({ asset: this.store.assets.getById(match.assetId)!, clips: match.clips }));
    return readHitFiles(this.store.db, hits, urls);
  }

  private mediaIds(assetIds: readonly number[]): Map<number, string> {
    const rows = this.store.db
      .prepare('SELECT id, media_id AS mediaId FROM assets WHERE id IN (SELECT value FROM json_each(?))')
      .all(JSON.stringify(assetIds)) as { id: number; mediaId: string }[];
    return new Map(rows.map((r) => [r.id, r.mediaId]));
  }
}
