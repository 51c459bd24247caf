import type { Action } from './action.js';
import { searchLibName } from './common-params.js';

export const dropSearchLib: Action = {
  name: 'DropSearchLib',
  async handle(params, { libraries }) {
    const name = searchLibName(params);
    await libraries.drop(name);
    return { SearchLibName: name };
  },
};
