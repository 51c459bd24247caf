/**
 * Ingest throughput on the real media in ../shared/data: images per second and video realtime
 * factor per analyser, for the product's pipeline (worker pool, models loaded once per worker,
 * analysers in parallel) against a naive sequential baseline (the same analysers, one asset and one
 * step after another on a single thread) measured in the same run.
 *
 *   npm run bench:ingest -- [--images 24] [--out docs/benchmarks/ingest.md]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_SEGMENT_PLAN } from '../src/analysis/segments/segment-planner.js';
import { loadConfig } from '../src/config.js';
import { analyseFaces } from '../src/jobs/tasks/analyse-faces.js';
import { analyseKeyframeText } from '../src/jobs/tasks/analyse-keyframe-text.js';
import { transcribe } from '../src/jobs/tasks/transcribe.js';
import { WorkerPool } from '../src/jobs/worker-pool.js';
import type { PrepareMediaResult } from '../src/jobs/worker-tasks.js';
import { probeMedia } from '../src/media/ffprobe.js';
import { probeImage } from '../src/media/image-probe.js';
import { segmentMedia } from '../src/analysis/segments/segment-media.js';
import type { MediaProbe } from '../src/types.js';
import { processCpuSeconds } from './process-cpu.js';
// The sections (## headings) written by hand under the table of an earlier report are kept on rewrite.
import { handWrittenSections } from './report-sections.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const SHARED = path.resolve(process.env.MEDIASEARCH_SHARED_DATA ?? path.join(here, '../../../shared/data'));

function arg(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] ? process.argv[at + 1]! : fallback;
}

const imageCount = Number(arg('images', '24'));
const outFile = path.resolve(arg('out', path.join(here, '../../docs/benchmarks/ingest.md')));
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-ingest-'));
const { speechEngine, speechGateScore, faceGateScore, faceSampleFps, videoFaceDetector } = loadConfig().analysis;

interface Asset {
  name: string;
  file: string;
  probe: MediaProbe;
}

async function probe(file: string): Promise<MediaProbe> {
  return (await probeImage(file)) ?? probeMedia(file);
}

function keyframeInputs(prepared: PrepareMediaResult, folder: string): { time: number; file: string }[] {
  return prepared.segments.flatMap((s) => s.keyframes.map((k) => ({ time: k.frameTime, file: path.join(folder, k.file) })));
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; seconds: number; cpu: number }> {
  const start = performance.now();
  const cpu = processCpuSeconds();
  const value = await work();
  return { value, seconds: (performance.now() - start) / 1000, cpu: processCpuSeconds() - cpu };
}

/** Other work on the machine skews wall times; the 1-minute load average is sampled to report it. */
const loadSamples: number[] = [];
const loadTimer = setInterval(() => loadSamples.push(os.loadavg()[0]!), 5000);
const faceFrames = { sampled: 0, analysed: 0 };

type Step = 'segment' | 'face' | 'text' | 'speech';
type StepTimes = Record<Step | 'total', number>;
const STEPS: Step[] = ['segment', 'face', 'text', 'speech'];
const STEP_NAMES: Record<Step | 'total', string> = {
  segment: 'probe + segments + keyframes',
  face: 'faces (detect, describe, track)',
  text: 'labels + OCR',
  speech: 'speech',
  total: '**all**',
};

interface Prepared {
  asset: Asset;
  keyframes: { time: number; file: string }[];
}

function hasSpeech(asset: Asset): boolean {
  return asset.probe.kind !== 'image' && asset.probe.audioCodec !== null;
}

/**
 * The naive baseline: every step of every asset in turn, on this thread; each step timed alone,
 * in wall seconds and in CPU seconds of this process and its ffmpeg/pocketsphinx children.
 */
async function sequential(assets: Asset[]): Promise<{ times: StepTimes; cpu: StepTimes }> {
  const times: StepTimes = { segment: 0, face: 0, text: 0, speech: 0, total: 0 };
  const cpu: StepTimes = { segment: 0, face: 0, text: 0, speech: 0, total: 0 };
  const add = (step: Step, measured: { seconds: number; cpu: number }) => {
    times[step] += measured.seconds;
    cpu[step] += measured.cpu;
  };
  for (const [i, asset] of assets.entries()) {
    const folder = path.join(work, `seq-${i}`);
    const seg = await timed(() => segmentMedia(asset.file, asset.probe, folder, DEFAULT_SEGMENT_PLAN));
    add('segment', seg);
    const keyframes = keyframeInputs({ probe: asset.probe, thumbnail: false, ...seg.value }, folder);
    const faces = await timed(() => analyseFaces({ task: 'analyse-faces', path: asset.file, probe: asset.probe, fps: faceSampleFps, gate: faceGateScore, detector: videoFaceDetector }));
    add('face', faces);
    if (asset.probe.kind !== 'image') {
      faceFrames.sampled += faces.value.framesSampled;
      faceFrames.analysed += faces.value.framesAnalysed;
    }
    add('text', await timed(() => analyseKeyframeText({ task: 'analyse-keyframe-text', frames: keyframes })));
    if (hasSpeech(asset)) {
      add('speech', await timed(() => transcribe({ task: 'transcribe', path: asset.file, engine: speechEngine, gate: speechGateScore })));
    }
  }
  for (const t of [times, cpu]) t.total = t.segment + t.face + t.text + t.speech;
  return { times, cpu };
}

async function prepareInPool(pool: WorkerPool, asset: Asset, i: number, tag: string): Promise<Prepared> {
  const folder = path.join(work, `${tag}-${i}`);
  const prepared = await pool.run({
    task: 'prepare-media',
    path: asset.file,
    thumbnailPath: path.join(work, `${tag}-${i}-thumb.jpg`),
    keyframeDir: folder,
    segmentation: DEFAULT_SEGMENT_PLAN,
  });
  return { asset, keyframes: keyframeInputs(prepared, folder) };
}

function runStep(pool: WorkerPool, step: Exclude<Step, 'segment'>, p: Prepared): Promise<unknown> {
  switch (step) {
    case 'face':
      return pool.run({ task: 'analyse-faces', path: p.asset.file, probe: p.asset.probe, fps: faceSampleFps, gate: faceGateScore, detector: videoFaceDetector });
    case 'text':
      return pool.run({ task: 'analyse-keyframe-text', frames: p.keyframes });
    case 'speech':
      return hasSpeech(p.asset) ? pool.run({ task: 'transcribe', path: p.asset.file, engine: speechEngine, gate: speechGateScore }) : Promise.resolve();
  }
}

/**
 * The product's way, in the worker pool: each step alone over all assets (wall time, so the
 * step's throughput with every core busy), then everything end to end with the analysers of an
 * asset running side by side once it is segmented.
 */
async function pooled(pool: WorkerPool, assets: Asset[]): Promise<StepTimes> {
  const times: StepTimes = { segment: 0, face: 0, text: 0, speech: 0, total: 0 };
  const prepared = await timed(() => Promise.all(assets.map((a, i) => prepareInPool(pool, a, i, 'pool'))));
  times.segment = prepared.seconds;
  for (const step of ['face', 'text', 'speech'] as const) {
    if (step === 'speech' && !assets.some(hasSpeech)) continue;
    times[step] = (await timed(() => Promise.all(prepared.value.map((p) => runStep(pool, step, p))))).seconds;
  }
  times.total = (
    await timed(() =>
      Promise.all(
        assets.map(async (a, i) => {
          const p = await prepareInPool(pool, a, i, 'all');
          await Promise.all((['face', 'text', 'speech'] as const).map((step) => runStep(pool, step, p)));
        }),
      ),
    )
  ).seconds;
  return times;
}

/** The analysis settings given in the environment, as they would be typed before the command. */
function settingsGiven(): string {
  const names = ['MEDIASEARCH_FACE_SAMPLE_FPS', 'MEDIASEARCH_FACE_GATE_SCORE', 'MEDIASEARCH_VIDEO_FACE_DETECTOR', 'MEDIASEARCH_SPEECH_ENGINE', 'MEDIASEARCH_SPEECH_GATE_SCORE', 'MEDIASEARCH_WORKERS'];
  return names.filter((name) => process.env[name]?.trim()).map((name) => `${name}=${process.env[name]!.trim()} `).join('');
}

function outGiven(): string {
  const at = process.argv.indexOf('--out');
  return at >= 0 && process.argv[at + 1] ? ` --out ${process.argv[at + 1]}` : '';
}

async function main(): Promise<void> {
  if (!fs.existsSync(SHARED)) {
    console.error(`bench:ingest needs the shared data at ${SHARED} (set MEDIASEARCH_SHARED_DATA)`);
    process.exit(2);
  }
  const imageDir = path.join(SHARED, 'flickr8k-cn-dev/images');
  const images: Asset[] = [];
  for (const name of fs.readdirSync(imageDir).filter((f) => f.endsWith('.jpg')).sort().slice(0, imageCount)) {
    const file = path.join(imageDir, name);
    images.push({ name, file, probe: await probe(file) });
  }
  const videoFiles = [
    ...fs.readdirSync(path.join(SHARED, 'videos')).filter((f) => /\.(mp4|mpg|avi)$/.test(f)).map((f) => path.join(SHARED, 'videos', f)),
    path.join(SHARED, 'faces/face_recognition/short_hamilton_clip.mp4'),
  ];
  const videos: Asset[] = [];
  for (const file of videoFiles) videos.push({ name: path.basename(file), file, probe: await probe(file) });
  const videoSeconds = videos.reduce((sum, v) => sum + (v.probe.duration ?? 0), 0);

  // Warm both sides up (model loading is a one-off cost per thread, not throughput).
  const threads = loadConfig().workers;
  const pool = new WorkerPool(threads);
  const warm = images.slice(0, 1);
  await sequential(warm);
  // The speech gate's VAD loads on first use: warm it on the main thread too.
  const firstWithSound = videos.find(hasSpeech);
  if (firstWithSound) await transcribe({ task: 'transcribe', path: firstWithSound.file, engine: speechEngine, gate: speechGateScore });
  await Promise.all(Array.from({ length: threads }, (_, i) => prepareInPool(pool, warm[0]!, i, 'warm').then((p) => Promise.all([runStep(pool, 'face', p), runStep(pool, 'text', p)]))));

  console.error(`images: ${images.length}; videos: ${videos.length} (${videoSeconds.toFixed(1)} s); worker threads: ${threads}`);
  loadSamples.push(os.loadavg()[0]!);
  const { times: seqImages, cpu: cpuImages } = await sequential(images);
  const poolImages = await pooled(pool, images);
  faceFrames.sampled = 0;
  faceFrames.analysed = 0;
  const { times: seqVideos, cpu: cpuVideos } = await sequential(videos);
  const poolVideos = await pooled(pool, videos);
  await pool.close();
  clearInterval(loadTimer);
  const load = {
    min: Math.min(...loadSamples),
    max: Math.max(...loadSamples),
    mean: loadSamples.reduce((a, b) => a + b, 0) / loadSamples.length,
  };

  const perImage = (t: StepTimes, step: Step | 'total') => (t[step] > 0 ? (images.length / t[step]).toFixed(2) : '–');
  const realtime = (t: StepTimes, step: Step | 'total') => (t[step] > 0 ? `${(videoSeconds / t[step]).toFixed(1)}×` : '–');
  const lines = [
    '# Ingest throughput',
    '',
    `Command: \`${settingsGiven()}npm run bench:ingest -- --images ${imageCount}${outGiven()}\` · ${new Date().toISOString().slice(0, 10)} · ` +
      `${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'cpu'}) · Node ${process.version} · ${threads} worker threads`,
    '',
    `Images: the first ${images.length} photos of flickr8k-cn-dev. Videos: ${videos.map((v) => v.name).join(', ')} ` +
      `(${videoSeconds.toFixed(1)} s in all). Faces are sampled at ${faceSampleFps} fps (${faceFrames.analysed} of ${faceFrames.sampled} sampled video frames got the ` +
      `full face analysis, gate score ${faceGateScore}, ${videoFaceDetector} detector); labels and OCR run on keyframes; speech with ` +
      `${speechEngine === 'none' ? 'no engine' : 'pocketsphinx where installed'}. The visual-language model (mm) is not ` +
      'part of this run unless installed (none can be downloaded on the benchmark machine).',
    '',
    `1-minute load average during the run: ${load.min.toFixed(1)}–${load.max.toFixed(1)} (mean ${load.mean.toFixed(1)}) on ` +
      `${os.cpus().length} cores. The bench alone keeps up to ${threads} threads and their ffmpeg/pocketsphinx processes busy; ` +
      'well above that, other work was competing for the cores.',
    '',
    'Sequential: each step timed on its own, one asset after another on one thread (the last row is their sum). ' +
      'Pooled: each step alone over all assets in the worker pool (wall time), and the last row everything end to end, ' +
      'with the analysers of an asset side by side once it is segmented.',
    '',
    '| step | images/s sequential | images/s pooled | video realtime sequential | video realtime pooled |',
    '|---|---|---|---|---|',
    ...([...STEPS, 'total'] as const).map(
      (step) =>
        `| ${STEP_NAMES[step]}${step === 'total' ? ' (wall)' : ''} | ` +
        `${perImage(seqImages, step)} | ${perImage(poolImages, step)} | ${realtime(seqVideos, step)} | ${realtime(poolVideos, step)} |`,
    ),
    '',
    'CPU seconds of the sequential run, this process and its ffmpeg/pocketsphinx children together (what the steps cost ' +
      `whatever the number of cores; 20× real time on ${os.cpus().length} cores allows ${(os.cpus().length / 20).toFixed(2)} CPU s per video second):`,
    '',
    '| step | CPU ms per image | CPU s per video second | CPU s, all videos |',
    '|---|---|---|---|',
    ...([...STEPS, 'total'] as const).map(
      (step) =>
        `| ${STEP_NAMES[step]} | ${cpuImages[step] > 0 ? ((1000 * cpuImages[step]) / images.length).toFixed(0) : '–'} | ` +
        `${cpuVideos[step] > 0 ? (cpuVideos[step] / videoSeconds).toFixed(3) : '–'} | ${cpuVideos[step] > 0 ? cpuVideos[step].toFixed(1) : '–'} |`,
    ),
    '',
  ];
  const report = lines.join('\n');
  console.log(report);
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  fs.writeFileSync(outFile, report + handWrittenSections(outFile, /^## /m));
  fs.rmSync(work, { recursive: true, force: true });
}

await main();
