import type Database from 'better-sqlite3';

/**
 * A change sequence for keyframe vectors, so the derived ANN indexes can tell how far they are
 * behind SQLite (their watermark) and replay only what changed since, deletions included.
 *
 * Triggers record every insert, update and delete of `keyframe_vectors` — also the deletes done by
 * ON DELETE CASCADE when an asset, segment or keyframe goes — as (keyframe_id, model) with a fresh
 * `seq`. One row per vector is kept (the newest change), so the table stays as large as the set
 * of vectors ever written, not the history of writes; the replay looks the vector up and upserts
 * it, or removes the id when it is gone. AUTOINCREMENT makes `seq` strictly increasing, never
 * reused after deletes, and SQLite's single writer commits seqs in order, so "everything after my
 * watermark" never skips a change committed late.
 *
 * The delete-then-insert in the triggers (instead of INSERT OR REPLACE) keeps the bump working
 * even when the outer statement carries its own conflict clause, which would override the
 * trigger's.
 */
export function vectorChanges(db: Database.Database): void {
  db.exec(`
    CREATE TABLE vector_changes (
      seq          INTEGER PRIMARY KEY AUTOINCREMENT,
      keyframe_id  INTEGER NOT NULL,
      model        TEXT NOT NULL,
      UNIQUE (keyframe_id, model)
    ) STRICT;
    CREATE INDEX vector_changes_by_model ON vector_changes (model, seq);

    CREATE TRIGGER keyframe_vectors_changed_insert AFTER INSERT ON keyframe_vectors BEGIN
      DELETE FROM vector_changes WHERE keyframe_id = new.keyframe_id AND model = new.model;
      INSERT INTO vector_changes (keyframe_id, model) VALUES (new.keyframe_id, new.model);
    END;

    CREATE TRIGGER keyframe_vectors_changed_update AFTER UPDATE ON keyframe_vectors BEGIN
      DELETE FROM vector_changes WHERE keyframe_id IN (old.keyframe_id, new.keyframe_id) AND model IN (old.model, new.model);
      INSERT INTO vector_changes (keyframe_id, model) VALUES (old.keyframe_id, old.model);
      INSERT OR IGNORE INTO vector_changes (keyframe_id, model) VALUES (new.keyframe_id, new.model);
    END;

    CREATE TRIGGER keyframe_vectors_changed_delete AFTER DELETE ON keyframe_vectors BEGIN
      DELETE FROM vector_changes WHERE keyframe_id = old.keyframe_id AND model = old.model;
      INSERT INTO vector_changes (keyframe_id, model) VALUES (old.keyframe_id, old.model);
    END;

    INSERT INTO vector_changes (keyframe_id, model) SELECT keyframe_id, model FROM keyframe_vectors ORDER BY rowid;
  `);
}
