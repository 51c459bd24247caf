import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { resolveFileUrl } from './file-roots.js';
import { MediaError } from './media-error.js';
import { downloadUrl } from './url-fetcher.js';
import { classifyAddress, isAddressAllowed, type UrlFetchPolicy } from './url-policy.js';
import type { MediaFiles } from '../store/media-files.js';

export interface InputResolverOptions {
  files: MediaFiles;
  fileRoots: readonly string[];
  urlPolicy: UrlFetchPolicy;
}

/**
 * Turns an asset's `Input` into a local file. `check` runs at insert time and refuses what can
 * be refused without network I/O, so the caller hears about a bad input at once; `materialise`
 * runs in the ingest job and does the download.
 */
export class InputResolver {
  constructor(private readonly options: InputResolverOptions) {}

  /** Throws a MediaError (permanent) describing why this input can never be ingested. */
  check(input: string): void {
    const url = parseUrl(input);
    switch (url.protocol) {
      case 'http:':
      case 'https:': {
        const host = url.hostname.replace(/^\[|\]$/g, '');
        if (net.isIP(host) && !isAddressAllowed(host, this.options.urlPolicy)) {
          throw new MediaError(
            `${host} is a ${classifyAddress(host) ?? 'non-public'} address (private, loopback and link-local ` +
              'destinations are refused); allow it with MEDIASEARCH_URL_ALLOW_CIDRS, or private networks with ' +
              'MEDIASEARCH_ALLOW_PRIVATE_URLS=true',
          );
        }
        if (url.username || url.password) {
          throw new MediaError('URLs with embedded credentials are not accepted; use a pre-signed URL instead');
        }
        return;
      }
      case 'file:':
        resolveFileUrl(input, this.options.fileRoots);
        return;
      case 'upload:':
        this.uploadFile(url);
        return;
      case 'oss:':
      case 's3:':
        throw new MediaError(
          `${url.protocol}// object-storage inputs are not supported yet; pass a pre-signed http(s) URL of the object`,
        );
      default:
        throw new MediaError(
          `unsupported input scheme "${url.protocol}"; use http(s)://, file:// (inside MEDIASEARCH_FILE_ROOTS) or an upload:// id from POST /upload`,
        );
    }
  }

  /** Makes the input available as a local file and returns its path (downloads go into `assetDir`). */
  async materialise(input: string, assetDir: string, signal: AbortSignal): Promise<string> {
    const url = parseUrl(input);
    switch (url.protocol) {
      case 'http:':
      case 'https:': {
        const destination = path.join(assetDir, `source${safeExtension(url.pathname)}`);
        await downloadUrl(input, destination, this.options.urlPolicy, signal);
        return destination;
      }
      case 'file:':
        return resolveFileUrl(input, this.options.fileRoots);
      case 'upload:':
        return this.uploadFile(url);
      default:
        this.check(input);
        throw new MediaError(`unsupported input ${url.protocol}`);
    }
  }

  private uploadFile(url: URL): string {
    const { files } = this.options;
    if (!files.isUploadId(url.host)) throw new MediaError(`"${url.href}" is not an upload id returned by POST /upload`);
    const dir = files.uploadDir(url.host);
    const names = fs.existsSync(dir) ? fs.readdirSync(dir).filter((name) => !name.endsWith('.part')) : [];
    if (names.length !== 1) {
      throw new MediaError(`the upload ${url.href} does not exist (uploads are kept for 24 hours until inserted)`);
    }
    return path.join(dir, names[0]!);
  }
}

function parseUrl(input: string): URL {
  try {
    return new URL(input);
  } catch {
    throw new MediaError(`"${input.slice(0, 200)}" is not a URL; use http(s)://, file:// or upload://`);
  }
}

/** Keeps a short, harmless extension so ffmpeg's format guessing has a hint. */
function safeExtension(urlPath: string): string {
  const ext = path.extname(urlPath).toLowerCase();
  return /^\.[a-z0-9]{1,5}$/.test(ext) ? ext : '';
}
