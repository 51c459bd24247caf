import { ApiError } from '../errors.js';
import type { Action } from './action.js';
import { MEDIA_ID_RULE } from './common-params.js';
import { searchScope, searchText } from './search-params.js';
import { AI_LABEL_SORT_ORDERS, MULTIMODAL_SEARCH_TYPES } from '../../services/ai-label-search-service.js';
import { MEDIA_TYPES } from '../../types.js';

const MATCHING_MODES = ['fuzzy', 'precise'] as const;

export const searchMediaByAiLabel: Action = {
  name: 'SearchMediaByAILabel',
  handle(params, { aiLabelSearch }, request) {
    const scope = searchScope(params, { mediaTypes: MEDIA_TYPES });
    const specificSearch = params.boolean('SpecificSearch', false);
    const mediaId = params.string('MediaId', MEDIA_ID_RULE);
    if (specificSearch && mediaId === undefined) {
      throw new ApiError(
        'MissingParameter',
        'The parameter MediaId is required when SpecificSearch is true: clip search returns the matching clips of one asset.',
      );
    }
    const page = params.page();
    const result = aiLabelSearch.search({
      scope,
      text: searchText(params, { required: false }),
      searchType: params.oneOf('MultimodalSearchType', MULTIMODAL_SEARCH_TYPES, 'FullSearch'),
      mode: params.oneOf('MatchingMode', MATCHING_MODES, 'fuzzy'),
      ...(mediaId !== undefined ? { mediaId } : {}),
      sortBy: params.oneOf('SortBy', AI_LABEL_SORT_ORDERS, 'CreationTime:Desc'),
      offset: page.offset,
      limit: page.pageSize,
      baseUrl: request.baseUrl,
    });
    return { MediaList: result.media, Total: result.total };
  },
};
