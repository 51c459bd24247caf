import type { Action } from './action.js';
import { searchLibName } from './common-params.js';
import { personIds } from './person-params.js';

/** mediasearch extension: merges persons into the first of `PersonIds` (the same person seen twice). */
export const mergePersons: Action = {
  name: 'MergePersons',
  handle(params, { persons }) {
    const library = searchLibName(params);
    const person = persons.merge(library, personIds(params));
    return { PersonId: person.id, Name: person.name ?? '', TrackCount: person.trackCount };
  },
};
