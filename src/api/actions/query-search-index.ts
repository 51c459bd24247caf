import type { Action } from './action.js';
import { indexType, searchLibName } from './common-params.js';

export const querySearchIndex: Action = {
  name: 'QuerySearchIndex',
  handle(params, { libraries }) {
    const library = searchLibName(params);
    const { index, mediaTotal } = libraries.getIndex(library, indexType(params));
    return {
      IndexType: index.indexType,
      IndexStatus: index.status,
      MediaTotal: String(mediaTotal),
      SearchLibName: library,
    };
  },
};
