/**
 * One GET of a hub file, with redirects followed by hand. The hub answers a `resolve` URL of a
 * large (LFS) file with a 302 to a CDN and puts the file's sha256 and size in that first response
 * (X-Linked-Etag, X-Linked-Size); a fetch that followed redirects itself would hide them.
 * Following by hand also lets the token go to the hub only, never to the CDN it redirects to.
 */
import { ModelDownloadError, toModelDownloadError } from './model-download-error.js';

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const USER_AGENT = 'mediasearch-model-downloader/0.1';

export interface HubRequestOptions {
  /** Repository-relative path, for messages. */
  file: string;
  token?: string;
  /** Ask for the bytes from this offset on (a resume). */
  rangeStart?: number;
  fetchImpl: typeof fetch;
  /** Aborts the request and, later, the body read. */
  signal: AbortSignal;
  maxRedirects: number;
}

export interface HubResponse {
  /** The final, non-redirect response: 2xx, or 416 for a range past the end. Its body is unread. */
  response: Response;
  /** The file's sha256 according to the hub (X-Linked-Etag or ETag of the first response), when it is one. */
  linkedSha256?: string;
  /** The file's size according to the hub (X-Linked-Size of the first response). */
  linkedSize?: number;
}

/** An ETag value without W/ and quotes; only a 64-hex value is a sha256 (git blob ETags are 40-hex sha1s). */
export function sha256FromEtag(value: string | null): string | undefined {
  if (value === null) return undefined;
  const bare = value.trim().replace(/^W\//i, '').replace(/^"|"$/g, '').toLowerCase();
  return /^[0-9a-f]{64}$/.test(bare) ? bare : undefined;
}

function sizeHeader(value: string | null): number | undefined {
  if (value === null || !/^\s*\d+\s*$/.test(value)) return undefined;
  const size = Number(value);
  return Number.isSafeInteger(size) ? size : undefined;
}

function notFoundError(file: string, url: string, response: Response): ModelDownloadError {
  const status = response.status;
  const access =
    status === 404 ? '' : ' — access denied; if the repository is gated or private, set HF_TOKEN to a token that may read it';
  return new ModelDownloadError(
    `${file} not found at ${url} (HTTP ${status}${access}); check the model name/revision or HF_ENDPOINT mirror`,
    { retryable: false },
  );
}

function statusError(file: string, url: string, response: Response): ModelDownloadError {
  const status = response.status;
  const text = response.statusText ? ` ${response.statusText}` : '';
  const retryable = status === 408 || status === 429 || status >= 500;
  return new ModelDownloadError(`Could not download ${file} from ${url}: the server answered HTTP ${status}${text}`, {
    retryable,
  });
}

async function discardBody(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => undefined);
}

/** GETs `url`, following up to `maxRedirects` redirects; throws ModelDownloadError for any other non-2xx answer. */
export async function requestHubFile(url: string, options: HubRequestOptions): Promise<HubResponse> {
  const origin = new URL(url).origin;
  let current = new URL(url);
  let linkedSha256: string | undefined;
  let linkedSize: number | undefined;
  for (let redirects = 0; ; redirects++) {
    const headers: Record<string, string> = {
      'user-agent': USER_AGENT,
      accept: '*/*',
      // Compressed transfer would make Content-Length and Range offsets refer to other bytes than the file's.
      'accept-encoding': 'identity',
    };
    if (options.rangeStart !== undefined && options.rangeStart > 0) headers.range = `bytes=${options.rangeStart}-`;
    if (options.token !== undefined && current.origin === origin) headers.authorization = `Bearer ${options.token}`;

    let response: Response;
    try {
      response = await options.fetchImpl(current, { headers, redirect: 'manual', signal: options.signal });
    } catch (error) {
      throw toModelDownloadError(options.signal.aborted ? options.signal.reason : error, options.file, url);
    }

    if (redirects === 0) {
      linkedSha256 = sha256FromEtag(response.headers.get('x-linked-etag')) ?? sha256FromEtag(response.headers.get('etag'));
      linkedSize = sizeHeader(response.headers.get('x-linked-size'));
    }

    if (REDIRECT_STATUSES.has(response.status)) {
      await discardBody(response);
      const failure = (problem: string): ModelDownloadError =>
        new ModelDownloadError(`Could not download ${options.file} from ${url}: ${problem}`, { retryable: false });
      const location = response.headers.get('location');
      if (location === null || location === '') {
        throw failure(`HTTP ${response.status} redirect without a Location`);
      }
      if (redirects >= options.maxRedirects) {
        throw failure(`more than ${options.maxRedirects} redirects`);
      }
      try {
        current = new URL(location, current);
      } catch {
        throw failure('the redirect Location is not a valid URL');
      }
      if (current.protocol !== 'http:' && current.protocol !== 'https:') {
        throw failure('redirected to a non-http(s) URL');
      }
      continue;
    }

    if ((response.status >= 200 && response.status <= 299) || response.status === 416) {
      return { response, linkedSha256, linkedSize };
    }
    await discardBody(response);
    if (response.status === 401 || response.status === 403 || response.status === 404) {
      throw notFoundError(options.file, url, response);
    }
    throw statusError(options.file, url, response);
  }
}
