import { createHash, randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ACTIONS } from './actions/index.js';
import type { ActionContext } from './actions/action.js';
import type { RequestAuthenticator } from './auth/request-authenticator.js';
import type { SignedRequest } from './auth/signed-request.js';
import { ApiError } from './errors.js';
import type { MediaFileUrls } from './media-file-urls.js';
import { Params } from './params.js';
import { requestBaseUrl } from './public-base-url.js';

export const API_VERSION = '2020-11-09';

/** RequestIds look like the cloud service's: an upper-case UUID. */
export const newRequestId = (): string => randomUUID().toUpperCase();

const EMPTY_SHA256 = createHash('sha256').update('').digest('hex');

/**
 * The single RPC endpoint. Official clients send `Action` and the parameters in the query string
 * (GET) or a form-encoded body (POST), or the action in the `x-acs-action` header (signature v3).
 */
export function registerRpcRoute(
  app: FastifyInstance,
  deps: {
    context: ActionContext;
    authenticator: RequestAuthenticator;
    isReady: () => boolean;
    /** MEDIASEARCH_PUBLIC_URL: the base of absolute URLs in responses, instead of the request's own. */
    publicUrl?: string | undefined;
    /** Signs the file URLs of the WithFileUrls extension. */
    fileUrls?: MediaFileUrls;
  },
): void {
  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const requestId = newRequestId();
    try {
      if (!deps.isReady()) throw new ApiError('ServiceUnavailable', 'The server is shutting down; retry shortly.');
      if (request.body !== undefined && typeof request.body !== 'string') {
        throw new ApiError(
          'UnsupportedMediaType',
          'Send parameters in the query string or as an application/x-www-form-urlencoded body, as the ICE SDKs do.',
        );
      }
      const signed = toSignedRequest(request);
      const caller = deps.authenticator.authenticate(signed);
      const params = { ...signed.query, ...signed.body };
      // The x-acs-* headers are covered by the signature only in v3; a v1 request must name its Action.
      const headersTrusted = caller === null || caller.signatureVersion === 'v3';
      const actionName = params.Action ?? (headersTrusted ? headerString(request.headers['x-acs-action']) : undefined);
      const version = params.Version ?? (headersTrusted ? headerString(request.headers['x-acs-version']) : undefined);
      if (!actionName) {
        throw new ApiError('MissingParameter', 'The parameter Action is required, e.g. Action=ListSearchLib.');
      }
      if (version !== undefined && version !== API_VERSION) {
        throw new ApiError('InvalidVersion', `Version "${version}" is not supported; use ${API_VERSION}.`);
      }
      const action = ACTIONS.get(actionName);
      if (!action) {
        throw new ApiError(
          'InvalidAction',
          `The Action "${actionName.slice(0, 100)}" is not supported. Supported actions: ${[...ACTIONS.keys()].join(', ')}.`,
        );
      }
      const baseUrl = requestBaseUrl(request, deps.publicUrl);
      const fileUrls = deps.fileUrls?.forBase(baseUrl);
      const result = await action.handle(new Params(params), deps.context, {
        accessKeyId: caller?.accessKeyId ?? null,
        baseUrl,
        ...(fileUrls ? { fileUrls } : {}),
      });
      return reply.code(200).send({ RequestId: requestId, ...result, Success: 'true', Code: '200' });
    } catch (error) {
      return sendError(reply, requestId, error, request);
    }
  };
  app.get('/', handler);
  app.post('/', handler);
}

export function sendError(reply: FastifyReply, requestId: string, error: unknown, request: FastifyRequest): FastifyReply {
  if (error instanceof ApiError) {
    return reply.code(error.status).send({ RequestId: requestId, Code: error.code, Message: error.message });
  }
  request.log.error({ err: error, requestId }, 'unexpected error while handling a request');
  return reply.code(500).send({
    RequestId: requestId,
    Code: 'InternalError',
    Message: `The server failed to handle the request (RequestId ${requestId}); it has been logged. Retrying may succeed.`,
  });
}

/** Form bodies are kept as raw text so the v3 signature can hash exactly the bytes that arrived. */
export function registerFormBodyParser(app: FastifyInstance): void {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, body);
  });
}

export function toSignedRequest(request: FastifyRequest, bodySha256Hex?: string): SignedRequest {
  const url = request.raw.url ?? '/';
  const questionMark = url.indexOf('?');
  const path = questionMark === -1 ? url : url.slice(0, questionMark);
  const query = questionMark === -1 ? {} : decodeForm(url.slice(questionMark + 1));
  const rawBody = typeof request.body === 'string' ? request.body : '';
  const isForm = (request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
  return {
    method: request.method.toUpperCase(),
    path,
    query,
    body: isForm ? decodeForm(rawBody) : {},
    bodySha256Hex: bodySha256Hex ?? (rawBody ? createHash('sha256').update(rawBody).digest('hex') : EMPTY_SHA256),
    headers: request.headers,
  };
}

function decodeForm(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(text)) out[key] = value;
  return out;
}

function headerString(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
