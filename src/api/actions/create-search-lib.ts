import type { Action } from './action.js';
import { newSearchLibName, searchLibConfig } from './common-params.js';

export const createSearchLib: Action = {
  name: 'CreateSearchLib',
  handle(params, { libraries, recognition }) {
    const name = newSearchLibName(params);
    const config = searchLibConfig(params);
    recognition.checkFaceGroupIds(config);
    libraries.create(name, config);
    return { SearchLibName: name };
  },
};
