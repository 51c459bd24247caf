import type { Action } from './action.js';
import { algorithm, entityInfo, recognitionId } from './recognition-params.js';

export const createRecognitionEntity: Action = {
  name: 'CreateRecognitionEntity',
  handle(params, { recognition }) {
    const info = entityInfo(params);
    const entity = recognition.createEntity({
      libId: recognitionId(params, 'LibId'),
      algorithm: algorithm(params, true),
      name: params.requiredString('EntityName', { maxLength: 64 }),
      ...(info === undefined ? {} : { info }),
    });
    return { EntityId: entity.id };
  },
};
