import path from 'node:path';
import type { MediaType } from '../types.js';

/**
 * Content types the original files are served with. Only types a browser plays or shows as media
 * are named: a file that was accepted as an image but could run script when opened on its own
 * (SVG, which sharp decodes) gets `application/octet-stream`, so a signed URL can never turn an
 * uploaded file into a page on the server's origin.
 */
const BY_EXTENSION: Readonly<Record<string, string>> = {
  '.mp4': 'video/mp4',
  '.m4v': 'video/mp4',
  '.mov': 'video/quicktime',
  '.webm': 'video/webm',
  '.mkv': 'video/x-matroska',
  '.avi': 'video/x-msvideo',
  '.mpg': 'video/mpeg',
  '.mpeg': 'video/mpeg',
  '.ts': 'video/mp2t',
  '.m2ts': 'video/mp2t',
  '.3gp': 'video/3gpp',
  '.ogv': 'video/ogg',
  '.flv': 'video/x-flv',
  '.wmv': 'video/x-ms-wmv',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.heic': 'image/heic',
  '.heif': 'image/heif',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.bmp': 'image/bmp',
  '.mp3': 'audio/mpeg',
  '.wav': 'audio/wav',
  '.m4a': 'audio/mp4',
  '.aac': 'audio/aac',
  '.ogg': 'audio/ogg',
  '.oga': 'audio/ogg',
  '.opus': 'audio/ogg',
  '.flac': 'audio/flac',
};

/** Format names from ffprobe (`format_name`) and sharp (`format`), for files without a known extension. */
const BY_FORMAT: readonly [RegExp, Partial<Record<MediaType, string>>][] = [
  [/(^|,)mp4(,|$)/, { video: 'video/mp4', audio: 'audio/mp4' }],
  [/(^|,)webm(,|$)/, { video: 'video/webm', audio: 'audio/webm' }],
  [/(^|,)mpegts(,|$)/, { video: 'video/mp2t' }],
  [/(^|,)ogg(,|$)/, { video: 'video/ogg', audio: 'audio/ogg' }],
  [/(^|,)avi(,|$)/, { video: 'video/x-msvideo' }],
  [/(^|,)mp3(,|$)/, { audio: 'audio/mpeg' }],
  [/(^|,)wav(,|$)/, { audio: 'audio/wav' }],
  [/(^|,)flac(,|$)/, { audio: 'audio/flac' }],
  [/^jpeg/, { image: 'image/jpeg' }],
  [/^png/, { image: 'image/png' }],
  [/^gif/, { image: 'image/gif' }],
  [/^webp/, { image: 'image/webp' }],
  [/^(avif|heif)/, { image: 'image/avif' }],
  [/^tiff/, { image: 'image/tiff' }],
];

export const OPAQUE_CONTENT_TYPE = 'application/octet-stream';

export function originalContentType(file: string, mediaType: MediaType, formatName: string | null): string {
  const byExtension = BY_EXTENSION[path.extname(file).toLowerCase()];
  if (byExtension) return byExtension;
  if (formatName) {
    for (const [pattern, types] of BY_FORMAT) {
      const type = pattern.test(formatName) ? types[mediaType] : undefined;
      if (type) return type;
    }
  }
  return OPAQUE_CONTENT_TYPE;
}
