import { faceDistance, l2Normalise } from '../analysis/face/face-embedding.js';
import type { FacePerson, FaceTrackRow } from '../store/face-repository.js';
import type { Store } from '../store/store.js';

/**
 * Largest distance between a track's embedding and a person's centroid for the track to join that
 * person. On the deepface photos (`npm run eval:faces`, docs/benchmarks/faces.md) the rule below
 * finds the 13 identities exactly at 0.36 (pairwise precision and recall 100%); at 0.34 one
 * identity splits in two, at 0.30 recall falls to 94%, at 0.28 to 74%. Different people's photos
 * are never closer than 0.386 there, and a centroid sits nearer its own members than they sit to
 * each other, so 0.36 keeps a margin against chaining two people together; a split is the cheaper
 * mistake anyway (MergePersons fixes it, while a wrong join pulls the centroid towards a stranger).
 */
export const PERSON_JOIN_DISTANCE = 0.36;

/** Tracks below this quality are searchable but do not start or move persons. */
export const PERSON_MIN_QUALITY = 0.2;

/**
 * Automatic persons: unnamed faces of a library grouped by who they are (incremental clustering,
 * docs/faces.md). Each new track with an embedding joins the person whose centroid is nearest, if
 * within PERSON_JOIN_DISTANCE, else it starts a new person — sequential leader clustering with
 * running centroids. A track already recognised as a registered person joins the person named as
 * that entity when there is one. Persons never merge by themselves (a chain of borderline faces
 * could glue two people together); the user merges and splits them through the API, which also
 * names them.
 */
export class FaceClusterer {
  constructor(
    private readonly store: Store,
    private readonly now: () => number = Date.now,
  ) {}

  /** Places the asset's unplaced tracks; returns the persons touched. */
  assignAsset(library: string, assetId: number): number[] {
    return this.assignTracks(library, this.store.faces.tracksOfAsset(assetId));
  }

  assignTracks(library: string, tracks: readonly FaceTrackRow[]): number[] {
    const candidates = tracks.filter((t) => t.personId === null && t.embedding !== null && t.quality >= PERSON_MIN_QUALITY);
    if (candidates.length === 0) return [];
    return this.store.transaction(() => {
      const persons = this.store.faces.personsOfLibrary(library);
      const touched = new Set<number>();
      // Best faces first: they make steadier centroids for the rest to join.
      for (const track of [...candidates].sort((a, b) => b.quality - a.quality)) {
        const person = this.personFor(track, persons);
        if (person) {
          this.store.faces.setTrackPerson(track.id, person.id);
          person.centroid = runningCentroid(person.centroid, person.trackCount, track.embedding!);
          person.trackCount += 1;
          touched.add(person.id);
        } else {
          const created: FacePerson = {
            id: 0,
            library,
            name: null,
            entityId: null,
            centroid: track.embedding,
            trackCount: 1,
            coverTrackId: track.id,
            createdAt: this.now(),
            updatedAt: this.now(),
          };
          created.id = this.store.faces.insertPerson(created);
          this.store.faces.setTrackPerson(track.id, created.id);
          persons.push(created);
          touched.add(created.id);
        }
      }
      this.refresh([...touched]);
      return [...touched];
    });
  }

  /**
   * Recomputes centroid, count and cover of persons from their current tracks (after tracks were
   * moved, re-analysed or deleted) and removes unnamed persons left empty.
   */
  refresh(personIds: readonly number[]): void {
    this.store.transaction(() => {
      for (const id of new Set(personIds)) {
        const person = this.store.faces.getPerson(id);
        if (!person) continue;
        const members = this.store.faces.tracksOfPerson(id);
        if (members.length === 0 && person.name === null) {
          this.store.faces.deletePerson(id);
          continue;
        }
        this.store.faces.updatePersonStats(id, personStats(members), this.now());
      }
    });
  }

  private personFor(track: FaceTrackRow, persons: readonly FacePerson[]): FacePerson | undefined {
    if (track.entityId !== null) {
      const named = persons.find((p) => p.entityId === track.entityId);
      if (named) return named;
    }
    return nearestCentroid(track.embedding!, persons, PERSON_JOIN_DISTANCE);
  }
}

/** The cluster whose centroid is nearest to the face, if within `maxDistance` (the join rule). */
export function nearestCentroid<T extends { centroid: Float32Array | null }>(face: Float32Array, clusters: readonly T[], maxDistance: number): T | undefined {
  let best: T | undefined;
  let bestDistance = maxDistance;
  for (const cluster of clusters) {
    if (cluster.centroid === null) continue;
    const distance = faceDistance(face, cluster.centroid);
    if (distance <= bestDistance) {
      best = cluster;
      bestDistance = distance;
    }
  }
  return best;
}

/** The centroid after one more member: the mean of unit vectors, renormalised. */
export function runningCentroid(centroid: Float32Array | null, count: number, member: Float32Array): Float32Array {
  if (centroid === null || count === 0) return member;
  const sum = new Float32Array(member.length);
  for (let i = 0; i < member.length; i++) sum[i] = centroid[i]! * count + member[i]!;
  return l2Normalise(sum) ?? member;
}

/** Quality-weighted mean direction of the members, their count and the best-quality member. */
export function personStats(members: readonly FaceTrackRow[]): { centroid: Float32Array | null; trackCount: number; coverTrackId: number | null } {
  let sum: Float32Array | null = null;
  let cover: FaceTrackRow | null = null;
  for (const track of members) {
    if (cover === null || track.quality > cover.quality) cover = track;
    if (track.embedding === null) continue;
    sum ??= new Float32Array(track.embedding.length);
    const weight = Math.max(track.quality, 1e-3);
    for (let i = 0; i < sum.length; i++) sum[i]! += weight * track.embedding[i]!;
  }
  return { centroid: sum && l2Normalise(sum), trackCount: members.length, coverTrackId: cover?.id ?? null };
}
