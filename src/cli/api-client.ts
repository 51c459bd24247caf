/**
 * The CLI's connection to a running mediasearch server: RPC calls (POST form-encoded to
 * `<endpoint>/`, as @alicloud/pop-core sends them) and file uploads (`POST /upload`), signed with
 * signature 1.0 when access keys are configured.
 *
 * Signature 1.0 rather than v3: it signs only parameters, so a form body and the upload's query
 * string are signed the same way, and the string to sign comes from the server's own
 * implementation (src/api/auth/signature-v1.ts), so client and server cannot drift apart.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { v1Signature, v1StringToSign } from '../api/auth/signature-v1.js';
import { API_VERSION } from '../api/rpc-route.js';
import { CliError } from './cli-context.js';

export interface AccessKey {
  accessKeyId: string;
  accessKeySecret: string;
}

export type ParamValue = string | number | boolean | undefined;

/** An error answer of the server (`{"Code","Message"}`); `code` lets callers react to specific ones. */
export class ServerError extends CliError {
  override name = 'ServerError';

  constructor(
    readonly code: string,
    readonly serverMessage: string,
    readonly httpStatus: number,
    readonly requestId?: string,
  ) {
    super(`${code}: ${serverMessage}`);
  }
}

/**
 * No usable answer came back (nothing listening, a network failure, Ctrl-C, a body that is not
 * the server's JSON): unlike a ServerError it concerns every request, not the one that was sent.
 */
export class ConnectionError extends CliError {
  override name = 'ConnectionError';
}

export interface ApiClientOptions {
  /** Base URL of the server, e.g. http://127.0.0.1:8080 (a path prefix of a reverse proxy is kept). */
  endpoint: string;
  accessKey?: AccessKey | undefined;
  signal?: AbortSignal | undefined;
}

/** Signature 1.0 wants the timestamp without milliseconds, as pop-core formats it. */
function v1Timestamp(now = new Date()): string {
  return now.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function stringParams(params: Readonly<Record<string, ParamValue>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(params)) if (value !== undefined) out[key] = String(value);
  return out;
}

/** Network error codes that mean "nothing answered there", as opposed to a broken answer. */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT']);

function networkCode(error: unknown): string | undefined {
  // fetch (undici) reports network failures as TypeError('fetch failed') with the system error as `cause`.
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** fetch's own message is only "fetch failed"; the cause says what went wrong (e.g. "bad port"). */
function innermostMessage(error: unknown): string {
  let current: unknown = error;
  let message = String(error);
  for (let depth = 0; depth < 4 && current instanceof Error; depth += 1) {
    message = current.message;
    current = (current as { cause?: unknown }).cause;
  }
  return message;
}

export class ApiClient {
  readonly endpoint: string;
  private readonly accessKey: AccessKey | undefined;
  private readonly signal: AbortSignal | undefined;

  constructor(options: ApiClientOptions) {
    this.endpoint = normaliseEndpoint(options.endpoint);
    this.accessKey = options.accessKey;
    this.signal = options.signal;
  }

  get signed(): boolean {
    return this.accessKey !== undefined;
  }

  /** Calls one RPC action and returns the parsed success body; error answers throw ServerError. */
  async call<T = Record<string, unknown>>(action: string, params: Readonly<Record<string, ParamValue>> = {}): Promise<T> {
    const all = this.sign('POST', { ...stringParams(params), Action: action, Version: API_VERSION, Format: 'JSON' });
    const response = await this.send(`${this.endpoint}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(all).toString(),
    });
    return (await this.parse(response, action)) as T;
  }

  /**
   * Uploads a local file (streamed from disk, never read into memory) and returns the
   * `upload://…` Input to insert it with.
   */
  async upload(filePath: string, fileName: string): Promise<{ Input: string; Size: number }> {
    const query = this.sign('POST', { FileName: fileName });
    const body = await fs.openAsBlob(filePath);
    const response = await this.send(`${this.endpoint}/upload?${new URLSearchParams(query).toString()}`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body,
    });
    return (await this.parse(response, 'upload')) as { Input: string; Size: number };
  }

  private sign(method: string, params: Record<string, string>): Record<string, string> {
    if (this.accessKey === undefined) return params;
    const signed: Record<string, string> = {
      ...params,
      AccessKeyId: this.accessKey.accessKeyId,
      SignatureMethod: 'HMAC-SHA1',
      SignatureVersion: '1.0',
      SignatureNonce: randomUUID(),
      Timestamp: v1Timestamp(),
    };
    signed.Signature = v1Signature(v1StringToSign(method, signed), this.accessKey.accessKeySecret);
    return signed;
  }

  private async send(url: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(url, { ...init, ...(this.signal ? { signal: this.signal } : {}) });
    } catch (error) {
      if (this.signal?.aborted) throw new ConnectionError('interrupted', 130);
      const code = networkCode(error);
      if (code !== undefined && UNREACHABLE_CODES.has(code)) {
        throw new ConnectionError(
          `cannot reach the server at ${this.endpoint} (${code}); start it with \`mediasearch serve\`, ` +
            'or point --endpoint (or MEDIASEARCH_ENDPOINT) at a running one',
        );
      }
      throw new ConnectionError(`request to ${this.endpoint} failed: ${code ?? innermostMessage(error)}`);
    }
  }

  private async parse(response: Response, what: string): Promise<Record<string, unknown>> {
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      // A proxy error page or some other service on that port: say so instead of a JSON parse error.
      throw new ConnectionError(
        `the server at ${this.endpoint} answered ${what} with HTTP ${response.status} and a body that is not JSON ` +
          `(${JSON.stringify(text.slice(0, 80))}); is --endpoint a mediasearch server?`,
      );
    }
    const record = (body !== null && typeof body === 'object' ? body : {}) as Record<string, unknown>;
    if (!response.ok || (typeof record.Code === 'string' && record.Code !== '200')) {
      const code = typeof record.Code === 'string' ? record.Code : `HTTP${response.status}`;
      const message = typeof record.Message === 'string' ? record.Message : `the server answered HTTP ${response.status}`;
      throw new ServerError(code, message, response.status, typeof record.RequestId === 'string' ? record.RequestId : undefined);
    }
    return record;
  }
}

/** Accepts `host:port` and URLs with a trailing slash; refuses anything that is not http(s). */
export function normaliseEndpoint(raw: string): string {
  const trimmed = raw.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `http://${trimmed}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new CliError(`--endpoint "${raw}" is not a URL; e.g. http://127.0.0.1:8080`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CliError(`--endpoint "${raw}" must be an http:// or https:// URL`);
  }
  if (url.search || url.hash) throw new CliError(`--endpoint "${raw}" must not have a query string or fragment`);
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}
