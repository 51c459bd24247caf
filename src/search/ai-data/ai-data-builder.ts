import type { Box, TextSource } from '../../analysis/types.js';
import type { AssetFileUrls, AssetRef } from './asset-file-urls.js';
import type { StoredSegmentText } from '../../store/analysis-repository.js';
import type { Db } from '../../store/database.js';
import { segmentTextsMatching, type TextMatch } from '../text/text-match.js';

/**
 * ICE's `AiData` of an asset, built from what the aiLabel analyser stored (segment_texts): object
 * labels grouped by label in `AiLabelInfo`, OCR lines in `OcrInfo`, transcript pieces in `AsrInfo`.
 * Field names and types are the wire format (SearchMediaByAILabel, SearchMedia).
 */

export interface AiDataTrack {
  /** "x1;y1;x2;y2" in pixels of the upright media picture. */
  Position: string;
  /** Area of the box in square pixels (same pixel space as Position). */
  Size: number;
  /** Seconds into the media of the frame the box was found in. */
  Timestamp: number;
}

export interface AiDataOccurrence {
  /** The segment (clip) id. */
  ClipId: string;
  From: number;
  To: number;
  /** The analyser's confidence in [0,1]. */
  Score: number;
  Content: string;
  /** Signed URL of the segment's keyframe; "" when it has none. */
  Image: string;
  Tracks: AiDataTrack[];
}

export interface AiLabelInfo {
  Category: string;
  LabelId: string;
  LabelName: string;
  LabelType: string;
  Source: string;
  FaceId: string;
  Occurrences: AiDataOccurrence[];
}

export interface AiDataTextInfo {
  ClipId: string;
  Content: string;
  From: number;
  To: number;
  /** Seconds: the keyframe the OCR line was read in, or the start of the speech. */
  Timestamp: number;
}

export interface AiData {
  AiLabelInfo: AiLabelInfo[];
  AsrInfo: AiDataTextInfo[];
  OcrInfo: AiDataTextInfo[];
}

/** An asset whose AiData is built. */
export interface AiDataAsset extends AssetRef {
  readonly id: number;
  /** Upright size of the media in pixels; null when unknown (audio, not ingested yet). */
  readonly width: number | null;
  readonly height: number | null;
}

/** Chinese label names for a query written in Chinese, English ones otherwise. */
export type LabelLanguage = 'en' | 'zh';

export interface AiDataOptions {
  /** Texts of these sources; an empty list gives empty AiData. */
  readonly sources: readonly TextSource[];
  /** Only texts that match (a Text query); every text of the sources when absent. */
  readonly match?: TextMatch;
  readonly language: LabelLanguage;
  /** At most this many texts per asset and source, earliest first: bounds the response. */
  readonly maxItemsPerSource: number;
  readonly urls: AssetFileUrls;
}

/**
 * How each label source is described in AiLabelInfo: COCO objects, and registered persons
 * recognised by face (ICE's Category "custom" for the caller's own persons, LabelType "face";
 * FaceId is the entity id). `Source` is "vision", the value ICE documents for visually detected labels.
 */
const LABEL_DESCRIPTORS: Partial<Record<TextSource, { category: string; labelType: string; source: string }>> = {
  label: { category: 'object', labelType: 'object', source: 'vision' },
  face: { category: 'custom', labelType: 'face', source: 'vision' },
};

/** A stored segment text as read here: with its asset, the box still as stored JSON, and its face track. */
type TextRow = Omit<StoredSegmentText, 'box'> & { assetId: number; box: string | null; trackId: number | null };

interface SegmentKeyframe {
  segmentId: number;
  file: string;
  time: number;
  width: number;
  height: number;
}

export const emptyAiData = (): AiData => ({ AiLabelInfo: [], AsrInfo: [], OcrInfo: [] });

/**
 * The AiData of every asset in `assets`, from two queries whatever their number (texts, then the
 * keyframes of the segments those texts are in).
 */
export function buildAiData(db: Db, assets: readonly AiDataAsset[], options: AiDataOptions): Map<number, AiData> {
  const result = new Map(assets.map((asset) => [asset.id, emptyAiData()]));
  if (assets.length === 0 || options.sources.length === 0) return result;
  const assetIds = JSON.stringify(assets.map((asset) => asset.id));
  const rows = readTexts(db, assetIds, options);
  const keyframes = readSegmentKeyframes(db, assetIds, rows);
  const byId = new Map(assets.map((asset) => [asset.id, asset]));
  const labelGroups = new Map<number, Map<string, AiLabelInfo>>();
  const faceBoxes = readFaceBoxes(db, rows);

  for (const row of rows) {
    const asset = byId.get(row.assetId)!;
    const data = result.get(row.assetId)!;
    const keyframe = row.segmentId === null ? undefined : keyframes.get(row.segmentId);
    const clipId = row.segmentId === null ? '' : String(row.segmentId);
    const from = seconds(row.from);
    const to = seconds(row.to);
    if (row.source === 'ocr' || row.source === 'asr') {
      // Speech has no frame: its own start is its moment.
      const timestamp = row.source === 'ocr' && keyframe ? seconds(keyframe.time) : from;
      (row.source === 'ocr' ? data.OcrInfo : data.AsrInfo).push({ ClipId: clipId, Content: row.text, From: from, To: to, Timestamp: timestamp });
      continue;
    }
    const descriptor = LABEL_DESCRIPTORS[row.source];
    if (!descriptor) continue;
    const name = options.language === 'zh' ? (row.textZh ?? row.text) : row.text;
    const labelId = row.label ?? row.text;
    let groups = labelGroups.get(row.assetId);
    if (!groups) labelGroups.set(row.assetId, (groups = new Map()));
    let info = groups.get(`${row.source}\u0000${labelId}`);
    if (!info) {
      info = {
        Category: descriptor.category,
        LabelId: labelId,
        LabelName: name,
        LabelType: descriptor.labelType,
        Source: descriptor.source,
        FaceId: row.source === 'face' ? labelId : '',
        Occurrences: [],
      };
      groups.set(`${row.source}\u0000${labelId}`, info);
      data.AiLabelInfo.push(info);
    }
    info.Occurrences.push({
      ClipId: clipId,
      From: from,
      To: to,
      Score: row.confidence ?? 0,
      Content: name,
      Image: keyframe ? options.urls.keyframe(asset, keyframe.file) : '',
      Tracks:
        row.trackId !== null
          ? (faceBoxes.get(row.trackId) ?? []).map((d) => track(d.box, undefined, asset, seconds(d.time)))
          : row.box
            ? [track(parseBox(row.box), keyframe, asset, from)]
            : [],
    });
  }
  return result;
}

function readTexts(db: Db, assetIds: string, options: AiDataOptions): TextRow[] {
  const where = ['st.asset_id IN (SELECT value FROM json_each(?))', 'st.source IN (SELECT value FROM json_each(?))'];
  const params: unknown[] = [assetIds, JSON.stringify(options.sources)];
  if (options.match) {
    const matching = segmentTextsMatching(options.match, 'st.id');
    where.push(matching.sql);
    params.push(...matching.params);
  }
  return db
    .prepare(
      `SELECT id, assetId, segmentId, source, label, text, textZh, confidence, "from", "to", box, trackId FROM (
         SELECT st.id, st.asset_id AS assetId, st.segment_id AS segmentId, st.source, st.label, st.text,
                st.text_zh AS textZh, st.confidence, st.start_s AS "from", st.end_s AS "to", st.box, st.track_id AS trackId,
                ROW_NUMBER() OVER (PARTITION BY st.asset_id, st.source ORDER BY st.start_s, st.id) AS n
         FROM segment_texts st
         WHERE ${where.join(' AND ')}
       )
       WHERE n <= ?
       ORDER BY assetId, "from", id`,
    )
    .all(...params, options.maxItemsPerSource) as TextRow[];
}

/** Per-timestamp boxes of the face tracks behind person-name texts (already in media pixels). */
function readFaceBoxes(db: Db, rows: readonly TextRow[]): Map<number, { time: number; box: Box }[]> {
  const trackIds = rows.flatMap((row) => (row.trackId === null ? [] : [row.trackId]));
  const result = new Map<number, { time: number; box: Box }[]>();
  if (trackIds.length === 0) return result;
  const detections = db
    .prepare(
      `SELECT track_id AS trackId, time_s AS time, x, y, w, h FROM face_detections
       WHERE track_id IN (SELECT value FROM json_each(?)) ORDER BY track_id, time_s`,
    )
    .all(JSON.stringify(trackIds)) as { trackId: number; time: number; x: number; y: number; w: number; h: number }[];
  for (const d of detections) {
    let list = result.get(d.trackId);
    if (!list) result.set(d.trackId, (list = []));
    list.push({ time: d.time, box: { x: d.x, y: d.y, width: d.w, height: d.h } });
  }
  return result;
}

/**
 * The first keyframe of each segment the texts are in. A text row records its segment, not which
 * of the segment's keyframes (one per 5 s, so two at most in a 10 s segment) it was read in; the
 * first one is exact for images and for segments of up to one keyframe interval.
 */
function readSegmentKeyframes(db: Db, assetIds: string, rows: readonly TextRow[]): Map<number, SegmentKeyframe> {
  const segmentIds = [...new Set(rows.map((row) => row.segmentId).filter((id): id is number => id !== null))];
  if (segmentIds.length === 0) return new Map();
  // SQLite takes the bare columns of a MIN() aggregate from the row holding the minimum.
  const keyframes = db
    .prepare(
      `SELECT segment_id AS segmentId, file, MIN(frame_time_s) AS time, width, height
       FROM keyframes
       WHERE asset_id IN (SELECT value FROM json_each(?)) AND segment_id IN (SELECT value FROM json_each(?))
       GROUP BY segment_id`,
    )
    .all(assetIds, JSON.stringify(segmentIds)) as SegmentKeyframe[];
  return new Map(keyframes.map((keyframe) => [keyframe.segmentId, keyframe]));
}

/**
 * Boxes are stored in pixels of the keyframe the analyser looked at (at most 1024 px a side); a
 * track gives them in pixels of the media itself, as ICE does, so they fit the original picture.
 */
function track(box: Box, keyframe: SegmentKeyframe | undefined, asset: AiDataAsset, fallbackTime: number): AiDataTrack {
  const scaleX = keyframe && asset.width ? asset.width / keyframe.width : 1;
  const scaleY = keyframe && asset.height ? asset.height / keyframe.height : 1;
  const x1 = box.x * scaleX;
  const y1 = box.y * scaleY;
  const x2 = (box.x + box.width) * scaleX;
  const y2 = (box.y + box.height) * scaleY;
  return {
    Position: [x1, y1, x2, y2].map((value) => value.toFixed(1)).join(';'),
    Size: Math.round((x2 - x1) * (y2 - y1)),
    Timestamp: keyframe ? seconds(keyframe.time) : fallbackTime,
  };
}

function parseBox(json: string): Box {
  return JSON.parse(json) as Box;
}

/** Times to the millisecond: stored times are float seconds such as 3.3333333333. */
function seconds(value: number): number {
  return Math.round(value * 1000) / 1000;
}
