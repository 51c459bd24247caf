import type { Action } from './action.js';
import { alterSearchIndex } from './alter-search-index.js';
import { alterSearchLib } from './alter-search-lib.js';
import { createRecognitionEntity } from './create-recognition-entity.js';
import { createRecognitionLib } from './create-recognition-lib.js';
import { createRecognitionSample } from './create-recognition-sample.js';
import { createSearchIndex } from './create-search-index.js';
import { createSearchLib } from './create-search-lib.js';
import { deleteMediaFromSearchLib } from './delete-media-from-search-lib.js';
import { deleteRecognitionEntity } from './delete-recognition-entity.js';
import { deleteRecognitionLib } from './delete-recognition-lib.js';
import { deleteRecognitionSample } from './delete-recognition-sample.js';
import { dropSearchIndex } from './drop-search-index.js';
import { dropSearchLib } from './drop-search-lib.js';
import { insertMediaToSearchLib } from './insert-media-to-search-lib.js';
import { listPersons } from './list-persons.js';
import { listRecognitionEntities } from './list-recognition-entities.js';
import { listRecognitionLibs } from './list-recognition-libs.js';
import { listRecognitionSamples } from './list-recognition-samples.js';
import { listSearchLib } from './list-search-lib.js';
import { mergePersons } from './merge-persons.js';
import { namePerson } from './name-person.js';
import { queryMediaIndexJob } from './query-media-index-job.js';
import { querySearchIndex } from './query-search-index.js';
import { querySearchLib } from './query-search-lib.js';
import { searchMedia } from './search-media.js';
import { searchMediaByAiLabel } from './search-media-by-ai-label.js';
import { searchMediaByFace } from './search-media-by-face.js';
import { searchMediaByHybrid } from './search-media-by-hybrid.js';
import { searchMediaByMultimodal } from './search-media-by-multimodal.js';
import { searchMediaClipByFace } from './search-media-clip-by-face.js';
import { searchIndexJobRerun } from './search-index-job-rerun.js';
import { splitPerson } from './split-person.js';
import { updateMediaToSearchLib } from './update-media-to-search-lib.js';

/** Every RPC action the server implements, by its wire name. */
export const ACTIONS: ReadonlyMap<string, Action> = new Map(
  [
    createSearchLib,
    alterSearchLib,
    querySearchLib,
    listSearchLib,
    dropSearchLib,
    createSearchIndex,
    alterSearchIndex,
    querySearchIndex,
    dropSearchIndex,
    insertMediaToSearchLib,
    updateMediaToSearchLib,
    deleteMediaFromSearchLib,
    queryMediaIndexJob,
    searchIndexJobRerun,
    searchMediaByAiLabel,
    searchMedia,
    searchMediaByHybrid,
    searchMediaByMultimodal,
    createRecognitionLib,
    listRecognitionLibs,
    deleteRecognitionLib,
    createRecognitionEntity,
    listRecognitionEntities,
    deleteRecognitionEntity,
    createRecognitionSample,
    listRecognitionSamples,
    deleteRecognitionSample,
    searchMediaByFace,
    searchMediaClipByFace,
    // mediasearch extensions: automatic persons (docs/api.md "Persons").
    listPersons,
    namePerson,
    mergePersons,
    splitPerson,
  ].map((action) => [action.name, action]),
);
