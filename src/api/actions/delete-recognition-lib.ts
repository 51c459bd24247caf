import type { Action } from './action.js';
import { algorithm, recognitionId } from './recognition-params.js';

export const deleteRecognitionLib: Action = {
  name: 'DeleteRecognitionLib',
  handle(params, { recognition }) {
    recognition.deleteLib(recognitionId(params, 'LibId'), algorithm(params, false));
    return {};
  },
};
