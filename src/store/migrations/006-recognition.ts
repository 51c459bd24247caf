import type Database from 'better-sqlite3';

/**
 * Recognition libraries (ICE "custom persons"): libraries hold entities (people), entities hold
 * samples (one face each, from a photo). Ids are opaque text chosen by the server, so they are the
 * primary keys; the implicit rowid keeps creation order stable within one millisecond.
 *
 * Samples keep the raw face-api descriptor (what detections are compared with, see
 * SAME_PERSON_DESCRIPTOR_DISTANCE) and its L2-normalised copy (what track embeddings are compared
 * with), both as float32 BLOBs, plus the face box in the upright image's pixels and the image size.
 * `lib_id` is repeated on samples so a library's samples list without a join; an entity never
 * moves between libraries, so it cannot disagree.
 */
export function recognitionSchema(db: Database.Database): void {
  db.exec(`
    CREATE TABLE recognition_libs (
      id           TEXT PRIMARY KEY,
      algorithm    TEXT NOT NULL CHECK (algorithm IN ('landmark', 'object', 'logo', 'face', 'label')),
      name         TEXT NOT NULL,
      description  TEXT NOT NULL DEFAULT '',
      created_at   INTEGER NOT NULL
    ) STRICT;

    CREATE TABLE recognition_entities (
      id          TEXT PRIMARY KEY,
      lib_id      TEXT NOT NULL REFERENCES recognition_libs(id) ON DELETE CASCADE,
      name        TEXT NOT NULL,
      info        TEXT,
      created_at  INTEGER NOT NULL,
      UNIQUE (lib_id, name)
    ) STRICT;

    CREATE TABLE recognition_samples (
      id            TEXT PRIMARY KEY,
      entity_id     TEXT NOT NULL REFERENCES recognition_entities(id) ON DELETE CASCADE,
      lib_id        TEXT NOT NULL REFERENCES recognition_libs(id) ON DELETE CASCADE,
      image_url     TEXT NOT NULL,
      image_width   INTEGER NOT NULL,
      image_height  INTEGER NOT NULL,
      box_x         REAL NOT NULL,
      box_y         REAL NOT NULL,
      box_w         REAL NOT NULL,
      box_h         REAL NOT NULL,
      score         REAL NOT NULL,
      quality       REAL NOT NULL,
      descriptor    BLOB NOT NULL,
      embedding     BLOB NOT NULL,
      created_at    INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX recognition_samples_by_entity ON recognition_samples (entity_id);
    CREATE INDEX recognition_samples_by_lib ON recognition_samples (lib_id);
  `);
}
