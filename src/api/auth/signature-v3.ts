import { createHash, createHmac } from 'node:crypto';
import { ApiError } from '../errors.js';
import { acsPercentEncode, sortedKeys } from './percent-encode.js';

/** The only v3 algorithm accepted; SM3 and RSA variants exist in the SDKs but need other key material. */
export const ACS3_ALGORITHM = 'ACS3-HMAC-SHA256';

export interface Acs3Authorization {
  readonly algorithm: string;
  readonly accessKeyId: string;
  /** Lower-case header names in the order the client listed them (the order it signed them in). */
  readonly signedHeaders: readonly string[];
  readonly signature: string;
}

const AUTHORIZATION_FORMAT =
  `expected "${ACS3_ALGORITHM} Credential=<AccessKeyId>,SignedHeaders=<h1;h2;...>,Signature=<hex>"`;

function incomplete(problem: string): ApiError {
  return new ApiError('IncompleteSignature', `The Authorization header is malformed: ${problem}; ${AUTHORIZATION_FORMAT}.`);
}

/**
 * Parses `ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=a;b,Signature=hex` as built by
 * openapi-util's getAuthorization. Spaces after commas are tolerated for hand-written clients.
 */
export function parseAcs3Authorization(header: string): Acs3Authorization {
  const trimmed = header.trim();
  const space = trimmed.indexOf(' ');
  if (space <= 0) {
    throw incomplete('it has no algorithm followed by credentials');
  }
  const algorithm = trimmed.slice(0, space);
  if (algorithm !== ACS3_ALGORITHM) {
    const shown = algorithm.length > 40 ? `${algorithm.slice(0, 40)}...` : algorithm;
    throw new ApiError(
      'IncompleteSignature',
      `The signature algorithm "${shown}" is not supported; sign requests with ${ACS3_ALGORITHM} ` +
        '(the default of the official SDKs) or with signature version 1.0 (HMAC-SHA1).',
    );
  }
  const fields = new Map<string, string>();
  for (const part of trimmed.slice(space + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) {
      throw incomplete(`the element "${part.trim().slice(0, 40)}" is not of the form Name=value`);
    }
    const name = part.slice(0, eq).trim();
    if (fields.has(name)) {
      throw incomplete(`${name} appears more than once`);
    }
    fields.set(name, part.slice(eq + 1).trim());
  }
  const accessKeyId = fields.get('Credential');
  const signedHeaderList = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!accessKeyId) {
    throw incomplete('Credential is missing or empty');
  }
  if (!signedHeaderList) {
    throw incomplete('SignedHeaders is missing or empty');
  }
  if (!signature) {
    throw incomplete('Signature is missing or empty');
  }
  if (!/^[0-9a-fA-F]{64}$/.test(signature)) {
    throw incomplete('Signature must be 64 hexadecimal characters (a hex-encoded HMAC-SHA256)');
  }
  const signedHeaders = signedHeaderList.split(';').map((name) => name.trim().toLowerCase());
  if (signedHeaders.some((name) => name === '')) {
    throw incomplete('SignedHeaders contains an empty header name');
  }
  if (new Set(signedHeaders).size !== signedHeaders.length) {
    throw incomplete('SignedHeaders lists a header more than once');
  }
  return { algorithm, accessKeyId, signedHeaders, signature: signature.toLowerCase() };
}

/**
 * openapi-util's getAuthorization encodes only the first '+', '*' and '%7E' of the pathname
 * (String.replace with a string pattern); mirrored exactly so such paths still verify.
 */
export function v3CanonicalUri(path: string): string {
  return path.replace('+', '%20').replace('*', '%2A').replace('%7E', '~');
}

/** Keys are not encoded, values are: this asymmetry is how openapi-util signs the query. */
export function v3CanonicalQueryString(query: Readonly<Record<string, string>>): string {
  return sortedKeys(query)
    .map((key) => `${key}=${acsPercentEncode(query[key] ?? '')}`)
    .join('&');
}

export function headerValue(value: string | readonly string[] | undefined): string | undefined {
  if (value === undefined) {
    return undefined;
  }
  return typeof value === 'string' ? value.trim() : value.map((item) => item.trim()).sort().join(',');
}

export interface V3CanonicalInput {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly signedHeaders: readonly string[];
  readonly hashedPayload: string;
}

export function v3CanonicalRequest(input: V3CanonicalInput): string {
  const canonicalHeaders = input.signedHeaders
    .map((name) => `${name}:${headerValue(input.headers[name]) ?? ''}\n`)
    .join('');
  return [
    input.method.toUpperCase(),
    v3CanonicalUri(input.path),
    v3CanonicalQueryString(input.query),
    canonicalHeaders,
    input.signedHeaders.join(';'),
    input.hashedPayload,
  ].join('\n');
}

export function v3StringToSign(canonicalRequest: string): string {
  return `${ACS3_ALGORITHM}\n${createHash('sha256').update(canonicalRequest, 'utf8').digest('hex')}`;
}

export function v3Signature(stringToSign: string, accessKeySecret: string): string {
  return createHmac('sha256', accessKeySecret).update(stringToSign, 'utf8').digest('hex');
}
