/**
 * A local stand-in for the Hugging Face hub, for model download tests: two real HTTP servers on
 * 127.0.0.1, a "hub" that answers `/<repo>/resolve/<revision>/<path>` and a "CDN" on another port
 * (so another origin). As on the real hub, a large (LFS) file is answered with a 302 to the CDN
 * carrying X-Linked-Etag (its sha256) and X-Linked-Size, and a small file is served by the hub
 * itself with a git-blob ETag. Both honour `Range: bytes=N-`. Faults can be switched on per file.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ModelSpec } from '../../src/models/model-spec.js';

export interface TestRepoFile {
  path: string;
  bytes: Buffer;
  sha256: string;
  /** Served through a redirect to the CDN with X-Linked-Etag, like Git LFS files on the hub. */
  lfs: boolean;
}

export interface TestModel {
  spec: ModelSpec;
  files: TestRepoFile[];
}

export const TEST_MODEL_NAME = 'test-synthetic-model';
export const TEST_MODEL_REVISION = '0123456789abcdef0123456789abcdef01234567';

function repoFile(path: string, bytes: Buffer, lfs: boolean): TestRepoFile {
  return { path, bytes, sha256: createHash('sha256').update(bytes).digest('hex'), lfs };
}

/**
 * A synthetic model made for tests (random bytes, not a real network): a small config served by
 * the hub, a vision graph whose sha256 and size the spec pins, and a text graph the spec gives no
 * hash for, so the hub's X-Linked-Etag is what it is checked against.
 */
export function createTestModel(name = TEST_MODEL_NAME): TestModel {
  const files = [
    repoFile('config.json', Buffer.from(JSON.stringify({ model_type: 'test-synthetic', projection_dim: 8 })), false),
    repoFile('onnx/vision_model.onnx', randomBytes(384 * 1024), true),
    repoFile('onnx/text_model.onnx', randomBytes(256 * 1024 + 123), true),
  ];
  const [config, vision, text] = files as [TestRepoFile, TestRepoFile, TestRepoFile];
  const spec: ModelSpec = {
    name,
    task: 'image-text-embedding',
    description: 'Synthetic model for download tests (random bytes).',
    dimension: 8,
    languages: ['en'],
    licence: 'test-only',
    source: { repo: 'test-org/synthetic-clip', revision: TEST_MODEL_REVISION },
    files: [
      { path: config.path },
      { path: vision.path, sha256: vision.sha256, size: vision.bytes.length },
      { path: text.path },
    ],
    runtime: {
      imageModel: vision.path,
      textModel: text.path,
      imageInput: 'pixel_values',
      imageOutput: 'image_embeds',
      textInputs: ['input_ids'],
      textOutput: 'text_embeds',
      textLength: 77,
    },
  };
  return { spec, files };
}

export interface RecordedRequest {
  server: 'hub' | 'cdn';
  file: string;
  range: string | undefined;
  authorization: string | undefined;
}

/** Faults by repository path. One-shot faults are removed from their set when they fire. */
export interface HubFaults {
  /** Send half the body, then drop the connection (once). */
  cutOnce: Set<string>;
  /** Send half the body, then drop the connection (every time). */
  cutAlways: Set<string>;
  /** Serve other bytes of the same length (the announced hash stays the true one). */
  wrongBytes: Set<string>;
  /** Answer the hub request with this status instead (404, 403…). */
  status: Map<string, number>;
  /** Answer ranged requests with a plain 200 and the whole file. */
  ignoreRange: Set<string>;
  /** Send half the body, then nothing more while keeping the connection open. */
  stall: Set<string>;
}

export interface TestModelHub {
  /** Base URL to use as HF_ENDPOINT / --endpoint. */
  endpoint: string;
  requests: RecordedRequest[];
  faults: HubFaults;
  /** The requests for one file, in order. */
  requestsFor(file: string): RecordedRequest[];
  close(): Promise<void>;
}

function gitBlobSha1(bytes: Buffer): string {
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

export async function startTestModelHub(model: TestModel): Promise<TestModelHub> {
  const faults: HubFaults = {
    cutOnce: new Set(),
    cutAlways: new Set(),
    wrongBytes: new Set(),
    status: new Map(),
    ignoreRange: new Set(),
    stall: new Set(),
  };
  const requests: RecordedRequest[] = [];
  const byPath = new Map(model.files.map((file) => [file.path, file]));
  const bySha = new Map(model.files.map((file) => [file.sha256, file]));
  const hubServer = createServer();
  const cdnServer = createServer();
  const endpoint = await listen(hubServer);
  const cdn = await listen(cdnServer);
  const resolvePrefix = `/${model.spec.source.repo}/resolve/${encodeURIComponent(model.spec.source.revision)}/`;

  const record = (server: 'hub' | 'cdn', file: string, req: IncomingMessage): void => {
    requests.push({ server, file, range: req.headers.range, authorization: req.headers.authorization });
  };

  /** Serves a file's bytes, honouring `Range: bytes=N-` and the switched-on faults. */
  const serveBytes = (file: TestRepoFile, req: IncomingMessage, res: ServerResponse, headers: Record<string, string>): void => {
    let content = file.bytes;
    if (faults.wrongBytes.has(file.path)) content = Buffer.from(content.map((byte) => byte ^ 0xff));
    const size = content.length;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    let start = 0;
    if (range !== null && !faults.ignoreRange.has(file.path)) {
      start = Number(range[1]);
      if (start >= size) {
        res.writeHead(416, { ...headers, 'content-range': `bytes */${size}` }).end();
        return;
      }
      res.writeHead(206, {
        ...headers,
        'accept-ranges': 'bytes',
        'content-range': `bytes ${start}-${size - 1}/${size}`,
        'content-length': String(size - start),
      });
    } else {
      res.writeHead(200, { ...headers, 'accept-ranges': 'bytes', 'content-length': String(size) });
    }
    const body = content.subarray(start);
    const cut = faults.cutOnce.delete(file.path) || faults.cutAlways.has(file.path);
    if (cut || faults.stall.has(file.path)) {
      const half = body.subarray(0, Math.floor(body.length / 2));
      // Destroy only once the half has been handed to the socket, so the client really receives it.
      res.write(half, () => {
        if (cut) res.socket?.destroy();
      });
      return;
    }
    res.end(body);
  };

  hubServer.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', endpoint);
    const filePath = url.pathname.startsWith(resolvePrefix)
      ? url.pathname.slice(resolvePrefix.length).split('/').map(decodeURIComponent).join('/')
      : url.pathname;
    record('hub', filePath, req);
    const file = byPath.get(filePath);
    const status = faults.status.get(filePath);
    if (file === undefined || status !== undefined) {
      res.writeHead(status ?? 404, { 'content-type': 'text/plain', 'x-error-code': 'EntryNotFound' }).end('Entry not found');
      return;
    }
    if (file.lfs) {
      res
        .writeHead(302, {
          location: `${cdn}/blobs/${file.sha256}?X-Amz-Signature=test-signature`,
          'x-linked-etag': `"${file.sha256}"`,
          'x-linked-size': String(file.bytes.length),
          etag: `"${file.sha256}"`,
          'x-repo-commit': model.spec.source.revision,
        })
        .end();
      return;
    }
    serveBytes(file, req, res, { etag: `"${gitBlobSha1(file.bytes)}"`, 'content-type': 'application/octet-stream' });
  });

  cdnServer.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', cdn);
    const file = bySha.get(url.pathname.replace(/^\/blobs\//, ''));
    record('cdn', file?.path ?? url.pathname, req);
    if (file === undefined || url.searchParams.get('X-Amz-Signature') !== 'test-signature') {
      res.writeHead(403).end('AccessDenied');
      return;
    }
    serveBytes(file, req, res, { etag: `"cdn-${file.sha256.slice(0, 8)}"`, 'content-type': 'application/octet-stream' });
  });

  return {
    endpoint,
    requests,
    faults,
    requestsFor: (file) => requests.filter((request) => request.file === file),
    close: async () => {
      await Promise.all([closeServer(hubServer), closeServer(cdnServer)]);
    },
  };
}
