import { invalidParameter } from '../errors.js';
import type { Action } from './action.js';
import { algorithm, recognitionId } from './recognition-params.js';

export const createRecognitionSample: Action = {
  name: 'CreateRecognitionSample',
  async handle(params, { recognition }) {
    const libId = recognitionId(params, 'LibId');
    const entityId = recognitionId(params, 'EntityId');
    const algo = algorithm(params, true);
    if (params.has('LabelPrompt')) {
      throw invalidParameter(
        'LabelPrompt',
        'text samples belong to label recognition libraries, which this server does not support; a face sample needs ImageUrl.',
      );
    }
    const sample = await recognition.createSample({
      libId,
      entityId,
      algorithm: algo,
      imageUrl: params.requiredString('ImageUrl', { maxLength: 4096 }),
    });
    return { SampleId: sample.id };
  },
};
