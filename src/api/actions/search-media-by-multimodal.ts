import type { Action } from './action.js';
import { naturalLanguageSearch } from './natural-language-search.js';

/** The model channel only; videos unless `MediaType` says otherwise (the ICE default). */
export const searchMediaByMultimodal: Action = {
  name: 'SearchMediaByMultimodal',
  handle: (params, context, request) =>
    naturalLanguageSearch(params, context, request, { channels: ['model'], defaultMediaType: 'video', acceptsMediaId: false }),
};
