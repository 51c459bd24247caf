import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import RPCClient from '@alicloud/pop-core';
import OpenApi from '@alicloud/openapi-client';
import OpenApiUtilModule from '@alicloud/openapi-util';
import TeaUtil from '@alicloud/tea-util';
import * as $tea from '@alicloud/tea-typescript';
import fc from 'fast-check';
import {
  RequestAuthenticator,
  parseAcsTimestamp,
  type AuthenticatedCaller,
  type AuthenticatorOptions,
} from '../../src/api/auth/request-authenticator.js';
import { NonceCache } from '../../src/api/auth/nonce-cache.js';
import type { SignedRequest } from '../../src/api/auth/signed-request.js';
import { ApiError, type ErrorCode } from '../../src/api/errors.js';

// The SDKs are CommonJS: a default import yields module.exports, whose `default` is the class.
const OpenApiClient = OpenApi.default;
const OpenApiUtil = OpenApiUtilModule.default;
const RuntimeOptions = TeaUtil.RuntimeOptions;

const AK = 'LTAI5tTestKeyId0001';
const SECRET = 'test-secret-Vn3kX9pQ';
const AK2 = 'LTAI5tTestKeyId0002';
const SECRET2 = 'second-secret-Zr81';
const KEYS = new Map([
  [AK, SECRET],
  [AK2, SECRET2],
]);
const MINUTE = 60_000;

const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

interface Captured {
  readonly signed: SignedRequest;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

function toSignedRequest(req: http.IncomingMessage, body: Buffer): SignedRequest {
  const url = req.url ?? '/';
  const queryStart = url.indexOf('?');
  const path = queryStart < 0 ? url : url.slice(0, queryStart);
  const query = Object.fromEntries(new URLSearchParams(queryStart < 0 ? '' : url.slice(queryStart + 1)));
  const isForm = (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
  const form = isForm ? Object.fromEntries(new URLSearchParams(body.toString('utf8'))) : {};
  return {
    method: (req.method ?? 'GET').toUpperCase(),
    path,
    query,
    body: form,
    bodySha256Hex: sha256Hex(body),
    headers: { ...req.headers },
  };
}

/** A stand-in for the real server: it authenticates every request and answers like ICE does. */
class AuthServer {
  authenticator = new RequestAuthenticator({ keys: new Map() });
  readonly captured: Captured[] = [];
  readonly results: (AuthenticatedCaller | null)[] = [];
  readonly errors: ApiError[] = [];
  private readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const signed = toSignedRequest(req, body);
      this.captured.push({ signed, url: req.url ?? '/', headers: req.headers, body });
      res.setHeader('content-type', 'application/json;charset=utf-8');
      try {
        this.results.push(this.authenticator.authenticate(signed));
        res.end(JSON.stringify({ RequestId: 'x', Success: 'true', Code: '200' }));
      } catch (error) {
        if (!(error instanceof ApiError)) {
          res.statusCode = 500;
          res.end(JSON.stringify({ RequestId: 'x', Code: 'InternalError', Message: String(error) }));
          return;
        }
        this.errors.push(error);
        res.statusCode = error.status;
        res.end(JSON.stringify({ RequestId: 'x', Code: error.code, Message: error.message }));
      }
    });
  });

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get last(): Captured {
    const last = this.captured.at(-1);
    assert.ok(last, 'the server received no request');
    return last;
  }

  use(options: Partial<AuthenticatorOptions> = {}): RequestAuthenticator {
    this.authenticator = new RequestAuthenticator({ keys: KEYS, ...options });
    return this.authenticator;
  }

  start(): Promise<void> {
    return new Promise((resolve) => this.server.listen(0, '127.0.0.1', resolve));
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve, reject) => this.server.close((err) => (err ? reject(err) : resolve())));
  }

  /** Sends raw bytes, bypassing any SDK, e.g. to replay or tamper with a captured request. */
  send(options: {
    method: string;
    url: string;
    headers: http.OutgoingHttpHeaders;
    body?: Buffer;
  }): Promise<{ status: number; json: Record<string, string> }> {
    const headers = { ...options.headers };
    // Framing headers are recomputed by Node for the body we send now.
    delete headers['content-length'];
    delete headers['transfer-encoding'];
    delete headers['connection'];
    return new Promise((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: this.port, method: options.method, path: options.url, headers, agent: false },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, string>,
            }),
          );
        },
      );
      req.on('error', reject);
      req.end(options.body ?? Buffer.alloc(0));
    });
  }

  resend(captured: Captured, body?: Buffer) {
    return this.send({
      method: captured.signed.method,
      url: captured.url,
      headers: captured.headers,
      body: body ?? captured.body,
    });
  }
}

const server = new AuthServer();
before(() => server.start());
after(() => server.stop());

function popClient(accessKeyId = AK, accessKeySecret = SECRET): RPCClient {
  return new RPCClient({
    endpoint: `http://127.0.0.1:${server.port}`,
    accessKeyId,
    accessKeySecret,
    apiVersion: '2020-11-09',
  });
}

function openApiClient(accessKeyId = AK, accessKeySecret = SECRET, extra: Record<string, unknown> = {}) {
  return new OpenApiClient(
    new OpenApi.Config({
      accessKeyId,
      accessKeySecret,
      endpoint: `127.0.0.1:${server.port}`,
      protocol: 'http',
      ...extra,
    }),
  );
}

function listSearchLibParams(authType = 'AK') {
  return new OpenApi.Params({
    action: 'ListSearchLib',
    version: '2020-11-09',
    protocol: 'HTTP',
    pathname: '/',
    method: 'POST',
    authType,
    style: 'RPC',
    reqBodyType: 'formData',
    bodyType: 'json',
  });
}

function callOpenApi(
  client: ReturnType<typeof openApiClient>,
  query: Record<string, string> = {},
  body: Record<string, string> = {},
  authType = 'AK',
) {
  return client.callApi(
    listSearchLibParams(authType),
    new OpenApi.OpenApiRequest({ query, body }),
    new RuntimeOptions({}),
  );
}

/** Asserts the rejection an SDK raises for a server error: both SDKs expose the server's Code as err.code. */
async function rejectsWithCode(promise: Promise<unknown>, code: ErrorCode): Promise<{ code: string; message: string; data?: Record<string, unknown> }> {
  let caught: unknown;
  await assert.rejects(promise, (err: unknown) => {
    caught = err;
    return true;
  });
  const err = caught as { code: string; message: string; data?: Record<string, unknown> };
  assert.equal(err.code, code, `expected ${code}, got ${err.code}: ${err.message}`);
  return err;
}

function throwsApiError(fn: () => unknown, code: ErrorCode, messagePattern?: RegExp): ApiError {
  let caught: unknown;
  assert.throws(fn, (err: unknown) => {
    caught = err;
    return true;
  });
  assert.ok(caught instanceof ApiError, `expected an ApiError, got ${String(caught)}`);
  assert.equal(caught.code, code, `expected ${code}, got ${caught.code}: ${caught.message}`);
  if (messagePattern) {
    assert.match(caught.message, messagePattern);
  }
  return caught;
}

function withHeaders(request: SignedRequest, changes: Record<string, string | undefined>): SignedRequest {
  return { ...request, headers: { ...request.headers, ...changes } };
}

const TRICKY_VALUES = {
  Chinese: '中文搜索库 图片',
  Json: '{"SearchLibName":"lib \\"quoted\\"","Tags":["a","b"],"n":1}',
  Reserved: "it's (a) *test*! ~x",
  Symbols: 'a+b c&d=e%20f/g?h#i',
};

/** Captures one request exactly as an SDK sends it, with authentication disabled. */
async function capture(send: () => Promise<unknown>): Promise<Captured> {
  server.authenticator = new RequestAuthenticator({ keys: new Map() });
  await send();
  return server.last;
}

describe('disabled authenticator', () => {
  test('returns null for any request when no keys are configured', async () => {
    const authenticator = new RequestAuthenticator({ keys: new Map() });
    assert.equal(authenticator.enabled, false);
    const unsigned: SignedRequest = {
      method: 'GET',
      path: '/',
      query: { Action: 'ListSearchLib' },
      body: {},
      bodySha256Hex: sha256Hex(''),
      headers: {},
    };
    assert.equal(authenticator.authenticate(unsigned), null);
    assert.equal(new RequestAuthenticator({ keys: KEYS }).enabled, true);

    await popClient().request('ListSearchLib', {}, { method: 'POST' });
    assert.equal(server.results.at(-1), null);
  });
});

describe('signature 1.0 (pop-core)', () => {
  test('accepts a GET request signed by pop-core', async () => {
    server.use();
    const response = await popClient().request<Record<string, string>>('ListSearchLib', { PageNo: 1, ...TRICKY_VALUES }, { method: 'GET' });
    assert.equal(response['Code'], '200');
    assert.deepEqual(server.results.at(-1), { accessKeyId: AK, signatureVersion: 'v1' });
    const { signed } = server.last;
    assert.equal(signed.method, 'GET');
    assert.equal(signed.query['Chinese'], TRICKY_VALUES.Chinese);
    assert.equal(signed.query['Symbols'], TRICKY_VALUES.Symbols);
    assert.deepEqual(signed.body, {});
  });

  test('accepts a POST request signed by pop-core (all parameters in the form body)', async () => {
    server.use();
    await popClient().request('ListSearchLib', { PageNo: 2, ...TRICKY_VALUES }, { method: 'POST' });
    assert.deepEqual(server.results.at(-1), { accessKeyId: AK, signatureVersion: 'v1' });
    const { signed } = server.last;
    assert.equal(signed.method, 'POST');
    assert.deepEqual(signed.query, {});
    assert.equal(signed.body['Json'], TRICKY_VALUES.Json);
    assert.equal(signed.body['Reserved'], TRICKY_VALUES.Reserved);
    assert.ok(signed.body['Signature']);
  });

  test('accepts keys whose order differs between code-unit and locale sorting', async () => {
    server.use();
    await popClient().request('ListSearchLib', { b: '1', B: '2', a_b: '3', aB: '4', Z: '5', ä: '6' }, {
      method: 'GET',
      formatParams: false,
    });
    assert.deepEqual(server.results.at(-1), { accessKeyId: AK, signatureVersion: 'v1' });
  });

  test('accepts openapi-client legacy RPC requests (signatureAlgorithm v2) that split query and body', async () => {
    server.use();
    await callOpenApi(openApiClient(AK2, SECRET2, { signatureAlgorithm: 'v2' }), { Chinese: TRICKY_VALUES.Chinese }, { Json: TRICKY_VALUES.Json });
    assert.deepEqual(server.results.at(-1), { accessKeyId: AK2, signatureVersion: 'v1' });
    const { signed } = server.last;
    assert.ok(signed.query['Signature'], 'signature travels in the query');
    assert.equal(signed.body['Json'], TRICKY_VALUES.Json, 'business body parameters stay in the form body');
  });

  test('rejects a wrong secret with SignatureDoesNotMatch, without leaking the secret or the expected signature', async () => {
    server.use();
    const err = await rejectsWithCode(popClient(AK, 'wrong-secret').request('ListSearchLib', { PageNo: 1 }, { method: 'GET' }), 'SignatureDoesNotMatch');
    const serverMessage = String(err.data?.['Message']);
    assert.match(serverMessage, /AccessKeySecret/);
    const params = { ...server.last.signed.query };
    delete params['Signature'];
    const expected = OpenApiUtil.getRPCSignature(params, 'GET', SECRET);
    assert.ok(!serverMessage.includes(SECRET));
    assert.ok(!serverMessage.includes(expected) && !serverMessage.includes(encodeURIComponent(expected)));
  });

  test('rejects an unknown AccessKeyId', async () => {
    server.use();
    const err = await rejectsWithCode(popClient('LTAI5tUnknown', SECRET).request('ListSearchLib', {}, { method: 'POST' }), 'InvalidAccessKeyId.NotFound');
    assert.match(String(err.data?.['Message']), /LTAI5tUnknown.*not configured/);
  });

  test('rejects a timestamp outside the allowed skew, naming the offset', async () => {
    server.use({ now: () => Date.now() + 20 * MINUTE });
    const err = await rejectsWithCode(popClient().request('ListSearchLib', {}, { method: 'GET' }), 'InvalidTimeStamp.Expired');
    assert.match(String(err.data?.['Message']), /the client clock is 1[12]\d\d seconds off.*within 15 minutes of server time/);

    server.use({ now: () => Date.now() - 20 * MINUTE });
    await rejectsWithCode(popClient().request('ListSearchLib', {}, { method: 'GET' }), 'InvalidTimeStamp.Expired');

    server.use({ now: () => Date.now() + 10 * MINUTE });
    await popClient().request('ListSearchLib', {}, { method: 'GET' });
    assert.deepEqual(server.results.at(-1), { accessKeyId: AK, signatureVersion: 'v1' });
  });

  test('honours a configured skew window', async () => {
    server.use({ maxClockSkewMs: 30_000, now: () => Date.now() + 60_000 });
    const err = await rejectsWithCode(popClient().request('ListSearchLib', {}, { method: 'GET' }), 'InvalidTimeStamp.Expired');
    assert.match(String(err.data?.['Message']), /within 30 seconds/);
  });

  test('rejects a replayed request with SignatureNonceUsed', async () => {
    server.use();
    await popClient().request('ListSearchLib', { PageNo: 1 }, { method: 'POST' });
    const original = server.last;
    const replay = await server.resend(original);
    assert.equal(replay.status, 400);
    assert.equal(replay.json['Code'], 'SignatureNonceUsed');
    assert.match(replay.json['Message'] ?? '', /new random nonce/);
  });

  test('rejects tampered parameters and methods', async () => {
    const { signed } = await capture(() => popClient().request('ListSearchLib', { PageNo: 1, Name: '中文' }, { method: 'GET' }));
    const authenticator = new RequestAuthenticator({ keys: KEYS });
    throwsApiError(() => authenticator.authenticate({ ...signed, query: { ...signed.query, PageNo: '2' } }), 'SignatureDoesNotMatch');
    throwsApiError(() => authenticator.authenticate({ ...signed, query: { ...signed.query, Extra: 'x' } }), 'SignatureDoesNotMatch');
    throwsApiError(() => authenticator.authenticate({ ...signed, method: 'POST' }), 'SignatureDoesNotMatch');
    throwsApiError(
      () => authenticator.authenticate({ ...signed, body: { PageNo: '3' } }),
      'IncompleteSignature',
      /both the query string and the body/,
    );
    // Failed attempts must not burn the nonce: the genuine request still goes through.
    assert.deepEqual(authenticator.authenticate(signed), { accessKeyId: AK, signatureVersion: 'v1' });
  });

  test('rejects incomplete or unsupported signature parameters', async () => {
    const { signed } = await capture(() => popClient().request('ListSearchLib', {}, { method: 'GET' }));
    const authenticator = new RequestAuthenticator({ keys: KEYS });
    const without = (name: string): SignedRequest => {
      const query = { ...signed.query };
      delete query[name];
      return { ...signed, query };
    };
    throwsApiError(() => authenticator.authenticate(without('SignatureNonce')), 'IncompleteSignature', /lacks SignatureNonce/);
    throwsApiError(() => authenticator.authenticate(without('Timestamp')), 'IncompleteSignature', /lacks Timestamp/);
    throwsApiError(() => authenticator.authenticate(without('Signature')), 'IncompleteSignature', /lacks Signature/);
    throwsApiError(() => authenticator.authenticate(without('AccessKeyId')), 'IncompleteSignature', /lacks AccessKeyId/);
    throwsApiError(
      () => authenticator.authenticate({ ...signed, query: { ...signed.query, SignatureMethod: 'HMAC-SHA256' } }),
      'IncompleteSignature',
      /use HMAC-SHA1/,
    );
    throwsApiError(
      () => authenticator.authenticate({ ...signed, query: { ...signed.query, SignatureVersion: '2.0' } }),
      'IncompleteSignature',
    );
    for (const bad of ['2024/05/01 12:00:00', '2024-05-01T12:00:00', '2024-02-30T00:00:00Z', '1714564800', '']) {
      const code = bad === '' ? 'IncompleteSignature' : 'InvalidTimeStamp.Format';
      throwsApiError(() => authenticator.authenticate({ ...signed, query: { ...signed.query, Timestamp: bad } }), code);
    }
    throwsApiError(
      () => authenticator.authenticate({ ...signed, query: { ...signed.query, SignatureNonce: 'n'.repeat(257) } }),
      'IncompleteSignature',
    );
  });
});

describe('signature v3 (openapi-client)', () => {
  test('sends RPC requests in the shape the server relies on', async () => {
    const { signed } = await capture(() => callOpenApi(openApiClient(), { SearchLibName: 'lib' }, { Input: 'x' }));
    assert.equal(signed.query['Action'], undefined, 'v3 RPC puts the action only in x-acs-action');
    assert.equal(signed.headers['x-acs-action'], 'ListSearchLib');
    assert.equal(signed.headers['x-acs-version'], '2020-11-09');
    assert.deepEqual(signed.query, { SearchLibName: 'lib' });
    assert.deepEqual(signed.body, { Input: 'x' });
    assert.equal(signed.headers['x-acs-content-sha256'], signed.bodySha256Hex);
    assert.match(
      String(signed.headers['authorization']),
      /^ACS3-HMAC-SHA256 Credential=LTAI5tTestKeyId0001,SignedHeaders=content-type;host;x-acs-action;x-acs-content-sha256;x-acs-credentials-provider;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=[0-9a-f]{64}$/,
    );
  });

  test('accepts requests with non-ASCII and JSON values in query and body', async () => {
    server.use();
    // openapi-util signs query keys unencoded, so a key that needs encoding checks that asymmetry too.
    const query = { ...TRICKY_VALUES, '键 (key)*': 'v' };
    const response = await callOpenApi(openApiClient(), query, { Body: TRICKY_VALUES.Json, Chinese: TRICKY_VALUES.Chinese, Symbols: TRICKY_VALUES.Symbols });
    assert.equal(response['statusCode'], 200);
    assert.deepEqual(server.results.at(-1), { accessKeyId: AK, signatureVersion: 'v3' });
    const { signed } = server.last;
    assert.deepEqual(signed.query, query);
    assert.equal(signed.body['Body'], TRICKY_VALUES.Json);
  });

  test('accepts a request without a body', async () => {
    server.use();
    await callOpenApi(openApiClient(AK2, SECRET2), { Only: 'query' });
    assert.deepEqual(server.results.at(-1), { accessKeyId: AK2, signatureVersion: 'v3' });
    assert.equal(server.last.signed.bodySha256Hex, sha256Hex(''));
  });

  test('rejects a wrong secret with SignatureDoesNotMatch', async () => {
    server.use();
    const err = await rejectsWithCode(callOpenApi(openApiClient(AK, 'wrong-secret'), { A: '1' }, { B: '2' }), 'SignatureDoesNotMatch');
    assert.equal(err.data?.['statusCode'], 400);
    assert.ok(!err.message.includes(SECRET) && !err.message.includes('wrong-secret'));
  });

  test('rejects an unknown AccessKeyId', async () => {
    server.use();
    const err = await rejectsWithCode(callOpenApi(openApiClient('LTAI5tUnknown', SECRET)), 'InvalidAccessKeyId.NotFound');
    assert.equal(err.data?.['statusCode'], 404);
  });

  test('rejects an unsigned (anonymous) request with MissingAccessKeyId', async () => {
    server.use();
    await rejectsWithCode(callOpenApi(openApiClient(), { A: '1' }, {}, 'Anonymous'), 'MissingAccessKeyId');
    const bare = await server.send({ method: 'GET', url: '/?Action=ListSearchLib&Version=2020-11-09', headers: { host: 'localhost' } });
    assert.equal(bare.status, 400);
    assert.equal(bare.json['Code'], 'MissingAccessKeyId');
    assert.match(bare.json['Message'] ?? '', /AccessKeyId and AccessKeySecret/);
  });

  test('rejects a stale x-acs-date', async () => {
    server.use({ now: () => Date.now() - 16 * MINUTE });
    const err = await rejectsWithCode(callOpenApi(openApiClient()), 'InvalidTimeStamp.Expired');
    assert.match(err.message, /ahead of the server time/);
  });

  test('rejects a tampered body: hash mismatch is IncompleteSignature, a re-hashed body fails the signature', async () => {
    server.use();
    const { signed } = await capture(() => callOpenApi(openApiClient(), { A: '1' }, { Input: 'original' }));
    server.use();
    const tampered = await server.resend(server.last, Buffer.from('Input=evil'));
    assert.equal(tampered.status, 400);
    assert.equal(tampered.json['Code'], 'IncompleteSignature');
    assert.match(tampered.json['Message'] ?? '', /x-acs-content-sha256/);

    const authenticator = new RequestAuthenticator({ keys: KEYS });
    const evilHash = sha256Hex('Input=evil');
    const rehashed: SignedRequest = {
      ...withHeaders(signed, { 'x-acs-content-sha256': evilHash }),
      body: { Input: 'evil' },
      bodySha256Hex: evilHash,
    };
    throwsApiError(() => authenticator.authenticate(rehashed), 'SignatureDoesNotMatch');
    throwsApiError(() => authenticator.authenticate(withHeaders(signed, { 'x-acs-content-sha256': undefined })), 'IncompleteSignature');
    assert.deepEqual(authenticator.authenticate(signed), { accessKeyId: AK, signatureVersion: 'v3' });
  });

  test('rejects tampering with the query, routing headers, host, path or method', async () => {
    const { signed } = await capture(() => callOpenApi(openApiClient(), { SearchLibName: '库' }, { Input: 'x' }));
    const authenticator = new RequestAuthenticator({ keys: KEYS });
    const variants: SignedRequest[] = [
      { ...signed, query: { SearchLibName: '库2' } },
      { ...signed, query: { ...signed.query, Action: 'DeleteSearchLib' } },
      withHeaders(signed, { 'x-acs-action': 'DeleteSearchLib' }),
      withHeaders(signed, { 'x-acs-version': '2019-01-01' }),
      withHeaders(signed, { host: 'evil.example.com' }),
      { ...signed, path: '/other' },
      { ...signed, method: 'PUT' },
    ];
    for (const variant of variants) {
      throwsApiError(() => authenticator.authenticate(variant), 'SignatureDoesNotMatch');
    }
    assert.deepEqual(authenticator.authenticate(signed), { accessKeyId: AK, signatureVersion: 'v3' });
  });

  test('rejects a replayed request, also when the first attempt came over the wire', async () => {
    server.use();
    await callOpenApi(openApiClient(), { A: '1' }, { B: '2' });
    assert.deepEqual(server.results.at(-1), { accessKeyId: AK, signatureVersion: 'v3' });
    const replay = await server.resend(server.last);
    assert.equal(replay.status, 400);
    assert.equal(replay.json['Code'], 'SignatureNonceUsed');
  });

  test('rejects malformed Authorization headers with IncompleteSignature', async () => {
    const { signed } = await capture(() => callOpenApi(openApiClient(), { A: '1' }));
    const authenticator = new RequestAuthenticator({ keys: KEYS });
    const hex = 'a'.repeat(64);
    const malformed = [
      'Bearer abc.def',
      'ACS3-HMAC-SHA256',
      `ACS3-HMAC-SHA256 Credential=${AK}`,
      `ACS3-HMAC-SHA256 Credential=${AK},Signature=${hex}`,
      `ACS3-HMAC-SHA256 Credential=${AK},SignedHeaders=host;x-acs-date;x-acs-signature-nonce,Signature=nothex`,
      `ACS3-HMAC-SHA256 Credential=${AK},SignedHeaders=host;x-acs-date;x-acs-signature-nonce;x-acs-action;x-acs-version,Signature=${hex},Signature=${hex}`,
      `ACS3-HMAC-SHA256 Credential,SignedHeaders=host,Signature=${hex}`,
      `ACS3-HMAC-SM3 Credential=${AK},SignedHeaders=host;x-acs-date;x-acs-signature-nonce,Signature=${hex}`,
      // The nonce and the action are left out of the signature, so they could be swapped.
      `ACS3-HMAC-SHA256 Credential=${AK},SignedHeaders=host;x-acs-date,Signature=${hex}`,
      `ACS3-HMAC-SHA256 Credential=${AK},SignedHeaders=host;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=${hex}`,
      // A signed header that the request does not carry.
      `ACS3-HMAC-SHA256 Credential=${AK},SignedHeaders=host;x-acs-action;x-acs-date;x-acs-signature-nonce;x-acs-version;x-acs-missing,Signature=${hex}`,
    ];
    for (const authorization of malformed) {
      throwsApiError(() => authenticator.authenticate(withHeaders(signed, { authorization })), 'IncompleteSignature');
    }
    throwsApiError(
      () => authenticator.authenticate(withHeaders(signed, { 'x-acs-date': '2024-05-01 12:00:00' })),
      'InvalidTimeStamp.Format',
    );
    throwsApiError(() => authenticator.authenticate(withHeaders(signed, { 'x-acs-signature-nonce': '' })), 'IncompleteSignature');

    server.use();
    const overTheWire = await server.send({
      method: 'POST',
      url: '/?A=1',
      headers: { ...server.last.headers, authorization: 'ACS3-HMAC-SHA256 garbage' },
    });
    assert.equal(overTheWire.status, 400);
    assert.equal(overTheWire.json['Code'], 'IncompleteSignature');
    assert.match(overTheWire.json['Message'] ?? '', /Credential=<AccessKeyId>/);
  });
});

describe('nonce replay protection', () => {
  test('nonces are tracked per AccessKeyId', () => {
    const authenticator = new RequestAuthenticator({ keys: KEYS });
    const signedV1 = (accessKeyId: string, secret: string): SignedRequest => {
      const params: Record<string, string> = {
        Action: 'ListSearchLib',
        Version: '2020-11-09',
        Format: 'JSON',
        AccessKeyId: accessKeyId,
        SignatureMethod: 'HMAC-SHA1',
        SignatureVersion: '1.0',
        SignatureNonce: 'shared-nonce',
        Timestamp: new Date().toISOString(),
      };
      params['Signature'] = OpenApiUtil.getRPCSignature(params, 'GET', secret);
      return { method: 'GET', path: '/', query: params, body: {}, bodySha256Hex: sha256Hex(''), headers: {} };
    };
    assert.deepEqual(authenticator.authenticate(signedV1(AK, SECRET)), { accessKeyId: AK, signatureVersion: 'v1' });
    assert.deepEqual(authenticator.authenticate(signedV1(AK2, SECRET2)), { accessKeyId: AK2, signatureVersion: 'v1' });
    throwsApiError(() => authenticator.authenticate(signedV1(AK, SECRET)), 'SignatureNonceUsed');
  });

  test('the cache forgets nonces after the retention period and beyond its size bound', () => {
    const cache = new NonceCache({ retentionMs: 1000, maxEntries: 3 });
    assert.equal(cache.checkAndRemember('k', 'n1', 0), true);
    assert.equal(cache.checkAndRemember('k', 'n1', 1000), false, 'the retention period is inclusive');
    assert.equal(cache.checkAndRemember('other', 'n1', 1000), true);
    assert.equal(cache.checkAndRemember('k', 'n1', 1001), true, 'expired after the retention period');
    assert.equal(cache.size, 2, 'expired entries are evicted');

    const bounded = new NonceCache({ retentionMs: 60_000, maxEntries: 3 });
    for (const nonce of ['a', 'b', 'c', 'd']) {
      assert.equal(bounded.checkAndRemember('k', nonce, 0), true);
    }
    assert.equal(bounded.size, 3);
    assert.equal(bounded.checkAndRemember('k', 'd', 1), false);
    assert.equal(bounded.checkAndRemember('k', 'a', 1), true, 'the oldest entry was dropped');
    assert.equal(bounded.size, 3);
  });

  test('a nonce stays blocked for as long as its timestamp could still be accepted', async () => {
    let clock = Date.now();
    const authenticator = new RequestAuthenticator({ keys: KEYS, now: () => clock });
    const { signed } = await capture(() => popClient().request('ListSearchLib', {}, { method: 'GET' }));
    const signedAt = parseAcsTimestamp(signed.query['Timestamp'] ?? '');
    assert.ok(signedAt !== undefined);
    clock = signedAt - 15 * MINUTE;
    assert.ok(authenticator.authenticate(signed));
    clock = signedAt + 15 * MINUTE;
    throwsApiError(() => authenticator.authenticate(signed), 'SignatureNonceUsed');
  });
});

describe('timestamp parsing', () => {
  test('accepts second and millisecond precision in UTC only', () => {
    assert.equal(parseAcsTimestamp('2024-05-01T12:00:00Z'), Date.UTC(2024, 4, 1, 12, 0, 0));
    assert.equal(parseAcsTimestamp('2024-05-01T12:00:00.123Z'), Date.UTC(2024, 4, 1, 12, 0, 0, 123));
    assert.equal(parseAcsTimestamp('2024-02-29T23:59:59Z'), Date.UTC(2024, 1, 29, 23, 59, 59));
    for (const bad of ['2024-05-01T12:00:00+08:00', '2023-02-29T00:00:00Z', '2024-05-01T24:00:00Z', '2024-5-1T12:00:00Z', 'Wed, 01 May 2024 12:00:00 GMT']) {
      assert.equal(parseAcsTimestamp(bad), undefined, bad);
    }
  });
});

describe('properties against the official signing code', () => {
  const wellFormed = (text: string): boolean => {
    try {
      encodeURIComponent(text);
      return true;
    } catch {
      return false;
    }
  };
  const paramKey = fc.string({ minLength: 1, maxLength: 12, unit: 'binary' }).filter(wellFormed).map((key) => `P${key}`);
  const paramValue = fc.string({ maxLength: 24, unit: 'binary' }).filter(wellFormed);
  const paramMap = fc.dictionary(paramKey, paramValue, { maxKeys: 6 });
  let nonceCounter = 0;

  test('signature 1.0: any parameters signed by openapi-util verify, and any changed value does not', () => {
    fc.assert(
      fc.property(paramMap, fc.constantFrom('GET', 'POST'), fc.boolean(), (business, method, split) => {
        const authenticator = new RequestAuthenticator({ keys: KEYS });
        const params: Record<string, string> = {
          ...business,
          Action: 'ListSearchLib',
          AccessKeyId: AK,
          SignatureMethod: 'HMAC-SHA1',
          SignatureVersion: '1.0',
          SignatureNonce: `nonce-${++nonceCounter}`,
          Timestamp: OpenApiUtil.getTimestamp(),
        };
        params['Signature'] = OpenApiUtil.getRPCSignature(params, method, SECRET);
        const query: Record<string, string> = {};
        const body: Record<string, string> = {};
        for (const [key, value] of Object.entries(params)) {
          (split && key.startsWith('P') ? body : query)[key] = value;
        }
        const request: SignedRequest = { method, path: '/', query, body, bodySha256Hex: sha256Hex(''), headers: {} };
        const firstKey = Object.keys(business)[0];
        if (firstKey !== undefined) {
          const changed = { ...request, query: { ...query, ...body, [firstKey]: `${business[firstKey]}x` }, body: {} };
          throwsApiError(() => authenticator.authenticate(changed), 'SignatureDoesNotMatch');
        }
        assert.deepEqual(authenticator.authenticate(request), { accessKeyId: AK, signatureVersion: 'v1' });
      }),
      { numRuns: 60 },
    );
  });

  test('signature v3: any query signed by openapi-util getAuthorization verifies, and any changed value does not', () => {
    fc.assert(
      fc.property(paramMap, paramValue, (query, bodyText) => {
        const authenticator = new RequestAuthenticator({ keys: KEYS });
        const bodyHash = sha256Hex(bodyText);
        const teaRequest = new $tea.Request();
        teaRequest.method = 'POST';
        teaRequest.pathname = '/';
        teaRequest.query = { ...query };
        teaRequest.headers = {
          host: 'search.example.com:8080',
          'x-acs-action': 'ListSearchLib',
          'x-acs-version': '2020-11-09',
          'x-acs-date': OpenApiUtil.getTimestamp(),
          'x-acs-signature-nonce': `nonce-${++nonceCounter}`,
          'x-acs-content-sha256': bodyHash,
          'content-type': 'application/octet-stream',
          'user-agent': 'not signed',
        };
        const authorization = OpenApiUtil.getAuthorization(teaRequest, 'ACS3-HMAC-SHA256', bodyHash, AK, SECRET);
        const request: SignedRequest = {
          method: 'POST',
          path: '/',
          query,
          body: {},
          bodySha256Hex: bodyHash,
          headers: { ...teaRequest.headers, authorization },
        };
        const firstKey = Object.keys(query)[0];
        if (firstKey !== undefined) {
          const changed = { ...request, query: { ...query, [firstKey]: `${query[firstKey]}x` } };
          throwsApiError(() => authenticator.authenticate(changed), 'SignatureDoesNotMatch');
        }
        assert.deepEqual(authenticator.authenticate(request), { accessKeyId: AK, signatureVersion: 'v3' });
      }),
      { numRuns: 60 },
    );
  });
});
