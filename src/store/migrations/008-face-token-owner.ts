import type Database from 'better-sqlite3';

/**
 * FaceSearchTokens belong to the AccessKeyId that made them (owner; '' when the server runs without
 * keys): token names are chosen by clients and SDK code hard-codes them, so two users of one server
 * would otherwise overwrite each other's query under the same name. The primary key becomes
 * (owner, token), which SQLite can only do by rebuilding the table; tokens made before this live on
 * under the owner '' and run out within their TTL.
 */
export function faceTokenOwner(db: Database.Database): void {
  db.exec(`
    CREATE TABLE face_search_tokens_owned (
      owner       TEXT NOT NULL DEFAULT '',
      token       TEXT NOT NULL,
      library     TEXT NOT NULL REFERENCES libraries(name) ON DELETE CASCADE,
      image_url   TEXT NOT NULL,
      embedding   BLOB NOT NULL,
      scope       TEXT NOT NULL,
      entity_id   TEXT,
      created_at  INTEGER NOT NULL,
      expires_at  INTEGER NOT NULL,
      PRIMARY KEY (owner, token)
    ) STRICT;
    INSERT INTO face_search_tokens_owned (owner, token, library, image_url, embedding, scope, entity_id, created_at, expires_at)
      SELECT '', token, library, image_url, embedding, scope, entity_id, created_at, expires_at FROM face_search_tokens;
    DROP TABLE face_search_tokens;
    ALTER TABLE face_search_tokens_owned RENAME TO face_search_tokens;
    CREATE INDEX face_search_tokens_by_expiry ON face_search_tokens (expires_at);
  `);
}
