import type { Action } from './action.js';
import { faceSearchToken, optionalEntityId } from './face-params.js';
import { searchScope } from './search-params.js';

/** PersonImageUrl follows the same URL rules as an asset's Input. */
const MAX_URL_BYTES = 2048;

/**
 * Coarse face search: the assets in which the person of `PersonImageUrl` appears, best match
 * first. `Score` per asset is a mediasearch extension (ICE returns MediaId only).
 */
export const searchMediaByFace: Action = {
  name: 'SearchMediaByFace',
  async handle(params, { faceSearch }, request) {
    const imageUrl = params.requiredString('PersonImageUrl', { maxLength: MAX_URL_BYTES });
    const token = faceSearchToken(params);
    const entityId = optionalEntityId(params);
    const scope = searchScope(params, { mediaTypes: ['image', 'video'] });
    const { offset, pageSize } = params.page();
    const result = await faceSearch.searchByFace({
      scope,
      imageUrl,
      token,
      owner: request.accessKeyId ?? '',
      ...(entityId === undefined ? {} : { entityId }),
      offset,
      limit: pageSize,
    });
    return {
      MediaInfoList: result.items.map((item) => ({ MediaId: item.mediaId, Score: item.score })),
      Total: result.total,
    };
  },
};
