import { randomBytes } from 'node:crypto';
import { ApiError, invalidParameter } from '../api/errors.js';
import { l2Normalise } from '../analysis/face/face-embedding.js';
import type { Page, RecognitionAlgorithm, RecognitionEntity, RecognitionLib, RecognitionSample } from '../store/recognition-repository.js';
import type { Store } from '../store/store.js';
import type { Library, SearchLibConfig } from '../types.js';
import type { FacePhotoReader } from './face-photo.js';
import type { FaceLabeller } from './face-labeller.js';

/** The algorithms this server can recognise; ICE also has landmark, object, logo and label. */
export const SUPPORTED_ALGORITHMS: readonly RecognitionAlgorithm[] = ['face'];

/** A registered person of a search library's face libraries, with the faces to match against. */
export interface KnownPerson {
  entityId: string;
  entityName: string;
  libId: string;
  samples: {
    sampleId: string;
    /** Unit-length descriptor, comparable with track embeddings (SAME_PERSON_EMBEDDING_DISTANCE). */
    embedding: Float32Array;
    /** Raw descriptor, comparable with detection descriptors (SAME_PERSON_DESCRIPTOR_DISTANCE). */
    descriptor: Float32Array;
    quality: number;
  }[];
}

/** ImageUrl of samples taken from face tracks (a named person's faces): `mediasearch://<library>/<MediaId>#t=<s>`. */
export const DERIVED_SAMPLE_URL_PREFIX = 'mediasearch://';

/** Opaque, URL-safe, unguessable: 32 hex characters like ICE's own ids. */
const newId = (): string => randomBytes(16).toString('hex');

/**
 * Recognition libraries (ICE custom persons): libraries of entities (people), each with face
 * samples taken from photos. Search libraries point at up to three of them through
 * SearchLibConfig.faceGroupIds; `entitiesOfSearchLib` is what face labelling and search read.
 */
export class RecognitionService {
  private labeller: FaceLabeller | undefined;

  constructor(
    private readonly store: Store,
    private readonly photos: FacePhotoReader,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Keeps face track labels in step with the registry from then on: samples added or removed
   * relabel the tracks they can affect (the labeller reads the registry through this service,
   * hence a setter rather than a constructor argument).
   */
  attachLabeller(labeller: FaceLabeller): void {
    this.labeller = labeller;
  }

  createLib(request: { algorithm: RecognitionAlgorithm; name: string; description?: string }): RecognitionLib {
    requireSupported(request.algorithm);
    const lib: RecognitionLib = {
      id: newId(),
      algorithm: request.algorithm,
      name: request.name,
      description: request.description ?? '',
      createdAt: this.now(),
    };
    this.store.recognition.insertLib(lib);
    return lib;
  }

  listLibs(filter: { ids?: readonly string[]; algorithm?: RecognitionAlgorithm }, offset: number, limit: number): Page<RecognitionLib> {
    return this.store.recognition.listLibs(filter, offset, limit);
  }

  /**
   * Deletes the library with its entities and samples, and takes its id out of every search
   * library's faceGroupIds in the same transaction, so no search library keeps pointing at it.
   */
  deleteLib(libId: string, algorithm?: RecognitionAlgorithm): void {
    this.requireLib(libId, algorithm);
    const affected = this.labeller?.tracksOfEntities(this.store.recognition.entitiesOfLibs([libId]).map((e) => e.id)) ?? [];
    this.store.transaction(() => {
      this.store.recognition.deleteLib(libId);
      const libraries = this.store.db.prepare('SELECT name, config FROM libraries').all() as { name: string; config: string }[];
      for (const library of libraries) {
        const config = JSON.parse(library.config) as SearchLibConfig;
        const ids = faceGroupIdsOf(config);
        if (!ids.includes(libId)) continue;
        const kept = ids.filter((id) => id !== libId);
        const { faceGroupIds: _dropped, ...rest } = config;
        this.store.libraries.updateConfig(library.name, kept.length > 0 ? { ...rest, faceGroupIds: kept.join(',') } : rest, this.now());
      }
    });
    this.labeller?.relabel(affected);
  }

  createEntity(request: { libId: string; algorithm: RecognitionAlgorithm; name: string; info?: string }): RecognitionEntity {
    this.requireLib(request.libId, request.algorithm);
    const entity: RecognitionEntity = {
      id: newId(),
      libId: request.libId,
      name: request.name,
      info: request.info ?? null,
      createdAt: this.now(),
    };
    if (!this.store.recognition.insertEntity(entity)) {
      throw new ApiError(
        'RecognitionEntityAlreadyExists',
        `The recognition library "${request.libId}" already has an entity named "${request.name}"; ` +
          'add samples to it (find its EntityId with ListRecognitionEntities) or choose another EntityName.',
      );
    }
    return entity;
  }

  listEntities(
    filter: { libId: string; algorithm?: RecognitionAlgorithm; name?: string },
    offset: number,
    limit: number,
  ): Page<RecognitionEntity> {
    this.requireLib(filter.libId, filter.algorithm);
    return this.store.recognition.listEntities(
      { libId: filter.libId, ...(filter.name === undefined ? {} : { name: filter.name }) },
      offset,
      limit,
    );
  }

  deleteEntity(libId: string, entityId: string, algorithm?: RecognitionAlgorithm): void {
    this.requireEntity(libId, entityId, algorithm);
    const affected = this.labeller?.tracksOfEntities([entityId]) ?? [];
    this.store.recognition.deleteEntity(entityId);
    this.labeller?.relabel(affected);
  }

  /**
   * Reads the photo's one face (FacePhotoReader: fetch, decode, detect in a worker, checks) and
   * stores its descriptor. The entity is looked up again after the slow part, so a sample never
   * lands on an entity deleted in the meantime.
   */
  async createSample(request: {
    libId: string;
    entityId: string;
    algorithm: RecognitionAlgorithm;
    imageUrl: string;
  }): Promise<RecognitionSample> {
    this.requireEntity(request.libId, request.entityId, request.algorithm);
    const photo = await this.photos.read(request.imageUrl, 'ImageUrl');
    const embedding = l2Normalise(photo.descriptor);
    if (!embedding) {
      throw new ApiError('FaceQualityTooLow', 'The face in the image at ImageUrl gave no usable descriptor; use another photo.');
    }
    const sample: RecognitionSample = {
      id: newId(),
      entityId: request.entityId,
      libId: request.libId,
      imageUrl: request.imageUrl,
      imageWidth: photo.imageWidth,
      imageHeight: photo.imageHeight,
      box: photo.box,
      score: photo.score,
      quality: photo.quality,
      descriptor: photo.descriptor,
      embedding,
      createdAt: this.now(),
    };
    this.store.transaction(() => {
      this.requireEntity(request.libId, request.entityId);
      this.store.recognition.insertSample(sample);
    });
    this.labeller?.afterSampleAdded(request.libId, embedding);
    return sample;
  }

  /**
   * Samples that come from face tracks rather than photos (a person named from its clustered
   * faces): `imageUrl` says where the face was seen. They count exactly like photo samples.
   */
  addDerivedSamples(
    libId: string,
    entityId: string,
    faces: readonly Omit<RecognitionSample, 'id' | 'entityId' | 'libId' | 'createdAt'>[],
  ): void {
    this.store.transaction(() => {
      this.requireEntity(libId, entityId);
      for (const face of faces) {
        this.store.recognition.insertSample({ ...face, id: newId(), entityId, libId, createdAt: this.now() });
      }
    });
    for (const face of faces) this.labeller?.afterSampleAdded(libId, face.embedding);
  }

  /**
   * Renames a registered person (a named person renamed on the Persons page); the name texts of
   * the tracks recognised as them follow at once.
   */
  renameEntity(entityId: string, name: string): void {
    const entity = this.store.recognition.getEntity(entityId);
    if (!entity || entity.name === name) return;
    this.store.transaction(() => {
      if (!this.store.recognition.renameEntity(entityId, name)) {
        throw new ApiError(
          'RecognitionEntityAlreadyExists',
          `The recognition library "${entity.libId}" already has a person named "${name}"; if they are the same person, merge the two (MergePersons) instead.`,
        );
      }
      this.store.faces.renameEntityTexts(entityId, name);
    });
  }

  /**
   * Takes back the samples a person's own faces gave its entity (MergePersons moving that person
   * under another name); an entity left without samples is deleted. Tracks recognised through them
   * are relabelled.
   */
  removeDerivedSamples(entityId: string): void {
    const entity = this.store.recognition.getEntity(entityId);
    if (!entity) return;
    const affected = this.labeller?.tracksOfEntities([entityId]) ?? [];
    this.store.transaction(() => {
      this.store.recognition.deleteSamplesWithUrlPrefix(entityId, DERIVED_SAMPLE_URL_PREFIX);
      if (this.store.recognition.countSamples(entityId) === 0) this.store.recognition.deleteEntity(entityId);
    });
    this.labeller?.relabel(affected);
  }

  /** The entity of this name in the library, created when there is none. */
  entityNamed(libId: string, name: string): RecognitionEntity {
    const existing = this.store.recognition.listEntities({ libId, name }, 0, 1).items[0];
    return existing ?? this.createEntity({ libId, algorithm: 'face', name });
  }

  /** Samples of a library, narrowed to one entity (by id, or by name when the id is absent or ANY). */
  listSamples(
    filter: { libId: string; algorithm?: RecognitionAlgorithm; entityId?: string; entityName?: string },
    offset: number,
    limit: number,
  ): Page<RecognitionSample> {
    if (filter.entityId !== undefined) this.requireEntity(filter.libId, filter.entityId, filter.algorithm);
    else this.requireLib(filter.libId, filter.algorithm);
    return this.store.recognition.listSamples(
      {
        libId: filter.libId,
        ...(filter.entityId === undefined ? {} : { entityId: filter.entityId }),
        ...(filter.entityName === undefined ? {} : { entityName: filter.entityName }),
      },
      offset,
      limit,
    );
  }

  deleteSample(request: { libId: string; entityId: string; sampleId: string; algorithm?: RecognitionAlgorithm }): void {
    this.requireEntity(request.libId, request.entityId, request.algorithm);
    const sample = this.store.recognition.getSample(request.sampleId);
    if (!sample || sample.entityId !== request.entityId) {
      throw new ApiError(
        'RecognitionSampleNotFound',
        `The entity "${request.entityId}" has no sample "${request.sampleId}"; list its samples with ListRecognitionSamples.`,
      );
    }
    const affected = this.labeller?.tracksOfEntities([request.entityId]) ?? [];
    this.store.recognition.deleteSample(request.sampleId);
    this.labeller?.relabel(affected);
  }

  /**
   * Checks that every id of SearchLibConfig.faceGroupIds is an existing face recognition library,
   * so a typo is reported when the search library is configured rather than silently matching nobody.
   */
  checkFaceGroupIds(config: SearchLibConfig): void {
    for (const id of faceGroupIdsOf(config)) {
      const lib = this.store.recognition.getLib(id);
      if (!lib) {
        throw invalidParameter(
          'SearchLibConfig',
          `faceGroupIds names "${id}", which is not a recognition library; create one with CreateRecognitionLib ` +
            '(Algorithm=face) and use the LibId it returns, or list them with ListRecognitionLibs.',
        );
      }
      if (lib.algorithm !== 'face') {
        throw invalidParameter('SearchLibConfig', `faceGroupIds names "${id}", a ${lib.algorithm} library; only face libraries belong there.`);
      }
    }
  }

  /**
   * The registered persons a search library recognises: the entities of its faceGroupIds libraries
   * (in the order listed; ids of libraries deleted since are skipped) with their samples' vectors.
   * Entities without samples are included with an empty list; they can match nothing yet.
   */
  entitiesOfSearchLib(library: Pick<Library, 'config'>): KnownPerson[] {
    const libIds = faceGroupIdsOf(library.config).filter((id) => this.store.recognition.getLib(id)?.algorithm === 'face');
    const entities = this.store.recognition.entitiesOfLibs([...new Set(libIds)]);
    const samples = this.store.recognition.samplesOfEntities(entities.map((entity) => entity.id));
    return entities.map((entity) => ({
      entityId: entity.id,
      entityName: entity.name,
      libId: entity.libId,
      samples: (samples.get(entity.id) ?? []).map((sample) => ({
        sampleId: sample.id,
        embedding: sample.embedding,
        descriptor: sample.descriptor,
        quality: sample.quality,
      })),
    }));
  }

  private requireLib(libId: string, algorithm?: RecognitionAlgorithm): RecognitionLib {
    if (algorithm !== undefined) requireSupported(algorithm);
    const lib = this.store.recognition.getLib(libId);
    if (!lib) {
      throw new ApiError(
        'RecognitionLibNotFound',
        `The recognition library "${libId}" does not exist; create one with CreateRecognitionLib or list them with ListRecognitionLibs.`,
      );
    }
    if (algorithm !== undefined && algorithm !== lib.algorithm) {
      throw invalidParameter('Algorithm', `the recognition library "${libId}" is a ${lib.algorithm} library, not ${algorithm}.`);
    }
    return lib;
  }

  private requireEntity(libId: string, entityId: string, algorithm?: RecognitionAlgorithm): RecognitionEntity {
    this.requireLib(libId, algorithm);
    const entity = this.store.recognition.getEntity(entityId);
    if (!entity || entity.libId !== libId) {
      throw new ApiError(
        'RecognitionEntityNotFound',
        `The recognition library "${libId}" has no entity "${entityId}"; create one with CreateRecognitionEntity or list them with ListRecognitionEntities.`,
      );
    }
    return entity;
  }
}

function requireSupported(algorithm: RecognitionAlgorithm): void {
  if (!SUPPORTED_ALGORITHMS.includes(algorithm)) {
    throw invalidParameter(
      'Algorithm',
      `"${algorithm}" recognition libraries are not supported by this server; only "face" (custom persons for face search) is.`,
    );
  }
}

export function faceGroupIdsOf(config: SearchLibConfig): string[] {
  return (config.faceGroupIds ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean);
}
