import { libraryInfo } from '../response-format.js';
import type { Action } from './action.js';
import { searchLibName } from './common-params.js';

export const querySearchLib: Action = {
  name: 'QuerySearchLib',
  handle(params, { libraries }) {
    return libraryInfo(libraries.get(searchLibName(params)));
  },
};
