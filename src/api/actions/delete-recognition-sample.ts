import type { Action } from './action.js';
import { algorithm, recognitionId } from './recognition-params.js';

export const deleteRecognitionSample: Action = {
  name: 'DeleteRecognitionSample',
  handle(params, { recognition }) {
    const libId = recognitionId(params, 'LibId');
    const entityId = recognitionId(params, 'EntityId');
    const sampleId = recognitionId(params, 'SampleId');
    const algo = algorithm(params, false);
    recognition.deleteSample({ libId, entityId, sampleId, ...(algo === undefined ? {} : { algorithm: algo }) });
    return {};
  },
};
