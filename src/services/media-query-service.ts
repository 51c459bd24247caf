import { invalidParameter } from '../api/errors.js';
import {
  afterPositionSql,
  conditionsFingerprint,
  decodeScrollToken,
  encodeScrollToken,
  orderBySql,
  parseSortBy,
  sortValuesSql,
  type ScrollPosition,
} from '../search/media-query/keyset-paging.js';
import { formatMatch, MatchError, parseMatch, type MatchExpr } from '../search/media-query/match-grammar.js';
import { matchToSql, registerMatchFunctions } from '../search/media-query/match-sql.js';
import { scopeToAssetFilter, type CustomFieldCondition } from '../search/search-scope.js';
import type { AssetFilter } from '../search/text/text-search.js';
import type { Store } from '../store/store.js';
import { INDEX_TYPES, type Asset, type IndexType, type JobState } from '../types.js';
import type { LibraryService } from './library-service.js';

export interface MediaQueryRequest {
  library: string;
  /** `Match` as sent; blank or absent: every asset of the library. */
  match?: string;
  customFilters: readonly CustomFieldCondition[];
  /** `SortBy` as sent; absent: utcCreate:Desc. */
  sortBy?: string;
  entityId?: string;
  /** Continues a scroll; `pageNo` is then ignored. */
  scrollToken?: string;
  pageNo: number;
  pageSize: number;
}

export interface MediaQueryHit {
  asset: Asset;
  /** The asset's index jobs in mm, face, aiLabel order (only the types it has a job of). */
  indexJobs: { kind: IndexType; state: JobState }[];
}

export interface MediaQueryResult {
  hits: MediaQueryHit[];
  /** Every asset matching the conditions, wherever the page is. */
  total: number;
  /** Present when more assets follow this page. */
  scrollToken?: string;
}

/**
 * SearchMedia: a metadata query over one library's assets (Match, CustomFilters), sorted, paged
 * by PageNo or scrolled with ScrollToken. No relevance ranking: that is the other searches' job.
 */
export class MediaQueryService {
  constructor(
    private readonly store: Store,
    private readonly libraries: LibraryService,
  ) {
    registerMatchFunctions(store.db);
  }

  search(request: MediaQueryRequest): MediaQueryResult {
    this.libraries.require(request.library);
    const entityFilter = request.entityId === undefined ? undefined : entityIdFilter(request.entityId);
    const match = request.match === undefined ? undefined : parseMatchParameter(request.match);
    const sort = parseSortBy(request.sortBy);

    const filters: AssetFilter[] = [scopeToAssetFilter({ library: request.library, customFields: request.customFilters })];
    if (match) filters.push(matchToSql(match));
    if (entityFilter) filters.push(entityFilter);
    const fingerprint = conditionsFingerprint({
      library: request.library,
      match: match ? formatMatch(match) : '',
      // Field order inside CustomFilters does not change what matches.
      customFilters: [...request.customFilters].sort((x, y) => x.field.localeCompare(y.field)),
      entityId: request.entityId ?? '',
    });
    const position = request.scrollToken === undefined ? undefined : decodeScrollToken(request.scrollToken, sort, fingerprint);

    // One read transaction: the total and the page come from the same snapshot.
    return this.store.transaction(() => {
      const where = joinFilters(filters);
      const { n: total } = this.store.db
        .prepare(`SELECT count(*) AS n FROM assets AS a WHERE ${where.sql}`)
        .get(...where.params) as { n: number };

      const pageWhere = joinFilters(position ? [...filters, afterPositionSql(sort, position)] : filters);
      const offset = position ? 0 : (request.pageNo - 1) * request.pageSize;
      // One row more than the page shows whether another page follows.
      const rows = this.store.db
        .prepare(
          `SELECT a.id, ${sortValuesSql(sort)} FROM assets AS a WHERE ${pageWhere.sql}
           ORDER BY ${orderBySql(sort)} LIMIT ? OFFSET ?`,
        )
        .all(...pageWhere.params, request.pageSize + 1, offset) as ({ id: number } & Record<string, number | string>)[];
      const page = rows.slice(0, request.pageSize);
      const last = page.at(-1);
      const next: ScrollPosition | undefined =
        rows.length > request.pageSize && last ? { values: sort.map((_, i) => last[`k${i}`]!), id: last.id } : undefined;

      const jobs = this.indexJobs(page.map((row) => row.id));
      const hits = page.map((row) => ({ asset: this.store.assets.getById(row.id)!, indexJobs: jobs.get(row.id) ?? [] }));
      return { hits, total, ...(next ? { scrollToken: encodeScrollToken(sort, fingerprint, next) } : {}) };
    });
  }

  private indexJobs(assetIds: readonly number[]): Map<number, MediaQueryHit['indexJobs']> {
    const byAsset = new Map<number, MediaQueryHit['indexJobs']>();
    if (assetIds.length === 0) return byAsset;
    const rows = this.store.db
      .prepare(
        `SELECT asset_id, kind, state FROM jobs
         WHERE asset_id IN (SELECT value FROM json_each(?)) AND kind != 'ingest'`,
      )
      .all(JSON.stringify(assetIds)) as { asset_id: number; kind: IndexType; state: JobState }[];
    rows.sort((x, y) => INDEX_TYPES.indexOf(x.kind) - INDEX_TYPES.indexOf(y.kind));
    for (const row of rows) {
      const list = byAsset.get(row.asset_id) ?? [];
      list.push({ kind: row.kind, state: row.state });
      byAsset.set(row.asset_id, list);
    }
    return byAsset;
  }
}

/**
 * `EntityId`: assets in which a registered person (a recognition entity) was recognised, i.e. that
 * have a face track labelled with it (src/services/face-labeller.ts), over the alias `a`.
 */
export function entityIdFilter(entityId: string): AssetFilter {
  return { sql: 'EXISTS (SELECT 1 FROM face_tracks t WHERE t.asset_id = a.id AND t.entity_id = ?)', params: [entityId] };
}

function parseMatchParameter(text: string): MatchExpr | undefined {
  try {
    return parseMatch(text);
  } catch (error) {
    if (error instanceof MatchError) throw invalidParameter('Match', error.message);
    throw error;
  }
}

function joinFilters(filters: readonly AssetFilter[]): AssetFilter {
  return { sql: filters.map((filter) => `(${filter.sql})`).join(' AND '), params: filters.flatMap((filter) => filter.params) };
}
