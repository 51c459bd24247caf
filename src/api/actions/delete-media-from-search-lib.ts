import type { Action } from './action.js';
import { mediaId, namespace, searchLibName } from './common-params.js';

export const deleteMediaFromSearchLib: Action = {
  name: 'DeleteMediaFromSearchLib',
  async handle(params, { media }) {
    const id = mediaId(params);
    params.jsonObject('MsgBody'); // accepted for compatibility; validated but unused
    await media.delete(searchLibName(params), id, namespace(params));
    return { MediaId: id };
  },
};
