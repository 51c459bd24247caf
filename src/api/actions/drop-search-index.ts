import type { Action } from './action.js';
import { indexType, searchLibName } from './common-params.js';

export const dropSearchIndex: Action = {
  name: 'DropSearchIndex',
  handle(params, { libraries }) {
    libraries.dropIndex(searchLibName(params), indexType(params));
    return {};
  },
};
