import { ApiError } from '../errors.js';
import type { Action } from './action.js';
import { indexType, searchLibName } from './common-params.js';

export const alterSearchIndex: Action = {
  name: 'AlterSearchIndex',
  handle(params, { libraries }) {
    const type = indexType(params);
    const status = params.oneOf('IndexStatus', ['Active', 'Deactive'] as const);
    const config = params.jsonObject('IndexConfig', { maxLength: 4096 });
    if (status === undefined && config === undefined) {
      throw new ApiError('MissingParameter', 'AlterSearchIndex needs IndexStatus or IndexConfig (or both).');
    }
    libraries.alterIndex(searchLibName(params), type, { status, config });
    return {};
  },
};
