import { createHmac } from 'node:crypto';
import { acsPercentEncode, sortedKeys } from './percent-encode.js';

/**
 * Signature version 1.0 (HMAC-SHA1) as computed by @alicloud/pop-core's RPCClient.request and by
 * openapi-util's getRPCSignature: every parameter except Signature, sorted by raw key, each key
 * and value percent-encoded, joined as k=v with '&'.
 */
export function v1CanonicalizedQuery(params: Readonly<Record<string, string>>): string {
  return sortedKeys(params)
    .filter((key) => key !== 'Signature')
    .map((key) => `${acsPercentEncode(key)}=${acsPercentEncode(params[key] ?? '')}`)
    .join('&');
}

export function v1StringToSign(method: string, params: Readonly<Record<string, string>>): string {
  return `${method.toUpperCase()}&${acsPercentEncode('/')}&${acsPercentEncode(v1CanonicalizedQuery(params))}`;
}

/** base64(HMAC-SHA1(secret + '&', StringToSign)); the trailing '&' is part of the key by spec. */
export function v1Signature(stringToSign: string, accessKeySecret: string): string {
  return createHmac('sha1', `${accessKeySecret}&`).update(stringToSign, 'utf8').digest('base64');
}
