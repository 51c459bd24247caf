import type { Action } from './action.js';
import { searchLibName } from './common-params.js';
import { personId, personName } from './person-params.js';

/**
 * mediasearch extension: names an automatic person. It becomes a registered person (an entity of
 * a face recognition library, `LibId` or the library's own) whose samples are its best faces, so
 * face search and PersonName queries know it by name from then on.
 */
export const namePerson: Action = {
  name: 'NamePerson',
  handle(params, { persons }) {
    const library = searchLibName(params);
    const id = personId(params);
    const name = personName(params);
    const libId = params.string('LibId', { maxLength: 64, pattern: /^[A-Za-z0-9_-]+$/, patternHint: 'a LibId is the id CreateRecognitionLib returned.' });
    const result = persons.name({ library, personId: id, name, ...(libId === undefined ? {} : { libId }) });
    return { PersonId: result.person.id, Name: result.person.name ?? name, EntityId: result.entityId, LibId: result.libId };
  },
};
