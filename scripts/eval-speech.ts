/**
 * What the speech gate (Silero VAD in front of pocketsphinx, src/analysis/speech/speech-gate.ts)
 * keeps and what it saves, with the gate on (the default threshold) and off (threshold 0) in the
 * same run:
 *
 * - synthetic recordings with known words: Harvard sentences spoken by espeak-ng (en-us+klatt2,
 *   160 words a minute, a voice pocketsphinx recognises well), separated by seeded-random pauses of
 *   1–8 s, clean, in pink noise, in brown room noise, under a music-like bed, very quiet, and very quiet after loud music; word
 *   error rate, reference words recalled, seconds passed to the recogniser, CPU and wall seconds of
 *   the transcribe call, and which sentences and words the gate cut;
 * - the sound tracks of the shared videos (no reference transcript): the same costs and both
 *   transcripts side by side.
 *
 *   npm run eval:speech -- [--per-recording 8] [--conditions clean,pink,room,music,quiet,quiet-after-music] [--out docs/benchmarks/speech.md]
 *
 * Needs ffmpeg, espeak-ng and pocketsphinx with its US English model (Debian packages ffmpeg,
 * espeak-ng, pocketsphinx, pocketsphinx-en-us); exits with status 2 when one is missing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findPocketsphinx } from '../src/analysis/speech/pocketsphinx-engine.js';
import { selectSpeechEngine, type SpeechEngine, type Transcript } from '../src/analysis/speech/speech-engine.js';
import { decodePcm } from '../src/analysis/speech/pcm-audio.js';
import { findSpeechRegions } from '../src/analysis/speech/speech-gate.js';
import { DEFAULT_SPEECH_GATE_THRESHOLD, DEFAULT_SPEECH_REGION_OPTIONS, type SpeechRegion } from '../src/analysis/speech/speech-regions.js';
import { seededRandom } from '../test/helpers/seeded-random.js';
import { processCpuSeconds } from './process-cpu.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const SHARED = path.resolve(process.env.MEDIASEARCH_SHARED_DATA ?? path.join(here, '../../../shared/data'));
const SHARED_TRACKS = ['videos/charades_univtg_example.mp4', 'videos/cockatoo.mp4', 'faces/face_recognition/short_hamilton_clip.mp4'];

function arg(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] ? process.argv[at + 1]! : fallback;
}
const outFile = path.resolve(arg('out', path.join(here, '../../docs/benchmarks/speech.md')));
const perRecording = Number(arg('per-recording', '8'));
const SEED = 1969;

/**
 * The Harvard sentences, lists 1–4: phonetically balanced sentences from the IEEE Recommended
 * Practice for Speech Quality Measurements (IEEE No. 297, 1969, appendix), a US government-sponsored
 * publication in the public domain, widely used for speech intelligibility and recogniser tests.
 */
const HARVARD_SENTENCES = [
  // List 1
  'The birch canoe slid on the smooth planks.',
  'Glue the sheet to the dark blue background.',
  "It's easy to tell the depth of a well.",
  'These days a chicken leg is a rare dish.',
  'Rice is often served in round bowls.',
  'The juice of lemons makes fine punch.',
  'The box was thrown beside the parked truck.',
  'The hogs were fed chopped corn and garbage.',
  'Four hours of steady work faced us.',
  'A large size in stockings is hard to sell.',
  // List 2
  'The boy was there when the sun rose.',
  'A rod is used to catch pink salmon.',
  'The source of the huge river is the clear spring.',
  'Kick the ball straight and follow through.',
  'Help the woman get back to her feet.',
  'A pot of tea helps to pass the evening.',
  'Smoky fires lack flame and heat.',
  "The soft cushion broke the man's fall.",
  'The salt breeze came across from the sea.',
  'The girl at the booth sold fifty bonds.',
  // List 3
  'The small pup gnawed a hole in the sock.',
  'The fish twisted and turned on the bent hook.',
  'Press the pants and sew a button on the vest.',
  'The swan dive was far short of perfect.',
  'The beauty of the view stunned the young boy.',
  'Two blue fish swam in the tank.',
  'Her purse was full of useless trash.',
  'The colt reared and threw the tall rider.',
  'It snowed, rained, and hailed the same morning.',
  'Read verse out loud for pleasure.',
  // List 4
  'Hoist the load to your left shoulder.',
  'Take the winding path to reach the lake.',
  'Note closely the size of the gas tank.',
  'Wipe the grease off his dirty face.',
  'Mend the coat before you go out.',
  'The wrist was badly strained and hung limp.',
  'The stray cat gave birth to kittens.',
  'The young girl gave no clear response.',
  'The meal was cooked before the bell rang.',
  'What joy there is in living.',
];

/** Function words, left out of the "content words" recall (what a search for a topic would type). */
const FUNCTION_WORDS = new Set(
  'a an the and or but of to in on at for from by with off out as is was were are be been it its it\'s his her he she him you your we us they there when what no not this that these those'.split(' '),
);

// ---------------------------------------------------------------- audio synthesis

const RATE = 22_050; // espeak-ng's output rate; the beds are made at it too

/** A bed under the speech: an ffmpeg lavfi source, its level relative to the speech. */
interface Bed {
  source: string;
  /** Speech RMS (over the sentences) above the bed's RMS, in dB. */
  snrDb: number;
  what: string;
}

interface Condition {
  id: string;
  title: string;
  bed: Bed | null;
  /** When set, the whole mix is scaled so that the speech RMS is at this level (dBFS). */
  speechLevelDb: number | null;
  /** When set, this plays first, at its own level (RMS dBFS), before the (scaled) mix. */
  intro?: { source: string; seconds: number; levelDb: number; what: string };
}

/**
 * Chords of sines with two overtones, a piano-like decay restarted at every chord (every 2 s) and a
 * 5 Hz tremolo: C, Am, F, G, each with its root an octave down as a bass.
 */
function musicSource(): string {
  const chords = [
    [130.81, 261.63, 329.63, 392.0],
    [110.0, 220.0, 261.63, 329.63],
    [87.31, 174.61, 220.0, 261.63],
    [98.0, 196.0, 246.94, 293.66],
  ];
  const voices = [0, 1, 2, 3].map((v) => `st(${v + 1},${chords.map((c, k) => `eq(ld(0),${k})*${c[v]!}`).join('+')})`);
  const tones = [1, 2, 3, 4].map((r) => `sin(2*PI*t*ld(${r}))+0.5*sin(4*PI*t*ld(${r}))+0.25*sin(6*PI*t*ld(${r}))`).join('+');
  const expr = `st(0,mod(floor(t/2),4));${voices.join(';')};0.1*(${tones})*exp(-0.7*mod(t,2))*(1+0.3*sin(2*PI*5*t))`;
  return `aevalsrc=exprs='${expr}':sample_rate=${RATE}`;
}

const ROOM: Bed = { source: `anoisesrc=color=brown:amplitude=0.5:sample_rate=${RATE}:seed=12`, snrDb: 25, what: 'brown noise (ffmpeg anoisesrc, seed 12) 25 dB below the speech' };

const CONDITIONS: Condition[] = [
  { id: 'clean', title: 'clean', bed: null, speechLevelDb: null },
  {
    id: 'pink',
    title: 'pink noise, 15 dB SNR',
    bed: { source: `anoisesrc=color=pink:amplitude=0.5:sample_rate=${RATE}:seed=11`, snrDb: 15, what: 'pink noise (ffmpeg anoisesrc, seed 11) 15 dB below the speech' },
    speechLevelDb: null,
  },
  { id: 'room', title: 'brown room noise, 25 dB SNR', bed: ROOM, speechLevelDb: null },
  {
    id: 'music',
    title: 'music-like bed, 12 dB SNR',
    bed: { source: musicSource(), snrDb: 12, what: 'chords of sines with overtones, decay and tremolo (ffmpeg aevalsrc, C–Am–F–G, 2 s each) 12 dB below the speech' },
    speechLevelDb: null,
  },
  { id: 'quiet', title: 'very quiet (speech at −45 dBFS)', bed: ROOM, speechLevelDb: -45 },
  {
    id: 'quiet-after-music',
    title: 'very quiet speech after 20 s of loud music',
    bed: ROOM,
    speechLevelDb: -45,
    intro: { source: musicSource(), seconds: 20, levelDb: -12, what: '20 s of the chord music at −12 dBFS RMS first' },
  },
];

interface Sentence {
  text: string;
  /** Voiced extent in the recording, seconds. */
  from: number;
  to: number;
}

interface Recording {
  condition: Condition;
  file: string;
  seconds: number;
  sentences: Sentence[];
  reference: { word: string; sentence: number }[];
  speechRmsDb: number;
  bedRmsDb: number | null;
  peakDb: number;
}

function run(program: string, args: string[]): void {
  execFileSync(program, args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** The samples of a 16-bit mono WAV file (espeak-ng's output), as floats in [−1, 1). */
function readWav(file: string): Float32Array {
  const buffer = fs.readFileSync(file);
  let at = 12;
  while (at + 8 <= buffer.length) {
    const id = buffer.toString('ascii', at, at + 4);
    const size = buffer.readUInt32LE(at + 4);
    if (id === 'data') return pcmToFloat(buffer.subarray(at + 8, Math.min(buffer.length, at + 8 + size)));
    at += 8 + size + (size & 1);
  }
  throw new Error(`${file}: no data chunk`);
}

function pcmToFloat(bytes: Buffer): Float32Array {
  const samples = new Float32Array(bytes.length >> 1);
  for (let i = 0; i < samples.length; i++) samples[i] = bytes.readInt16LE(2 * i) / 32768;
  return samples;
}

function writeWav(file: string, samples: Float32Array): void {
  const data = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) data.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(samples[i]! * 32768))), 2 * i);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(RATE, 24);
  header.writeUInt32LE(RATE * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(data.length, 40);
  fs.writeFileSync(file, Buffer.concat([header, data]));
}

const decibels = (x: number) => (x > 0 ? 20 * Math.log10(x) : -120);

function rms(samples: Float32Array, ranges: readonly [number, number][] = [[0, samples.length]]): number {
  let sum = 0;
  let count = 0;
  for (const [from, to] of ranges) {
    for (let i = from; i < to; i++) sum += samples[i]! * samples[i]!;
    count += to - from;
  }
  return Math.sqrt(sum / Math.max(1, count));
}

/** First and last sample above −40 dBFS: where espeak-ng's sentence really starts and ends. */
function voicedExtent(samples: Float32Array): [number, number] {
  const limit = 0.01;
  let first = 0;
  while (first < samples.length && Math.abs(samples[first]!) < limit) first++;
  let last = samples.length;
  while (last > first && Math.abs(samples[last - 1]!) < limit) last--;
  return [first, last];
}

function words(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9' ]+/g, ' ')
    .split(/\s+/)
    .map((w) => w.replace(/^'+|'+$/g, ''))
    .filter(Boolean);
}

const spokenCache = new Map<string, Float32Array>();

function spoken(work: string, text: string): Float32Array {
  let samples = spokenCache.get(text);
  if (!samples) {
    const wav = path.join(work, `sentence-${spokenCache.size}.wav`);
    run('espeak-ng', ['-v', 'en-us+klatt2', '-s', '160', '-w', wav, text]);
    samples = readWav(wav);
    spokenCache.set(text, samples);
  }
  return samples;
}

/** The bed, made by ffmpeg at RATE for `samples` samples. */
function bedSamples(work: string, bed: Bed, samples: number): Float32Array {
  const raw = path.join(work, 'bed.raw');
  run('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-f', 'lavfi', '-i', bed.source, '-t', String(samples / RATE), '-ac', '1', '-ar', String(RATE), '-f', 's16le', raw]);
  const out = pcmToFloat(fs.readFileSync(raw));
  fs.rmSync(raw);
  if (out.length < samples) throw new Error(`ffmpeg made ${out.length} samples of ${bed.source}, ${samples} wanted`);
  return out.subarray(0, samples);
}

function buildRecording(work: string, condition: Condition, index: number): Recording {
  const texts = Array.from({ length: perRecording }, (_, i) => HARVARD_SENTENCES[(index * perRecording + i) % HARVARD_SENTENCES.length]!);
  const random = seededRandom(SEED + index);
  const pause = () => Math.round((1 + 7 * random()) * RATE);
  const parts: Float32Array[] = [];
  const voiced: [number, number][] = [];
  let length = 0;
  for (const text of texts) {
    const gap = pause();
    parts.push(new Float32Array(gap));
    length += gap;
    const samples = spoken(work, text);
    const [first, last] = voicedExtent(samples);
    voiced.push([length + first, length + last]);
    parts.push(samples);
    length += samples.length;
  }
  const tail = pause();
  parts.push(new Float32Array(tail));
  length += tail;
  const mix = new Float32Array(length);
  let at = 0;
  for (const part of parts) {
    mix.set(part, at);
    at += part.length;
  }

  const speechRms = rms(mix, voiced);
  let bedRms: number | null = null;
  if (condition.bed) {
    const bed = bedSamples(work, condition.bed, length);
    const gain = speechRms / 10 ** (condition.bed.snrDb / 20) / rms(bed);
    for (let i = 0; i < length; i++) mix[i]! += bed[i]! * gain;
    bedRms = speechRms / 10 ** (condition.bed.snrDb / 20);
  }
  let level = 1;
  if (condition.speechLevelDb !== null) {
    level = 10 ** (condition.speechLevelDb / 20) / speechRms;
    for (let i = 0; i < length; i++) mix[i]! *= level;
  }
  // A loud stretch before quiet speech: a gain for the whole file would be set by it.
  let introSamples = 0;
  let recording = mix;
  if (condition.intro) {
    introSamples = Math.round(condition.intro.seconds * RATE);
    const intro = bedSamples(work, { source: condition.intro.source, snrDb: 0, what: condition.intro.what }, introSamples);
    const introGain = 10 ** (condition.intro.levelDb / 20) / rms(intro);
    recording = new Float32Array(introSamples + length);
    for (let i = 0; i < introSamples; i++) recording[i] = intro[i]! * introGain;
    recording.set(mix, introSamples);
  }
  let peak = 0;
  for (const s of recording) peak = Math.max(peak, Math.abs(s));
  const file = path.join(work, `${condition.id}.wav`);
  writeWav(file, recording);
  return {
    condition,
    file,
    seconds: recording.length / RATE,
    sentences: texts.map((text, i) => ({ text, from: (introSamples + voiced[i]![0]) / RATE, to: (introSamples + voiced[i]![1]) / RATE })),
    reference: texts.flatMap((text, sentence) => words(text).map((word) => ({ word, sentence }))),
    speechRmsDb: decibels(speechRms * level),
    bedRmsDb: bedRms === null ? null : decibels(bedRms * level),
    peakDb: decibels(peak),
  };
}

// ---------------------------------------------------------------- scoring

interface Alignment {
  substitutions: number;
  deletions: number;
  insertions: number;
  /** Per reference word: recognised as itself. */
  correct: boolean[];
}

/** Word-level Levenshtein alignment of the hypothesis to the reference. */
function align(reference: readonly string[], hypothesis: readonly string[]): Alignment {
  const n = reference.length;
  const m = hypothesis.length;
  const cost = Array.from({ length: n + 1 }, (_, i) => Int32Array.from({ length: m + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= n; i++) {
    for (let j = 1; j <= m; j++) {
      const same = reference[i - 1] === hypothesis[j - 1] ? 0 : 1;
      cost[i]![j] = Math.min(cost[i - 1]![j - 1]! + same, cost[i - 1]![j]! + 1, cost[i]![j - 1]! + 1);
    }
  }
  const result: Alignment = { substitutions: 0, deletions: 0, insertions: 0, correct: new Array<boolean>(n).fill(false) };
  let i = n;
  let j = m;
  while (i > 0 || j > 0) {
    const here = cost[i]![j]!;
    if (i > 0 && j > 0 && here === cost[i - 1]![j - 1]! + (reference[i - 1] === hypothesis[j - 1] ? 0 : 1)) {
      if (reference[i - 1] === hypothesis[j - 1]) result.correct[i - 1] = true;
      else result.substitutions++;
      i--;
      j--;
    } else if (i > 0 && here === cost[i - 1]![j]! + 1) {
      result.deletions++;
      i--;
    } else {
      result.insertions++;
      j--;
    }
  }
  return result;
}

/** Share of the reference words (with repeats) found among the hypothesis words, order ignored. */
function bagRecall(reference: readonly string[], hypothesis: readonly string[]): { found: number; total: number } {
  const available = new Map<string, number>();
  for (const w of hypothesis) available.set(w, (available.get(w) ?? 0) + 1);
  let found = 0;
  for (const w of reference) {
    const left = available.get(w) ?? 0;
    if (left > 0) {
      found++;
      available.set(w, left - 1);
    }
  }
  return { found, total: reference.length };
}

// ---------------------------------------------------------------- measuring

interface Measured {
  transcript: Transcript;
  cpu: number;
  wall: number;
}

async function measure(engine: SpeechEngine, file: string): Promise<Measured> {
  const cpu = processCpuSeconds();
  const started = performance.now();
  const transcript = await engine.transcribe(file);
  return { transcript, wall: (performance.now() - started) / 1000, cpu: processCpuSeconds() - cpu };
}

/** The regions the gate finds in a file, decoded as the engine decodes it (16 kHz mono s16le). */
async function gateRegions(work: string, file: string, threshold: number): Promise<SpeechRegion[]> {
  const pcm = path.join(work, 'gate.raw');
  await decodePcm(file, pcm);
  try {
    return await findSpeechRegions(pcm, { threshold });
  } finally {
    fs.rmSync(pcm, { force: true });
  }
}

function overlap(regions: readonly SpeechRegion[], from: number, to: number): number {
  return regions.reduce((sum, r) => sum + Math.max(0, Math.min(r.to, to) - Math.max(r.from, from)), 0);
}

/** ffmpeg's volumedetect over the first audio stream, or null when the file has none. */
function audioLevels(file: string): { mean: number; max: number } | null {
  const result = spawnSync('ffmpeg', ['-nostdin', '-hide_banner', '-i', file, '-map', '0:a:0', '-af', 'volumedetect', '-f', 'null', '-'], { encoding: 'utf8' });
  const mean = /mean_volume: (-?[\d.]+) dB/.exec(result.stderr);
  const max = /max_volume: (-?[\d.]+) dB/.exec(result.stderr);
  return mean && max ? { mean: Number(mean[1]), max: Number(max[1]) } : null;
}

// ---------------------------------------------------------------- report helpers

const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => x.toFixed(2);
const pct = (x: number) => `${(100 * x).toFixed(0)}%`;
const pct1 = (x: number) => `${(100 * x).toFixed(1)}%`;
const signed = (x: number, digits = 1) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(digits)}`;

function piecesCell(transcript: Transcript, limit = 12): string {
  if (transcript.pieces.length === 0) return '(nothing)';
  const shown = transcript.pieces.slice(0, limit).map((p) => `${f1(p.from)}–${f1(p.to)} (${p.confidence === null ? '–' : f2(p.confidence)}) ${p.text}`);
  if (transcript.pieces.length > limit) shown.push(`… ${transcript.pieces.length - limit} more`);
  return shown.join('<br>');
}

function installed(program: string, probe: string[]): boolean {
  const result = spawnSync(program, probe, { stdio: 'ignore' });
  return !(result.error && (result.error as NodeJS.ErrnoException).code === 'ENOENT');
}

function firstLine(program: string, args: string[]): string {
  return spawnSync(program, args, { encoding: 'utf8' }).stdout.split('\n')[0]!.trim();
}

// ---------------------------------------------------------------- main

interface SyntheticRow {
  recording: Recording;
  regions: SpeechRegion[];
  on: Measured & { alignment: Alignment; recall: { found: number; total: number }; content: { found: number; total: number } };
  off: SyntheticRow['on'];
}

async function main(): Promise<void> {
  const missing: string[] = [];
  if (!installed('ffmpeg', ['-version'])) missing.push('ffmpeg is not installed (Debian package: ffmpeg)');
  if (!installed('espeak-ng', ['--version'])) missing.push('espeak-ng is not installed (Debian package: espeak-ng)');
  const pocketsphinx = await findPocketsphinx();
  if (!pocketsphinx.ok) missing.push(`pocketsphinx is not usable: ${pocketsphinx.problem}`);
  if (missing.length > 0) {
    console.error(`eval:speech cannot run:\n  ${missing.join('\n  ')}`);
    process.exit(2);
  }
  const wanted = arg('conditions', CONDITIONS.map((c) => c.id).join(',')).split(',');
  const unknown = wanted.filter((id) => !CONDITIONS.some((c) => c.id === id));
  if (unknown.length > 0 || !(perRecording >= 1)) {
    console.error(`eval:speech: unknown condition ${unknown.join(', ')} (known: ${CONDITIONS.map((c) => c.id).join(', ')}) or bad --per-recording`);
    process.exit(2);
  }
  const threshold = DEFAULT_SPEECH_GATE_THRESHOLD;
  const gated = (await selectSpeechEngine({ engine: 'pocketsphinx', gateThreshold: threshold })).engine!;
  const ungated = (await selectSpeechEngine({ engine: 'pocketsphinx', gateThreshold: 0 })).engine!;
  const sharedFiles = SHARED_TRACKS.map((f) => path.join(SHARED, f));
  const sharedMissing = sharedFiles.filter((f) => !fs.existsSync(f));
  if (sharedMissing.length > 0) console.error(`eval:speech: shared data missing (${sharedMissing.join(', ')}); set MEDIASEARCH_SHARED_DATA. Those tracks are skipped.`);

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'eval-speech-'));
  const started = performance.now();
  const load = [os.loadavg()[0]!];
  try {
    const recordings = CONDITIONS.map((c, i) => ({ c, i }))
      .filter(({ c }) => wanted.includes(c.id))
      .map(({ c, i }) => buildRecording(work, c, i));

    // Warm-up: the VAD session loads on first use; pocketsphinx's model files come into the page cache.
    const warm = path.join(work, 'warm.wav');
    writeWav(warm, spoken(work, HARVARD_SENTENCES[0]!));
    await gated.transcribe(warm);
    await ungated.transcribe(warm);

    const rows: SyntheticRow[] = [];
    for (const [index, recording] of recordings.entries()) {
      console.error(`${recording.condition.id}: ${f1(recording.seconds)} s, ${recording.reference.length} words`);
      const regions = await gateRegions(work, recording.file, threshold);
      const reference = recording.reference.map((r) => r.word);
      const score = (m: Measured) => {
        const hypothesis = m.transcript.pieces.flatMap((p) => words(p.text));
        return {
          ...m,
          alignment: align(reference, hypothesis),
          recall: bagRecall(reference, hypothesis),
          content: bagRecall(reference.filter((w) => !FUNCTION_WORDS.has(w)), hypothesis),
        };
      };
      // Which setting goes first alternates, so neither always meets a warmer cache.
      const first = index % 2 === 0 ? gated : ungated;
      const second = first === gated ? ungated : gated;
      const a = score(await measure(first, recording.file));
      const b = score(await measure(second, recording.file));
      const [on, off] = first === gated ? [a, b] : [b, a];
      const regionSeconds = regions.reduce((sum, r) => sum + r.to - r.from, 0);
      if (Math.abs(regionSeconds - on.transcript.speechSeconds) > 0.01) {
        console.error(`warning: the gate's regions (${f2(regionSeconds)} s) differ from what the engine passed (${f2(on.transcript.speechSeconds)} s)`);
      }
      rows.push({ recording, regions, on, off });
    }
    load.push(os.loadavg()[0]!);

    const shared: { file: string; levels: { mean: number; max: number } | null; on: Measured; off: Measured }[] = [];
    for (const [index, file] of sharedFiles.entries()) {
      if (!fs.existsSync(file)) continue;
      console.error(path.basename(file));
      const levels = audioLevels(file);
      const first = index % 2 === 0 ? gated : ungated;
      const a = await measure(first, file);
      const b = await measure(first === gated ? ungated : gated, file);
      shared.push({ file, levels, ...(first === gated ? { on: a, off: b } : { on: b, off: a }) });
    }
    load.push(os.loadavg()[0]!);
    const elapsed = (performance.now() - started) / 1000;

    const report = render(rows, shared, sharedMissing, threshold, load, elapsed);
    console.log(report);
    fs.mkdirSync(path.dirname(outFile), { recursive: true });
    fs.writeFileSync(outFile, report + '\n');
    console.error(`\nwritten to ${outFile} (${f1(elapsed)} s)`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function render(
  rows: SyntheticRow[],
  shared: { file: string; levels: { mean: number; max: number } | null; on: Measured; off: Measured }[],
  sharedMissing: string[],
  threshold: number,
  load: number[],
  elapsed: number,
): string {
  const args = process.argv.slice(2);
  const cpu = os.cpus();
  const lines = [
    '# Speech gate evaluation',
    '',
    `Command: \`npm run eval:speech${args.length ? ` -- ${args.join(' ')}` : ''}\` · ${new Date().toISOString().slice(0, 10)} · ` +
      `${cpu.length} cores (${cpu[0]?.model ?? 'cpu'}) · Node ${process.version} · ${firstLine('ffmpeg', ['-version']).replace(/ Copyright.*/, '')} · ` +
      `${firstLine('espeak-ng', ['--version']).replace(/\s+Data at:.*/, '')} · pocketsphinx_continuous with pocketsphinx-en-us`,
    '',
    `scripts/eval-speech.ts runs the product's speech engine (\`selectSpeechEngine({ engine: 'pocketsphinx', gateThreshold })\`) on each file twice in the same run: ` +
      `**gate on** (Silero VAD threshold ${threshold}, the default; only the speech regions, padded, are loudness-normalised and decoded) and **gate off** ` +
      '(threshold 0: the whole track is normalised and decoded). Which goes first alternates from file to file, after one warm-up of each. ' +
      'CPU seconds are those of the `transcribe` call including its ffmpeg and pocketsphinx child processes (utime + stime + cutime + cstime of /proc/self/stat); ' +
      `wall seconds are skewed by other work on the machine (1-minute load average ${load.map(f1).join(' → ')} during the run). The script took ${f1(elapsed / 60)} min.`,
    '',
  ];

  if (rows.length > 0) {
    const allSentences = rows.reduce((n, r) => n + r.recording.sentences.length, 0);
    lines.push(
      '## Synthetic speech with known words',
      '',
      `${allSentences} Harvard sentences (IEEE Recommended Practice for Speech Quality Measurements, 1969, lists 1–4; public domain), ` +
        `${rows[0]!.recording.sentences.length} per recording, in list order, spoken by espeak-ng (voice en-us+klatt2, 160 words a minute) with ` +
        `pauses of 1–8 s (seeded, uniform) before each sentence and after the last; the pauses are digital silence before any bed is added. ` +
        'Speech levels are RMS over the sentences; beds are scaled against that. Each condition has its own sentences, so compare the gate on and off within a row pair rather than conditions with each other.',
      '',
      '| condition | sentences | reference words | audio s | sentences s | speech RMS | bed | peak |',
      '|---|---|---|---|---|---|---|---|',
    );
    for (const { recording: r } of rows) {
      const sentenceSeconds = r.sentences.reduce((s, x) => s + x.to - x.from, 0);
      lines.push(
        `| ${r.condition.title} | ${r.sentences.length} | ${r.reference.length} | ${f1(r.seconds)} | ${f1(sentenceSeconds)} | ${f1(r.speechRmsDb)} dBFS | ` +
          `${r.condition.bed ? `${r.condition.bed.what}: ${f1(r.bedRmsDb!)} dBFS RMS` : 'none (digital silence)'}${r.condition.speechLevelDb !== null ? '; whole mix turned down' : ''}${r.condition.intro ? `; ${r.condition.intro.what}` : ''} | ${f1(r.peakDb)} dBFS |`,
      );
    }
    lines.push(
      '',
      '### Recognition and cost',
      '',
      'WER: word-level Levenshtein distance between the reference and the transcript (lowercase, punctuation stripped), (substitutions + deletions + insertions) / reference words. ' +
        'Recalled: reference words found among the transcript\'s words, order ignored (what search needs). Content words: the same without function words (the, a, of, to, was, …).',
      '',
      '| condition | gate | passed / audio s | WER (S+D+I / N) | words recalled | content words recalled | CPU s | wall s |',
      '|---|---|---|---|---|---|---|---|',
    );
    type Side = SyntheticRow['on'];
    const sum = (side: 'on' | 'off', pick: (s: Side, r: SyntheticRow) => number) => rows.reduce((t, r) => t + pick(r[side], r), 0);
    const errors = (s: Side) => s.alignment.substitutions + s.alignment.deletions + s.alignment.insertions;
    for (const row of rows) {
      for (const side of ['on', 'off'] as const) {
        const s = row[side];
        const { substitutions: S, deletions: D, insertions: I } = s.alignment;
        const n = row.recording.reference.length;
        lines.push(
          `| ${side === 'on' ? row.recording.condition.title : ''} | ${side} | ${f1(s.transcript.speechSeconds)} / ${f1(s.transcript.audioSeconds)} (${pct(s.transcript.speechSeconds / s.transcript.audioSeconds)}) | ` +
            `**${f2(errors(s) / n)}** (${S}+${D}+${I} / ${n}) | ${s.recall.found}/${s.recall.total} (${pct(s.recall.found / s.recall.total)}) | ` +
            `${s.content.found}/${s.content.total} (${pct(s.content.found / s.content.total)}) | ${f1(s.cpu)} | ${f1(s.wall)} |`,
        );
      }
    }
    const totalWords = rows.reduce((t, r) => t + r.recording.reference.length, 0);
    const totals = Object.fromEntries(
      (['on', 'off'] as const).map((side) => [
        side,
        {
          passed: sum(side, (s) => s.transcript.speechSeconds),
          audio: sum(side, (s) => s.transcript.audioSeconds),
          errors: sum(side, (s) => errors(s)),
          S: sum(side, (s) => s.alignment.substitutions),
          D: sum(side, (s) => s.alignment.deletions),
          I: sum(side, (s) => s.alignment.insertions),
          recalled: sum(side, (s) => s.recall.found),
          content: sum(side, (s) => s.content.found),
          contentTotal: sum(side, (s) => s.content.total),
          cpu: sum(side, (s) => s.cpu),
          wall: sum(side, (s) => s.wall),
        },
      ]),
    ) as Record<'on' | 'off', { passed: number; audio: number; errors: number; S: number; D: number; I: number; recalled: number; content: number; contentTotal: number; cpu: number; wall: number }>;
    for (const side of ['on', 'off'] as const) {
      const t = totals[side];
      lines.push(
        `| **all** | ${side} | ${f1(t.passed)} / ${f1(t.audio)} (${pct(t.passed / t.audio)}) | **${f2(t.errors / totalWords)}** (${t.S}+${t.D}+${t.I} / ${totalWords}) | ` +
          `${t.recalled}/${totalWords} (${pct(t.recalled / totalWords)}) | ${t.content}/${t.contentTotal} (${pct(t.content / t.contentTotal)}) | **${f1(t.cpu)}** | ${f1(t.wall)} |`,
      );
    }

    // Where the gate cut, against the known sentence times.
    lines.push(
      '',
      '### What the gate cut',
      '',
      `Against the known sentence times (voiced extent of each espeak-ng sentence): the share of sentence time inside the gate's regions (with their ${DEFAULT_SPEECH_REGION_OPTIONS.paddingSeconds} s padding), ` +
        'sentences passed whole, in part or not at all, and how much of the pauses was passed. Then the reference words the aligned transcript got right ' +
        'only without the gate (lost) or only with it (gained), with their sentence number and whether the gate passed that sentence whole.',
      '',
      '| condition | sentence time passed | sentences whole / part / none | pause time passed | words lost | words gained |',
      '|---|---|---|---|---|---|',
    );
    let lostTotal = 0;
    let gainedTotal = 0;
    let lostInWhole = 0;
    const partial: string[] = [];
    for (const row of rows) {
      const { recording: r, regions } = row;
      const coverage = r.sentences.map((s) => overlap(regions, s.from, s.to) / (s.to - s.from));
      const whole = coverage.filter((c) => c > 0.995).length;
      const none = coverage.filter((c) => c < 0.005).length;
      const sentenceSeconds = r.sentences.reduce((t, s) => t + s.to - s.from, 0);
      const sentencePassed = r.sentences.reduce((t, s) => t + overlap(regions, s.from, s.to), 0);
      const regionSeconds = regions.reduce((t, g) => t + g.to - g.from, 0);
      const pauseSeconds = r.seconds - sentenceSeconds;
      const describe = (i: number) => {
        const { word, sentence } = r.reference[i]!;
        return `${word} (s${sentence + 1}${coverage[sentence]! > 0.995 ? '' : `, ${pct(coverage[sentence]!)} passed`})`;
      };
      const lost = r.reference.map((_, i) => i).filter((i) => row.off.alignment.correct[i] && !row.on.alignment.correct[i]);
      const gained = r.reference.map((_, i) => i).filter((i) => row.on.alignment.correct[i] && !row.off.alignment.correct[i]);
      lostTotal += lost.length;
      gainedTotal += gained.length;
      lostInWhole += lost.filter((i) => coverage[r.reference[i]!.sentence]! > 0.995).length;
      coverage.forEach((c, i) => {
        if (c <= 0.995) partial.push(`${r.condition.id} s${i + 1} "${r.sentences[i]!.text}" ${pct(c)}`);
      });
      const list = (items: number[]) => (items.length === 0 ? '—' : `${items.length}: ${items.slice(0, 12).map(describe).join(', ')}${items.length > 12 ? ', …' : ''}`);
      lines.push(
        `| ${r.condition.title} | ${pct1(sentencePassed / sentenceSeconds)} | ${whole} / ${r.sentences.length - whole - none} / ${none} | ` +
          `${f1(regionSeconds - sentencePassed)} of ${f1(pauseSeconds)} s (${pct(Math.max(0, regionSeconds - sentencePassed) / pauseSeconds)}) | ${list(lost)} | ${list(gained)} |`,
      );
    }
    if (partial.length > 0) lines.push('', `Sentences not passed whole: ${partial.join('; ')}.`);

    // Reading, from the numbers.
    const on = totals.on;
    const off = totals.off;
    const werOn = on.errors / totalWords;
    const werOff = off.errors / totalWords;
    const byCondition = rows.map((row) => ({
      title: row.recording.condition.title,
      delta: (errors(row.on) - errors(row.off)) / row.recording.reference.length,
      share: row.on.transcript.speechSeconds / row.on.transcript.audioSeconds,
      saved: 1 - row.on.cpu / Math.max(0.01, row.off.cpu),
    }));
    const widest = [...byCondition].sort((a, b) => b.share - a.share)[0]!;
    lines.push(
      '',
      `Reading: over the ${rows.length} recordings (${f1(off.audio)} s of audio, ${totalWords} reference words) the gate passed ${f1(on.passed)} s (${pct(on.passed / on.audio)}) to the recogniser; ` +
        `the transcribe calls took ${f1(on.cpu)} CPU s with the gate against ${f1(off.cpu)} without (${on.cpu <= off.cpu ? `${pct(1 - on.cpu / off.cpu)} saved` : `${pct(on.cpu / off.cpu - 1)} more`}) ` +
        `and ${f1(on.wall)} against ${f1(off.wall)} wall s. Word error rate ${f2(werOff)} without the gate, ${f2(werOn)} with it (${signed(100 * (werOn - werOff))} points; ` +
        `insertions ${off.I} → ${on.I}, deletions ${off.D} → ${on.D}, substitutions ${off.S} → ${on.S}); words recalled ${pct1(off.recalled / totalWords)} → ${pct1(on.recalled / totalWords)}, ` +
        `content words ${pct1(off.content / off.contentTotal)} → ${pct1(on.content / on.contentTotal)}. ` +
        `The gate lost ${lostTotal} words the ungated transcript had right and gained ${gainedTotal}` +
        (lostTotal > 0 ? `; ${lostInWhole} of the lost words were in sentences it passed whole, so they changed with what the recogniser heard around them (loudness normalisation over other audio, utterance boundaries, cepstral mean, language-model history), not because they were cut` : '') +
        `. WER change per condition (points; one word is about ${f1((100 * rows.length) / totalWords)} points of a condition): ${byCondition.map((c) => `${c.title} ${signed(100 * c.delta)}`).join(', ')}. ` +
        `Most audio passed: ${widest.title} (${pct(widest.share)}). CPU saved per condition, against the share of audio the gate cut: ` +
        `${byCondition.map((c) => `${c.title} ${c.saved >= 0 ? pct(c.saved) : `${signed(100 * c.saved, 0)}%`} (${pct(1 - c.share)} cut)`).join(', ')}.`,
      '',
      '<details><summary>Transcripts of the synthetic recordings</summary>',
      '',
    );
    for (const row of rows) {
      lines.push(
        `**${row.recording.condition.title}**`,
        '',
        `- reference: ${row.recording.sentences.map((s) => s.text).join(' ')}`,
        `- gate on: ${row.on.transcript.pieces.map((p) => p.text).join(' · ') || '(nothing)'}`,
        `- gate off: ${row.off.transcript.pieces.map((p) => p.text).join(' · ') || '(nothing)'}`,
        '',
      );
    }
    lines.push('</details>', '');
  }

  lines.push('## Sound tracks of the shared videos', '');
  if (shared.length === 0) {
    lines.push(`Skipped: the shared data was not found at ${SHARED} (set MEDIASEARCH_SHARED_DATA).`, '');
    return lines.join('\n');
  }
  lines.push(
    'No reference transcript exists for these; the costs and both transcripts side by side. Levels from ffmpeg volumedetect (mean and peak of the whole track).',
    '',
    '| file | audio level | gate | passed / audio s | CPU s | wall s | pieces | words |',
    '|---|---|---|---|---|---|---|---|',
  );
  for (const s of shared) {
    for (const side of ['on', 'off'] as const) {
      const m = s[side];
      const level = s.levels ? `mean ${f1(s.levels.mean)} dB, peak ${f1(s.levels.max)} dBFS` : 'no audio stream';
      lines.push(
        `| ${side === 'on' ? path.basename(s.file) : ''} | ${side === 'on' ? level : ''} | ${side} | ${f1(m.transcript.speechSeconds)} / ${f1(m.transcript.audioSeconds)} | ` +
          `${f1(m.cpu)} | ${f1(m.wall)} | ${m.transcript.pieces.length} | ${m.transcript.pieces.reduce((n, p) => n + words(p.text).length, 0)} |`,
      );
    }
  }
  const sharedSum = (side: 'on' | 'off', pick: (m: Measured) => number) => shared.reduce((t, s) => t + pick(s[side]), 0);
  for (const side of ['on', 'off'] as const) {
    lines.push(
      `| **all** | | ${side} | ${f1(sharedSum(side, (m) => m.transcript.speechSeconds))} / ${f1(sharedSum(side, (m) => m.transcript.audioSeconds))} | ` +
        `**${f1(sharedSum(side, (m) => m.cpu))}** | ${f1(sharedSum(side, (m) => m.wall))} | ${sharedSum(side, (m) => m.transcript.pieces.length)} | ` +
        `${sharedSum(side, (m) => m.transcript.pieces.reduce((n, p) => n + words(p.text).length, 0))} |`,
    );
  }
  lines.push('', 'Transcripts (piece start–end in s, mean word posterior, text; at most 12 pieces shown):', '', `| file | gate on (${threshold}) | gate off |`, '|---|---|---|');
  for (const s of shared) lines.push(`| ${path.basename(s.file)} | ${piecesCell(s.on.transcript)} | ${piecesCell(s.off.transcript)} |`);
  const cpuOn = sharedSum('on', (m) => m.cpu);
  const cpuOff = sharedSum('off', (m) => m.cpu);
  const quietest = [...shared].filter((s) => s.levels).sort((a, b) => a.levels!.max - b.levels!.max);
  lines.push(
    '',
    `Reading: on these ${shared.length} tracks (${f1(sharedSum('off', (m) => m.transcript.audioSeconds))} s) the gate passed ${f1(sharedSum('on', (m) => m.transcript.speechSeconds))} s ` +
      `and the transcribe calls took ${f1(cpuOn)} CPU s against ${f1(cpuOff)} without it (${cpuOn <= cpuOff ? `${pct(1 - cpuOn / Math.max(0.01, cpuOff))} saved` : `${pct(cpuOn / Math.max(0.01, cpuOff) - 1)} more`}); ` +
      `${sharedSum('on', (m) => m.transcript.pieces.length)} pieces with the gate, ${sharedSum('off', (m) => m.transcript.pieces.length)} without. ` +
      quietest
        .map((s) => `${path.basename(s.file)} ${s.levels!.max <= -90 ? `is digital silence (peak ${f1(s.levels!.max)} dB)` : `peaks at ${f1(s.levels!.max)} dBFS`}: ${s.on.transcript.pieces.length} pieces gated (${f1(s.on.transcript.speechSeconds)} s passed), ${s.off.transcript.pieces.length} ungated`)
        .join('; ') +
      '.',
    '',
  );
  if (sharedMissing.length > 0) lines.push(`Not found, skipped: ${sharedMissing.map((f) => path.relative(SHARED, f)).join(', ')}.`, '');
  return lines.join('\n');
}

await main();
