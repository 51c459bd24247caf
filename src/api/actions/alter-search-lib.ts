import type { Action } from './action.js';
import { searchLibConfig, searchLibName } from './common-params.js';

export const alterSearchLib: Action = {
  name: 'AlterSearchLib',
  handle(params, { libraries }) {
    const name = searchLibName(params);
    libraries.alter(name, searchLibConfig(params));
    return { SearchLibName: name };
  },
};
