import { iceJobStatus } from '../response-format.js';
import { MAX_MATCH_BYTES } from '../../search/media-query/match-grammar.js';
import type { AssetFileUrls } from '../../search/ai-data/asset-file-urls.js';
import { assetFileUrls } from '../../search/ai-data/hit-files.js';
import type { MediaQueryHit } from '../../services/media-query-service.js';
import type { Asset } from '../../types.js';
import type { Action } from './action.js';
import { searchLibName } from './common-params.js';
import { customFilters, withFileUrls } from './search-params.js';

/** ICE media statuses for what ingestion made of the file (SearchMedia's MediaBasicInfo.Status). */
const MEDIA_STATUS = { pending: 'Preparing', ready: 'Normal', failed: 'PrepareFail' } as const;

export const searchMedia: Action = {
  name: 'SearchMedia',
  handle(params, { mediaQuery }, request) {
    const { pageNo, pageSize } = params.page();
    const fileUrls = withFileUrls(params, request);
    const result = mediaQuery.search({
      library: searchLibName(params),
      match: params.string('Match', { maxLength: MAX_MATCH_BYTES }),
      customFilters: customFilters(params),
      sortBy: params.string('SortBy', { maxLength: 256 }),
      entityId: params.string('EntityId', {
        maxLength: 128,
        pattern: /^[A-Za-z0-9_-]{1,128}$/,
        patternHint: 'an EntityId is 1-128 letters, digits, "_" and "-".',
      }),
      scrollToken: params.string('ScrollToken', { maxLength: 4096 }),
      pageNo,
      pageSize,
    });
    return {
      MediaInfoList: result.hits.map((hit) => mediaInfo(hit, fileUrls)),
      Total: result.total,
      ...(result.scrollToken ? { ScrollToken: result.scrollToken } : {}),
    };
  },
};

function mediaInfo({ asset, indexJobs }: MediaQueryHit, fileUrls: AssetFileUrls | undefined): Record<string, unknown> {
  const files = fileUrls ? assetFileUrls(asset, fileUrls) : undefined;
  return {
    MediaId: asset.mediaId,
    MediaBasicInfo: basicInfo(asset),
    // mediasearch extension (WithFileUrls=true): signed cover and file URLs; absent otherwise.
    ...(files ? { CoverUrl: files.coverUrl, FileUrl: files.fileUrl } : {}),
    CustomFields: Object.fromEntries(Object.entries(asset.customFields).filter(([, value]) => value !== null)),
    IndexStatusList: indexJobs.map((job) => ({ IndexType: job.kind, IndexStatus: iceJobStatus(job.state) })),
    // AiData (labels, OCR, transcript of the asset) is built for SearchMediaByAILabel and joins here later.
  };
}

/** Unset texts read as "" and an unknown duration as 0, as in SearchMediaByAILabel; Size only once known. */
function basicInfo(asset: Asset): Record<string, unknown> {
  return {
    MediaId: asset.mediaId,
    MediaType: asset.mediaType,
    Title: asset.title ?? '',
    Description: asset.description ?? '',
    Tags: asset.tags.join(','),
    Duration: asset.duration ?? 0,
    ...(asset.fileSize !== null ? { Size: asset.fileSize } : {}),
    CreationTime: isoTime(asset.utcCreate),
    ModificationTime: isoTime(asset.utcModified),
    Namespace: asset.namespace,
    InputURL: asset.input,
    Status: MEDIA_STATUS[asset.ingestState],
  };
}

/** ICE's ISO 8601 form without milliseconds: "2023-11-21T11:33:51Z". */
function isoTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}
