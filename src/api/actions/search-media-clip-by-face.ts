import type { Action } from './action.js';
import { mediaId } from './common-params.js';
import { faceSearchToken, optionalEntityId } from './face-params.js';

/**
 * Fine face search: where in one asset the token's person appears. One MediaClip per identity
 * (a registered person, or the unrecognised tracks), each with its time ranges and boxes.
 */
export const searchMediaClipByFace: Action = {
  name: 'SearchMediaClipByFace',
  handle(params, { faceSearch }, request) {
    const token = faceSearchToken(params);
    const id = mediaId(params);
    const entityId = optionalEntityId(params);
    const library = params.string('SearchLibName', { maxLength: 128 });
    const { offset, pageSize } = params.page();
    const result = faceSearch.clipsByFace({
      token,
      owner: request.accessKeyId ?? '',
      mediaId: id,
      ...(library === undefined ? {} : { library }),
      ...(entityId === undefined ? {} : { entityId }),
      offset,
      limit: pageSize,
    });
    return {
      MediaClipList: result.items.map((clip) => ({
        Category: clip.category,
        EntityId: clip.entityId,
        LabelName: clip.labelName,
        Score: clip.score,
        OccurrencesInfos: clip.occurrences.map((occurrence) => ({
          StartTime: occurrence.start,
          EndTime: occurrence.end,
          Expression: '',
          TrackData: occurrence.track.map((point) => ({
            Timestamp: point.time,
            BoxPosition: { X: point.box.x, Y: point.box.y, W: point.box.width, H: point.box.height },
          })),
        })),
      })),
      Total: result.total,
    };
  },
};
