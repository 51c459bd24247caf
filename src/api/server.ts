import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { ActionContext } from './actions/action.js';
import type { RequestAuthenticator } from './auth/request-authenticator.js';
import { ApiError, type ErrorCode } from './errors.js';
import { registerMediaFileRoute, type MediaFileRouteDeps } from './media-file-route.js';
import { MediaFileUrls } from './media-file-urls.js';
import { newRequestId, registerFormBodyParser, registerRpcRoute, sendError } from './rpc-route.js';
import { registerUploadRoute } from './upload-route.js';
import { registerWebRoute } from './web-route.js';
import type { UploadService } from '../services/upload-service.js';

export interface ServerDeps {
  context: ActionContext;
  authenticator: RequestAuthenticator;
  uploads: UploadService;
  logger: Logger;
  /** False while starting or shutting down: RPC calls get ServiceUnavailable, /healthz 503. */
  isReady: () => boolean;
  health: () => Record<string, unknown>;
  /** Serves the thumbnails and keyframes that search responses link to with signed URLs. */
  mediaFiles: MediaFileRouteDeps;
  /** MEDIASEARCH_PUBLIC_URL (absent: URLs are built from each request's own host). */
  publicUrl?: string | undefined;
}

/** Framework errors (oversized body, malformed content) mapped onto the API's own codes. */
const FASTIFY_ERROR_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PayloadTooLarge',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UnsupportedMediaType',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'InvalidParameter',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'InvalidParameter',
};

export function buildServer(deps: ServerDeps): FastifyInstance {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: 1024 * 1024,
  });
  registerFormBodyParser(app);
  registerRpcRoute(app, { ...deps, fileUrls: new MediaFileUrls(deps.mediaFiles.signer) });
  registerUploadRoute(app, deps);
  registerMediaFileRoute(app, deps.mediaFiles);
  registerWebRoute(app, deps);

  app.get('/healthz', async (_request, reply) => {
    const ready = deps.isReady();
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ok' : 'unavailable', ...deps.health() });
  });

  app.setNotFoundHandler((request, reply) =>
    sendError(
      reply,
      newRequestId(),
      new ApiError('NotFound', `Nothing is served at ${request.method} ${request.url.split('?')[0]}; the API endpoint is /.`),
      request,
    ),
  );
  app.setErrorHandler((error: Error & { code?: string; statusCode?: number }, request, reply) => {
    const mapped = error.code ? FASTIFY_ERROR_CODES[error.code] : undefined;
    if (mapped) return sendError(reply, newRequestId(), new ApiError(mapped, error.message), request);
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return sendError(reply, newRequestId(), new ApiError('InvalidParameter', error.message), request);
    }
    return sendError(reply, newRequestId(), error, request);
  });
  return app;
}
