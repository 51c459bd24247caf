import type { Action } from './action.js';
import { searchLibConfig, searchLibName } from './common-params.js';

export const alterSearchLib: Action = {
  name: 'AlterSearchLib',
  handle(params, { libraries, recognition }) {
    const name = searchLibName(params);
    const config = searchLibConfig(params);
    recognition.checkFaceGroupIds(config);
    libraries.alter(name, config);
    return { SearchLibName: name };
  },
};
