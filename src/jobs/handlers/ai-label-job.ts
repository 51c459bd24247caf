import path from 'node:path';
import type { AnalysisConfig } from '../../config.js';
import type { LabelHit, OcrLine, TranscriptPiece } from '../../analysis/types.js';
import { MediaError } from '../../media/media-error.js';
import type { NewSegmentText, StoredSegment } from '../../store/analysis-repository.js';
import type { MediaFiles } from '../../store/media-files.js';
import type { Store } from '../../store/store.js';
import type { JobHandler } from '../scheduler.js';
import type { WorkerPool } from '../worker-pool.js';
import type { AnalyseKeyframeTextResult, TranscribeResult } from '../worker-tasks.js';

/**
 * The aiLabel index: object labels and OCR text on every keyframe, and a speech transcript of
 * the audio track, stored as segment texts with their source. Labels and OCR lines seen on several
 * keyframes of one segment are stored once for the segment with their best confidence.
 */
export function createAiLabelJob(deps: { store: Store; files: MediaFiles; pool: WorkerPool; analysis: AnalysisConfig }): JobHandler {
  return async (_job, asset, signal) => {
    const probe = deps.store.assets.probe(asset.id);
    if (!asset.localPath || !probe) throw new MediaError('the asset has not been ingested', { retryable: true });
    const segments = deps.store.analysis.segments(asset.id);
    const keyframes = deps.store.analysis.keyframes(asset.id);
    const folder = deps.files.keyframeDir(asset.id);

    // Keyframe labels/OCR and the transcript are independent: they run side by side (speech is
    // mostly a pocketsphinx process), and a failure of one stops the other.
    const failed = new AbortController();
    const both = AbortSignal.any([signal, failed.signal]);
    const stopOnFailure = <T>(work: Promise<T>) =>
      work.catch((error: unknown) => {
        failed.abort(error);
        throw error;
      });
    const [visual, speech]: [AnalyseKeyframeTextResult, TranscribeResult] = await Promise.all([
      stopOnFailure(
        keyframes.length > 0
          ? deps.pool.run(
              { task: 'analyse-keyframe-text', frames: keyframes.map((k) => ({ time: k.frameTime, file: path.join(folder, k.file) })) },
              both,
            )
          : Promise.resolve({ labels: [], ocr: [], ocrRecognised: 0 }),
      ),
      stopOnFailure(
        probe.audioCodec !== null && asset.mediaType !== 'image'
          ? deps.pool.run(
              { task: 'transcribe', path: asset.localPath, engine: deps.analysis.speechEngine, gate: deps.analysis.speechGateScore },
              both,
            )
          : Promise.resolve({ engine: null, pieces: [], audioSeconds: 0, speechSeconds: 0, skipped: 'the asset has no audio track' }),
      ),
    ]);
    if (signal.aborted) throw signal.reason;

    const texts = [
      ...segmentLabels(visual.labels, segments),
      ...segmentOcr(visual.ocr, segments),
      ...transcriptTexts(speech.pieces, segments),
    ];
    deps.store.analysis.replaceTexts(asset.id, ['label', 'ocr', 'asr'], texts);
    return {
      labels: texts.filter((t) => t.source === 'label').length,
      ocrLines: texts.filter((t) => t.source === 'ocr').length,
      transcriptPieces: speech.pieces.length,
      keyframes: keyframes.length,
      ocrRecognisedKeyframes: visual.ocrRecognised,
      speechEngine: speech.engine,
      ...(speech.engine ? { speechSeconds: tenths(speech.speechSeconds), audioSeconds: tenths(speech.audioSeconds) } : {}),
      ...(speech.skipped ? { transcript: `skipped: ${speech.skipped}` } : {}),
    };
  };
}

function tenths(seconds: number): number {
  return Math.round(seconds * 10) / 10;
}

/**
 * Labels scored below this are not stored: CenterNet's own 0.2 cut-off lets through guesses such as
 * "bird" or "scissors" at 0.22-0.26 on a plain text image, which would pollute search.
 */
const MIN_STORED_LABEL_SCORE = 0.3;
/** OCR lines below this confidence, and lone Latin characters, are recogniser noise on logos and texture. */
const MIN_STORED_OCR_CONFIDENCE = 0.5;
const CJK = /[\u3400-\u9fff\uf900-\ufaff]/;

/** The segment containing `time` (the last one starting at or before it). */
function segmentAt(segments: StoredSegment[], time: number): StoredSegment | undefined {
  let found: StoredSegment | undefined;
  for (const segment of segments) {
    if (segment.from <= time + 1e-6) found = segment;
    else break;
  }
  return found ?? segments[0];
}

/** A keyframe finding before it is assigned to its segment. */
interface TimedText {
  time: number;
  key: string;
  text: Omit<NewSegmentText, 'segmentId' | 'from' | 'to'>;
}

/** Keeps one row per (segment, key), the most confident, spanning its segment. */
function bestPerSegment(found: TimedText[], segments: StoredSegment[]): NewSegmentText[] {
  const best = new Map<string, NewSegmentText>();
  for (const { time, key, text } of found) {
    const segment = segmentAt(segments, time);
    const slot = `${segment?.id ?? -1}\u0000${key}`;
    const previous = best.get(slot);
    if (previous && (previous.confidence ?? 0) >= (text.confidence ?? 0)) continue;
    best.set(slot, { ...text, segmentId: segment?.id ?? null, from: segment?.from ?? time, to: segment?.to ?? time });
  }
  return [...best.values()];
}

function segmentLabels(labels: LabelHit[], segments: StoredSegment[]): NewSegmentText[] {
  return bestPerSegment(
    labels
      .filter((hit) => hit.score >= MIN_STORED_LABEL_SCORE)
      .map((hit) => ({
        time: hit.time,
        key: hit.label,
        text: { source: 'label', label: hit.label, text: hit.label, textZh: hit.labelZh, confidence: hit.score, box: hit.box },
      })),
    segments,
  );
}

function segmentOcr(lines: OcrLine[], segments: StoredSegment[]): NewSegmentText[] {
  return bestPerSegment(
    lines
      .map((line) => ({ line, text: line.text.trim() }))
      .filter(({ line, text }) => line.confidence >= MIN_STORED_OCR_CONFIDENCE && ([...text].length >= 2 || CJK.test(text)))
      .map(({ line, text }) => ({
        time: line.time,
        key: text,
        text: { source: 'ocr', label: null, text, textZh: null, confidence: line.confidence, box: line.box },
      })),
    segments,
  );
}

function transcriptTexts(pieces: TranscriptPiece[], segments: StoredSegment[]): NewSegmentText[] {
  return pieces
    .filter((p) => p.text.trim() !== '')
    .map((p) => ({
      segmentId: segmentAt(segments, (p.from + p.to) / 2)?.id ?? null,
      source: 'asr' as const,
      label: null,
      text: p.text.trim(),
      textZh: null,
      confidence: p.confidence,
      from: p.from,
      to: p.to,
      box: null,
    }));
}
