import { ApiError, invalidParameter } from '../api/errors.js';
import type { FacePerson, FaceTrackRow } from '../store/face-repository.js';
import type { Store } from '../store/store.js';
import type { Library } from '../types.js';
import type { FaceClusterer } from './face-clustering.js';
import type { FaceLabeller } from './face-labeller.js';
import type { LibraryService } from './library-service.js';
import { DERIVED_SAMPLE_URL_PREFIX, faceGroupIdsOf, type RecognitionService } from './recognition-service.js';

/** A named person's best faces become samples of its entity: enough views to recognise it again. */
const SAMPLES_PER_NAMED_PERSON = 5;

/** ICE allows three face libraries per search library (SearchLibConfig.faceGroupIds). */
const MAX_FACE_GROUPS = 3;

export interface PersonSummary extends FacePerson {
  mediaCount: number;
  /** MediaId and track seq of the cover face (its crop is served under faces/<seq>.jpg). */
  cover: { mediaId: string; seq: number } | null;
  /** The registered person the cover face was recognised as, if any (a hint for naming). */
  recognized: { entityId: string; name: string } | null;
}

/**
 * The API extension over automatic persons (docs/api.md "Persons"): list them, name one (it
 * becomes a registered person — a recognition entity with the person's best faces as samples — so
 * face search, PersonName queries and later videos know it), merge several into one, and split
 * assets off a person.
 */
export class PersonService {
  constructor(
    private readonly store: Store,
    private readonly libraries: LibraryService,
    private readonly recognition: RecognitionService,
    private readonly clusterer: FaceClusterer,
    private readonly labeller: FaceLabeller,
  ) {}

  list(library: string, named: 'all' | 'named' | 'unnamed', offset: number, limit: number): { items: PersonSummary[]; total: number } {
    this.libraries.require(library);
    const page = this.store.faces.listPersons(library, named, offset, limit);
    const covers = this.store.faces.tracksByIds(page.items.flatMap((p) => (p.coverTrackId === null ? [] : [p.coverTrackId])));
    const coverOf = new Map(covers.map((track) => [track.id, track]));
    // A cover deleted with its asset: the best remaining face stands in until the next refresh.
    for (const person of page.items) {
      if (person.coverTrackId !== null && coverOf.has(person.coverTrackId)) continue;
      const best = [...this.store.faces.tracksOfPerson(person.id)].sort((a, b) => b.quality - a.quality)[0];
      if (best) {
        person.coverTrackId = best.id;
        coverOf.set(best.id, best);
      }
    }
    return {
      total: page.total,
      items: page.items.map((person) => {
        const track = person.coverTrackId === null ? undefined : coverOf.get(person.coverTrackId);
        const asset = track && this.store.assets.getById(track.assetId);
        const entity = track?.entityId ? this.store.recognition.getEntity(track.entityId) : undefined;
        return {
          ...person,
          cover: asset && track ? { mediaId: asset.mediaId, seq: track.seq } : null,
          recognized: entity ? { entityId: entity.id, name: entity.name } : null,
        };
      }),
    };
  }

  /**
   * Names a person. The entity goes into `libId` when given (a face library the search library
   * links), else into the search library's first face library, else into a face library created for
   * it and linked (when the search library links fewer than three). An entity of that name already
   * in the library is reused: naming two persons alike says they are one.
   */
  name(request: { library: string; personId: number; name: string; libId?: string }): { person: FacePerson; entityId: string; libId: string } {
    const library = this.libraries.require(request.library);
    const person = this.requirePerson(library.name, request.personId);
    const current = person.entityId === null ? undefined : this.store.recognition.getEntity(person.entityId);
    if (current && (request.libId === undefined || request.libId === current.libId)) {
      // Already a registered person: a new name renames it, so every label follows.
      this.recognition.renameEntity(current.id, request.name);
      this.store.faces.namePerson(person.id, request.name, current.id, Date.now());
      return { person: this.store.faces.getPerson(person.id)!, entityId: current.id, libId: current.libId };
    }
    const libId = this.faceLibFor(library, request.libId);
    const entity = this.recognition.entityNamed(libId, request.name);
    const members = this.store.faces.tracksOfPerson(person.id);
    this.store.faces.namePerson(person.id, request.name, entity.id, Date.now());
    // Named into another library: the old entity gives back the faces this person lent it.
    if (current && current.id !== entity.id) this.recognition.removeDerivedSamples(current.id);
    this.recognition.addDerivedSamples(libId, entity.id, this.samplesFrom(library, members));
    this.labeller.labelTracks(library, this.store.faces.tracksOfPerson(person.id));
    return { person: this.store.faces.getPerson(person.id)!, entityId: entity.id, libId };
  }

  /**
   * Moves every track of the other persons into the first. The first keeps its name, or takes the
   * first name among the others when it has none; another name the others had is taken back (the
   * samples their faces gave it are removed, and the entity with them when it has no photo samples),
   * so no face keeps being recognised as a person who was a mistake.
   */
  merge(library: string, personIds: readonly number[]): FacePerson {
    const lib = this.libraries.require(library);
    if (new Set(personIds).size !== personIds.length) throw invalidParameter('PersonIds', 'each person id may be given once.');
    if (personIds.length < 2) throw invalidParameter('PersonIds', 'give at least two different person ids, the first being the one kept.');
    const [target, ...others] = personIds.map((id) => this.requirePerson(library, id));
    const dropped: string[] = [];
    this.store.transaction(() => {
      for (const other of others) {
        for (const track of this.store.faces.tracksOfPerson(other.id)) this.store.faces.setTrackPerson(track.id, target!.id);
        if (target!.name === null && other.name !== null && other.entityId !== null) {
          this.store.faces.namePerson(target!.id, other.name, other.entityId, Date.now());
          target!.name = other.name;
          target!.entityId = other.entityId;
        } else if (other.entityId !== null && other.entityId !== target!.entityId) {
          dropped.push(other.entityId);
        }
        this.store.faces.deletePerson(other.id);
      }
      this.clusterer.refresh([target!.id]);
    });
    for (const entityId of dropped) this.recognition.removeDerivedSamples(entityId);
    this.labeller.labelTracks(lib, this.store.faces.tracksOfPerson(target!.id));
    return this.store.faces.getPerson(target!.id)!;
  }

  /** Moves the person's tracks in these assets to a new, unnamed person. */
  split(library: string, personId: number, mediaIds: readonly string[]): FacePerson {
    const lib = this.libraries.require(library);
    const person = this.requirePerson(library, personId);
    const assetIds = new Set(
      mediaIds.map((mediaId) => {
        const asset = this.store.assets.get(library, mediaId);
        if (!asset) throw new ApiError('MediaNotFound', `The search library "${library}" has no media "${mediaId}".`);
        return asset.id;
      }),
    );
    const moving = this.store.faces.tracksOfPerson(person.id).filter((track) => assetIds.has(track.assetId));
    if (moving.length === 0) throw invalidParameter('MediaIds', `person ${personId} has no faces in those media.`);
    const created = this.store.transaction(() => {
      const now = Date.now();
      const id = this.store.faces.insertPerson({
        library,
        name: null,
        entityId: null,
        centroid: null,
        trackCount: 0,
        coverTrackId: null,
        createdAt: now,
        updatedAt: now,
      });
      for (const track of moving) this.store.faces.setTrackPerson(track.id, id);
      this.clusterer.refresh([person.id, id]);
      return id;
    });
    this.labeller.labelTracks(lib, this.store.faces.tracksByIds(moving.map((t) => t.id)));
    return this.store.faces.getPerson(created)!;
  }

  private requirePerson(library: string, id: number): FacePerson {
    const person = this.store.faces.getPerson(id);
    if (!person || person.library !== library) {
      throw new ApiError('PersonNotFound', `The search library "${library}" has no person ${id}; list them with ListPersons.`);
    }
    return person;
  }

  private faceLibFor(library: Library, requested: string | undefined): string {
    const linked = faceGroupIdsOf(library.config);
    if (requested !== undefined) {
      if (!linked.includes(requested)) {
        throw invalidParameter('LibId', `the search library "${library.name}" does not link the face library "${requested}" (SearchLibConfig.faceGroupIds).`);
      }
      return requested;
    }
    const first = linked.find((id) => this.store.recognition.getLib(id)?.algorithm === 'face');
    if (first !== undefined) return first;
    if (linked.length >= MAX_FACE_GROUPS) {
      throw invalidParameter('LibId', `the search library "${library.name}" links ${MAX_FACE_GROUPS} libraries already; name the one to use.`);
    }
    const lib = this.recognition.createLib({ algorithm: 'face', name: `persons of ${library.name}`.slice(0, 64), description: 'named from clustered faces' });
    this.libraries.alter(library.name, { ...library.config, faceGroupIds: [...linked, lib.id].join(',') });
    return lib.id;
  }

  /** The members' best faces as samples: each one's best usable detection, by track quality. */
  private samplesFrom(library: Library, members: readonly FaceTrackRow[]) {
    const best = [...members]
      .filter((t) => t.embedding !== null)
      .sort((a, b) => b.quality - a.quality)
      .slice(0, SAMPLES_PER_NAMED_PERSON);
    const detections = this.store.db.prepare(
      `SELECT time_s AS time, x, y, w, h, score, quality, descriptor FROM face_detections
       WHERE track_id = ? AND usable = 1 AND descriptor IS NOT NULL ORDER BY quality DESC LIMIT 1`,
    );
    return best.flatMap((track) => {
      const d = detections.get(track.id) as
        | { time: number; x: number; y: number; w: number; h: number; score: number; quality: number; descriptor: Buffer }
        | undefined;
      const asset = this.store.assets.getById(track.assetId);
      if (!d || !asset) return [];
      return [
        {
          imageUrl: `${DERIVED_SAMPLE_URL_PREFIX}${encodeURIComponent(library.name)}/${encodeURIComponent(asset.mediaId)}#t=${d.time}`,
          imageWidth: asset.width ?? 0,
          imageHeight: asset.height ?? 0,
          box: { x: d.x, y: d.y, width: d.w, height: d.h },
          score: d.score,
          quality: d.quality,
          descriptor: new Float32Array(d.descriptor.buffer.slice(d.descriptor.byteOffset, d.descriptor.byteOffset + d.descriptor.byteLength)),
          embedding: track.embedding!,
        },
      ];
    });
  }
}
