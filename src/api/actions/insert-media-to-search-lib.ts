import { ApiError } from '../errors.js';
import type { Action } from './action.js';
import { MEDIA_ID_RULE, namespace, searchLibName } from './common-params.js';
import { MEDIA_TYPES } from '../../types.js';

export const insertMediaToSearchLib: Action = {
  name: 'InsertMediaToSearchLib',
  handle(params, { media }) {
    const library = searchLibName(params);
    if (params.has('ImagesInput')) {
      throw new ApiError(
        'InvalidParameter',
        'The parameter ImagesInput (camera image sequences) is not supported by this server; insert each image or a video file instead.',
      );
    }
    const mediaId = media.insert({
      library,
      input: params.requiredString('Input', { maxLength: 4096 }),
      mediaId: params.string('MediaId', MEDIA_ID_RULE),
      mediaType: params.oneOf('MediaType', MEDIA_TYPES, 'video'),
      namespace: namespace(params) ?? '',
      msgBody: params.jsonObject('MsgBody') ?? {},
    });
    return { MediaId: mediaId };
  },
};
