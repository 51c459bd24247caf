import type { Db } from './database.js';
import type { Asset, AssetMetadata, IngestState, MediaProbe, MediaType } from '../types.js';

interface AssetRow {
  id: number;
  library: string;
  media_id: string;
  namespace: string;
  media_type: MediaType;
  input: string;
  title: string | null;
  description: string | null;
  tags: string | null;
  int_field1: number | null;
  str_field1: string | null;
  str_field2: string | null;
  msg_body: string;
  utc_create: number;
  utc_modified: number;
  ingest_state: IngestState;
  ingest_error: string | null;
  local_path: string | null;
  file_size: number | null;
  duration: number | null;
  width: number | null;
  height: number | null;
  format_name: string | null;
  thumbnail: string | null;
}

const toAsset = (row: AssetRow): Asset => ({
  id: row.id,
  library: row.library,
  mediaId: row.media_id,
  namespace: row.namespace,
  mediaType: row.media_type,
  input: row.input,
  title: row.title,
  description: row.description,
  tags: row.tags ? (JSON.parse(row.tags) as string[]) : [],
  customFields: { intField1: row.int_field1, strField1: row.str_field1, strField2: row.str_field2 },
  msgBody: JSON.parse(row.msg_body) as Record<string, unknown>,
  utcCreate: row.utc_create,
  utcModified: row.utc_modified,
  ingestState: row.ingest_state,
  ingestError: row.ingest_error,
  localPath: row.local_path,
  fileSize: row.file_size,
  duration: row.duration,
  width: row.width,
  height: row.height,
  formatName: row.format_name,
  thumbnail: row.thumbnail,
});

export interface NewAsset {
  library: string;
  mediaId: string;
  namespace: string;
  mediaType: MediaType;
  input: string;
  metadata: AssetMetadata;
  msgBody: Record<string, unknown>;
  now: number;
}

/** Media assets: the caller's metadata plus what ingestion learned about the file. */
export class AssetRepository {
  constructor(private readonly db: Db) {}

  get(library: string, mediaId: string): Asset | undefined {
    const row = this.db
      .prepare('SELECT * FROM assets WHERE library = ? AND media_id = ?')
      .get(library, mediaId) as AssetRow | undefined;
    return row && toAsset(row);
  }

  getById(id: number): Asset | undefined {
    const row = this.db.prepare('SELECT * FROM assets WHERE id = ?').get(id) as AssetRow | undefined;
    return row && toAsset(row);
  }

  /** Inserts the asset; returns its id, or undefined when the MediaId is taken in that library. */
  insert(asset: NewAsset): number | undefined {
    const { metadata: m } = asset;
    const result = this.db
      .prepare(
        `INSERT OR IGNORE INTO assets (library, media_id, namespace, media_type, input, title, description, tags,
           int_field1, str_field1, str_field2, msg_body, utc_create, utc_modified)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        asset.library,
        asset.mediaId,
        asset.namespace,
        asset.mediaType,
        asset.input,
        m.title ?? null,
        m.description ?? null,
        m.tags ? JSON.stringify(m.tags) : null,
        m.customFields?.intField1 ?? null,
        m.customFields?.strField1 ?? null,
        m.customFields?.strField2 ?? null,
        JSON.stringify(asset.msgBody),
        m.utcCreate ?? asset.now,
        asset.now,
      );
    return result.changes > 0 ? Number(result.lastInsertRowid) : undefined;
  }

  /** Applies the fields present in `metadata`; absent fields keep their value, null clears them. */
  updateMetadata(id: number, metadata: AssetMetadata, msgBody: Record<string, unknown>, now: number): void {
    const sets: string[] = ['msg_body = ?', 'utc_modified = ?'];
    const values: unknown[] = [JSON.stringify(msgBody), now];
    const set = (column: string, value: unknown) => {
      sets.push(`${column} = ?`);
      values.push(value);
    };
    if (metadata.title !== undefined) set('title', metadata.title);
    if (metadata.description !== undefined) set('description', metadata.description);
    if (metadata.tags !== undefined) set('tags', metadata.tags === null ? null : JSON.stringify(metadata.tags));
    if (metadata.utcCreate !== undefined) set('utc_create', metadata.utcCreate);
    const custom = metadata.customFields;
    if (custom?.intField1 !== undefined) set('int_field1', custom.intField1);
    if (custom?.strField1 !== undefined) set('str_field1', custom.strField1);
    if (custom?.strField2 !== undefined) set('str_field2', custom.strField2);
    this.db.prepare(`UPDATE assets SET ${sets.join(', ')} WHERE id = ?`).run(...values, id);
  }

  delete(id: number): boolean {
    return this.db.prepare('DELETE FROM assets WHERE id = ?').run(id).changes > 0;
  }

  countInLibrary(library: string): number {
    return (this.db.prepare('SELECT count(*) AS n FROM assets WHERE library = ?').get(library) as { n: number }).n;
  }

  markIngested(
    id: number,
    file: { localPath: string; fileSize: number; probe: MediaProbe; thumbnail: string | null },
  ): void {
    this.db
      .prepare(
        `UPDATE assets SET ingest_state = 'ready', ingest_error = NULL, local_path = ?, file_size = ?, duration = ?,
           width = ?, height = ?, format_name = ?, probe = ?, thumbnail = ? WHERE id = ?`,
      )
      .run(
        file.localPath,
        file.fileSize,
        file.probe.duration,
        file.probe.width,
        file.probe.height,
        file.probe.formatName,
        JSON.stringify(file.probe),
        file.thumbnail,
        id,
      );
  }

  /** What ffprobe/sharp found when the asset was ingested (rotation, codecs), or null before that. */
  probe(id: number): MediaProbe | null {
    const row = this.db.prepare('SELECT probe FROM assets WHERE id = ?').get(id) as { probe: string | null } | undefined;
    return row?.probe ? (JSON.parse(row.probe) as MediaProbe) : null;
  }

  markIngestFailed(id: number, error: string): void {
    this.db.prepare("UPDATE assets SET ingest_state = 'failed', ingest_error = ? WHERE id = ?").run(error, id);
  }

  resetIngest(id: number): void {
    this.db.prepare("UPDATE assets SET ingest_state = 'pending', ingest_error = NULL WHERE id = ?").run(id);
  }
}
