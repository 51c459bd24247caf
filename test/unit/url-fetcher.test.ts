import assert from 'node:assert/strict';
import dns from 'node:dns';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, mock } from 'node:test';
import { MediaError } from '../../src/media/media-error.js';
import { createGuardedLookup, downloadUrl } from '../../src/media/url-fetcher.js';
import { DEFAULT_URL_FETCH_POLICY, type UrlFetchPolicy } from '../../src/media/url-policy.js';

// Servers listen on loopback only; the policies below open loopback on purpose where a test needs it.
interface TestServer {
  base: string;
  port: number;
  requests: IncomingMessage[];
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse, server: TestServer) => void;

async function startServer(host: '127.0.0.1' | '127.0.0.2', handler: Handler): Promise<TestServer> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  const test: TestServer = {
    base: `http://${host}:${port}`,
    port,
    requests: [],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    test.requests.push(req);
    handler(req, res, test);
  });
  return test;
}

const privateOk: UrlFetchPolicy = { ...DEFAULT_URL_FETCH_POLICY, allowPrivateNetworks: true, timeoutMs: 5_000 };

let dir: string;
let counter = 0;
function dest(): string {
  counter += 1;
  return join(dir, 'sub', `file-${counter}.bin`);
}

async function rejectsWith(
  promise: Promise<unknown>,
  expected: { retryable: boolean; message: RegExp },
): Promise<MediaError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof MediaError, `expected a MediaError, got ${String(caught)}`);
  assert.equal(caught.retryable, expected.retryable, `retryable for: ${caught.message}`);
  assert.match(caught.message, expected.message);
  return caught;
}

function assertNothingLeft(path: string): void {
  assert.equal(existsSync(path), false, 'destination must not exist');
  assert.equal(existsSync(`${path}.part`), false, '.part file must be removed');
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'mediasearch-fetch-'));
});

after(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('downloadUrl destination policy', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer('127.0.0.1', (_req, res) => {
      res.setHeader('content-type', 'image/png');
      res.end('hello media');
    });
  });
  after(() => server.close());

  it('refuses loopback by default without sending a request', async () => {
    const path = dest();
    await rejectsWith(downloadUrl(`${server.base}/a.png`, path, DEFAULT_URL_FETCH_POLICY), {
      retryable: false,
      message: /Refusing to download from 127\.0\.0\.1:\d+: .*loopback.*MEDIASEARCH_ALLOW_PRIVATE_URLS/,
    });
    assert.equal(server.requests.length, 0);
    assertNothingLeft(path);
  });

  it('downloads from loopback when allowPrivateNetworks is set', async () => {
    const path = dest();
    const before = server.requests.length;
    const result = await downloadUrl(`${server.base}/a.png?x=1`, path, privateOk);
    assert.deepEqual(result, { bytes: 11, contentType: 'image/png', finalUrl: `${server.base}/a.png?x=1` });
    assert.equal(readFileSync(path, 'utf8'), 'hello media');
    assert.equal(existsSync(`${path}.part`), false);
    const request = server.requests[before];
    assert.equal(request?.headers['user-agent'], 'mediasearch/0.1');
    assert.equal(request?.url, '/a.png?x=1');
  });

  it('refuses a host name that resolves to loopback', async () => {
    const path = dest();
    const count = server.requests.length;
    await rejectsWith(downloadUrl(`http://localhost:${server.port}/a.png`, path, DEFAULT_URL_FETCH_POLICY), {
      retryable: false,
      message: /Refusing to download from localhost:\d+: .*loopback/,
    });
    assert.equal(server.requests.length, count);
    assertNothingLeft(path);
  });

  it('refuses IPv4-mapped IPv6 and other spellings of loopback literals', async () => {
    const count = server.requests.length;
    for (const url of [
      `http://[::ffff:127.0.0.1]:${server.port}/`,
      `http://[::ffff:7f00:1]:${server.port}/`,
      `http://2130706433:${server.port}/`,
      `http://0x7f.1:${server.port}/`,
      `http://[::1]:${server.port}/`,
      `http://0.0.0.0:${server.port}/`,
    ]) {
      const path = dest();
      await rejectsWith(downloadUrl(url, path, DEFAULT_URL_FETCH_POLICY), { retryable: false, message: /Refusing/ });
      assertNothingLeft(path);
    }
    assert.equal(server.requests.length, count);
  });

  it('refuses 0.0.0.0 even with allowPrivateNetworks', async () => {
    await rejectsWith(downloadUrl(`http://0.0.0.0:${server.port}/`, dest(), privateOk), {
      retryable: false,
      message: /unspecified/,
    });
  });
});

describe('downloadUrl allowedCidrs', () => {
  let target: TestServer;
  let trusted: TestServer;
  before(async () => {
    target = await startServer('127.0.0.1', (_req, res) => res.end('secret'));
    trusted = await startServer('127.0.0.2', (req, res) => {
      if (req.url === '/to-loopback') {
        res.writeHead(302, { location: `${target.base}/` }).end();
      } else if (req.url === '/to-localhost') {
        res.writeHead(302, { location: `http://localhost:${target.port}/` }).end();
      } else {
        res.end('trusted');
      }
    });
  });
  after(async () => {
    await target.close();
    await trusted.close();
  });

  const policy: UrlFetchPolicy = { ...DEFAULT_URL_FETCH_POLICY, allowedCidrs: ['127.0.0.2/32'], timeoutMs: 5_000 };

  it('lets a listed address through', async () => {
    const path = dest();
    const result = await downloadUrl(`${trusted.base}/file`, path, policy);
    assert.equal(result.bytes, 7);
    assert.equal(readFileSync(path, 'utf8'), 'trusted');
  });

  it('refuses a redirect from the listed address to another loopback address', async () => {
    for (const route of ['/to-loopback', '/to-localhost']) {
      const path = dest();
      await rejectsWith(downloadUrl(`${trusted.base}${route}`, path, policy), {
        retryable: false,
        message: /Refusing to download from (127\.0\.0\.1|localhost):\d+/,
      });
      assertNothingLeft(path);
    }
    assert.equal(target.requests.length, 0);
  });
});

describe('downloadUrl redirects', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer('127.0.0.1', (req, res, self) => {
      const url = new URL(req.url ?? '/', self.base);
      const hops = Number(url.searchParams.get('hops') ?? '0');
      if (url.pathname === '/chain' && hops > 0) {
        // Alternates relative and absolute Locations so both resolutions are exercised.
        const next = `/chain?hops=${hops - 1}`;
        const status = [301, 302, 303, 307, 308][hops % 5] as number;
        res.writeHead(status, { location: hops % 2 === 0 ? next : `${self.base}${next}` }).end();
      } else if (url.pathname === '/to-file') {
        res.writeHead(302, { location: 'file:///etc/passwd' }).end();
      } else if (url.pathname === '/no-location') {
        res.writeHead(302).end();
      } else {
        res.end('end of chain');
      }
    });
  });
  after(() => server.close());

  const policy: UrlFetchPolicy = { ...privateOk, maxRedirects: 3 };

  it('follows a chain up to maxRedirects', async () => {
    const path = dest();
    const result = await downloadUrl(`${server.base}/chain?hops=3`, path, policy);
    assert.equal(result.finalUrl, `${server.base}/chain?hops=0`);
    assert.equal(readFileSync(path, 'utf8'), 'end of chain');
  });

  it('refuses a chain longer than maxRedirects', async () => {
    const path = dest();
    await rejectsWith(downloadUrl(`${server.base}/chain?hops=4`, path, policy), {
      retryable: false,
      message: /more than 3 redirects/,
    });
    assertNothingLeft(path);
  });

  it('refuses any redirect when maxRedirects is 0', async () => {
    await rejectsWith(downloadUrl(`${server.base}/chain?hops=1`, dest(), { ...policy, maxRedirects: 0 }), {
      retryable: false,
      message: /more than 0 redirects/,
    });
  });

  it('refuses a redirect to a non-http scheme', async () => {
    await rejectsWith(downloadUrl(`${server.base}/to-file`, dest(), policy), {
      retryable: false,
      message: /only http and https/,
    });
  });

  it('refuses a redirect without a Location', async () => {
    await rejectsWith(downloadUrl(`${server.base}/no-location`, dest(), policy), {
      retryable: false,
      message: /without a Location/,
    });
  });
});

describe('downloadUrl size limit', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer('127.0.0.1', (req, res) => {
      if (req.url === '/declared') {
        res.writeHead(200, { 'content-length': '1000' });
        res.end(Buffer.alloc(1000));
      } else if (req.url === '/chunked') {
        // No Content-Length: only counting the streamed bytes can catch this one.
        res.writeHead(200, { 'content-type': 'video/mp4' });
        const timer = setInterval(() => res.write(Buffer.alloc(64)), 2);
        res.on('close', () => clearInterval(timer));
      } else {
        res.end(Buffer.alloc(100));
      }
    });
  });
  after(() => server.close());

  const policy: UrlFetchPolicy = { ...privateOk, maxBytes: 100 };

  it('accepts a file of exactly maxBytes', async () => {
    const result = await downloadUrl(`${server.base}/exact`, dest(), policy);
    assert.equal(result.bytes, 100);
  });

  it('refuses by Content-Length before reading the body', async () => {
    const path = dest();
    await rejectsWith(downloadUrl(`${server.base}/declared`, path, policy), {
      retryable: false,
      message: /1000 bytes, over the 100-byte limit/,
    });
    assertNothingLeft(path);
  });

  it('refuses by counted bytes when there is no Content-Length', async () => {
    const path = dest();
    await rejectsWith(downloadUrl(`${server.base}/chunked`, path, policy), {
      retryable: false,
      message: /more than the 100-byte limit/,
    });
    assertNothingLeft(path);
  });
});

describe('downloadUrl failures', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer('127.0.0.1', (req, res) => {
      switch (new URL(req.url ?? '/', 'http://test').pathname) {
        case '/404':
          res.writeHead(404).end('nope');
          return;
        case '/503':
          res.writeHead(503).end();
          return;
        case '/429':
          res.writeHead(429).end();
          return;
        case '/stall':
          return; // never answers
        case '/stall-body':
          res.writeHead(200, { 'content-length': '1000' });
          res.write(Buffer.alloc(10));
          return;
        case '/truncated':
          res.writeHead(200, { 'content-length': '1000' });
          res.write(Buffer.alloc(10), () => res.destroy());
          return;
        default:
          res.end('ok');
      }
    });
  });
  after(() => server.close());

  it('reports 404 as permanent', async () => {
    const path = dest();
    await rejectsWith(downloadUrl(`${server.base}/404`, path, privateOk), {
      retryable: false,
      message: /127\.0\.0\.1:\d+ failed: the server answered HTTP 404 Not Found/,
    });
    assertNothingLeft(path);
  });

  it('reports 503 and 429 as retryable', async () => {
    await rejectsWith(downloadUrl(`${server.base}/503`, dest(), privateOk), { retryable: true, message: /HTTP 503/ });
    await rejectsWith(downloadUrl(`${server.base}/429`, dest(), privateOk), { retryable: true, message: /HTTP 429/ });
  });

  it('keeps credentials and query strings out of messages', async () => {
    const error = await rejectsWith(
      downloadUrl(`http://alice:hunter2@127.0.0.1:${server.port}/404?token=s3cret`, dest(), privateOk),
      { retryable: false, message: /HTTP 404/ },
    );
    assert.doesNotMatch(error.message, /alice|hunter2|token|s3cret/);
  });

  it('times out a server that never answers, as retryable', async () => {
    const path = dest();
    const started = Date.now();
    await rejectsWith(downloadUrl(`${server.base}/stall`, path, { ...privateOk, timeoutMs: 300 }), {
      retryable: true,
      message: /did not finish within 300 ms/,
    });
    assert.ok(Date.now() - started < 3_000);
    assertNothingLeft(path);
  });

  it('times out a body that stops arriving, leaving no partial file', async () => {
    const path = dest();
    await rejectsWith(downloadUrl(`${server.base}/stall-body`, path, { ...privateOk, timeoutMs: 300 }), {
      retryable: true,
      message: /did not finish within 300 ms/,
    });
    assertNothingLeft(path);
  });

  it('reports a connection cut mid-body as retryable', async () => {
    const path = dest();
    await rejectsWith(downloadUrl(`${server.base}/truncated`, path, privateOk), { retryable: true, message: /failed/ });
    assertNothingLeft(path);
  });

  it('reports a refused connection as retryable', async () => {
    const closed = await startServer('127.0.0.1', () => undefined);
    await closed.close();
    await rejectsWith(downloadUrl(`${closed.base}/`, dest(), privateOk), {
      retryable: true,
      message: /connection was refused/,
    });
  });

  it('stops when the caller aborts mid-download', async () => {
    const path = dest();
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('shutting down')), 100);
    const error = await rejectsWith(downloadUrl(`${server.base}/stall-body`, path, privateOk, controller.signal), {
      retryable: false,
      message: /was cancelled/,
    });
    assert.equal((error.cause as Error).message, 'shutting down');
    assertNothingLeft(path);
  });

  it('does not start when the signal is already aborted', async () => {
    const count = server.requests.length;
    await rejectsWith(downloadUrl(`${server.base}/`, dest(), privateOk, AbortSignal.abort()), {
      retryable: false,
      message: /was cancelled/,
    });
    assert.equal(server.requests.length, count);
  });

  it('refuses malformed and non-http URLs', async () => {
    await rejectsWith(downloadUrl('not a url', dest(), privateOk), { retryable: false, message: /not an absolute URL/ });
    await rejectsWith(downloadUrl('ftp://example.com/a.mp4', dest(), privateOk), {
      retryable: false,
      message: /only http and https/,
    });
    await rejectsWith(downloadUrl('file:///etc/passwd', dest(), privateOk), {
      retryable: false,
      message: /only http and https/,
    });
  });

  it('leaves no temporary files behind', () => {
    const leftovers = readdirSync(join(dir, 'sub')).filter((name) => name.endsWith('.part'));
    assert.deepEqual(leftovers, []);
  });
});

// dns.lookup is replaced so that names resolve to chosen loopback addresses (or never resolve) and
// the real connect path runs without any traffic leaving the machine.
describe('downloadUrl with a stubbed resolver', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer('127.0.0.2', (_req, res) => res.end('ok'));
  });
  after(() => server.close());

  function stubLookup(answer: { address: string; family: number }[] | 'hang'): void {
    mock.method(dns, 'lookup', (_host: string, _options: unknown, callback: (...args: unknown[]) => void) => {
      if (answer !== 'hang') setImmediate(() => callback(null, answer));
    });
  }

  const policy: UrlFetchPolicy = { ...DEFAULT_URL_FETCH_POLICY, allowedCidrs: ['127.0.0.2/32'], timeoutMs: 5_000 };

  it('connects to the address the guarded lookup approved', async (t) => {
    t.after(() => mock.restoreAll());
    stubLookup([{ address: '127.0.0.2', family: 4 }]);
    const result = await downloadUrl(`http://media.test:${server.port}/x`, dest(), policy);
    assert.equal(result.bytes, 2);
    assert.equal(server.requests.at(-1)?.headers.host, `media.test:${server.port}`);
  });

  it('refuses the host when any one of its addresses is refused', async (t) => {
    t.after(() => mock.restoreAll());
    stubLookup([
      { address: '127.0.0.2', family: 4 },
      { address: '127.0.0.1', family: 4 },
    ]);
    const count = server.requests.length;
    await rejectsWith(downloadUrl(`http://media.test:${server.port}/x`, dest(), policy), {
      retryable: false,
      message: /Refusing to download from media\.test:\d+: it resolves to a loopback address/,
    });
    assert.equal(server.requests.length, count);
  });

  it('gives up on a connection that cannot be set up within connectTimeoutMs, as retryable', async (t) => {
    t.after(() => mock.restoreAll());
    stubLookup('hang');
    const path = dest();
    await rejectsWith(downloadUrl(`http://media.test:${server.port}/x`, path, { ...policy, connectTimeoutMs: 200 }), {
      retryable: true,
      message: /media\.test:\d+ failed: could not connect within 200 ms/,
    });
    assertNothingLeft(path);
  });
});

describe('createGuardedLookup', () => {
  type Answer = { address: string; family: number }[];
  function lookupWith(answer: Answer, options: { all?: boolean; family?: number } = {}) {
    const lookup = createGuardedLookup(DEFAULT_URL_FETCH_POLICY, 'media.example', (_host, _opts, callback) =>
      callback(null, answer),
    );
    return new Promise<{ error: Error | null; address: unknown; family: unknown }>((resolve) =>
      lookup('media.example', options, (error, address, family) => resolve({ error, address, family })),
    );
  }

  it('refuses a name when any one of its addresses is private', async () => {
    const { error } = await lookupWith([
      { address: '93.184.216.34', family: 4 },
      { address: '10.0.0.7', family: 4 },
    ]);
    assert.ok(error instanceof MediaError);
    assert.equal(error.retryable, false);
    assert.match(error.message, /media\.example: it resolves to a private address/);
  });

  it('checks every lookup, so a rebinding answer on a later connection is caught', async () => {
    const answers: Answer[] = [[{ address: '93.184.216.34', family: 4 }], [{ address: '127.0.0.1', family: 4 }]];
    const lookup = createGuardedLookup(DEFAULT_URL_FETCH_POLICY, 'rebind.example', (_host, _opts, callback) =>
      callback(null, answers.shift() ?? []),
    );
    const call = () =>
      new Promise<Error | null>((resolve) => lookup('rebind.example', { all: true }, (error) => resolve(error)));
    assert.equal(await call(), null);
    assert.ok((await call()) instanceof MediaError);
  });

  it('answers in the shape net asked for', async () => {
    const answer = [
      { address: '2606:2800:220:1:248:1893:25c8:1946', family: 6 },
      { address: '93.184.216.34', family: 4 },
    ];
    const all = await lookupWith(answer, { all: true });
    assert.deepEqual(all, { error: null, address: answer, family: undefined });
    const single = await lookupWith(answer);
    assert.deepEqual(single, { error: null, address: answer[0]?.address, family: 6 });
  });

  it('reports an empty answer as not found', async () => {
    const { error } = await lookupWith([]);
    assert.equal((error as NodeJS.ErrnoException).code, 'ENOTFOUND');
  });
});
