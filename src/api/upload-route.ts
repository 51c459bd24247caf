import type { FastifyInstance } from 'fastify';
import type { Readable } from 'node:stream';
import type { RequestAuthenticator } from './auth/request-authenticator.js';
import { ApiError } from './errors.js';
import { newRequestId, sendError, toSignedRequest } from './rpc-route.js';
import type { UploadService } from '../services/upload-service.js';

/**
 * POST /upload?FileName=photo.jpg with the raw file as the body (any content type) returns
 * {"Input": "upload://<id>"} for InsertMediaToSearchLib. Signed like an RPC call: v1 signs the
 * query parameters; v3 signs x-acs-content-sha256, which is checked against the bytes received.
 */
export function registerUploadRoute(
  app: FastifyInstance,
  deps: { uploads: UploadService; authenticator: RequestAuthenticator },
): void {
  void app.register(async (scope) => {
    // Inside this scope every body is handed over as a stream; nothing is buffered in memory.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

    scope.post('/upload', async (request, reply) => {
      const requestId = newRequestId();
      let received: Awaited<ReturnType<UploadService['receive']>> | undefined;
      try {
        const claimedHash = request.headers['x-acs-content-sha256'];
        const signed = toSignedRequest(request, typeof claimedHash === 'string' ? claimedHash : undefined);
        // The signature is checked before reading the body so strangers cannot fill the disk.
        const caller = deps.authenticator.authenticate({ ...signed, body: {} });
        const fileName = signed.query.FileName ?? 'upload';
        const body = request.body as Readable | undefined;
        if (!body) throw new ApiError('InvalidParameter', 'Send the file bytes as the request body.');
        received = await deps.uploads.receive(body, fileName);
        if (caller?.signatureVersion === 'v3' && claimedHash !== received.sha256) {
          throw new ApiError('IncompleteSignature', 'x-acs-content-sha256 does not match the uploaded bytes.');
        }
        return reply.send({
          RequestId: requestId,
          Input: received.input,
          Size: received.bytes,
          Success: 'true',
          Code: '200',
        });
      } catch (error) {
        if (received) deps.uploads.discard(received.input);
        return sendError(reply, requestId, error, request);
      }
    });
  });
}
