import type { Action } from './action.js';
import { algorithm, recognitionId } from './recognition-params.js';

export const deleteRecognitionEntity: Action = {
  name: 'DeleteRecognitionEntity',
  handle(params, { recognition }) {
    const libId = recognitionId(params, 'LibId');
    const entityId = recognitionId(params, 'EntityId');
    recognition.deleteEntity(libId, entityId, algorithm(params, false));
    return {};
  },
};
