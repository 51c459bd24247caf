import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RequestAuthenticator } from './auth/request-authenticator.js';
import { ApiError } from './errors.js';
import { API_VERSION, newRequestId, sendError } from './rpc-route.js';
import { DEFAULT_LIBRARY } from '../types.js';

export interface WebRouteDeps {
  authenticator: RequestAuthenticator;
  /** MEDIASEARCH_PUBLIC_URL: file URLs in responses point there, so the page must be allowed to load from it. */
  publicUrl?: string | undefined;
}

/** The prefix of the page's own files (src/web). */
export const WEB_PREFIX = '/web';

/** Flat file names only: no separators, so no request can leave the folder. */
const WEB_FILE_NAME = /^[a-z0-9][a-z0-9-]{0,63}\.(html|js|css|svg|png)$/;

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/**
 * The browser page: `GET /` for a browser (Accept lists text/html, no `Action`), its files under
 * `/web/`, and `/web/config.json`, which tells the page whether it must sign its calls. The page
 * calls the public RPC API like any client, so it has no privileges of its own and needs no
 * authentication to be fetched; SDK requests to `/` (which always carry an Action, in the query
 * or the signed x-acs-action header, and never ask for HTML) reach the RPC route unchanged.
 */
export function registerWebRoute(app: FastifyInstance, deps: WebRouteDeps): void {
  const webDir = locateWebDir();
  const csp = contentSecurityPolicy(deps.publicUrl);

  app.addHook('onRequest', async (request, reply) => {
    if (!isPageRequest(request)) return;
    await sendWebFile(request, reply, webDir, 'index.html', csp);
    return reply;
  });

  app.get(`${WEB_PREFIX}/config.json`, async (_request, reply) =>
    reply.header('cache-control', 'no-store').send({
      AuthRequired: deps.authenticator.enabled,
      ApiVersion: API_VERSION,
      DefaultSearchLib: DEFAULT_LIBRARY,
    }),
  );

  app.get<{ Params: { file: string } }>(`${WEB_PREFIX}/:file`, (request, reply) =>
    sendWebFile(request, reply, webDir, request.params.file, csp),
  );
}

function isPageRequest(request: FastifyRequest): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  const url = request.raw.url ?? '/';
  const questionMark = url.indexOf('?');
  if ((questionMark === -1 ? url : url.slice(0, questionMark)) !== '/') return false;
  if (questionMark !== -1 && new URLSearchParams(url.slice(questionMark + 1)).has('Action')) return false;
  if (request.headers['x-acs-action'] !== undefined || request.headers.authorization !== undefined) return false;
  const accept = request.headers.accept ?? '';
  return accept.includes('text/html');
}

async function sendWebFile(
  request: FastifyRequest,
  reply: FastifyReply,
  webDir: string | undefined,
  name: string,
  csp: string,
): Promise<FastifyReply> {
  const requestId = newRequestId();
  try {
    if (!webDir) throw new ApiError('NotFound', 'The web page is not installed with this server (src/web is missing); the API at / works.');
    if (!WEB_FILE_NAME.test(name)) throw new ApiError('NotFound', `Nothing is served at ${WEB_PREFIX}/${name.slice(0, 100)}.`);
    const file = path.join(webDir, name);
    const stat = await fsp.stat(file).catch(() => null);
    if (!stat?.isFile()) throw new ApiError('NotFound', `Nothing is served at ${WEB_PREFIX}/${name}.`);
    const etag = `"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`;
    reply
      .header('etag', etag)
      // Revalidated on every load, so an upgraded server never runs with an old page's scripts.
      .header('cache-control', 'no-cache')
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer');
    if (name.endsWith('.html')) {
      reply.header('content-security-policy', csp).header('x-frame-options', 'DENY');
    }
    if (request.headers['if-none-match'] === etag) return reply.code(304).send();
    const body = await fsp.readFile(file);
    return reply.code(200).header('content-type', CONTENT_TYPES[path.extname(name)] ?? 'application/octet-stream').send(body);
  } catch (error) {
    return sendError(reply, requestId, error, request);
  }
}

/**
 * Scripts and styles only from the server itself (no inline code, so injected markup cannot
 * run); images and video also from MEDIASEARCH_PUBLIC_URL, the base of the signed file URLs.
 */
function contentSecurityPolicy(publicUrl: string | undefined): string {
  const files = publicUrl ? ` ${new URL(publicUrl).origin}` : '';
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' data: blob:${files}`,
    `media-src 'self' blob:${files}`,
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * src/web holds the page as written (no build step). From the compiled module
 * (dist/src/api/web-route.js) that is ../../../src/web; from the sources (src/api) ../web.
 */
function locateWebDir(): string | undefined {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return [path.resolve(here, '../../../src/web'), path.resolve(here, '../web')].find((dir) =>
    fs.existsSync(path.join(dir, 'index.html')),
  );
}
