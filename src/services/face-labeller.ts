import { FACE_MATCH_DISTANCE, nearestSampleDistance, tracksWithin } from '../search/face/face-match.js';
import type { FaceIndex } from '../search/face/face-match.js';
import { sortedIdFilter } from '../search/vector-index/vector-index.js';
import type { FaceTrackRow } from '../store/face-repository.js';
import type { Store } from '../store/store.js';
import type { Library } from '../types.js';
import { faceGroupIdsOf, type KnownPerson } from './recognition-service.js';

/**
 * Attaches registered persons (recognition entities) to face tracks: a track is labelled with the
 * entity whose nearest sample is closest to the track's embedding, if that is within
 * FACE_MATCH_DISTANCE; otherwise with the entity its automatic person was named as (a person the
 * user named from the clustered faces), otherwise with nothing. The name then reaches search through
 * the 'face' segment texts the store's triggers keep in step (migration 007).
 *
 * Labels are recomputed without re-analysis: after a face job (the asset's tracks), after a
 * sample is added (the tracks near it, found in the face index), and after samples or entities are
 * removed or a library's faceGroupIds change (the tracks that may lose their label).
 */
export class FaceLabeller {
  constructor(
    private readonly store: Store,
    private readonly knownPersons: (library: Pick<Library, 'config'>) => KnownPerson[],
    private readonly faceIndex: () => FaceIndex,
  ) {}

  /** Labels the given tracks of one library; returns how many ended with a registered person. */
  labelTracks(library: Library, tracks: readonly FaceTrackRow[]): number {
    if (tracks.length === 0) return 0;
    const known = this.knownPersons(library).filter((person) => person.samples.length > 0);
    const personEntity = new Map<number, string>();
    for (const person of this.store.faces.personsOfLibrary(library.name)) {
      if (person.entityId !== null) personEntity.set(person.id, person.entityId);
    }
    let labelled = 0;
    this.store.transaction(() => {
      for (const track of tracks) {
        const { entityId, distance } = bestEntity(track, known, personEntity);
        this.store.faces.setTrackEntity(track.id, entityId, distance);
        if (entityId !== null) labelled += 1;
      }
    });
    return labelled;
  }

  labelAsset(library: Library, assetId: number): number {
    return this.labelTracks(library, this.store.faces.tracksOfAsset(assetId));
  }

  /** Relabels every face track of a library (after its faceGroupIds changed). */
  labelLibrary(library: Library): number {
    return this.labelTracks(library, this.store.faces.embeddedTracksOfLibrary(library.name));
  }

  /**
   * After a sample joined recognition library `libId`: only tracks within the match distance of
   * the new face can change label, so those are found in the face index (per search library that
   * links `libId`) and relabelled against all known persons.
   */
  afterSampleAdded(libId: string, embedding: Float32Array): void {
    for (const library of this.librariesLinking(libId)) {
      const allowed = this.store.db
        .prepare(
          `SELECT t.id FROM face_tracks t JOIN assets a ON a.id = t.asset_id
           WHERE a.library = ? AND t.embedding IS NOT NULL ORDER BY t.id`,
        )
        .pluck()
        .all(library.name) as number[];
      if (allowed.length === 0) continue;
      const near = tracksWithin(this.faceIndex(), embedding, FACE_MATCH_DISTANCE, sortedIdFilter(Int32Array.from(allowed)));
      this.labelTracks(library, this.store.faces.tracksByIds(near.map((match) => match.trackId)));
    }
  }

  /**
   * The tracks labelled with these entities now: call before removing samples, entities or a
   * library, then pass the result to `relabel` afterwards (the removal may leave them another,
   * farther person, or none).
   */
  tracksOfEntities(entityIds: readonly string[]): FaceTrackRow[] {
    return entityIds.flatMap((id) => this.store.faces.tracksOfEntity(id));
  }

  relabel(tracks: readonly FaceTrackRow[]): void {
    const byAsset = new Map<number, FaceTrackRow[]>();
    for (const track of tracks) {
      let list = byAsset.get(track.assetId);
      if (!list) byAsset.set(track.assetId, (list = []));
      list.push(track);
    }
    const libraries = new Map<string, FaceTrackRow[]>();
    for (const [assetId, list] of byAsset) {
      const asset = this.store.assets.getById(assetId);
      if (!asset) continue;
      const group = libraries.get(asset.library) ?? [];
      group.push(...list);
      libraries.set(asset.library, group);
    }
    for (const [name, list] of libraries) {
      const library = this.store.libraries.get(name);
      // Re-read: a track's person may have changed since the caller collected it.
      if (library) this.labelTracks(library, this.store.faces.tracksByIds(list.map((t) => t.id)));
    }
  }

  private librariesLinking(libId: string): Library[] {
    return this.store.libraries.list(0, Number.MAX_SAFE_INTEGER).libraries.filter((library) => faceGroupIdsOf(library.config).includes(libId));
  }
}

function bestEntity(
  track: FaceTrackRow,
  known: readonly KnownPerson[],
  personEntity: ReadonlyMap<number, string>,
): { entityId: string | null; distance: number | null } {
  if (track.embedding !== null) {
    let best: { entityId: string; distance: number } | null = null;
    for (const person of known) {
      const distance = nearestSampleDistance(track.embedding, person.samples);
      if (distance <= FACE_MATCH_DISTANCE && (best === null || distance < best.distance)) best = { entityId: person.entityId, distance };
    }
    if (best) return best;
  }
  const named = track.personId === null ? undefined : personEntity.get(track.personId);
  return named === undefined ? { entityId: null, distance: null } : { entityId: named, distance: null };
}
