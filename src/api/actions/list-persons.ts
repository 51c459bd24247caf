import type { Action } from './action.js';
import { searchLibName } from './common-params.js';

/**
 * mediasearch extension: the automatic persons of a search library (clusters of face tracks),
 * those seen most first, each with a face crop to recognise them by (docs/api.md "Persons").
 */
export const listPersons: Action = {
  name: 'ListPersons',
  handle(params, { persons }, request) {
    const library = searchLibName(params);
    const named = params.oneOf('Named', ['all', 'named', 'unnamed'] as const, 'all')!;
    const { offset, pageSize } = params.page();
    const { items, total } = persons.list(library, named, offset, pageSize);
    return {
      Persons: items.map((person) => ({
        PersonId: person.id,
        Name: person.name ?? '',
        EntityId: person.entityId ?? '',
        TrackCount: person.trackCount,
        MediaCount: person.mediaCount,
        FaceUrl: person.cover && request.fileUrls ? request.fileUrls.face({ library, mediaId: person.cover.mediaId }, person.cover.seq) : '',
        CoverMediaId: person.cover?.mediaId ?? '',
        // Who the cover face was recognised as by the registered persons' samples, named or not.
        RecognizedEntityId: person.recognized?.entityId ?? '',
        RecognizedName: person.recognized?.name ?? '',
      })),
      Total: total,
    };
  },
};
