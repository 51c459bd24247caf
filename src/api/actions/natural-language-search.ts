import type { Params } from '../params.js';
import type { SearchChannel, SearchResult } from '../../services/search-service.js';
import type { MediaType } from '../../types.js';
import type { ActionContext, ActionResult, RequestInfo } from './action.js';
import { MEDIA_ID_RULE } from './common-params.js';
import { searchScope, searchText, withFileUrls } from './search-params.js';

/**
 * SearchMediaByHybrid and SearchMediaByMultimodal take the same parameters and answer in the same
 * shape; they differ in the channels searched and the default MediaType (ICE: Multimodal
 * searches videos unless told otherwise).
 */
export async function naturalLanguageSearch(
  params: Params,
  { search }: ActionContext,
  request: RequestInfo,
  options: { channels: readonly SearchChannel[]; defaultMediaType?: MediaType; acceptsMediaId: boolean },
): Promise<ActionResult> {
  const text = searchText(params, { required: true })!;
  const scope = searchScope(params, { mediaTypes: ['image', 'video'], ...(options.defaultMediaType ? { defaultMediaType: options.defaultMediaType } : {}) });
  const mediaId = options.acceptsMediaId ? params.string('MediaId', MEDIA_ID_RULE) : undefined;
  const { offset, pageSize } = params.page();
  const fileUrls = withFileUrls(params, request);
  const result = await search.search({
    text,
    scope,
    channels: options.channels,
    ...(mediaId !== undefined ? { mediaId } : {}),
    offset,
    limit: pageSize,
    ...(fileUrls ? { fileUrls } : {}),
  });
  return formatResult(result);
}

function formatResult(result: SearchResult): ActionResult {
  return {
    MediaList: result.items.map(({ mediaId, clips, files }) => ({
      MediaId: mediaId,
      // mediasearch extension (WithFileUrls=true): what a page needs to show the hit; absent otherwise.
      ...(files ? { MediaType: files.mediaType, Title: files.title, CoverUrl: files.coverUrl, FileUrl: files.fileUrl } : {}),
      ClipInfo: clips.map((clip, i) => ({
        From: round(clip.from, 3),
        To: round(clip.to, 3),
        Score: round(clip.score, 4),
        ...(files ? { ImageUrl: files.clipImageUrls[i] ?? '' } : {}),
      })),
    })),
    Total: result.total,
    // mediasearch extension: why a channel did not take part (absent when all did).
    ...(result.warnings.length > 0 ? { Warnings: result.warnings } : {}),
  };
}

const round = (value: number, digits: number): number => Math.round(value * 10 ** digits) / 10 ** digits;
