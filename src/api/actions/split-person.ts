import type { Action } from './action.js';
import { MEDIA_ID_RULE, searchLibName } from './common-params.js';
import { invalidParameter } from '../errors.js';
import { personId } from './person-params.js';

/** mediasearch extension: moves a person's faces in `MediaIds` to a new person (two people clustered as one). */
export const splitPerson: Action = {
  name: 'SplitPerson',
  handle(params, { persons }) {
    const library = searchLibName(params);
    const id = personId(params);
    const mediaIds = params.list('MediaIds', { required: true, maxItems: 50 });
    for (const mediaId of mediaIds) {
      if (!MEDIA_ID_RULE.pattern.test(mediaId)) throw invalidParameter('MediaIds', `"${mediaId}": ${MEDIA_ID_RULE.patternHint}`);
    }
    const person = persons.split(library, id, mediaIds);
    return { PersonId: person.id, TrackCount: person.trackCount };
  },
};
