import os from 'node:os';
import path from 'node:path';
import type { DetectorPrecision } from './analysis/face/ssd-onnx.js';
import { resolveModelDir } from './models/model-paths.js';
import { DEFAULT_SPEECH_GATE_THRESHOLD } from './analysis/speech/speech-regions.js';
import { DEFAULT_MM_MODEL } from './models/registry.js';
import { DEFAULT_SEARCH_MIN_SCORE } from './search/hybrid/relevance.js';
import { DEFAULT_URL_FETCH_POLICY, validateCidrs, type UrlFetchPolicy } from './media/url-policy.js';

/**
 * Everything the server can be told from the environment. These names are the public contract
 * (README "Configuration"); keep them stable.
 */
export interface Config {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  /** AccessKeyId -> AccessKeySecret. Empty: authentication is off and the server stays on loopback. */
  readonly accessKeys: ReadonlyMap<string, string>;
  /** Allow an unauthenticated server to listen on a non-loopback address. */
  readonly allowInsecureBind: boolean;
  /**
   * Base of the absolute URLs put in responses (CoverUrl, Snapshots, Image), e.g.
   * https://media.example.com or https://example.com/mediasearch (MEDIASEARCH_PUBLIC_URL).
   * Absent: each request's own scheme and host (src/api/public-base-url.ts).
   */
  readonly publicUrl: string | undefined;
  readonly fileRoots: readonly string[];
  /** How http(s) inputs may be fetched (MEDIASEARCH_ALLOW_PRIVATE_URLS, _URL_ALLOW_CIDRS, _MAX_MEDIA_BYTES, _DOWNLOAD_TIMEOUT_MS). */
  readonly urlPolicy: UrlFetchPolicy;
  readonly maxMediaBytes: number;
  readonly workers: number;
  readonly jobMaxAttempts: number;
  readonly jobRetryBaseMs: number;
  readonly shutdownGraceMs: number;
  readonly maxClockSkewMs: number;
  readonly logLevel: string;
  readonly analysis: AnalysisConfig;
  /** Relevance floor of natural-language search, 0–1 (MEDIASEARCH_SEARCH_MIN_SCORE; docs/search.md). */
  readonly searchMinScore: number;
  /** How long a FaceSearchToken remembers its query (MEDIASEARCH_FACE_TOKEN_TTL_SECONDS; docs/faces.md). */
  readonly faceSearchTokenTtlMs: number;
}

/** How media is analysed (segments, models, sampling); passed to the worker threads as plain data. */
export interface AnalysisConfig {
  /** Where `mediasearch models pull` puts models and the analysers read them (MEDIASEARCH_MODEL_DIR). */
  readonly modelDir: string;
  /** Visual-language model of the mm index: a registry name (MEDIASEARCH_MM_MODEL). */
  readonly mmModel: string;
  /** Longest segment in seconds; longer shots are split (MEDIASEARCH_SEGMENT_MAX_SECONDS). */
  readonly segmentMaxSeconds: number;
  /** One keyframe per this many seconds of a segment, at least one (MEDIASEARCH_KEYFRAME_EVERY_SECONDS). */
  readonly keyframeEverySeconds: number;
  /** Frames per second sampled from videos for face detection (MEDIASEARCH_FACE_SAMPLE_FPS). */
  readonly faceSampleFps: number;
  /** Small-detector score below which a sampled video frame skips the full face analysis; 0 analyses all (MEDIASEARCH_FACE_GATE_SCORE). */
  readonly faceGateScore: number;
  /**
   * Arithmetic of the face detector on video frames (MEDIASEARCH_VIDEO_FACE_DETECTOR): int8
   * (default, ~2.3× faster) or float32 (face-api's own; faces scored near the 0.4 threshold can
   * land on the other side in int8); photos always use float32. See docs/benchmarks/int8.md.
   */
  readonly videoFaceDetector: DetectorPrecision;
  /** Speech-to-text engine: auto (the first installed), pocketsphinx, or none (MEDIASEARCH_SPEECH_ENGINE). */
  readonly speechEngine: 'auto' | 'pocketsphinx' | 'none';
  /** Silero VAD speech probability from which audio is transcribed; 0 transcribes everything (MEDIASEARCH_SPEECH_GATE_SCORE). */
  readonly speechGateScore: number;
}

type Env = Readonly<Record<string, string | undefined>>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!/^\s*-?\d+\s*$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function decimal(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be a number from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}

function flag(env: Env, name: string): boolean {
  const raw = (env[name] ?? '').trim().toLowerCase();
  if (raw === '' || raw === '0' || raw === 'false' || raw === 'no') return false;
  if (raw === '1' || raw === 'true' || raw === 'yes') return true;
  throw new ConfigError(`${name} must be true or false, got "${env[name]}"`);
}

function list(env: Env, name: string): string[] {
  return (env[name] ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

/** An absolute http(s) URL without query, fragment or credentials, kept without a trailing slash. */
function publicUrl(env: Env): string | undefined {
  const raw = env.MEDIASEARCH_PUBLIC_URL?.trim();
  if (!raw) return undefined;
  const problem = `MEDIASEARCH_PUBLIC_URL must be an absolute http(s) URL such as https://media.example.com, got "${raw}"`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(problem);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash || url.username || url.password) {
    throw new ConfigError(`${problem} (no query, fragment or user:password)`);
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

function parseAccessKeys(raw: string | undefined): Map<string, string> {
  const keys = new Map<string, string>();
  for (const pair of (raw ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const colon = pair.indexOf(':');
    if (colon <= 0 || colon === pair.length - 1) {
      throw new ConfigError('MEDIASEARCH_ACCESS_KEYS must look like "id:secret,id2:secret2"');
    }
    keys.set(pair.slice(0, colon), pair.slice(colon + 1));
  }
  return keys;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function logLevel(env: Env): string {
  const level = env.LOG_LEVEL?.trim() || 'info';
  if (!LOG_LEVELS.includes(level)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${level}"`);
  return level;
}

function cidrs(env: Env): string[] {
  const entries = list(env, 'MEDIASEARCH_URL_ALLOW_CIDRS');
  try {
    validateCidrs(entries);
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  return entries;
}

export function loadConfig(env: Env = process.env): Config {
  const dataDir = path.resolve(env.MEDIASEARCH_DATA_DIR?.trim() || './data');
  const maxMediaBytes = integer(env, 'MEDIASEARCH_MAX_MEDIA_BYTES', 2 * 1024 ** 3, 1, Number.MAX_SAFE_INTEGER);
  return {
    host: env.HOST?.trim() || '127.0.0.1',
    port: integer(env, 'PORT', 8080, 0, 65535),
    dataDir,
    accessKeys: parseAccessKeys(env.MEDIASEARCH_ACCESS_KEYS),
    allowInsecureBind: flag(env, 'MEDIASEARCH_ALLOW_INSECURE_BIND'),
    publicUrl: publicUrl(env),
    fileRoots: list(env, 'MEDIASEARCH_FILE_ROOTS').map((root) => path.resolve(root)),
    urlPolicy: {
      ...DEFAULT_URL_FETCH_POLICY,
      allowPrivateNetworks: flag(env, 'MEDIASEARCH_ALLOW_PRIVATE_URLS'),
      allowedCidrs: cidrs(env),
      maxBytes: maxMediaBytes,
      timeoutMs: integer(env, 'MEDIASEARCH_DOWNLOAD_TIMEOUT_MS', 10 * 60_000, 1000, 24 * 3600_000),
    },
    maxMediaBytes,
    workers: integer(env, 'MEDIASEARCH_WORKERS', Math.max(1, os.availableParallelism()), 1, 256),
    jobMaxAttempts: integer(env, 'MEDIASEARCH_JOB_MAX_ATTEMPTS', 3, 1, 100),
    jobRetryBaseMs: integer(env, 'MEDIASEARCH_JOB_RETRY_BASE_MS', 2000, 0, 3600_000),
    shutdownGraceMs: integer(env, 'MEDIASEARCH_SHUTDOWN_GRACE_MS', 10_000, 0, 3600_000),
    maxClockSkewMs: integer(env, 'MEDIASEARCH_MAX_CLOCK_SKEW_MS', 15 * 60_000, 1000, 24 * 3600_000),
    logLevel: logLevel(env),
    searchMinScore: decimal(env, 'MEDIASEARCH_SEARCH_MIN_SCORE', DEFAULT_SEARCH_MIN_SCORE, 0, 1),
    faceSearchTokenTtlMs: integer(env, 'MEDIASEARCH_FACE_TOKEN_TTL_SECONDS', 24 * 3600, 60, 365 * 24 * 3600) * 1000,
    analysis: {
      modelDir: resolveModelDir(env),
      mmModel: env.MEDIASEARCH_MM_MODEL?.trim() || DEFAULT_MM_MODEL,
      segmentMaxSeconds: decimal(env, 'MEDIASEARCH_SEGMENT_MAX_SECONDS', 10, 0.5, 3600),
      keyframeEverySeconds: decimal(env, 'MEDIASEARCH_KEYFRAME_EVERY_SECONDS', 5, 0.5, 3600),
      faceSampleFps: decimal(env, 'MEDIASEARCH_FACE_SAMPLE_FPS', 2, 0.05, 30),
      faceGateScore: decimal(env, 'MEDIASEARCH_FACE_GATE_SCORE', 0.2, 0, 1),
      // The same default as analyseVideoFaces' DEFAULT_VIDEO_FACE_DETECTOR (not imported: it would load the face models' modules).
      videoFaceDetector: oneOf<DetectorPrecision>(env, 'MEDIASEARCH_VIDEO_FACE_DETECTOR', ['int8', 'float32'], 'int8'),
      speechEngine: oneOf(env, 'MEDIASEARCH_SPEECH_ENGINE', ['auto', 'pocketsphinx', 'none'] as const, 'auto'),
      speechGateScore: decimal(env, 'MEDIASEARCH_SPEECH_GATE_SCORE', DEFAULT_SPEECH_GATE_THRESHOLD, 0, 0.95),
    },
  };
}
