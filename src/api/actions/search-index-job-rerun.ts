import { invalidParameter } from '../errors.js';
import type { Action } from './action.js';
import { MEDIA_ID_RULE, namespace, searchLibName } from './common-params.js';
import { INDEX_TYPES, type IndexType } from '../../types.js';

export const searchIndexJobRerun: Action = {
  name: 'SearchIndexJobRerun',
  handle(params, { media }) {
    const mediaIds = params.list('MediaIds', { required: true, maxItems: 20 });
    for (const id of mediaIds) {
      if (!MEDIA_ID_RULE.pattern.test(id) || id.length > MEDIA_ID_RULE.maxLength) {
        throw invalidParameter('MediaIds', `"${id}" is not a valid MediaId.`);
      }
    }
    const tasks = params.list('Task', { maxItems: INDEX_TYPES.length });
    for (const task of tasks) {
      if (!(INDEX_TYPES as readonly string[]).includes(task)) {
        throw invalidParameter('Task', `"${task}" is not one of ${INDEX_TYPES.join(', ')}.`);
      }
    }
    const missing = media.rerun(searchLibName(params), mediaIds, tasks as IndexType[], namespace(params));
    return { Data: { MediaIdsNoExist: missing } };
  },
};
