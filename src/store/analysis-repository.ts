import type { Db } from './database.js';
import type { Box, FaceTrack, TextSource } from '../analysis/types.js';

export interface NewSegment {
  seq: number;
  from: number;
  to: number;
  keyframes: { time: number; frameTime: number; file: string; width: number; height: number }[];
}

export interface StoredSegment {
  id: number;
  seq: number;
  from: number;
  to: number;
}

export interface StoredKeyframe {
  id: number;
  segmentId: number;
  time: number;
  frameTime: number;
  file: string;
  width: number;
  height: number;
}

export interface NewSegmentText {
  segmentId: number | null;
  source: TextSource;
  label: string | null;
  text: string;
  textZh: string | null;
  confidence: number | null;
  from: number;
  to: number;
  box: Box | null;
}

export interface StoredSegmentText extends NewSegmentText {
  id: number;
}

export interface StoredFaceTrack {
  id: number;
  seq: number;
  start: number;
  end: number;
  quality: number;
  embedding: Float32Array | null;
  detections: { time: number; box: Box; score: number; quality: number; usable: boolean }[];
}

const toBlob = (vector: Float32Array): Buffer => Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
const fromBlob = (blob: Buffer): Float32Array =>
  new Float32Array(blob.buffer.slice(blob.byteOffset, blob.byteOffset + blob.byteLength));

/**
 * Segments, keyframes, vectors, texts and faces of analysed assets. Every `replace…` method is
 * idempotent (delete the asset's rows of that kind, insert the new ones) so a job that runs twice —
 * after a crash or a rerun — leaves exactly one copy.
 */
export class AnalysisRepository {
  constructor(private readonly db: Db) {}

  /** Replaces the asset's segments and keyframes (and so everything hanging off them). */
  replaceSegments(assetId: number, segments: NewSegment[]): void {
    this.db.prepare('DELETE FROM segments WHERE asset_id = ?').run(assetId);
    const insertSegment = this.db.prepare('INSERT INTO segments (asset_id, seq, start_s, end_s) VALUES (?, ?, ?, ?)');
    const insertKeyframe = this.db.prepare(
      `INSERT INTO keyframes (asset_id, segment_id, time_s, frame_time_s, file, width, height)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const segment of segments) {
      const segmentId = Number(insertSegment.run(assetId, segment.seq, segment.from, segment.to).lastInsertRowid);
      for (const k of segment.keyframes) {
        insertKeyframe.run(assetId, segmentId, k.time, k.frameTime, k.file, k.width, k.height);
      }
    }
  }

  segments(assetId: number): StoredSegment[] {
    return this.db
      .prepare('SELECT id, seq, start_s AS "from", end_s AS "to" FROM segments WHERE asset_id = ? ORDER BY seq')
      .all(assetId) as StoredSegment[];
  }

  keyframes(assetId: number): StoredKeyframe[] {
    return this.db
      .prepare(
        `SELECT id, segment_id AS segmentId, time_s AS time, frame_time_s AS frameTime, file, width, height
         FROM keyframes WHERE asset_id = ? ORDER BY time_s, id`,
      )
      .all(assetId) as StoredKeyframe[];
  }

  /** Replaces all of the asset's vectors (of any model) with these, produced by `model`. */
  replaceKeyframeVectors(
    assetId: number,
    model: string,
    vectors: { keyframeId: number; segmentId: number; vector: Float32Array }[],
  ): void {
    this.db.prepare('DELETE FROM keyframe_vectors WHERE asset_id = ?').run(assetId);
    const insert = this.db.prepare(
      'INSERT INTO keyframe_vectors (keyframe_id, model, asset_id, segment_id, dim, vector) VALUES (?, ?, ?, ?, ?, ?)',
    );
    for (const v of vectors) insert.run(v.keyframeId, model, assetId, v.segmentId, v.vector.length, toBlob(v.vector));
  }

  keyframeVectors(assetId: number): { keyframeId: number; model: string; vector: Float32Array }[] {
    const rows = this.db
      .prepare('SELECT keyframe_id AS keyframeId, model, vector FROM keyframe_vectors WHERE asset_id = ? ORDER BY keyframe_id')
      .all(assetId) as { keyframeId: number; model: string; vector: Buffer }[];
    return rows.map((r) => ({ keyframeId: r.keyframeId, model: r.model, vector: fromBlob(r.vector) }));
  }

  /** Models (and dimensions) of the vectors held for a library's assets, other than `exceptAssetId`'s. */
  vectorModelsInLibrary(library: string, exceptAssetId?: number): { model: string; dim: number; vectors: number }[] {
    return this.db
      .prepare(
        `SELECT v.model AS model, v.dim AS dim, COUNT(*) AS vectors
         FROM keyframe_vectors v JOIN assets a ON a.id = v.asset_id
         WHERE a.library = ? AND v.asset_id != ?
         GROUP BY v.model, v.dim ORDER BY vectors DESC`,
      )
      .all(library, exceptAssetId ?? -1) as { model: string; dim: number; vectors: number }[];
  }

  /** Replaces the asset's texts of the given sources. */
  replaceTexts(assetId: number, sources: readonly TextSource[], texts: NewSegmentText[]): void {
    const placeholders = sources.map(() => '?').join(', ');
    if (sources.length > 0) {
      this.db.prepare(`DELETE FROM segment_texts WHERE asset_id = ? AND source IN (${placeholders})`).run(assetId, ...sources);
    }
    const insert = this.db.prepare(
      `INSERT INTO segment_texts (asset_id, segment_id, source, label, text, text_zh, confidence, start_s, end_s, box)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const t of texts) {
      insert.run(assetId, t.segmentId, t.source, t.label, t.text, t.textZh, t.confidence, t.from, t.to, t.box ? JSON.stringify(t.box) : null);
    }
  }

  texts(assetId: number, source?: TextSource): StoredSegmentText[] {
    const rows = this.db
      .prepare(
        `SELECT id, segment_id AS segmentId, source, label, text, text_zh AS textZh, confidence,
                start_s AS "from", end_s AS "to", box
         FROM segment_texts WHERE asset_id = ? ${source ? 'AND source = ?' : ''} ORDER BY start_s, id`,
      )
      .all(...(source ? [assetId, source] : [assetId])) as (Omit<StoredSegmentText, 'box'> & { box: string | null })[];
    return rows.map((r) => ({ ...r, box: r.box ? (JSON.parse(r.box) as Box) : null }));
  }

  replaceFaceTracks(assetId: number, tracks: FaceTrack[]): void {
    this.db.prepare('DELETE FROM face_tracks WHERE asset_id = ?').run(assetId);
    const insertTrack = this.db.prepare(
      'INSERT INTO face_tracks (asset_id, seq, start_s, end_s, quality, embedding) VALUES (?, ?, ?, ?, ?, ?)',
    );
    const insertDetection = this.db.prepare(
      `INSERT INTO face_detections (track_id, asset_id, time_s, x, y, w, h, score, quality, usable, descriptor)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    tracks.forEach((track, seq) => {
      const trackId = Number(
        insertTrack.run(assetId, seq, track.start, track.end, track.quality, track.embedding ? toBlob(track.embedding) : null)
          .lastInsertRowid,
      );
      for (const d of track.detections) {
        insertDetection.run(
          trackId, assetId, d.time, d.box.x, d.box.y, d.box.width, d.box.height, d.score, d.quality,
          d.usable ? 1 : 0, d.descriptor ? toBlob(d.descriptor) : null,
        );
      }
    });
  }

  faceTracks(assetId: number): StoredFaceTrack[] {
    const tracks = this.db
      .prepare('SELECT id, seq, start_s AS start, end_s AS "end", quality, embedding FROM face_tracks WHERE asset_id = ? ORDER BY seq')
      .all(assetId) as (Omit<StoredFaceTrack, 'embedding' | 'detections'> & { embedding: Buffer | null })[];
    const detections = this.db.prepare(
      `SELECT time_s AS time, x, y, w, h, score, quality, usable FROM face_detections WHERE track_id = ? ORDER BY time_s`,
    );
    return tracks.map((t) => ({
      ...t,
      embedding: t.embedding ? fromBlob(t.embedding) : null,
      detections: (detections.all(t.id) as { time: number; x: number; y: number; w: number; h: number; score: number; quality: number; usable: number }[]).map(
        (d) => ({ time: d.time, box: { x: d.x, y: d.y, width: d.w, height: d.h }, score: d.score, quality: d.quality, usable: d.usable === 1 }),
      ),
    }));
  }
}
