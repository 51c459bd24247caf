import assert from 'node:assert/strict';
import { once } from 'node:events';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { tempDir } from '../helpers/fixtures.js';
import { spawnServerProcess } from '../helpers/server-harness.js';

describe('start-up safety', () => {
  const temp = tempDir();
  after(() => temp.cleanup());

  it('refuses to serve unauthenticated beyond loopback, naming the settings that change that', async () => {
    const { child, output } = spawnServerProcess({ HOST: '0.0.0.0', MEDIASEARCH_DATA_DIR: path.join(temp.dir, 'a') });
    const [code] = (await once(child, 'exit')) as [number];
    assert.equal(code, 2);
    assert.match(output(), /MEDIASEARCH_ACCESS_KEYS.*MEDIASEARCH_ALLOW_INSECURE_BIND/s);
  });

  it('says at start-up that requests are not authenticated when no keys are configured', async () => {
    const server = spawnServerProcess({ MEDIASEARCH_DATA_DIR: path.join(temp.dir, 'b') });
    await server.url;
    assert.match(server.output(), /requests are not authenticated, serving on loopback only/);
    server.child.kill('SIGTERM');
    const [code] = (await once(server.child, 'exit')) as [number];
    assert.equal(code, 0);
  });

  it('exits with a clear message on a malformed setting', async () => {
    const { child, output } = spawnServerProcess({ MEDIASEARCH_ACCESS_KEYS: 'no-colon', MEDIASEARCH_DATA_DIR: path.join(temp.dir, 'c') });
    const [code] = (await once(child, 'exit')) as [number];
    assert.equal(code, 2);
    assert.match(output(), /MEDIASEARCH_ACCESS_KEYS must look like "id:secret/);
  });
});
