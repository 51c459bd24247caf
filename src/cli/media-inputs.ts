/**
 * Turns `mediasearch add` arguments into the list of things to insert: URLs as they are, files
 * as they are, folders (with --recursive) walked for image and video files.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { CliError } from './cli-context.js';

export type CliMediaType = 'image' | 'video' | 'audio';

export interface MediaInput {
  /** What the user sees in progress lines and the summary: the URL or the path as given/found. */
  label: string;
  kind: 'url' | 'file';
  /** The URL, or the absolute file path. */
  location: string;
  /** Undefined when neither --type nor the name's extension tells. */
  mediaType: CliMediaType | undefined;
}

// What sharp and ffprobe on the server decode; a folder walk takes only these so that sidecar
// files (.xmp, .json, thumbnails databases) are not sent to fail one by one.
const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.gif', '.webp', '.bmp', '.tif', '.tiff', '.avif', '.heic', '.heif']);
const VIDEO_EXTENSIONS = new Set([
  '.mp4', '.m4v', '.mov', '.mkv', '.webm', '.avi', '.wmv', '.flv', '.mpg', '.mpeg', '.ts', '.mts', '.m2ts', '.3gp', '.ogv',
]);
const AUDIO_EXTENSIONS = new Set(['.mp3', '.wav', '.m4a', '.aac', '.flac', '.ogg', '.opus']);

/** Anything with a scheme (http, https, and the server's file:// and upload://) is the server's to fetch. */
const URL_PATTERN = /^[a-z][a-z0-9+.-]*:\/\//i;

export function mediaTypeOfName(name: string): CliMediaType | undefined {
  const extension = path.extname(name).toLowerCase();
  if (IMAGE_EXTENSIONS.has(extension)) return 'image';
  if (VIDEO_EXTENSIONS.has(extension)) return 'video';
  if (AUDIO_EXTENSIONS.has(extension)) return 'audio';
  return undefined;
}

function urlMediaType(url: string): CliMediaType | undefined {
  try {
    return mediaTypeOfName(new URL(url).pathname);
  } catch {
    return undefined;
  }
}

/** Image and video files under `dir`, in a stable (sorted) order; hidden files and folders are skipped. */
async function walk(dir: string, out: string[]): Promise<void> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await walk(full, out);
    else if (entry.isFile() && (IMAGE_EXTENSIONS.has(path.extname(entry.name).toLowerCase()) || VIDEO_EXTENSIONS.has(path.extname(entry.name).toLowerCase()))) {
      out.push(full);
    }
  }
}

export async function collectMediaInputs(
  args: readonly string[],
  options: { recursive: boolean; mediaType?: CliMediaType | undefined },
): Promise<MediaInput[]> {
  const inputs: MediaInput[] = [];
  for (const arg of args) {
    if (URL_PATTERN.test(arg)) {
      inputs.push({ label: arg, kind: 'url', location: arg, mediaType: options.mediaType ?? urlMediaType(arg) });
      continue;
    }
    const absolute = path.resolve(arg);
    let stat;
    try {
      stat = await fs.stat(absolute);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new CliError(code === 'ENOENT' ? `${arg}: no such file or folder` : `${arg}: ${(error as Error).message}`);
    }
    if (stat.isDirectory()) {
      if (!options.recursive) throw new CliError(`${arg} is a folder; pass --recursive to add the images and videos in it`);
      const found: string[] = [];
      await walk(absolute, found);
      for (const file of found) {
        inputs.push({
          label: path.join(arg, path.relative(absolute, file)),
          kind: 'file',
          location: file,
          mediaType: options.mediaType ?? mediaTypeOfName(file),
        });
      }
    } else {
      inputs.push({ label: arg, kind: 'file', location: absolute, mediaType: options.mediaType ?? mediaTypeOfName(absolute) });
    }
  }
  return inputs;
}
