import type { Action } from './action.js';
import { algorithm, pageFields, recognitionId, recognitionPage } from './recognition-params.js';

export const listRecognitionSamples: Action = {
  name: 'ListRecognitionSamples',
  handle(params, { recognition }) {
    const page = recognitionPage(params);
    const libId = recognitionId(params, 'LibId');
    const algo = algorithm(params, false);
    // ICE: EntityId "ANY" lists the samples of every entity, narrowed by EntityName when given.
    const anyEntity = !params.has('EntityId') || params.raw('EntityId') === 'ANY';
    const entityId = anyEntity ? undefined : recognitionId(params, 'EntityId');
    const entityName = params.string('EntityName', { maxLength: 64 });
    const { items, total } = recognition.listSamples(
      {
        libId,
        ...(algo === undefined ? {} : { algorithm: algo }),
        ...(entityId === undefined ? {} : { entityId }),
        ...(entityName === undefined ? {} : { entityName }),
      },
      page.offset,
      page.pageSize,
    );
    return {
      ...pageFields(page, total),
      Samples: {
        Sample: items.map((sample) => ({
          SampleId: sample.id,
          ImageUrl: sample.imageUrl,
          EntityId: sample.entityId,
          LibId: sample.libId,
        })),
      },
    };
  },
};
