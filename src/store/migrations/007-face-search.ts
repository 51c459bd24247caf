import type Database from 'better-sqlite3';

/**
 * Face search (SearchMediaByFace / SearchMediaClipByFace), registered-person labels and person
 * clustering:
 *
 * - face_tracks.entity_id: the registered person (recognition entity) a track was recognised as,
 *   with the distance that decided it; SET NULL when the entity goes, so a deleted person's name
 *   disappears from results at once (the service then relabels those tracks).
 * - face_tracks.person_id: the automatic cluster (face_persons) the track belongs to. A person is
 *   per search library; it may be named, which links it to an entity.
 * - face_track_changes: the change sequence of track embeddings for the derived face vector index,
 *   exactly like vector_changes (migration 005) is for keyframe vectors.
 * - segment_texts gains the source 'face' and a track_id: a recognised person's name is written as
 *   a text of the track's time range, so the text channel, the FTS index and SearchMediaByAILabel's
 *   PersonName type find it like any label. Triggers keep those rows equal to the tracks' current
 *   entity (insert, relabel, unlabel and the entity's deletion all go through them). SQLite cannot
 *   alter a CHECK constraint, so the table is rebuilt with the same ids (the FTS rowids stay valid)
 *   and its FTS triggers are created again.
 * - face_search_tokens: the query a FaceSearchToken names (embedding, library, filters), until it
 *   expires.
 */
export function faceSearchSchema(db: Database.Database): void {
  db.exec(`
    CREATE TABLE face_persons (
      id             INTEGER PRIMARY KEY,
      library        TEXT NOT NULL REFERENCES libraries(name) ON DELETE CASCADE,
      name           TEXT,
      entity_id      TEXT REFERENCES recognition_entities(id) ON DELETE SET NULL,
      centroid       BLOB,
      track_count    INTEGER NOT NULL DEFAULT 0,
      cover_track_id INTEGER,
      created_at     INTEGER NOT NULL,
      updated_at     INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX face_persons_by_library ON face_persons (library, track_count);

    ALTER TABLE face_tracks ADD COLUMN entity_id TEXT REFERENCES recognition_entities(id) ON DELETE SET NULL;
    ALTER TABLE face_tracks ADD COLUMN entity_distance REAL;
    ALTER TABLE face_tracks ADD COLUMN person_id INTEGER REFERENCES face_persons(id) ON DELETE SET NULL;
    CREATE INDEX face_tracks_by_entity ON face_tracks (entity_id) WHERE entity_id IS NOT NULL;
    CREATE INDEX face_tracks_by_person ON face_tracks (person_id) WHERE person_id IS NOT NULL;
    CREATE INDEX face_tracks_by_asset ON face_tracks (asset_id);
    -- Tracks not placed into a person: what the startup backfill looks for (src/services/face-backfill.ts),
    -- so each start reads these few rows instead of every track.
    CREATE INDEX face_tracks_unplaced ON face_tracks (quality) WHERE person_id IS NULL AND embedding IS NOT NULL;

    -- A person's count follows its tracks' deletion (asset deleted or re-analysed) at once, so a
    -- person whose faces are all gone disappears from ListPersons; centroids are recomputed by
    -- the service when it moves tracks.
    CREATE TRIGGER face_tracks_person_count_delete AFTER DELETE ON face_tracks WHEN old.person_id IS NOT NULL BEGIN
      UPDATE face_persons SET track_count = MAX(0, track_count - 1),
        cover_track_id = CASE WHEN cover_track_id = old.id THEN NULL ELSE cover_track_id END
      WHERE id = old.person_id;
    END;
    -- A person named as an entity that is deleted is unnamed again (its faces lost that name too).
    CREATE TRIGGER face_persons_entity_gone AFTER UPDATE OF entity_id ON face_persons
    WHEN new.entity_id IS NULL AND old.entity_id IS NOT NULL BEGIN
      UPDATE face_persons SET name = NULL WHERE id = new.id;
    END;

    CREATE TABLE face_track_changes (
      seq       INTEGER PRIMARY KEY AUTOINCREMENT,
      track_id  INTEGER NOT NULL UNIQUE
    ) STRICT;

    CREATE TRIGGER face_tracks_changed_insert AFTER INSERT ON face_tracks WHEN new.embedding IS NOT NULL BEGIN
      DELETE FROM face_track_changes WHERE track_id = new.id;
      INSERT INTO face_track_changes (track_id) VALUES (new.id);
    END;
    CREATE TRIGGER face_tracks_changed_update AFTER UPDATE OF id, embedding ON face_tracks BEGIN
      DELETE FROM face_track_changes WHERE track_id IN (old.id, new.id);
      INSERT INTO face_track_changes (track_id) VALUES (old.id);
      INSERT OR IGNORE INTO face_track_changes (track_id) VALUES (new.id);
    END;
    CREATE TRIGGER face_tracks_changed_delete AFTER DELETE ON face_tracks WHEN old.embedding IS NOT NULL BEGIN
      DELETE FROM face_track_changes WHERE track_id = old.id;
      INSERT INTO face_track_changes (track_id) VALUES (old.id);
    END;
    INSERT INTO face_track_changes (track_id) SELECT id FROM face_tracks WHERE embedding IS NOT NULL ORDER BY id;

    DROP TRIGGER segment_texts_fts_insert;
    DROP TRIGGER segment_texts_fts_update;
    DROP TRIGGER segment_texts_fts_delete;
    CREATE TABLE segment_texts_v7 (
      id          INTEGER PRIMARY KEY,
      asset_id    INTEGER NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
      segment_id  INTEGER REFERENCES segments(id) ON DELETE CASCADE,
      source      TEXT NOT NULL CHECK (source IN ('label', 'ocr', 'asr', 'face')),
      label       TEXT,
      text        TEXT NOT NULL,
      text_zh     TEXT,
      confidence  REAL,
      start_s     REAL NOT NULL,
      end_s       REAL NOT NULL,
      box         TEXT,
      track_id    INTEGER REFERENCES face_tracks(id) ON DELETE CASCADE
    ) STRICT;
    INSERT INTO segment_texts_v7 (id, asset_id, segment_id, source, label, text, text_zh, confidence, start_s, end_s, box)
      SELECT id, asset_id, segment_id, source, label, text, text_zh, confidence, start_s, end_s, box FROM segment_texts;
    DROP TABLE segment_texts;
    ALTER TABLE segment_texts_v7 RENAME TO segment_texts;
    CREATE INDEX segment_texts_by_asset ON segment_texts (asset_id, source);
    CREATE INDEX segment_texts_by_track ON segment_texts (track_id) WHERE track_id IS NOT NULL;

    CREATE TRIGGER segment_texts_fts_insert AFTER INSERT ON segment_texts BEGIN
      INSERT OR IGNORE INTO text_index_queue (kind, row_id) VALUES ('segment', new.id);
    END;
    CREATE TRIGGER segment_texts_fts_update AFTER UPDATE OF id, text, text_zh ON segment_texts BEGIN
      DELETE FROM segment_text_fts WHERE rowid = old.id;
      DELETE FROM text_index_queue WHERE kind = 'segment' AND row_id = old.id;
      INSERT OR IGNORE INTO text_index_queue (kind, row_id) VALUES ('segment', new.id);
    END;
    CREATE TRIGGER segment_texts_fts_delete AFTER DELETE ON segment_texts BEGIN
      DELETE FROM segment_text_fts WHERE rowid = old.id;
      DELETE FROM text_index_queue WHERE kind = 'segment' AND row_id = old.id;
    END;

    CREATE TRIGGER face_tracks_named_insert AFTER INSERT ON face_tracks WHEN new.entity_id IS NOT NULL BEGIN
      ${PERSON_NAME_TEXT_INSERT}
    END;
    CREATE TRIGGER face_tracks_named_update AFTER UPDATE OF entity_id, start_s, end_s ON face_tracks BEGIN
      DELETE FROM segment_texts WHERE track_id = old.id AND source = 'face';
      ${PERSON_NAME_TEXT_INSERT}
    END;

    CREATE TABLE face_search_tokens (
      token       TEXT PRIMARY KEY,
      library     TEXT NOT NULL REFERENCES libraries(name) ON DELETE CASCADE,
      image_url   TEXT NOT NULL,
      embedding   BLOB NOT NULL,
      scope       TEXT NOT NULL,
      entity_id   TEXT,
      created_at  INTEGER NOT NULL,
      expires_at  INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX face_search_tokens_by_expiry ON face_search_tokens (expires_at);
  `);
}

/**
 * The name text of a labelled track (new.*): the entity's name, in the segment where the track
 * starts, with the match's closeness as confidence. Nothing is inserted when the entity is NULL.
 */
const PERSON_NAME_TEXT_INSERT = `
      INSERT INTO segment_texts (asset_id, segment_id, source, label, text, text_zh, confidence, start_s, end_s, box, track_id)
      SELECT new.asset_id,
             (SELECT s.id FROM segments s WHERE s.asset_id = new.asset_id AND s.start_s <= new.start_s + 1e-6
              ORDER BY s.start_s DESC LIMIT 1),
             'face', e.id, e.name, NULL, MAX(0.0, 1.0 - COALESCE(new.entity_distance, 0.0)), new.start_s, new.end_s, NULL, new.id
      FROM recognition_entities e WHERE e.id = new.entity_id;`;
