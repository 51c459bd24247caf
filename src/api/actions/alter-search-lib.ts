import type { Action } from './action.js';
import { searchLibConfig, searchLibName } from './common-params.js';

export const alterSearchLib: Action = {
  name: 'AlterSearchLib',
  handle(params, { libraries, recognition, faceLabeller }) {
    const name = searchLibName(params);
    const config = searchLibConfig(params);
    recognition.checkFaceGroupIds(config);
    const before = libraries.get(name).config.faceGroupIds ?? '';
    libraries.alter(name, config);
    // Other face libraries recognise other people: relabel the tracks (no re-analysis needed).
    if ((config.faceGroupIds ?? '') !== before) faceLabeller.labelLibrary(libraries.get(name));
    return { SearchLibName: name };
  },
};
