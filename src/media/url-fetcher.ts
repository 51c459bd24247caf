/**
 * Downloads a media URL to a local file under the UrlFetchPolicy. The address check runs inside the
 * socket's DNS lookup, on the very addresses the connection will use, so a name that resolves to a
 * public address when first checked and to 127.0.0.1 a moment later (DNS rebinding) is still caught.
 */
import dns, { type LookupAddress, type LookupOptions } from 'node:dns';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { MediaError } from './media-error.js';
import { classifyAddress, isAddressAllowed, type UrlFetchPolicy } from './url-policy.js';

export interface DownloadResult {
  bytes: number;
  contentType: string | undefined;
  finalUrl: string;
}

const USER_AGENT = 'mediasearch/0.1';
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** Network trouble that tends to go away by itself, so the job system should retry later. */
const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ERR_STREAM_PREMATURE_CLOSE',
  // A full disk or fd table usually recovers once other jobs finish.
  'ENOSPC',
  'EMFILE',
  'ENFILE',
]);

const CODE_DESCRIPTIONS: Record<string, string> = {
  ECONNRESET: 'the connection was reset',
  ECONNREFUSED: 'the connection was refused',
  ETIMEDOUT: 'the connection timed out',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'DNS lookup failed temporarily',
  ENETUNREACH: 'the network is unreachable',
  EHOSTUNREACH: 'the host is unreachable',
  ENOSPC: 'the local disk is full',
};

/** Host and port only: paths, query strings and credentials may carry secrets and stay out of messages. */
function hostOf(url: URL): string {
  return url.host;
}

function stripBrackets(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

function forbiddenError(host: string, address: string): MediaError {
  const range = classifyAddress(address) ?? 'invalid';
  return new MediaError(
    `Refusing to download from ${host}: it resolves to a ${range} address, which this server may not fetch from. ` +
      'An administrator can allow it with MEDIASEARCH_ALLOW_PRIVATE_URLS=true or MEDIASEARCH_URL_ALLOW_CIDRS.',
    { retryable: false },
  );
}

function parseHttpUrl(text: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new MediaError(`Invalid ${what}: not an absolute URL`, { retryable: false });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new MediaError(`Invalid ${what}: only http and https URLs can be downloaded, not ${url.protocol}`, {
      retryable: false,
    });
  }
  if (url.hostname === '') throw new MediaError(`Invalid ${what}: the URL has no host`, { retryable: false });
  return url;
}

type Resolver = (
  hostname: string,
  options: { all: true; family?: LookupOptions['family']; hints?: number },
  callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

const systemResolver: Resolver = (hostname, options, callback) => dns.lookup(hostname, options, callback);

/**
 * A `lookup` for net/http that resolves every address of the host and fails when ANY of them is
 * refused by the policy. Checking all of them, not just the one picked, matters because Node's
 * happy-eyeballs connect may try each address in turn. `resolve` is replaceable for tests.
 */
export function createGuardedLookup(
  policy: Pick<UrlFetchPolicy, 'allowPrivateNetworks' | 'allowedCidrs'>,
  hostForMessages: string,
  resolve: Resolver = systemResolver,
): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { all: true, family: options.family, hints: options.hints }, (err, addresses) => {
      if (err) {
        callback(err, []);
        return;
      }
      if (addresses.length === 0) {
        const notFound: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
        notFound.code = 'ENOTFOUND';
        callback(notFound, []);
        return;
      }
      const refused = addresses.find((entry) => !isAddressAllowed(entry.address, policy));
      if (refused !== undefined) {
        callback(forbiddenError(hostForMessages, refused.address), []);
        return;
      }
      if (options.all) {
        callback(null, addresses);
      } else {
        const first = addresses[0] as LookupAddress;
        callback(null, first.address, first.family);
      }
    });
  };
}

function connectTimeoutError(host: string, ms: number): MediaError {
  return new MediaError(`Download from ${host} failed: could not connect within ${ms} ms`, { retryable: true });
}

/** Starts one GET and resolves with its response head. */
function sendRequest(
  url: URL,
  policy: UrlFetchPolicy,
  signal: AbortSignal,
  fail: (error: MediaError) => void,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const host = hostOf(url);
    const hostname = stripBrackets(url.hostname);
    // Node skips `lookup` for IP literals, so they are checked here instead.
    if (isIP(hostname) !== 0 && !isAddressAllowed(hostname, policy)) {
      reject(forbiddenError(host, hostname));
      return;
    }
    const secure = url.protocol === 'https:';
    const auth =
      url.username !== '' || url.password !== ''
        ? `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`
        : undefined;
    const request = (secure ? https : http).request({
      protocol: url.protocol,
      hostname,
      port: url.port === '' ? undefined : Number(url.port),
      path: `${url.pathname}${url.search}`,
      method: 'GET',
      auth,
      headers: { 'user-agent': USER_AGENT, accept: '*/*' },
      // A pooled keep-alive socket would skip our lookup, and might have been opened by code
      // that never checked its address.
      agent: false,
      lookup: createGuardedLookup(policy, host),
      signal,
    });
    const connectTimer = setTimeout(() => fail(connectTimeoutError(host, policy.connectTimeoutMs)), policy.connectTimeoutMs);
    request.once('socket', (socket) => {
      socket.once(secure ? 'secureConnect' : 'connect', () => clearTimeout(connectTimer));
    });
    request.once('response', (response) => {
      clearTimeout(connectTimer);
      resolve(response);
    });
    // `on`, not `once`: the socket can fail again after the first error and an unhandled 'error' crashes the process.
    request.on('error', (error) => {
      clearTimeout(connectTimer);
      reject(error);
    });
    request.once('close', () => clearTimeout(connectTimer));
    request.end();
  });
}

function httpStatusError(host: string, response: IncomingMessage): MediaError {
  const status = response.statusCode ?? 0;
  const retryable = status === 408 || status === 429 || status >= 500;
  const text = response.statusMessage ? ` ${response.statusMessage}` : '';
  return new MediaError(`Download from ${host} failed: the server answered HTTP ${status}${text}`, { retryable });
}

function tooLargeError(host: string, maxBytes: number, declared?: number): MediaError {
  const size = declared === undefined ? 'more than' : `${declared} bytes, over`;
  return new MediaError(`Download from ${host} refused: the file is ${size} the ${maxBytes}-byte limit`, {
    retryable: false,
  });
}

/** Streams the body to `partPath`, stopping as soon as it passes `maxBytes`. */
async function saveBody(
  response: IncomingMessage,
  partPath: string,
  maxBytes: number,
  signal: AbortSignal,
  host: string,
): Promise<number> {
  let bytes = 0;
  const file = createWriteStream(partPath);
  try {
    await pipeline(
      response,
      async function* countBytes(source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          bytes += chunk.length;
          if (bytes > maxBytes) throw tooLargeError(host, maxBytes);
          yield chunk;
        }
      },
      file,
      { signal },
    );
  } catch (error) {
    // The file may still be opening when the body fails; wait until it is closed, or the caller's
    // clean-up would remove the .part before it exists and leave it behind.
    if (!file.closed) await new Promise<void>((resolve) => file.once('close', () => resolve()));
    throw error;
  }
  return bytes;
}

function toMediaError(error: unknown, host: string): MediaError {
  if (error instanceof MediaError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? '';
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'EPROTO' || /CERT|TLS|SSL|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code)) {
    return new MediaError(`Download from ${host} failed: the TLS handshake or certificate check failed (${code})`, {
      retryable: false,
      cause: error,
    });
  }
  if (code.startsWith('HPE_')) {
    return new MediaError(`Download from ${host} failed: the server sent an invalid HTTP response (${code})`, {
      retryable: false,
      cause: error,
    });
  }
  const description = CODE_DESCRIPTIONS[code] ?? message;
  return new MediaError(`Download from ${host} failed: ${description}${code && description !== message ? ` (${code})` : ''}`, {
    retryable: TRANSIENT_CODES.has(code),
    cause: error,
  });
}

/**
 * Downloads `url` (http or https) to `destinationPath`. The body goes to `destinationPath + '.part'`
 * first and is renamed into place only when complete, so a failed download never leaves a
 * truncated file where a finished one is expected. Throws MediaError.
 */
export async function downloadUrl(
  url: string,
  destinationPath: string,
  policy: UrlFetchPolicy,
  signal?: AbortSignal,
): Promise<DownloadResult> {
  let current = parseHttpUrl(url, 'media URL');
  const originalHost = hostOf(current);
  const partPath = `${destinationPath}.part`;

  // One controller carries every reason to stop (caller abort, deadline, connect timeout, size),
  // and its reason is the error reported, whatever error the torn-down streams raise on the way out.
  const controller = new AbortController();
  const fail = (error: MediaError): void => {
    if (!controller.signal.aborted) controller.abort(error);
  };
  const onCallerAbort = (): void =>
    fail(new MediaError(`Download from ${hostOf(current)} was cancelled`, { retryable: false, cause: signal?.reason }));
  if (signal?.aborted) onCallerAbort();
  signal?.addEventListener('abort', onCallerAbort, { once: true });
  const deadline = setTimeout(
    () =>
      fail(
        new MediaError(`Download from ${hostOf(current)} failed: it did not finish within ${policy.timeoutMs} ms`, {
          retryable: true,
        }),
      ),
    policy.timeoutMs,
  );

  try {
    if (controller.signal.aborted) throw controller.signal.reason;
    for (let redirects = 0; ; redirects++) {
      const response = await sendRequest(current, policy, controller.signal, fail);
      const status = response.statusCode ?? 0;
      if (REDIRECT_STATUSES.has(status)) {
        response.destroy();
        if (redirects >= policy.maxRedirects) {
          throw new MediaError(`Download from ${originalHost} failed: more than ${policy.maxRedirects} redirects`, {
            retryable: false,
          });
        }
        const location = response.headers.location;
        if (location === undefined || location === '') {
          throw new MediaError(`Download from ${hostOf(current)} failed: HTTP ${status} redirect without a Location`, {
            retryable: false,
          });
        }
        let next: URL;
        try {
          next = new URL(location, current);
        } catch {
          throw new MediaError(`Download from ${hostOf(current)} failed: the redirect Location is not a valid URL`, {
            retryable: false,
          });
        }
        current = parseHttpUrl(next.href, `redirect from ${hostOf(current)}`);
        continue;
      }
      if (status < 200 || status > 299) {
        response.destroy();
        throw httpStatusError(hostOf(current), response);
      }
      const declared = response.headers['content-length'];
      if (declared !== undefined && /^\d+$/.test(declared) && Number(declared) > policy.maxBytes) {
        response.destroy();
        throw tooLargeError(hostOf(current), policy.maxBytes, Number(declared));
      }
      await mkdir(dirname(destinationPath), { recursive: true });
      const bytes = await saveBody(response, partPath, policy.maxBytes, controller.signal, hostOf(current));
      // The deadline or a cancel may land after the last byte; honour it rather than half-succeed.
      if (controller.signal.aborted) throw controller.signal.reason;
      await rename(partPath, destinationPath);
      return { bytes, contentType: response.headers['content-type'], finalUrl: current.href };
    }
  } catch (error) {
    await rm(partPath, { force: true }).catch(() => undefined);
    throw controller.signal.aborted ? (controller.signal.reason as MediaError) : toMediaError(error, hostOf(current));
  } finally {
    clearTimeout(deadline);
    signal?.removeEventListener('abort', onCallerAbort);
  }
}
