import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import RPCClient from '@alicloud/pop-core';
import OpenApi from '@alicloud/openapi-client';
import TeaUtil from '@alicloud/tea-util';
import { generateMediaFixtures, tempDir } from '../helpers/fixtures.js';
import { startServer, waitFor, type RunningServer } from '../helpers/server-harness.js';
import { installedTinyModelEnv } from '../helpers/installed-tiny-model.js';

const ACCESS_KEY_ID = 'LTAItestkey';
const ACCESS_KEY_SECRET = 'test-secret-不要告诉别人';

/**
 * The compatibility proof: Alibaba Cloud's own SDK cores, unmodified, talk to a running
 * mediasearch server. pop-core signs with v1 (HMAC-SHA1), openapi-client with v3 (ACS3-HMAC-SHA256),
 * both in the RPC style that the ICE SDK (@alicloud/ice20201109) uses.
 */
describe('official Alibaba Cloud clients against the running server', () => {
  let server: RunningServer;
  let media: ReturnType<typeof generateMediaFixtures>;
  const temp = tempDir();

  before(async () => {
    media = generateMediaFixtures(path.join(temp.dir, 'media'));
    server = await startServer({
      MEDIASEARCH_DATA_DIR: path.join(temp.dir, 'data'),
      MEDIASEARCH_FILE_ROOTS: path.join(temp.dir, 'media'),
      MEDIASEARCH_ACCESS_KEYS: `${ACCESS_KEY_ID}:${ACCESS_KEY_SECRET},other:other-secret`,
      ...(await installedTinyModelEnv(temp.dir)),
    });
  });
  after(async () => {
    await server.stop();
    temp.cleanup();
  });

  const popClient = (secret = ACCESS_KEY_SECRET) =>
    new RPCClient({ endpoint: server.url, accessKeyId: ACCESS_KEY_ID, accessKeySecret: secret, apiVersion: '2020-11-09' });

  const openApiClient = (secret = ACCESS_KEY_SECRET) =>
    new OpenApi.default(
      new OpenApi.Config({
        accessKeyId: ACCESS_KEY_ID,
        accessKeySecret: secret,
        endpoint: server.url.replace('http://', ''),
        protocol: 'http',
      }),
    );

  /** Calls an action the way the generated ICE SDK does: RPC style, POST, parameters in the query. */
  const callV3 = async (client: ReturnType<typeof openApiClient>, action: string, query: Record<string, string>) => {
    const params = new OpenApi.Params({
      action,
      version: '2020-11-09',
      protocol: 'HTTP',
      pathname: '/',
      method: 'POST',
      authType: 'AK',
      style: 'RPC',
      reqBodyType: 'formData',
      bodyType: 'json',
    });
    const response = (await client.callApi(params, new OpenApi.OpenApiRequest({ query }), new TeaUtil.RuntimeOptions({}))) as {
      body: Record<string, unknown>;
      statusCode: number;
    };
    return response.body;
  };

  it('pop-core (signature v1) creates a library, inserts, queries jobs, lists and deletes', async () => {
    const client = popClient();
    const created = (await client.request('CreateSearchLib', { SearchLibName: 'popLib' }, { method: 'POST' })) as Record<string, unknown>;
    assert.equal(created.SearchLibName, 'popLib');
    assert.equal(created.Success, 'true');

    const inserted = (await client.request(
      'InsertMediaToSearchLib',
      {
        SearchLibName: 'popLib',
        Input: pathToFileURL(media.video).href,
        MediaId: 'pop-video',
        MsgBody: JSON.stringify({ title: 'two dogs / 两只狗', customFields: { intField1: 7 } }),
      },
      { method: 'POST' },
    )) as Record<string, unknown>;
    assert.equal(inserted.MediaId, 'pop-video');

    const jobs = await waitFor(async () => {
      const body = (await client.request('QueryMediaIndexJob', { SearchLibName: 'popLib', MediaId: 'pop-video' })) as {
        IndexJobInfoList: { Status: string }[];
      };
      return body.IndexJobInfoList.every((job) => job.Status === 'Success') ? body.IndexJobInfoList : undefined;
    });
    assert.equal(jobs.length, 3);

    const listed = (await client.request('ListSearchLib', { PageSize: 50 })) as { SearchLibInfoList: { SearchLibName: string }[] };
    assert.ok(listed.SearchLibInfoList.some((lib) => lib.SearchLibName === 'popLib'));

    const deleted = (await client.request('DeleteMediaFromSearchLib', { SearchLibName: 'popLib', MediaId: 'pop-video' })) as Record<
      string,
      unknown
    >;
    assert.equal(deleted.MediaId, 'pop-video');
    await client.request('DropSearchLib', { SearchLibName: 'popLib' });
  });

  it('openapi-client (signature v3, RPC style) creates a library, inserts, queries jobs, lists and deletes', async () => {
    const client = openApiClient();
    const created = await callV3(client, 'CreateSearchLib', { SearchLibName: 'v3Lib' });
    assert.equal(created.SearchLibName, 'v3Lib');

    const inserted = await callV3(client, 'InsertMediaToSearchLib', {
      SearchLibName: 'v3Lib',
      Input: pathToFileURL(media.jpeg).href,
      MediaType: 'image',
      MsgBody: JSON.stringify({ title: '熊猫 "panda" {test}' }),
    });
    const mediaId = String(inserted.MediaId);
    assert.match(mediaId, /^[0-9a-f]{32}$/);

    await waitFor(async () => {
      const body = (await callV3(client, 'QueryMediaIndexJob', { SearchLibName: 'v3Lib', MediaId: mediaId })) as {
        IndexJobInfoList: { Status: string }[];
      };
      return body.IndexJobInfoList.every((job) => job.Status === 'Success') ? true : undefined;
    });
    assert.equal(server.app.store.assets.get('v3Lib', mediaId)?.title, '熊猫 "panda" {test}');

    const queried = await callV3(client, 'QuerySearchLib', { SearchLibName: 'v3Lib' });
    assert.equal(queried.Status, 'normal');
    const listed = (await callV3(client, 'ListSearchLib', {})) as { SearchLibInfoList: { SearchLibName: string }[] };
    assert.ok(listed.SearchLibInfoList.some((lib) => lib.SearchLibName === 'v3Lib'));
    const deleted = await callV3(client, 'DeleteMediaFromSearchLib', { SearchLibName: 'v3Lib', MediaId: mediaId });
    assert.equal(deleted.MediaId, mediaId);
  });

  it('rejects a request signed with a wrong secret, through either client', async () => {
    await assert.rejects(popClient('wrong-secret').request('ListSearchLib', {}), (error: { code?: string }) => {
      assert.equal(error.code, 'SignatureDoesNotMatch');
      return true;
    });
    await assert.rejects(callV3(openApiClient('wrong-secret'), 'ListSearchLib', {}), (error: { code?: string; data?: { statusCode?: number } }) => {
      assert.equal(error.code, 'SignatureDoesNotMatch');
      assert.equal(error.data?.statusCode, 400);
      return true;
    });
  });

  it('rejects unsigned requests when access keys are configured', async () => {
    const response = await fetch(`${server.url}/?Action=ListSearchLib`);
    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as { Code: string }).Code, 'MissingAccessKeyId');
  });

  it('surfaces API errors to the SDK with their code and message', async () => {
    await assert.rejects(popClient().request('QuerySearchLib', { SearchLibName: 'doesNotExist' }), (error: { code?: string; message: string }) => {
      assert.equal(error.code, 'SearchLibNotFound');
      assert.match(error.message, /does not exist/);
      return true;
    });
  });

  it('looks FaceSearchTokens up under the AccessKeyId that signed the request (isolation itself: unit test)', async () => {
    const other = new RPCClient({ endpoint: server.url, accessKeyId: 'other', accessKeySecret: 'other-secret', apiVersion: '2020-11-09' });
    await assert.rejects(
      other.request('SearchMediaClipByFace', { FaceSearchToken: 'shared-name', MediaId: 'any' }, { method: 'POST' }),
      (error: { code?: string; message: string }) => {
        assert.equal(error.code, 'FaceSearchTokenNotFound');
        assert.match(error.message, /of the AccessKeyId other/);
        return true;
      },
    );
  });
});
