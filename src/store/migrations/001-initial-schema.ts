import type Database from 'better-sqlite3';

/**
 * Libraries, their indexes, assets and index jobs. Assets carry an integer `id` (the rowid) that
 * derived structures such as the vector index will key on; `media_id` is the caller's identifier,
 * unique within a library. Later analysis issues add segments, keyframes, faces and text in
 * migrations of their own, all hanging off `assets.id` with ON DELETE CASCADE.
 */
export function initialSchema(db: Database.Database): void {
  db.exec(`
    CREATE TABLE libraries (
      name        TEXT PRIMARY KEY,
      status      TEXT NOT NULL DEFAULT 'normal' CHECK (status IN ('normal', 'deleting', 'deleteFail')),
      config      TEXT NOT NULL DEFAULT '{}',
      created_at  INTEGER NOT NULL,
      updated_at  INTEGER NOT NULL
    ) STRICT;

    CREATE TABLE library_indexes (
      library     TEXT NOT NULL REFERENCES libraries(name) ON DELETE CASCADE,
      index_type  TEXT NOT NULL CHECK (index_type IN ('mm', 'face', 'aiLabel')),
      status      TEXT NOT NULL DEFAULT 'Active' CHECK (status IN ('Active', 'Deactive')),
      config      TEXT NOT NULL DEFAULT '{}',
      created_at  INTEGER NOT NULL,
      updated_at  INTEGER NOT NULL,
      PRIMARY KEY (library, index_type)
    ) STRICT;

    CREATE TABLE assets (
      id            INTEGER PRIMARY KEY,
      library       TEXT NOT NULL REFERENCES libraries(name) ON DELETE CASCADE,
      media_id      TEXT NOT NULL,
      namespace     TEXT NOT NULL DEFAULT '',
      media_type    TEXT NOT NULL CHECK (media_type IN ('image', 'video', 'audio')),
      input         TEXT NOT NULL,
      title         TEXT,
      description   TEXT,
      tags          TEXT,
      int_field1    INTEGER,
      str_field1    TEXT,
      str_field2    TEXT,
      msg_body      TEXT NOT NULL DEFAULT '{}',
      utc_create    INTEGER NOT NULL,
      utc_modified  INTEGER NOT NULL,
      -- Filled by the ingest job: where the file lives locally and what ffprobe found.
      ingest_state  TEXT NOT NULL DEFAULT 'pending' CHECK (ingest_state IN ('pending', 'ready', 'failed')),
      ingest_error  TEXT,
      local_path    TEXT,
      file_size     INTEGER,
      duration      REAL,
      width         INTEGER,
      height        INTEGER,
      format_name   TEXT,
      probe         TEXT,
      thumbnail     TEXT,
      UNIQUE (library, media_id)
    ) STRICT;
    CREATE INDEX assets_by_library_create ON assets (library, utc_create);
    CREATE INDEX assets_by_library_namespace ON assets (library, namespace);

    -- One row per (asset, kind). kind 'ingest' fetches, verifies and thumbnails the file; the
    -- index kinds wait for it. state: queued -> running -> success | failed; a failed attempt
    -- with attempts left goes back to queued with run_after pushed out (backoff).
    CREATE TABLE jobs (
      id            INTEGER PRIMARY KEY,
      asset_id      INTEGER NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
      kind          TEXT NOT NULL CHECK (kind IN ('ingest', 'mm', 'face', 'aiLabel')),
      state         TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'success', 'failed')),
      attempts      INTEGER NOT NULL DEFAULT 0,
      run_after     INTEGER NOT NULL,
      submitted_at  INTEGER NOT NULL,
      started_at    INTEGER,
      finished_at   INTEGER,
      error         TEXT,
      result        TEXT,
      UNIQUE (asset_id, kind)
    ) STRICT;
    CREATE INDEX jobs_ready ON jobs (state, run_after);
  `);
}
