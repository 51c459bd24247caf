import type { Store } from '../store/store.js';
import { PERSON_MIN_QUALITY, type FaceClusterer } from './face-clustering.js';
import type { FaceLabeller } from './face-labeller.js';

/**
 * Face tracks stored before registered-person labels and automatic persons existed (a database
 * upgraded to migration 007) are labelled and clustered once at startup; afterwards every face
 * job does it for its own tracks, so the query below finds nothing and this costs one index scan.
 * Boxes and face crops of such tracks stay as they were (analysed-frame pixels, no crop) until
 * the face index is rerun (SearchIndexJobRerun with Task=face).
 */
export function backfillFaceTracks(store: Store, labeller: FaceLabeller, clusterer: FaceClusterer): { libraries: number; tracks: number } {
  const libraries = store.db
    .prepare(
      `SELECT DISTINCT a.library FROM face_tracks t JOIN assets a ON a.id = t.asset_id
       WHERE t.person_id IS NULL AND t.embedding IS NOT NULL AND t.quality >= ?`,
    )
    .pluck()
    .all(PERSON_MIN_QUALITY) as string[];
  let tracks = 0;
  for (const name of libraries) {
    const library = store.libraries.get(name);
    if (!library) continue;
    labeller.labelLibrary(library);
    const unplaced = store.faces.embeddedTracksOfLibrary(name).filter((track) => track.personId === null);
    tracks += unplaced.length;
    clusterer.assignTracks(name, unplaced);
    labeller.labelLibrary(library);
  }
  return { libraries: libraries.length, tracks };
}
