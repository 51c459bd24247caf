import type { Action } from './action.js';
import { algorithm, pageFields, recognitionIdList, recognitionPage } from './recognition-params.js';

export const listRecognitionLibs: Action = {
  name: 'ListRecognitionLibs',
  handle(params, { recognition }) {
    const page = recognitionPage(params);
    const ids = recognitionIdList(params, 'LibId');
    const algo = algorithm(params, false);
    const { items, total } = recognition.listLibs(
      { ids, ...(algo === undefined ? {} : { algorithm: algo }) },
      page.offset,
      page.pageSize,
    );
    return {
      ...pageFields(page, total),
      // ICE nests the array one level (Libs.Lib), as its SDK models expect.
      Libs: { Lib: items.map((lib) => ({ LibId: lib.id, LibName: lib.name, LibDescription: lib.description })) },
    };
  },
};
