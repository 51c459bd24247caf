import type { Action } from './action.js';
import { algorithm } from './recognition-params.js';

export const createRecognitionLib: Action = {
  name: 'CreateRecognitionLib',
  handle(params, { recognition }) {
    const lib = recognition.createLib({
      algorithm: algorithm(params, true),
      name: params.requiredString('LibName', { maxLength: 64 }),
      description: params.string('LibDescription', { maxLength: 128, default: '' })!,
    });
    return { LibId: lib.id };
  },
};
