import type { Db } from './database.js';
import type { Box } from '../analysis/types.js';
import type { ChangesAfter, VectorChange } from '../search/vector-index/index-sync.js';

/** A face track as face search, labelling and clustering read it. */
export interface FaceTrackRow {
  id: number;
  assetId: number;
  seq: number;
  start: number;
  end: number;
  quality: number;
  /** Unit-length representative embedding; null when no detection was usable. */
  embedding: Float32Array | null;
  entityId: string | null;
  entityDistance: number | null;
  personId: number | null;
}

/** An automatically found person: a cluster of face tracks in one search library. */
export interface FacePerson {
  id: number;
  library: string;
  name: string | null;
  entityId: string | null;
  /** Unit-length mean of the members' embeddings (quality-weighted); null for an empty person. */
  centroid: Float32Array | null;
  trackCount: number;
  /** The member track whose face crop represents the person. */
  coverTrackId: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface FaceDetectionRow {
  time: number;
  box: Box;
  quality: number;
}

/** What a FaceSearchToken remembers. */
export interface FaceSearchTokenRecord {
  /** The AccessKeyId that made the token; '' when the server runs without keys. */
  owner: string;
  token: string;
  library: string;
  imageUrl: string;
  embedding: Float32Array;
  /** The SearchMediaByFace filters, as the service serialised them. */
  scope: string;
  entityId: string | null;
  createdAt: number;
  expiresAt: number;
}

type TrackDbRow = Omit<FaceTrackRow, 'embedding'> & { embedding: Buffer | null };

interface PersonDbRow {
  id: number;
  library: string;
  name: string | null;
  entity_id: string | null;
  centroid: Buffer | null;
  track_count: number;
  cover_track_id: number | null;
  created_at: number;
  updated_at: number;
}

const toBlob = (vector: Float32Array): Buffer => Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
// A copy: the blob's bytes may be shared and need not be 4-byte aligned.
const fromBlob = (blob: Buffer): Float32Array =>
  new Float32Array(blob.buffer.slice(blob.byteOffset, blob.byteOffset + blob.byteLength));

const TRACK_COLUMNS = `t.id, t.asset_id AS assetId, t.seq, t.start_s AS start, t.end_s AS "end", t.quality, t.embedding,
  t.entity_id AS entityId, t.entity_distance AS entityDistance, t.person_id AS personId`;

const toTrack = (row: TrackDbRow): FaceTrackRow => ({ ...row, embedding: row.embedding ? fromBlob(row.embedding) : null });

const toPerson = (row: PersonDbRow): FacePerson => ({
  id: row.id,
  library: row.library,
  name: row.name,
  entityId: row.entity_id,
  centroid: row.centroid ? fromBlob(row.centroid) : null,
  trackCount: row.track_count,
  coverTrackId: row.cover_track_id,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/**
 * Face tracks as search sees them (labels, persons), automatic persons and face search tokens
 * (migration 007). The tracks themselves are written by AnalysisRepository.replaceFaceTracks.
 */
export class FaceRepository {
  constructor(private readonly db: Db) {}

  /** The change sequence of track embeddings, for the derived face vector index. */
  trackEmbeddingChanges(): ChangesAfter {
    const statement = this.db.prepare(
      `SELECT c.seq AS seq, c.track_id AS id, t.embedding AS vector
       FROM face_track_changes c LEFT JOIN face_tracks t ON t.id = c.track_id
       WHERE c.seq > ? ORDER BY c.seq LIMIT ?`,
    );
    return (afterSeq: number, limit: number): VectorChange[] =>
      (statement.all(afterSeq, limit) as { seq: number; id: number; vector: Buffer | null }[]).map((row) => ({
        seq: row.seq,
        id: row.id,
        vector: row.vector ? fromBlob(row.vector) : null,
      }));
  }

  tracksOfAsset(assetId: number): FaceTrackRow[] {
    return (this.db.prepare(`SELECT ${TRACK_COLUMNS} FROM face_tracks t WHERE t.asset_id = ? ORDER BY t.seq`).all(assetId) as TrackDbRow[]).map(
      toTrack,
    );
  }

  tracksByIds(ids: readonly number[]): FaceTrackRow[] {
    if (ids.length === 0) return [];
    return (
      this.db.prepare(`SELECT ${TRACK_COLUMNS} FROM face_tracks t WHERE t.id IN (SELECT value FROM json_each(?))`).all(JSON.stringify(ids)) as TrackDbRow[]
    ).map(toTrack);
  }

  /** Tracks with an embedding of a library's assets (for relabelling after a registry change). */
  embeddedTracksOfLibrary(library: string): FaceTrackRow[] {
    return (
      this.db
        .prepare(`SELECT ${TRACK_COLUMNS} FROM face_tracks t JOIN assets a ON a.id = t.asset_id WHERE a.library = ? AND t.embedding IS NOT NULL`)
        .all(library) as TrackDbRow[]
    ).map(toTrack);
  }

  tracksOfEntity(entityId: string): FaceTrackRow[] {
    return (this.db.prepare(`SELECT ${TRACK_COLUMNS} FROM face_tracks t WHERE t.entity_id = ?`).all(entityId) as TrackDbRow[]).map(toTrack);
  }

  tracksOfPerson(personId: number): FaceTrackRow[] {
    return (this.db.prepare(`SELECT ${TRACK_COLUMNS} FROM face_tracks t WHERE t.person_id = ? ORDER BY t.id`).all(personId) as TrackDbRow[]).map(
      toTrack,
    );
  }

  /**
   * Sets (or clears) a track's registered person; the name text follows by trigger. A new
   * distance alone is written without touching the entity, so the trigger does not rewrite the
   * name text (and re-queue it for the text index) on every relabel; its confidence follows here.
   */
  setTrackEntity(trackId: number, entityId: string | null, distance: number | null): void {
    const changed = this.db.prepare('UPDATE face_tracks SET entity_id = ?, entity_distance = ? WHERE id = ? AND entity_id IS NOT ?').run(entityId, distance, trackId, entityId);
    if (changed.changes > 0) return;
    const moved = this.db.prepare('UPDATE face_tracks SET entity_distance = ? WHERE id = ? AND entity_distance IS NOT ?').run(distance, trackId, distance);
    if (moved.changes > 0) {
      this.db
        .prepare("UPDATE segment_texts SET confidence = MAX(0.0, 1.0 - COALESCE(?, 0.0)) WHERE track_id = ? AND source = 'face'")
        .run(distance, trackId);
    }
  }

  /** A registered person's new name, in the name texts of the tracks recognised as them. */
  renameEntityTexts(entityId: string, name: string): void {
    this.db.prepare("UPDATE segment_texts SET text = ? WHERE source = 'face' AND label = ?").run(name, entityId);
  }

  setTrackPerson(trackId: number, personId: number | null): void {
    this.db.prepare('UPDATE face_tracks SET person_id = ? WHERE id = ?').run(personId, trackId);
  }

  /** Per-timestamp boxes of tracks (upright source pixels), in time order. */
  detectionsOfTracks(trackIds: readonly number[]): Map<number, FaceDetectionRow[]> {
    const result = new Map<number, FaceDetectionRow[]>();
    if (trackIds.length === 0) return result;
    const rows = this.db
      .prepare(
        `SELECT track_id AS trackId, time_s AS time, x, y, w, h, quality FROM face_detections
         WHERE track_id IN (SELECT value FROM json_each(?)) ORDER BY track_id, time_s`,
      )
      .all(JSON.stringify(trackIds)) as { trackId: number; time: number; x: number; y: number; w: number; h: number; quality: number }[];
    for (const row of rows) {
      let list = result.get(row.trackId);
      if (!list) result.set(row.trackId, (list = []));
      list.push({ time: row.time, box: { x: row.x, y: row.y, width: row.w, height: row.h }, quality: row.quality });
    }
    return result;
  }

  // --- persons ---

  insertPerson(person: Omit<FacePerson, 'id'>): number {
    return Number(
      this.db
        .prepare(
          `INSERT INTO face_persons (library, name, entity_id, centroid, track_count, cover_track_id, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          person.library,
          person.name,
          person.entityId,
          person.centroid ? toBlob(person.centroid) : null,
          person.trackCount,
          person.coverTrackId,
          person.createdAt,
          person.updatedAt,
        ).lastInsertRowid,
    );
  }

  getPerson(id: number): FacePerson | undefined {
    const row = this.db.prepare('SELECT * FROM face_persons WHERE id = ?').get(id) as PersonDbRow | undefined;
    return row && toPerson(row);
  }

  personsOfLibrary(library: string): FacePerson[] {
    return (this.db.prepare('SELECT * FROM face_persons WHERE library = ? ORDER BY id').all(library) as PersonDbRow[]).map(toPerson);
  }

  /** A page of a library's persons, those seen most first. */
  listPersons(
    library: string,
    named: 'all' | 'named' | 'unnamed',
    offset: number,
    limit: number,
  ): { items: (FacePerson & { mediaCount: number })[]; total: number } {
    const condition = named === 'named' ? 'AND p.name IS NOT NULL' : named === 'unnamed' ? 'AND p.name IS NULL' : '';
    const where = `p.library = ? AND p.track_count > 0 ${condition}`;
    const { n } = this.db.prepare(`SELECT count(*) AS n FROM face_persons p WHERE ${where}`).get(library) as { n: number };
    const rows = this.db
      .prepare(
        `SELECT p.*, (SELECT count(DISTINCT t.asset_id) FROM face_tracks t WHERE t.person_id = p.id) AS media_count
         FROM face_persons p WHERE ${where} ORDER BY p.track_count DESC, p.id LIMIT ? OFFSET ?`,
      )
      .all(library, limit, offset) as (PersonDbRow & { media_count: number })[];
    return { items: rows.map((row) => ({ ...toPerson(row), mediaCount: row.media_count })), total: n };
  }

  updatePersonStats(id: number, stats: { centroid: Float32Array | null; trackCount: number; coverTrackId: number | null }, now: number): void {
    this.db
      .prepare('UPDATE face_persons SET centroid = ?, track_count = ?, cover_track_id = ?, updated_at = ? WHERE id = ?')
      .run(stats.centroid ? toBlob(stats.centroid) : null, stats.trackCount, stats.coverTrackId, now, id);
  }

  namePerson(id: number, name: string, entityId: string, now: number): void {
    this.db.prepare('UPDATE face_persons SET name = ?, entity_id = ?, updated_at = ? WHERE id = ?').run(name, entityId, now, id);
  }

  deletePerson(id: number): void {
    this.db.prepare('DELETE FROM face_persons WHERE id = ?').run(id);
  }

  /** Persons of the tracks of an asset (before those tracks are replaced). */
  personIdsOfAsset(assetId: number): number[] {
    return this.db
      .prepare('SELECT DISTINCT person_id FROM face_tracks WHERE asset_id = ? AND person_id IS NOT NULL')
      .pluck()
      .all(assetId) as number[];
  }

  /** Unnamed persons left without tracks (their tracks were re-analysed or deleted). */
  deleteEmptyUnnamedPersons(library?: string): number {
    const result = this.db
      .prepare(
        `DELETE FROM face_persons WHERE name IS NULL ${library === undefined ? '' : 'AND library = ?'}
         AND NOT EXISTS (SELECT 1 FROM face_tracks t WHERE t.person_id = face_persons.id)`,
      )
      .run(...(library === undefined ? [] : [library]));
    return result.changes;
  }

  /** Whether any face track of the library is labelled with the entity. */
  libraryHasEntity(library: string, entityId: string): boolean {
    return (
      this.db
        .prepare('SELECT 1 FROM face_tracks t JOIN assets a ON a.id = t.asset_id WHERE t.entity_id = ? AND a.library = ? LIMIT 1')
        .get(entityId, library) !== undefined
    );
  }

  // --- tokens ---

  putToken(record: FaceSearchTokenRecord): void {
    this.db
      .prepare(
        `INSERT INTO face_search_tokens (owner, token, library, image_url, embedding, scope, entity_id, created_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (owner, token) DO UPDATE SET library = excluded.library, image_url = excluded.image_url,
           embedding = excluded.embedding, scope = excluded.scope, entity_id = excluded.entity_id,
           created_at = excluded.created_at, expires_at = excluded.expires_at`,
      )
      .run(
        record.owner,
        record.token,
        record.library,
        record.imageUrl,
        toBlob(record.embedding),
        record.scope,
        record.entityId,
        record.createdAt,
        record.expiresAt,
      );
  }

  /** The owner's token record unless it expired by `now`. */
  getToken(owner: string, token: string, now: number): FaceSearchTokenRecord | undefined {
    const row = this.db
      .prepare('SELECT * FROM face_search_tokens WHERE owner = ? AND token = ? AND expires_at > ?')
      .get(owner, token, now) as
      | {
          owner: string;
          token: string;
          library: string;
          image_url: string;
          embedding: Buffer;
          scope: string;
          entity_id: string | null;
          created_at: number;
          expires_at: number;
        }
      | undefined;
    return (
      row && {
        owner: row.owner,
        token: row.token,
        library: row.library,
        imageUrl: row.image_url,
        embedding: fromBlob(row.embedding),
        scope: row.scope,
        entityId: row.entity_id,
        createdAt: row.created_at,
        expiresAt: row.expires_at,
      }
    );
  }

  deleteExpiredTokens(now: number): number {
    return this.db.prepare('DELETE FROM face_search_tokens WHERE expires_at <= ?').run(now).changes;
  }
}
