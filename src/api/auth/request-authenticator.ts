import { timingSafeEqual } from 'node:crypto';
import { ApiError } from '../errors.js';
import { NonceCache, DEFAULT_MAX_NONCES } from './nonce-cache.js';
import type { SignedRequest } from './signed-request.js';
import { v1Signature, v1StringToSign } from './signature-v1.js';
import {
  ACS3_ALGORITHM,
  headerValue,
  parseAcs3Authorization,
  v3CanonicalRequest,
  v3Signature,
  v3StringToSign,
} from './signature-v3.js';

export interface AuthenticatorOptions {
  /** AccessKeyId -> AccessKeySecret; an empty map disables authentication. */
  keys: ReadonlyMap<string, string>;
  /** Largest accepted difference between the request timestamp and the server clock; default 15 minutes. */
  maxClockSkewMs?: number;
  /** Injectable clock (epoch milliseconds) for tests. */
  now?: () => number;
  /** Bound on remembered nonces; default 1,000,000. */
  maxNonces?: number;
}

export interface AuthenticatedCaller {
  accessKeyId: string;
  signatureVersion: 'v1' | 'v3';
}

export const DEFAULT_MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

/** Official SDKs send 32 hex characters or a UUID; the cap keeps the nonce cache's memory bounded. */
const MAX_NONCE_LENGTH = 256;
/** Keeps the debugging hint in SignatureDoesNotMatch messages from growing with the request. */
const MAX_ECHOED_CANONICAL_LENGTH = 2048;

/** Headers that must be covered by a v3 signature, whether or not the client sent them. */
const REQUIRED_SIGNED_HEADERS = ['host', 'x-acs-date', 'x-acs-signature-nonce'] as const;
/** Headers that select what the server does, so when present they must be signed too. */
const ROUTING_HEADERS = ['x-acs-action', 'x-acs-version'] as const;

const V1_PROTOCOL_PARAMETERS = ['Signature', 'AccessKeyId', 'SignatureMethod', 'SignatureNonce', 'SignatureVersion'];

const TIMESTAMP_PATTERN = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z$/;

/**
 * Verifies Alibaba Cloud POP request signatures: version 1.0 (HMAC-SHA1 over the parameters, as
 * sent by @alicloud/pop-core and openapi-client's legacy RPC path) and v3 (ACS3-HMAC-SHA256 in the
 * Authorization header, the default of @alicloud/openapi-client and the generated product SDKs).
 */
export class RequestAuthenticator {
  private readonly keys: ReadonlyMap<string, string>;
  private readonly maxClockSkewMs: number;
  private readonly now: () => number;
  private readonly nonces: NonceCache;

  constructor(options: AuthenticatorOptions) {
    const skew = options.maxClockSkewMs ?? DEFAULT_MAX_CLOCK_SKEW_MS;
    if (!Number.isFinite(skew) || skew <= 0) {
      throw new RangeError('maxClockSkewMs must be a positive number of milliseconds');
    }
    // Copied so that a caller mutating its map cannot change the keys behind the server's back.
    this.keys = new Map(options.keys);
    this.maxClockSkewMs = skew;
    this.now = options.now ?? Date.now;
    this.nonces = new NonceCache({ retentionMs: 2 * skew, maxEntries: options.maxNonces ?? DEFAULT_MAX_NONCES });
  }

  get enabled(): boolean {
    return this.keys.size > 0;
  }

  /** Returns null when no keys are configured (auth disabled); otherwise the caller or throws ApiError. */
  authenticate(request: SignedRequest): AuthenticatedCaller | null {
    if (!this.enabled) {
      return null;
    }
    const authorization = headerValue(request.headers['authorization']);
    const hasV1Signature = Object.hasOwn(request.query, 'Signature') || Object.hasOwn(request.body, 'Signature');
    // A v1 request that passes through a proxy adding its own Authorization (e.g. Basic) is still v1.
    if (authorization && (!hasV1Signature || authorization.startsWith('ACS3-'))) {
      return this.authenticateV3(request, authorization);
    }
    const looksSignedV1 = V1_PROTOCOL_PARAMETERS.some(
      (name) => Object.hasOwn(request.query, name) || Object.hasOwn(request.body, name),
    );
    if (looksSignedV1) {
      return this.authenticateV1(request, mergeParameters(request));
    }
    throw new ApiError(
      'MissingAccessKeyId',
      'This server requires signed requests, but the request carries neither an Authorization header ' +
        '(signature v3) nor AccessKeyId and Signature parameters (signature 1.0). Configure the SDK client ' +
        'with an AccessKeyId and AccessKeySecret that are configured on this server.',
    );
  }

  private authenticateV1(request: SignedRequest, params: Readonly<Record<string, string>>): AuthenticatedCaller {
    const missing = ['AccessKeyId', 'Signature', 'SignatureMethod', 'SignatureVersion', 'SignatureNonce', 'Timestamp']
      .filter((name) => !params[name]);
    if (missing.length > 0) {
      throw new ApiError(
        'IncompleteSignature',
        `The request is signed with signature version 1.0 but lacks ${missing.join(', ')}. ` +
          'Signature 1.0 requires AccessKeyId, Signature, SignatureMethod=HMAC-SHA1, SignatureVersion=1.0, ' +
          'SignatureNonce and Timestamp; the official SDKs add all of them.',
      );
    }
    if (params['SignatureMethod'] !== 'HMAC-SHA1') {
      throw new ApiError(
        'IncompleteSignature',
        `SignatureMethod "${clip(params['SignatureMethod'] ?? '', 40)}" is not supported for signature version 1.0; use HMAC-SHA1.`,
      );
    }
    if (params['SignatureVersion'] !== '1.0') {
      throw new ApiError(
        'IncompleteSignature',
        `SignatureVersion "${clip(params['SignatureVersion'] ?? '', 40)}" is not supported; use 1.0, or sign with ${ACS3_ALGORITHM} in the Authorization header.`,
      );
    }
    const accessKeyId = params['AccessKeyId'] ?? '';
    const secret = this.secretFor(accessKeyId);
    this.checkTimestamp(params['Timestamp'] ?? '', 'Timestamp');
    const nonce = params['SignatureNonce'] ?? '';
    checkNonceShape(nonce, 'SignatureNonce');

    const stringToSign = v1StringToSign(request.method, params);
    if (!constantTimeEqual(params['Signature'] ?? '', v1Signature(stringToSign, secret))) {
      throw new ApiError(
        'SignatureDoesNotMatch',
        `The Signature does not match the one the server computed with the AccessKeySecret of ${accessKeyId}. ` +
          'Check the AccessKeySecret, and that nothing (e.g. a proxy) changes the method or the parameters ' +
          `after signing. The server string to sign is: ${clip(stringToSign, MAX_ECHOED_CANONICAL_LENGTH)}`,
      );
    }
    this.checkNonceUnused(accessKeyId, nonce, 'SignatureNonce');
    return { accessKeyId, signatureVersion: 'v1' };
  }

  private authenticateV3(request: SignedRequest, authorization: string): AuthenticatedCaller {
    const parsed = parseAcs3Authorization(authorization);
    const secret = this.secretFor(parsed.accessKeyId);

    const mustSign = [
      ...REQUIRED_SIGNED_HEADERS,
      ...ROUTING_HEADERS.filter((name) => request.headers[name] !== undefined),
    ];
    const unsigned = mustSign.filter((name) => !parsed.signedHeaders.includes(name));
    if (unsigned.length > 0) {
      throw new ApiError(
        'IncompleteSignature',
        `SignedHeaders must include ${unsigned.join(', ')}; the signature has to cover the host, the request ` +
          'date, the nonce and the action so that none of them can be altered or replayed.',
      );
    }
    const absent = parsed.signedHeaders.filter((name) => headerValue(request.headers[name]) === undefined);
    if (absent.length > 0) {
      throw new ApiError(
        'IncompleteSignature',
        `The signed header(s) ${absent.map((name) => clip(name, 60)).join(', ')} are listed in SignedHeaders ` +
          'but missing from the request. Send every header that was signed.',
      );
    }

    const contentSha256 = headerValue(request.headers['x-acs-content-sha256']);
    if (!contentSha256) {
      throw new ApiError(
        'IncompleteSignature',
        'The x-acs-content-sha256 header is missing; it must hold the lower-case hex SHA-256 of the request body ' +
          '(of the empty string when there is no body).',
      );
    }
    if (contentSha256.toLowerCase() !== request.bodySha256Hex.toLowerCase()) {
      throw new ApiError(
        'IncompleteSignature',
        'The x-acs-content-sha256 header does not match the SHA-256 of the request body the server received. ' +
          'The body was changed after signing (e.g. re-encoded by a proxy) or the hash was computed over different bytes.',
      );
    }

    this.checkTimestamp(headerValue(request.headers['x-acs-date']) ?? '', 'x-acs-date');
    const nonce = headerValue(request.headers['x-acs-signature-nonce']) ?? '';
    checkNonceShape(nonce, 'x-acs-signature-nonce');

    const canonicalRequest = v3CanonicalRequest({
      method: request.method,
      path: request.path,
      query: request.query,
      headers: request.headers,
      signedHeaders: parsed.signedHeaders,
      hashedPayload: contentSha256,
    });
    const expected = v3Signature(v3StringToSign(canonicalRequest), secret);
    if (!constantTimeEqual(parsed.signature, expected)) {
      throw new ApiError(
        'SignatureDoesNotMatch',
        `The Signature in the Authorization header does not match the one the server computed with the ` +
          `AccessKeySecret of ${parsed.accessKeyId}. Check the AccessKeySecret, and that nothing (e.g. a proxy ` +
          'rewriting the Host header, the path or the query) changes the request after signing. The server ' +
          `canonical request is: ${clip(canonicalRequest, MAX_ECHOED_CANONICAL_LENGTH)}`,
      );
    }
    this.checkNonceUnused(parsed.accessKeyId, nonce, 'x-acs-signature-nonce');
    return { accessKeyId: parsed.accessKeyId, signatureVersion: 'v3' };
  }

  private secretFor(accessKeyId: string): string {
    const secret = this.keys.get(accessKeyId);
    if (secret === undefined) {
      throw new ApiError(
        'InvalidAccessKeyId.NotFound',
        `The AccessKeyId "${clip(accessKeyId, 128)}" is not configured on this server. Check the AccessKeyId the ` +
          'client uses, or add it to the server configuration.',
      );
    }
    return secret;
  }

  private checkTimestamp(value: string, field: string): void {
    const timestampMs = parseAcsTimestamp(value);
    if (timestampMs === undefined) {
      throw new ApiError(
        'InvalidTimeStamp.Format',
        `${field} "${clip(value, 64)}" is not a valid UTC timestamp; use ISO 8601 in UTC, ` +
          'YYYY-MM-DDThh:mm:ssZ (for example 2024-05-01T12:00:00Z), optionally with milliseconds.',
      );
    }
    const nowMs = this.now();
    const offsetMs = timestampMs - nowMs;
    if (Math.abs(offsetMs) > this.maxClockSkewMs) {
      const seconds = Math.round(Math.abs(offsetMs) / 1000);
      const direction = offsetMs < 0 ? 'behind' : 'ahead of';
      throw new ApiError(
        'InvalidTimeStamp.Expired',
        `${field} ${value} is ${seconds} seconds ${direction} the server time ${new Date(nowMs).toISOString()}: ` +
          `the client clock is ${seconds} seconds off, and requests must be within ${describeDuration(this.maxClockSkewMs)} ` +
          'of server time. Synchronise the client clock (e.g. with NTP) and sign a fresh request.',
      );
    }
  }

  private checkNonceUnused(accessKeyId: string, nonce: string, field: string): void {
    if (!this.nonces.checkAndRemember(accessKeyId, nonce, this.now())) {
      throw new ApiError(
        'SignatureNonceUsed',
        `The ${field} was already used by ${accessKeyId} within the last ${describeDuration(2 * this.maxClockSkewMs)}, ` +
          'so the request is treated as a replay. Every request, including a retry, must be signed afresh with a new ' +
          'random nonce; the official SDKs do this automatically.',
      );
    }
  }
}

/** Epoch milliseconds of `YYYY-MM-DDThh:mm:ss[.fff]Z`, or undefined when malformed or not a real date. */
export function parseAcsTimestamp(value: string): number | undefined {
  const match = TIMESTAMP_PATTERN.exec(value);
  if (!match) {
    return undefined;
  }
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [
    number, number, number, number, number, number,
  ];
  const millis = match[7] === undefined ? 0 : Number(match[7].slice(0, 3).padEnd(3, '0'));
  const ms = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  const date = new Date(ms);
  // Date.UTC silently rolls 2024-02-30 over into March; a round trip rejects such dates.
  if (
    date.getUTCFullYear() !== year ||
    date.getUTCMonth() !== month - 1 ||
    date.getUTCDate() !== day ||
    date.getUTCHours() !== hour ||
    date.getUTCMinutes() !== minute ||
    date.getUTCSeconds() !== second
  ) {
    return undefined;
  }
  return ms;
}

/** Signature 1.0 signs query and form body together, and clients split parameters between them freely. */
function mergeParameters(request: SignedRequest): Record<string, string> {
  const merged: Record<string, string> = { ...request.query };
  for (const [key, value] of Object.entries(request.body)) {
    if (Object.hasOwn(merged, key) && merged[key] !== value) {
      // Otherwise the signature would cover one value while the action handler might read the other.
      throw new ApiError(
        'IncompleteSignature',
        `The parameter ${clip(key, 64)} appears in both the query string and the body with different values; ` +
          'send each parameter once.',
      );
    }
    merged[key] = value;
  }
  return merged;
}

function checkNonceShape(nonce: string, field: string): void {
  if (nonce.length === 0 || nonce.length > MAX_NONCE_LENGTH) {
    throw new ApiError(
      'IncompleteSignature',
      `${field} must be a non-empty unique random string of at most ${MAX_NONCE_LENGTH} characters.`,
    );
  }
}

function constantTimeEqual(provided: string, expected: string): boolean {
  const a = Buffer.from(provided, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  if (a.length !== b.length) {
    // The expected length is public (it is fixed by the algorithm), so only the content needs hiding.
    return false;
  }
  return timingSafeEqual(a, b);
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}...(truncated)` : text;
}

function describeDuration(ms: number): string {
  if (ms % 60_000 === 0) {
    const minutes = ms / 60_000;
    return minutes === 1 ? '1 minute' : `${minutes} minutes`;
  }
  return `${Math.round(ms / 1000)} seconds`;
}
