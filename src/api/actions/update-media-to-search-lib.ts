import type { Action } from './action.js';
import { mediaId, namespace, searchLibName } from './common-params.js';

export const updateMediaToSearchLib: Action = {
  name: 'UpdateMediaToSearchLib',
  handle(params, { media }) {
    const id = mediaId(params);
    media.update(searchLibName(params), id, namespace(params), params.jsonObject('MsgBody', { required: true })!);
    return { MediaId: id };
  },
};
