import type { Action } from './action.js';
import { algorithm, pageFields, recognitionId, recognitionPage } from './recognition-params.js';

export const listRecognitionEntities: Action = {
  name: 'ListRecognitionEntities',
  handle(params, { recognition }) {
    const page = recognitionPage(params);
    const libId = recognitionId(params, 'LibId');
    const algo = algorithm(params, false);
    const name = params.string('EntityName', { maxLength: 64 });
    const { items, total } = recognition.listEntities(
      { libId, ...(algo === undefined ? {} : { algorithm: algo }), ...(name === undefined ? {} : { name }) },
      page.offset,
      page.pageSize,
    );
    return {
      ...pageFields(page, total),
      Entities: {
        Entity: items.map((entity) => ({ EntityId: entity.id, EntityName: entity.name, EntityInfo: entity.info ?? '{}' })),
      },
    };
  },
};
