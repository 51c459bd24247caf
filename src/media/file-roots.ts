/**
 * file:// inputs read straight from the server's disk, so they are confined to the directories an
 * administrator listed in MEDIASEARCH_FILE_ROOTS; otherwise any API caller could index (and get
 * thumbnails of) whatever the server process can read.
 */
import { realpathSync, statSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MediaError } from './media-error.js';

function isInside(target: string, root: string): boolean {
  if (target === root) return true;
  // Comparing against root + separator keeps /data2/x from passing as inside /data.
  const prefix = root.endsWith(sep) ? root : root + sep;
  return target.startsWith(prefix);
}

function realRoots(roots: readonly string[]): string[] {
  const resolved: string[] = [];
  for (const root of roots) {
    if (root.trim() === '') continue;
    try {
      resolved.push(realpathSync(root));
    } catch {
      // A root that does not exist (an unmounted volume, say) simply contains nothing.
    }
  }
  return resolved;
}

function outsideRoots(path: string): MediaError {
  return new MediaError(`File ${path} is outside the directories listed in MEDIASEARCH_FILE_ROOTS`, { retryable: false });
}

/** Resolves a file:// URL to a real path inside one of the configured roots, or throws MediaError (retryable false). */
export function resolveFileUrl(fileUrl: string, roots: readonly string[]): string {
  if (roots.every((root) => root.trim() === '')) {
    throw new MediaError(
      'file:// inputs are disabled: set MEDIASEARCH_FILE_ROOTS to the directories the server may read media from',
      { retryable: false },
    );
  }

  let path: string;
  try {
    const url = new URL(fileUrl);
    if (url.protocol !== 'file:') throw new Error('not a file URL');
    // Also refuses file://otherhost/... and encoded separators (%2F), which have no safe meaning here.
    path = fileURLToPath(url);
  } catch {
    throw new MediaError('Invalid file URL: expected file:///absolute/path with no host', { retryable: false });
  }

  const allowed = realRoots(roots);

  // Resolving symlinks and '..' before the containment check is what makes the check mean anything:
  // a link inside a root that points outside it resolves to its real, outside, location.
  let real: string;
  try {
    real = realpathSync(path);
  } catch (error) {
    // Outside the roots, a missing file gets the same answer as an existing one, so that callers
    // cannot probe which files exist elsewhere on disk.
    const lexicalRoots = [...roots.filter((root) => root.trim() !== '').map((root) => resolve(root)), ...allowed];
    if (!lexicalRoots.some((root) => isInside(resolve(path), root))) throw outsideRoots(path);
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' || code === 'ENOTDIR' ? 'does not exist' : `cannot be read (${code ?? 'error'})`;
    throw new MediaError(`File ${path} ${reason}`, { retryable: false, cause: error });
  }

  if (!allowed.some((root) => isInside(real, root))) throw outsideRoots(path);

  let stats;
  try {
    stats = statSync(real);
  } catch (error) {
    throw new MediaError(`File ${path} cannot be read`, { retryable: false, cause: error });
  }
  if (stats.isDirectory()) throw new MediaError(`File ${path} is a directory, not a media file`, { retryable: false });
  // FIFOs, sockets and devices would hang or stream forever when read.
  if (!stats.isFile()) throw new MediaError(`File ${path} is not a regular file`, { retryable: false });
  return real;
}
