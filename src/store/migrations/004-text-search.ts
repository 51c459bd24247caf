import type Database from 'better-sqlite3';

/**
 * Full-text index of the text channel (src/search/text): FTS5 tables over segment texts
 * (rowid = segment_texts.id; the English text and the Chinese label name) and over asset metadata
 * (rowid = assets.id; title, description, tags). They hold the *transformed* text — CJK runs as
 * character bigrams, see src/search/text/tokenize.ts — which SQL cannot compute, so:
 *
 * - Triggers (plain SQL, so they work on every connection, the sqlite3 shell included) remove a
 *   row's index entry as soon as the row is deleted or its text changes, and put inserted or
 *   changed rows on `text_index_queue`.
 * - `syncTextIndex()` (src/search/text/text-index.ts) writes the queued rows' transformed text; every
 *   search calls it first, so a search never sees text older than the store. Writers may call it
 *   after a batch to keep that work off the search path.
 *
 * Deleting an asset cascades to its segment_texts, and SQLite fires the child table's DELETE
 * triggers for foreign-key cascades (also two levels down: library → assets → segment_texts) with
 * recursive_triggers off — checked in test/unit/text-search.test.ts.
 *
 * The tables are contentless (content='', contentless_delete=1, SQLite ≥ 3.43): the text is read
 * from segment_texts/assets, so the index does not store a second, bigram-inflated copy.
 * tokenize: the transform already split the text; unicode61 case-folds and removes diacritics, and
 * porter stems English words (Flickr8k captions: English R@5 0.745 → 0.788, Chinese unchanged;
 * docs/benchmarks/text-search.md). Changing the tokenizer later needs a migration that rebuilds
 * the tables (queue every row again).
 *
 * Existing rows are queued here and indexed by the first sync.
 */
export function textSearchSchema(db: Database.Database): void {
  db.exec(`
    CREATE VIRTUAL TABLE segment_text_fts USING fts5(
      text, text_zh,
      content='', contentless_delete=1,
      tokenize='porter unicode61 remove_diacritics 2'
    );

    CREATE VIRTUAL TABLE asset_text_fts USING fts5(
      title, description, tags,
      content='', contentless_delete=1,
      tokenize='porter unicode61 remove_diacritics 2'
    );

    CREATE TABLE text_index_queue (
      kind    TEXT NOT NULL CHECK (kind IN ('segment', 'asset')),
      row_id  INTEGER NOT NULL,
      PRIMARY KEY (kind, row_id)
    ) STRICT, WITHOUT ROWID;

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

    CREATE TRIGGER assets_fts_insert AFTER INSERT ON assets
    WHEN new.title IS NOT NULL OR new.description IS NOT NULL OR new.tags IS NOT NULL BEGIN
      INSERT OR IGNORE INTO text_index_queue (kind, row_id) VALUES ('asset', new.id);
    END;
    CREATE TRIGGER assets_fts_update AFTER UPDATE OF id, title, description, tags ON assets BEGIN
      DELETE FROM asset_text_fts WHERE rowid = old.id;
      DELETE FROM text_index_queue WHERE kind = 'asset' AND row_id = old.id;
      INSERT OR IGNORE INTO text_index_queue (kind, row_id) VALUES ('asset', new.id);
    END;
    CREATE TRIGGER assets_fts_delete AFTER DELETE ON assets BEGIN
      DELETE FROM asset_text_fts WHERE rowid = old.id;
      DELETE FROM text_index_queue WHERE kind = 'asset' AND row_id = old.id;
    END;

    INSERT INTO text_index_queue (kind, row_id) SELECT 'segment', id FROM segment_texts;
    INSERT INTO text_index_queue (kind, row_id)
      SELECT 'asset', id FROM assets WHERE title IS NOT NULL OR description IS NOT NULL OR tags IS NOT NULL;
  `);
}
