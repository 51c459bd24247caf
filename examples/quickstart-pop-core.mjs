// Drives a running mediasearch server with Alibaba Cloud's own SDK core, exactly as code written
// for the cloud service would: create a library, insert a video, watch its index jobs finish.
//
//   MEDIASEARCH_ACCESS_KEYS=demoKey:demoSecret MEDIASEARCH_FILE_ROOTS=$PWD npm start
//   node examples/quickstart-pop-core.mjs file://$PWD/some-video.mp4
import RPCClient from '@alicloud/pop-core';

const input = process.argv[2];
if (!input) {
  console.error('usage: node examples/quickstart-pop-core.mjs <Input URL: http(s)://, file:// or upload://>');
  process.exit(2);
}
const client = new RPCClient({
  endpoint: process.env.MEDIASEARCH_ENDPOINT ?? 'http://127.0.0.1:8080',
  accessKeyId: process.env.ACCESS_KEY_ID ?? 'demoKey',
  accessKeySecret: process.env.ACCESS_KEY_SECRET ?? 'demoSecret',
  apiVersion: '2020-11-09',
});
const call = async (action, params) => {
  const response = await client.request(action, params, { method: 'POST' });
  console.log(`${action} ${JSON.stringify(params)}\n  -> ${JSON.stringify(response)}`);
  return response;
};

const library = `demo${Date.now()}`;
await call('CreateSearchLib', { SearchLibName: library });
const { MediaId } = await call('InsertMediaToSearchLib', {
  SearchLibName: library,
  Input: input,
  MsgBody: JSON.stringify({ title: 'quick start', customFields: { intField1: 1 } }),
});
for (;;) {
  const { IndexJobInfoList: jobs } = await call('QueryMediaIndexJob', { SearchLibName: library, MediaId });
  if (jobs.every((job) => job.Status !== 'Running')) break;
  await new Promise((resolve) => setTimeout(resolve, 500));
}
