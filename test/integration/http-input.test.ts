import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateMediaFixtures, tempDir } from '../helpers/fixtures.js';
import { rpc, startServer, waitForJobs, type RunningServer } from '../helpers/server-harness.js';
import { installedTinyModelEnv } from '../helpers/installed-tiny-model.js';

/** http(s) inputs are downloaded by the ingest job; the media host here is a loopback server on 127.0.0.2. */
describe('http inputs', () => {
  const temp = tempDir();
  let server: RunningServer;
  let mediaHost: http.Server;
  let base: string;

  before(async () => {
    const media = generateMediaFixtures(path.join(temp.dir, 'media'));
    mediaHost = http.createServer((request, response) => {
      if (request.url === '/clip.mp4') {
        response.setHeader('content-type', 'video/mp4');
        fs.createReadStream(media.video).pipe(response);
      } else if (request.url === '/moved') {
        response.writeHead(302, { location: '/clip.mp4' }).end();
      } else if (request.url === '/to-loopback') {
        response.writeHead(302, { location: `http://127.0.0.1:${(mediaHost.address() as AddressInfo).port}/clip.mp4` }).end();
      } else {
        response.writeHead(404).end('not here');
      }
    });
    await new Promise<void>((resolve) => mediaHost.listen(0, '127.0.0.2', resolve));
    base = `http://127.0.0.2:${(mediaHost.address() as AddressInfo).port}`;
    server = await startServer({
      MEDIASEARCH_DATA_DIR: path.join(temp.dir, 'data'),
      MEDIASEARCH_URL_ALLOW_CIDRS: '127.0.0.2/32',
      ...(await installedTinyModelEnv(temp.dir)),
    });
  });
  after(async () => {
    await server.stop();
    mediaHost.close();
    temp.cleanup();
  });

  it('downloads a video by URL (following a redirect) and analyses it', async () => {
    for (const [id, url] of [['direct', `${base}/clip.mp4`], ['redirected', `${base}/moved`]] as const) {
      assert.equal((await rpc(server.url, 'InsertMediaToSearchLib', { Input: url, MediaId: id })).status, 200);
      const jobs = await waitForJobs(server.url, id);
      assert.ok(jobs.every((job) => job.Status === 'Success'), JSON.stringify(jobs));
      const asset = server.app.store.assets.get('ims-default-search-lib', id)!;
      assert.ok(asset.localPath?.endsWith('source.mp4') || asset.localPath?.endsWith('source'));
      assert.ok((asset.fileSize ?? 0) > 1000);
    }
  });

  it('fails the jobs with the reason when the URL is missing or redirects to a refused address', async () => {
    await rpc(server.url, 'InsertMediaToSearchLib', { Input: `${base}/missing.mp4`, MediaId: 'missing' });
    await rpc(server.url, 'InsertMediaToSearchLib', { Input: `${base}/to-loopback`, MediaId: 'sneaky' });
    const missing = await waitForJobs(server.url, 'missing');
    assert.ok(missing.every((job) => job.Status === 'Fail' && /404/.test(job.ErrorMessage ?? '')), JSON.stringify(missing));
    const sneaky = await waitForJobs(server.url, 'sneaky');
    assert.ok(sneaky.every((job) => job.Status === 'Fail' && /127\.0\.0\.1/.test(job.ErrorMessage ?? '')), JSON.stringify(sneaky));
  });

  it('refuses a loopback URL at insert time', async () => {
    const { status, body } = await rpc(server.url, 'InsertMediaToSearchLib', { Input: 'http://127.0.0.1:9/x.mp4' });
    assert.equal(status, 400);
    assert.match(String(body.Message), /loopback/);
  });
});
