/**
 * Where pulled models live on disk and how to tell whether one is completely installed.
 *
 *   <modelDir>/<model name>/<repository-relative path>     the model's files
 *   <modelDir>/<model name>/.mediasearch-manifest.json     written last by the downloader
 *
 * The manifest is the "installed" marker: it is written (atomically) only after every file was
 * downloaded and verified, so a folder without it, or with one for another revision, is an
 * unfinished or outdated pull and loaders must not use it.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ModelSpec } from './model-spec.js';

export const MANIFEST_FILE_NAME = '.mediasearch-manifest.json';
export const MANIFEST_FORMAT_VERSION = 1;

export interface InstalledFile {
  path: string;
  size: number;
  sha256: string;
}

export interface InstalledManifest {
  formatVersion: number;
  name: string;
  repo: string;
  revision: string;
  /** ISO time the pull finished. */
  installedAt: string;
  files: InstalledFile[];
}

type Env = Readonly<Record<string, string | undefined>>;

/** MEDIASEARCH_MODEL_DIR, else `<MEDIASEARCH_DATA_DIR or ./data>/models`, always absolute. */
export function resolveModelDir(env: Env = process.env): string {
  const explicit = env.MEDIASEARCH_MODEL_DIR?.trim();
  if (explicit) return path.resolve(explicit);
  return path.resolve(env.MEDIASEARCH_DATA_DIR?.trim() || './data', 'models');
}

export function modelFolder(modelDir: string, name: string): string {
  assertSafeSegment(name, 'model name');
  return path.join(modelDir, name);
}

/**
 * The local path of one repository file. Paths come from the registry or a models file, so they are
 * checked to stay inside the model folder rather than trusted.
 */
export function modelFilePath(modelDir: string, name: string, repoPath: string): string {
  const segments = repoPath.split('/');
  for (const segment of segments) assertSafeSegment(segment, `file path "${repoPath}"`);
  return path.join(modelFolder(modelDir, name), ...segments);
}

export function manifestPath(modelDir: string, name: string): string {
  return path.join(modelFolder(modelDir, name), MANIFEST_FILE_NAME);
}

function assertSafeSegment(segment: string, what: string): void {
  if (segment === '' || segment === '.' || segment === '..' || /[\\\0]/.test(segment)) {
    throw new Error(`Invalid ${what}: it must be a relative path without ".", ".." or empty parts`);
  }
}

function isInstalledFile(value: unknown): value is InstalledFile {
  const file = value as Partial<InstalledFile> | null;
  return (
    typeof file === 'object' &&
    file !== null &&
    typeof file.path === 'string' &&
    typeof file.size === 'number' &&
    Number.isSafeInteger(file.size) &&
    file.size >= 0 &&
    typeof file.sha256 === 'string' &&
    /^[0-9a-f]{64}$/.test(file.sha256)
  );
}

function isManifest(value: unknown): value is InstalledManifest {
  const manifest = value as Partial<InstalledManifest> | null;
  return (
    typeof manifest === 'object' &&
    manifest !== null &&
    manifest.formatVersion === MANIFEST_FORMAT_VERSION &&
    typeof manifest.name === 'string' &&
    typeof manifest.repo === 'string' &&
    typeof manifest.revision === 'string' &&
    typeof manifest.installedAt === 'string' &&
    Array.isArray(manifest.files) &&
    manifest.files.every(isInstalledFile)
  );
}

/**
 * The manifest of a model folder when it was written for this spec's repository and revision and
 * covers every file the spec lists (with the spec's sizes and hashes where the spec pins them);
 * undefined otherwise, including when it is missing or unreadable. Does not look at the files.
 */
export async function readInstalledManifest(modelDir: string, spec: ModelSpec): Promise<InstalledManifest | undefined> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(manifestPath(modelDir, spec.name), 'utf8'));
  } catch {
    return undefined;
  }
  if (!isManifest(parsed)) return undefined;
  if (parsed.repo !== spec.source.repo || parsed.revision !== spec.source.revision) return undefined;
  const recorded = new Map(parsed.files.map((file) => [file.path, file]));
  for (const file of spec.files) {
    const entry = recorded.get(file.path);
    if (entry === undefined) return undefined;
    if (file.size !== undefined && entry.size !== file.size) return undefined;
    if (file.sha256 !== undefined && entry.sha256 !== file.sha256.toLowerCase()) return undefined;
  }
  return parsed;
}

/**
 * True when the model's manifest matches the spec and every file it lists is on disk with the
 * recorded size. Sizes, not hashes, are checked so this stays cheap enough to call at start-up;
 * the hashes were verified when the files were downloaded.
 */
export async function isModelInstalled(modelDir: string, spec: ModelSpec): Promise<boolean> {
  const manifest = await readInstalledManifest(modelDir, spec);
  if (manifest === undefined) return false;
  for (const file of manifest.files) {
    try {
      const info = await stat(modelFilePath(modelDir, spec.name, file.path));
      if (!info.isFile() || info.size !== file.size) return false;
    } catch {
      return false;
    }
  }
  return true;
}
