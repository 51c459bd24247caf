import type { Action } from './action.js';
import { newSearchLibName, searchLibConfig } from './common-params.js';

export const createSearchLib: Action = {
  name: 'CreateSearchLib',
  handle(params, { libraries }) {
    const name = newSearchLibName(params);
    libraries.create(name, searchLibConfig(params));
    return { SearchLibName: name };
  },
};
