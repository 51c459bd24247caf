import type { Action } from './action.js';
import { indexType, searchLibName } from './common-params.js';

export const createSearchIndex: Action = {
  name: 'CreateSearchIndex',
  handle(params, { libraries }) {
    const type = indexType(params);
    const status = params.oneOf('IndexStatus', ['Active', 'Deactive'] as const, 'Active');
    const config = params.jsonObject('IndexConfig', { maxLength: 4096 }) ?? {};
    libraries.createIndex(searchLibName(params), type, status, config);
    return {};
  },
};
