import type { Action } from './action.js';
import { naturalLanguageSearch } from './natural-language-search.js';

/** Both channels (model + text), fused; `MediaId` returns all matching clips of that asset. */
export const searchMediaByHybrid: Action = {
  name: 'SearchMediaByHybrid',
  handle: (params, context, request) => naturalLanguageSearch(params, context, request, { channels: ['model', 'text'], acceptsMediaId: true }),
};
