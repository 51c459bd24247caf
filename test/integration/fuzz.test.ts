import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { ACTIONS } from '../../src/api/actions/index.js';
import { tempDir } from '../helpers/fixtures.js';
import { startServer, type RunningServer } from '../helpers/server-harness.js';

const PARAM_NAMES = [
  'SearchLibName', 'SearchLibConfig', 'IndexType', 'IndexStatus', 'IndexConfig', 'Input', 'MediaId', 'MediaIds',
  'MediaType', 'MsgBody', 'Namespace', 'Task', 'PageNo', 'PageSize', 'Version', 'ImagesInput', 'CustomFilters',
];

/** Values that tend to break parsers: JSON-ish text, numbers at the edges, odd URLs, Unicode. */
const nastyValue = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.json(),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.constantFrom(
    '', ' ', '0', '-1', '51', '1e309', 'NaN', '9007199254740993', 'true', 'null', '[]', '{}', '{"a":', '\u0000',
    'mm', 'face', 'aiLabel', 'Active', 'Deactive', 'image', 'video', 'audio', 'ims-default-search-lib',
    'file:///etc/passwd', 'file:///../../etc/shadow', 'http://169.254.169.254/latest', 'http://[::1]/', 'upload://../../x',
    'upload://' + 'a'.repeat(32), 'oss://bucket/key', '{"customFields":{"intField1":1e400}}', '{"customFields":[]}',
    '{"title":' + '"x"'.repeat(3) + '}', '%', '%zz', 'a,b,,c,' + 'm,'.repeat(30), '\ud800', 'x'.repeat(5000),
  ),
);

const requestArbitrary = fc.record({
  action: fc.oneof(fc.constantFrom(...ACTIONS.keys()), fc.string({ maxLength: 20 })),
  params: fc.dictionary(fc.oneof(fc.constantFrom(...PARAM_NAMES), fc.string({ maxLength: 10 })), nastyValue, { maxKeys: 6 }),
  method: fc.constantFrom('GET', 'POST'),
  contentType: fc.constantFrom('application/x-www-form-urlencoded', 'application/json', 'text/plain', 'multipart/form-data', ''),
  rawBody: fc.option(fc.string({ maxLength: 200 })),
});

/**
 * Random and hostile requests against the real server: every one must get a well-formed answer
 * with a catalogue code and never a 5xx, and the server must stay healthy afterwards.
 */
describe('fuzzing the RPC endpoint', () => {
  let server: RunningServer;
  const temp = tempDir();
  let sent = 0;

  before(async () => {
    server = await startServer({ MEDIASEARCH_DATA_DIR: path.join(temp.dir, 'data'), MEDIASEARCH_FILE_ROOTS: temp.dir });
  });
  after(async () => {
    await server.stop();
    temp.cleanup();
    console.log(`fuzz: ${sent} malformed requests sent, none answered with a 5xx`);
  });

  it('never answers a malformed request with a 5xx or a body without Code and RequestId', async () => {
    await fc.assert(
      fc.asyncProperty(requestArbitrary, async ({ action, params, method, contentType, rawBody }) => {
        const search = new URLSearchParams({ Action: action, ...params });
        let response: Response;
        if (method === 'GET') {
          response = await fetch(`${server.url}/?${search}`);
        } else {
          const body = rawBody ?? search.toString();
          response = await fetch(`${server.url}/${rawBody === null ? '' : `?${new URLSearchParams({ Action: action })}`}`, {
            method: 'POST',
            headers: contentType ? { 'content-type': contentType } : {},
            body,
          });
        }
        sent++;
        assert.ok(response.status < 500, `${method} ${action} ${JSON.stringify(params)} -> ${response.status}`);
        const json = (await response.json()) as { RequestId?: string; Code?: string; Success?: string };
        assert.equal(typeof json.RequestId, 'string');
        assert.equal(typeof json.Code, 'string');
        if (response.status === 200) assert.equal(json.Success, 'true');
      }),
      { numRuns: 1500 },
    );
    const health = await fetch(`${server.url}/healthz`);
    assert.equal(health.status, 200);
  });

  it('answers raw malformed HTTP bodies and oversized requests with client errors', async () => {
    const cases: RequestInit[] = [
      { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'x'.repeat(2 * 1024 * 1024) },
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"Action": "ListSearchLib"' },
      { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '%%%&&&===' },
      { method: 'PUT', body: 'x' },
      { method: 'DELETE' },
    ];
    for (const init of cases) {
      const response = await fetch(`${server.url}/`, init);
      sent++;
      assert.ok(response.status >= 400 && response.status < 500, `${init.method} -> ${response.status}`);
      const json = (await response.json()) as { Code?: string };
      assert.equal(typeof json.Code, 'string');
    }
  });
});
