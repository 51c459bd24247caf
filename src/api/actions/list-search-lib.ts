import { libraryInfo } from '../response-format.js';
import type { Action } from './action.js';

export const listSearchLib: Action = {
  name: 'ListSearchLib',
  handle(params, { libraries }) {
    const { offset, pageSize } = params.page();
    const { libraries: list, total } = libraries.list(offset, pageSize);
    return { SearchLibInfoList: list.map(libraryInfo), Total: total };
  },
};
