// The page is an ordinary client of the public RPC API: form-encoded POSTs to the endpoint it was
// served from, signed with signature 1.0 when the server has access keys.
import { signV1 } from './signature.js';

const API_VERSION = '2020-11-09';
const CREDENTIALS_KEY = 'mediasearch.credentials';

/** The endpoint is the folder the page was loaded from, so a proxy path prefix keeps working. */
const endpoint = new URL('./', document.baseURI);

/** An error answer of the API (or of the network), with the API's Code when there is one. */
export class ApiCallError extends Error {
  constructor(code, message, status) {
    super(message);
    this.code = code;
    this.status = status;
  }

  /** True when the stored keys are the problem: the page then asks for them again. */
  get isAuthError() {
    return /^(MissingAccessKeyId|InvalidAccessKeyId|SignatureDoesNotMatch|IncompleteSignature)/.test(this.code);
  }
}

let serverConfig = { AuthRequired: false, DefaultSearchLib: 'ims-default-search-lib' };

/** Reads /web/config.json: whether calls must be signed. */
export async function loadServerConfig() {
  const response = await fetch(new URL('web/config.json', endpoint), { cache: 'no-store' });
  if (!response.ok) throw new ApiCallError('NetworkError', `GET web/config.json answered ${response.status}`, response.status);
  serverConfig = await response.json();
  return serverConfig;
}

export const authRequired = () => serverConfig.AuthRequired === true;
export const defaultLibrary = () => serverConfig.DefaultSearchLib ?? 'ims-default-search-lib';

/**
 * The AccessKey pair lives in sessionStorage: it survives reloads of this tab, not the closing of
 * the browser, and no other tab or site can read it.
 */
export function credentials() {
  try {
    const stored = JSON.parse(sessionStorage.getItem(CREDENTIALS_KEY) ?? 'null');
    return stored && stored.id && stored.secret ? stored : null;
  } catch {
    return null;
  }
}

export function setCredentials(id, secret) {
  sessionStorage.setItem(CREDENTIALS_KEY, JSON.stringify({ id, secret }));
}

export function clearCredentials() {
  sessionStorage.removeItem(CREDENTIALS_KEY);
}

/** `params` as sent, plus the signature parameters when the server wants signed calls. */
async function signedParams(method, params) {
  if (!authRequired()) return params;
  const keys = credentials();
  if (!keys) throw new ApiCallError('MissingAccessKeyId', 'Sign in with an AccessKeyId and AccessKeySecret first.', 0);
  return signV1(method, params, keys.id, keys.secret);
}

/** Calls one action; resolves to the response body, or rejects with ApiCallError. */
export async function rpc(action, params = {}) {
  const clean = Object.fromEntries(
    Object.entries({ Action: action, Version: API_VERSION, ...params })
      .filter(([, value]) => value !== undefined && value !== null && value !== '')
      .map(([key, value]) => [key, String(value)]),
  );
  const body = new URLSearchParams(await signedParams('POST', clean));
  let response;
  try {
    response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body,
    });
  } catch (error) {
    throw new ApiCallError('NetworkError', String(error?.message ?? error), 0);
  }
  let data;
  try {
    data = await response.json();
  } catch {
    throw new ApiCallError('NetworkError', `${action}: the server answered ${response.status} without JSON`, response.status);
  }
  if (!response.ok || data.Code !== '200') {
    throw new ApiCallError(data.Code ?? 'UnknownError', data.Message ?? `HTTP ${response.status}`, response.status);
  }
  return data;
}

/**
 * POST /upload with the file as the body; resolves to its `upload://` Input. XMLHttpRequest, not
 * fetch, because only it reports upload progress (videos can be large).
 */
export async function upload(file, onProgress) {
  const params = await signedParams('POST', { FileName: file.name || 'upload' });
  const url = new URL('upload', endpoint);
  url.search = new URLSearchParams(params).toString();
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('POST', url);
    request.setRequestHeader('content-type', file.type || 'application/octet-stream');
    request.upload.onprogress = (event) => {
      if (event.lengthComputable && onProgress) onProgress(event.loaded / event.total);
    };
    request.onerror = () => reject(new ApiCallError('NetworkError', 'The upload failed (network error).', 0));
    request.onload = () => {
      let data = {};
      try {
        data = JSON.parse(request.responseText);
      } catch {
        // handled below: no Code
      }
      if (request.status === 200 && data.Input) resolve(data.Input);
      else reject(new ApiCallError(data.Code ?? 'UploadFailed', data.Message ?? `HTTP ${request.status}`, request.status));
    };
    request.send(file);
  });
}
