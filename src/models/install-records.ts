/**
 * The two records a pull keeps in a model folder:
 * - the manifest (model-paths.ts reads it), written last, which makes the model "installed";
 * - the pull state, which lists the files an unfinished pull already verified and put in place, so
 *   a pull that was interrupted after some files does not download them again.
 * Both are replaced atomically (temporary file + rename) so a crash never leaves half a record.
 */
import { open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { ModelSpec } from './model-spec.js';
import { MANIFEST_FORMAT_VERSION, manifestPath, type InstalledFile, type InstalledManifest } from './model-paths.js';

export const PULL_STATE_FILE_NAME = '.mediasearch-pull-state.json';

interface PullState {
  repo: string;
  revision: string;
  files: InstalledFile[];
}

async function writeJsonAtomically(filePath: string, value: unknown): Promise<void> {
  const temporary = `${filePath}.${process.pid}.tmp`;
  const handle = await open(temporary, 'w');
  try {
    await handle.writeFile(`${JSON.stringify(value, null, 2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, filePath);
}

export async function writeInstalledManifest(
  modelDir: string,
  spec: ModelSpec,
  files: InstalledFile[],
): Promise<InstalledManifest> {
  const manifest: InstalledManifest = {
    formatVersion: MANIFEST_FORMAT_VERSION,
    name: spec.name,
    repo: spec.source.repo,
    revision: spec.source.revision,
    installedAt: new Date().toISOString(),
    files,
  };
  await writeJsonAtomically(manifestPath(modelDir, spec.name), manifest);
  return manifest;
}

export async function removeInstalledManifest(modelDir: string, spec: ModelSpec): Promise<void> {
  await rm(manifestPath(modelDir, spec.name), { force: true });
}

function pullStatePath(folder: string): string {
  return path.join(folder, PULL_STATE_FILE_NAME);
}

/** Files an earlier, unfinished pull of the same repository and revision verified; empty when there was none. */
export async function readPullState(folder: string, spec: ModelSpec): Promise<Map<string, InstalledFile>> {
  try {
    const state = JSON.parse(await readFile(pullStatePath(folder), 'utf8')) as Partial<PullState>;
    if (state.repo !== spec.source.repo || state.revision !== spec.source.revision || !Array.isArray(state.files)) {
      return new Map();
    }
    return new Map(
      state.files
        .filter((file) => typeof file?.path === 'string' && typeof file.size === 'number' && typeof file.sha256 === 'string')
        .map((file) => [file.path, file]),
    );
  } catch {
    return new Map();
  }
}

export async function writePullState(folder: string, spec: ModelSpec, verified: Iterable<InstalledFile>): Promise<void> {
  const state: PullState = { repo: spec.source.repo, revision: spec.source.revision, files: [...verified] };
  await writeJsonAtomically(pullStatePath(folder), state);
}

export async function removePullState(folder: string): Promise<void> {
  await rm(pullStatePath(folder), { force: true });
}
