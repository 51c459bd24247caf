/**
 * The 8-bit face detector: measures its activation ranges on real frames and photos of
 * ../shared/data, writes them into src/analysis/face/ssd-activation-ranges.ts, and compares the
 * 8-bit detector built from them with the float32 one on pictures not used for the ranges
 * (detections, scores, boxes, time per frame), into docs/benchmarks/int8.md.
 *
 *   npm run calibrate:int8 [-- --out docs/benchmarks/int8.md]
 *
 * Rebuild (`npm run build`) after it so the product picks up new ranges.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadFaceApi } from '../src/analysis/face/face-api-loader.js';
import { detectorInput } from '../src/analysis/face/face-analyser.js';
import { OnnxSsdDetector, ssdFeeds, ssdFloatGraph } from '../src/analysis/face/ssd-onnx.js';
import { sampleVideoFrames } from '../src/analysis/frame-sampler.js';
import { decodeImage } from '../src/analysis/image-decoder.js';
import { createOnnxSession } from '../src/analysis/onnx-graph.js';
import { RangeRecorder, calibrationTensors, graphFingerprint, withCalibrationOutputs, type CalibratedRanges } from '../src/analysis/quantise-conv-graph.js';
import { SSD_ACTIVATION_RANGES } from '../src/analysis/face/ssd-activation-ranges.js';
import type { RgbImage } from '../src/analysis/types.js';
import { probeMedia } from '../src/media/ffprobe.js';
import { analyseVideoFaces } from '../src/analysis/face/analyse-faces.js';
import type { DetectorPrecision } from '../src/analysis/face/ssd-onnx.js';
import { processCpuSeconds } from './process-cpu.js';
import { handWrittenSections } from './report-sections.js';
import { iou } from '../src/analysis/face/face-tracker.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const SHARED = path.resolve(process.env.MEDIASEARCH_SHARED_DATA ?? path.join(here, '../../../shared/data'));
const RANGES_FILE = path.join(here, '../../src/analysis/face/ssd-activation-ranges.ts');

function arg(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] ? process.argv[at + 1]! : fallback;
}
const outFile = path.resolve(arg('out', path.join(here, '../../docs/benchmarks/int8.md')));

/** Minimum face score the analyser keeps (face-analyser.ts). */
const KEPT_SCORE = 0.4;
/** Detections are compared down to this score, so a face that only moved below KEPT_SCORE is still seen. */
const LOOK_SCORE = 0.2;
const MATCH_IOU = 0.5;

interface Picture {
  name: string;
  group: 'hamilton' | 'charades' | 'photos';
  image: RgbImage;
}

/**
 * The pictures, each with whether it calibrates: every 4th frame of the Hamilton clip (4 fps) and
 * of the Charades clip (1.5 fps), every 6th face photo; the rest are held out for the comparison.
 * Streamed, so only one picture is in memory at a time.
 */
async function* pictures(): AsyncGenerator<Picture & { calibrates: boolean }> {
  const videos = [
    { group: 'hamilton' as const, file: path.join(SHARED, 'faces/face_recognition/short_hamilton_clip.mp4'), fps: 4 },
    { group: 'charades' as const, file: path.join(SHARED, 'videos/charades_univtg_example.mp4'), fps: 1.5 },
  ];
  for (const video of videos) {
    const probe = await probeMedia(video.file);
    let i = 0;
    for await (const frame of sampleVideoFrames(video.file, probe, { fps: video.fps, maxSide: 960 })) {
      yield { name: `${path.basename(video.file)}@${frame.time.toFixed(2)}s`, group: video.group, image: frame.image, calibrates: i % 4 === 1 };
      i += 1;
    }
  }
  const list = (dir: string) =>
    fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort().map((f) => path.join(dir, f)) : [];
  const faces = path.join(SHARED, 'faces/face_recognition');
  const train = path.join(faces, 'knn_examples/train');
  const photos = [
    ...list(path.join(SHARED, 'faces/deepface')),
    ...list(faces),
    ...list(path.join(faces, 'knn_examples/test')),
    ...(fs.existsSync(train) ? fs.readdirSync(train).sort().flatMap((d) => list(path.join(train, d))) : []),
  ];
  for (const [i, file] of photos.entries()) {
    yield { name: path.relative(SHARED, file), group: 'photos', image: await decodeImage(file), calibrates: i % 6 === 3 };
  }
}

async function calibrate(faceapi: Awaited<ReturnType<typeof loadFaceApi>>): Promise<{ calibration: CalibratedRanges; count: number }> {
  const graph = ssdFloatGraph(faceapi);
  const names = calibrationTensors(graph);
  const session = await createOnnxSession(withCalibrationOutputs(graph));
  const recorder = new RangeRecorder(names);
  let count = 0;
  for await (const picture of pictures()) {
    if (!picture.calibrates) continue;
    recorder.add(await session.run(ssdFeeds(picture.image, detectorInput(picture.image, 320)), names));
    count += 1;
  }
  await session.release();
  const f = (v: number) => Number(v.toPrecision(7));
  // Rounded as they are written, so the ranges compared below are the ones the file will hold.
  const ranges = recorder.result().map((r) => ({ min: f(r.min), max: f(r.max) }));
  return { calibration: { graph: graphFingerprint(graph), ranges }, count };
}

function writeRanges(calibration: CalibratedRanges, count: number): void {
  const body = calibration.ranges.map((r) => `    { min: ${r.min}, max: ${r.max} },`).join('\n');
  fs.writeFileSync(
    RANGES_FILE,
    `import type { CalibratedRanges } from '../quantise-conv-graph.js';

/**
 * Activation ranges of the face detector's 8-bit version (ssd-onnx.ts), one per tensor of
 * calibrationTensors() in graph order: the smallest and largest value each took over ${count} real
 * frames and face photos of ../shared/data. Written by \`npm run calibrate:int8\`
 * (scripts/calibrate-int8.ts) on ${new Date().toISOString().slice(0, 10)}; run it again after changing the graph.
 */
export const SSD_ACTIVATION_RANGES: CalibratedRanges & { pictures: number } = {
  pictures: ${count},
  graph: '${calibration.graph}',
  ranges: [
${body}
  ],
};
`,
  );
}

type Box = { x: number; y: number; width: number; height: number };

interface Comparison {
  pictures: Record<Picture['group'], number>;
  kept: number;
  found: number;
  lost: string[];
  added: string[];
  scoreDifferences: number[];
  ious: number[];
}

async function compare(float32: OnnxSsdDetector, int8: OnnxSsdDetector): Promise<Comparison> {
  const result: Comparison = { pictures: { hamilton: 0, charades: 0, photos: 0 }, kept: 0, found: 0, lost: [], added: [], scoreDifferences: [], ious: [] };
  const options = { minConfidence: LOOK_SCORE, maxResults: 50 };
  for await (const picture of pictures()) {
    if (picture.calibrates) continue;
    result.pictures[picture.group] += 1;
    const placement = detectorInput(picture.image, 320);
    const reference = (await float32.locateFaces(picture.image, placement, options)).map((d) => ({ score: d.score, box: d.box }));
    const candidate = (await int8.locateFaces(picture.image, placement, options)).map((d) => ({ score: d.score, box: d.box }));
    const best = (box: Box, among: typeof candidate) =>
      among.reduce<{ d: (typeof among)[number] | null; iou: number }>((b, d) => (iou(box, d.box) > b.iou ? { d, iou: iou(box, d.box) } : b), { d: null, iou: 0 });
    for (const face of reference.filter((d) => d.score >= KEPT_SCORE)) {
      result.kept += 1;
      const match = best(face.box, candidate);
      if (match.d && match.iou >= MATCH_IOU) {
        result.scoreDifferences.push(match.d.score - face.score);
        result.ious.push(match.iou);
      }
      if (match.d && match.iou >= MATCH_IOU && match.d.score >= KEPT_SCORE) result.found += 1;
      else result.lost.push(`${picture.name}: float32 ${face.score.toFixed(3)}, int8 ${match.d && match.iou >= MATCH_IOU ? match.d.score.toFixed(3) : 'none'}`);
    }
    for (const face of candidate.filter((d) => d.score >= KEPT_SCORE)) {
      const match = best(face.box, reference);
      if (!match.d || match.iou < MATCH_IOU || match.d.score < KEPT_SCORE) {
        result.added.push(`${picture.name}: int8 ${face.score.toFixed(3)}, float32 ${match.d && match.iou >= MATCH_IOU ? match.d.score.toFixed(3) : 'none'}`);
      }
    }
  }
  return result;
}

/** Milliseconds a frame for each detector, interleaved round by round so load on the machine hits both alike. */
async function timeDetectors(detectors: Record<string, OnnxSsdDetector>, rounds: number): Promise<Record<string, number>> {
  let frame: Picture | undefined;
  for await (const picture of pictures()) {
    frame = picture;
    break;
  }
  if (!frame) throw new Error('no picture to time the detectors on');
  const placement = detectorInput(frame.image, 320);
  const options = { minConfidence: KEPT_SCORE, maxResults: 50 };
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(detectors).map((k) => [k, []]));
  for (let r = -3; r < rounds; r++) {
    for (const [name, detector] of Object.entries(detectors)) {
      const start = performance.now();
      await detector.locateFaces(frame.image, placement, options);
      if (r >= 0) times[name]!.push(performance.now() - start);
    }
  }
  return Object.fromEntries(Object.entries(times).map(([k, v]) => [k, quantile(v, 0.5)]));
}

/** The bench videos (bench-ingest.ts), through the whole face step with each detector. */
async function pipelineComparison(): Promise<string[]> {
  const videos = [
    ...fs.readdirSync(path.join(SHARED, 'videos')).filter((f) => /\.(mp4|mpg|avi)$/.test(f)).sort().map((f) => path.join(SHARED, 'videos', f)),
    path.join(SHARED, 'faces/face_recognition/short_hamilton_clip.mp4'),
  ];
  const rows: string[] = [];
  const usableTimes: Record<DetectorPrecision, Map<string, string[]>> = { float32: new Map(), int8: new Map() };
  const cpu: Record<DetectorPrecision, number> = { float32: 0, int8: 0 };
  for (const file of videos) {
    const probe = await probeMedia(file);
    for (const detector of ['float32', 'int8'] as const) {
      const before = processCpuSeconds();
      const found = await analyseVideoFaces(file, probe, { fps: 2, maxSide: 960, analyser: { detector } });
      cpu[detector] += processCpuSeconds() - before;
      const usable = found.detections.filter((d) => d.usable);
      usableTimes[detector].set(file, usable.map((d) => `${d.time}s`));
      const tracks = found.tracks.filter((t) => t.embedding).map((t) => `${t.start}–${t.end}`);
      rows.push(
        `| ${path.basename(file)} | ${detector} | ${found.framesAnalysed} of ${found.framesSampled} | ${found.detections.length} | ${usable.length} | ${tracks.join(', ') || '–'} |`,
      );
    }
  }
  const differences = videos.flatMap((file) => {
    const a = usableTimes.float32.get(file)!;
    const b = usableTimes.int8.get(file)!;
    const lost = a.filter((t) => !b.includes(t));
    const added = b.filter((t) => !a.includes(t));
    return lost.length + added.length === 0 ? [] : [`- ${path.basename(file)}: usable faces only with float32 at ${lost.join(', ') || '–'}; only with int8 at ${added.join(', ') || '–'}`];
  });
  return [
    '## The face step on the bench videos',
    '',
    'Every video of `npm run bench:ingest` through analyseVideoFaces at 2 fps with the small-detector gate, once per detector:',
    'frames analysed, detections, usable detections (those described for matching), and the time ranges of tracks with an embedding.',
    '',
    '| video | detector | frames analysed | detections | usable | tracks with an embedding |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
    ...(differences.length > 0 ? ['Usable faces that differ:', '', ...differences, ''] : ['Usable faces: the same with both detectors.', '']),
    `CPU seconds of the face step over these videos (ffmpeg decoding included; one run, the float32 one loads the models first): float32 ${cpu.float32.toFixed(1)}, int8 ${cpu.int8.toFixed(1)}.`,
    '',
  ];
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

async function main(): Promise<void> {
  if (!fs.existsSync(SHARED)) {
    console.error(`calibrate:int8 needs the shared data at ${SHARED} (set MEDIASEARCH_SHARED_DATA)`);
    process.exit(2);
  }
  const faceapi = await loadFaceApi();
  const { calibration, count } = await calibrate(faceapi);
  writeRanges(calibration, count);
  console.log(`${calibration.ranges.length} activation ranges from ${count} pictures → ${path.relative(process.cwd(), RANGES_FILE)}`);
  const compiled = SSD_ACTIVATION_RANGES;
  if (compiled.graph !== calibration.graph || JSON.stringify(compiled.ranges) !== JSON.stringify(calibration.ranges)) {
    // The face step below runs the detector the product builds, from the ranges compiled into it.
    console.error('the activation ranges changed: run `npm run calibrate:int8` again (it rebuilds first) to compare the detector built from them');
    process.exit(3);
  }

  const float32 = await OnnxSsdDetector.create(faceapi, 'float32');
  const int8 = await OnnxSsdDetector.create(faceapi, 'int8', calibration);
  const c = await compare(float32, int8);
  const ms = await timeDetectors({ float32, int8 }, 30);
  const absolute = c.scoreDifferences.map(Math.abs);
  const held = c.pictures.hamilton + c.pictures.charades + c.pictures.photos;
  const lines = [
    '# The 8-bit face detector',
    '',
    `Command: \`npm run calibrate:int8\` · ${new Date().toISOString().slice(0, 10)} · ${os.cpus().length} cores (${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}) · Node ${process.version}`,
    '',
    "Video frames go through face-api's SSD MobileNet v1 in 8-bit arithmetic (`MEDIASEARCH_VIDEO_FACE_DETECTOR`, default",
    '`int8`; `float32` is face-api\'s own; photos always use float32). The network is written in QDQ form',
    '(src/analysis/quantise-conv-graph.ts): per-channel int8 weights, uint8 activations, ReLU6 folded into the activation',
    'range, the first four convolutions and the output heads left float32; onnxruntime fuses the rest into QLinearConv.',
    'Activation ranges: the smallest and largest value of each tensor over',
    `${count} calibration pictures (every 4th sampled frame of the Hamilton clip at 4 fps and of the Charades clip at 1.5 fps,`,
    'every 6th face photo of ../shared/data), written to src/analysis/face/ssd-activation-ranges.ts.',
    '',
    `## Held-out pictures: ${held} (Hamilton ${c.pictures.hamilton}, Charades ${c.pictures.charades}, photos ${c.pictures.photos})`,
    '',
    `Faces the float32 detector keeps (score ≥ ${KEPT_SCORE}, the analyser's threshold), and whether the 8-bit detector keeps them`,
    `(a detection at IoU ≥ ${MATCH_IOU} scoring ≥ ${KEPT_SCORE}):`,
    '',
    '| | count |',
    '|---|---|',
    `| faces kept by float32 | ${c.kept} |`,
    `| kept by int8 too | ${c.found} |`,
    `| lost by int8 | ${c.lost.length} |`,
    `| kept by int8 only | ${c.added.length} |`,
    '',
    `Score int8 − float32 over the matched faces: mean ${(c.scoreDifferences.reduce((a, b) => a + b, 0) / Math.max(1, c.scoreDifferences.length)).toFixed(4)},`,
    `median |Δ| ${quantile(absolute, 0.5).toFixed(4)}, 95th percentile |Δ| ${quantile(absolute, 0.95).toFixed(4)}, largest |Δ| ${Math.max(0, ...absolute).toFixed(4)}.`,
    `Box IoU with the float32 box: mean ${(c.ious.reduce((a, b) => a + b, 0) / Math.max(1, c.ious.length)).toFixed(3)}, lowest ${Math.min(1, ...c.ious).toFixed(3)}.`,
    '',
    ...(c.lost.length > 0 ? ['Lost:', '', ...c.lost.map((l) => `- ${l}`), ''] : []),
    ...(c.added.length > 0 ? ['Kept by int8 only:', '', ...c.added.map((l) => `- ${l}`), ''] : []),
    ...(await pipelineComparison()),
    '## Time',
    '',
    'One Hamilton frame (640 × 360, padded and resized to 512 × 512 inside the graph), one thread, median of 30 interleaved runs',
    '(decoding of the boxes and NMS included):',
    '',
    '| detector | ms a frame | speed-up |',
    '|---|---|---|',
    `| float32 | ${ms.float32!.toFixed(1)} | 1.00 |`,
    `| int8 | ${ms.int8!.toFixed(1)} | ${(ms.float32! / ms.int8!).toFixed(2)}× |`,
    '',
  ];
  fs.writeFileSync(outFile, `${lines.join('\n')}${handWrittenSections(outFile, /^## Notes/m)}`);
  console.log(lines.join('\n'));
  await float32.dispose();
  await int8.dispose();
}

await main();
