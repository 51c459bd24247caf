import type Database from 'better-sqlite3';

/**
 * What the analysers produce, all owned by an asset (ON DELETE CASCADE) so deleting an asset or
 * dropping a library removes it in the same transaction:
 * - segments: shots (or bounded pieces of long shots) with their time range; an image is one at 0.
 * - keyframes: the JPEGs (file names inside the asset's keyframe folder) representing a segment.
 * - keyframe_vectors: visual-language embeddings, keyed by (keyframe, model) — the model name and
 *   dimension travel with every vector so vectors of two models are never compared.
 * - segment_texts: labels (English + Chinese names), OCR lines and transcript pieces with their
 *   source, confidence and time range — the text channel of search is built over these.
 * - face_tracks / face_detections: faces linked over time; per-timestamp boxes and descriptors.
 * jobs.reindex marks a job queued by SearchIndexJobRerun: only such a job may replace an asset's
 * vectors with those of a different model than the library holds.
 */
export function analysisSchema(db: Database.Database): void {
  db.exec(`
    ALTER TABLE jobs ADD COLUMN reindex INTEGER NOT NULL DEFAULT 0;

    CREATE TABLE segments (
      id        INTEGER PRIMARY KEY,
      asset_id  INTEGER NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
      seq       INTEGER NOT NULL,
      start_s   REAL NOT NULL,
      end_s     REAL NOT NULL,
      UNIQUE (asset_id, seq)
    ) STRICT;

    CREATE TABLE keyframes (
      id            INTEGER PRIMARY KEY,
      asset_id      INTEGER NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
      segment_id    INTEGER NOT NULL REFERENCES segments(id) ON DELETE CASCADE,
      time_s        REAL NOT NULL,
      frame_time_s  REAL NOT NULL,
      file          TEXT NOT NULL,
      width         INTEGER NOT NULL,
      height        INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX keyframes_by_asset ON keyframes (asset_id, time_s);

    CREATE TABLE keyframe_vectors (
      keyframe_id  INTEGER NOT NULL REFERENCES keyframes(id) ON DELETE CASCADE,
      model        TEXT NOT NULL,
      asset_id     INTEGER NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
      segment_id   INTEGER NOT NULL REFERENCES segments(id) ON DELETE CASCADE,
      dim          INTEGER NOT NULL,
      vector       BLOB NOT NULL,
      PRIMARY KEY (keyframe_id, model)
    ) STRICT;
    CREATE INDEX keyframe_vectors_by_asset ON keyframe_vectors (asset_id, model);

    CREATE TABLE segment_texts (
      id          INTEGER PRIMARY KEY,
      asset_id    INTEGER NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
      segment_id  INTEGER REFERENCES segments(id) ON DELETE CASCADE,
      source      TEXT NOT NULL CHECK (source IN ('label', 'ocr', 'asr')),
      label       TEXT,
      text        TEXT NOT NULL,
      text_zh     TEXT,
      confidence  REAL,
      start_s     REAL NOT NULL,
      end_s       REAL NOT NULL,
      box         TEXT
    ) STRICT;
    CREATE INDEX segment_texts_by_asset ON segment_texts (asset_id, source);

    CREATE TABLE face_tracks (
      id         INTEGER PRIMARY KEY,
      asset_id   INTEGER NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
      seq        INTEGER NOT NULL,
      start_s    REAL NOT NULL,
      end_s      REAL NOT NULL,
      quality    REAL NOT NULL,
      embedding  BLOB,
      UNIQUE (asset_id, seq)
    ) STRICT;

    CREATE TABLE face_detections (
      id          INTEGER PRIMARY KEY,
      track_id    INTEGER NOT NULL REFERENCES face_tracks(id) ON DELETE CASCADE,
      asset_id    INTEGER NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
      time_s      REAL NOT NULL,
      x           REAL NOT NULL,
      y           REAL NOT NULL,
      w           REAL NOT NULL,
      h           REAL NOT NULL,
      score       REAL NOT NULL,
      quality     REAL NOT NULL,
      usable      INTEGER NOT NULL,
      descriptor  BLOB
    ) STRICT;
    CREATE INDEX face_detections_by_track ON face_detections (track_id, time_s);
    CREATE INDEX face_detections_by_asset ON face_detections (asset_id);
  `);
}
