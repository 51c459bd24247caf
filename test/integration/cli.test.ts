import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../src/cli/program.js';
import { generateMediaFixtures, signPng, tempDir, videoWithSign } from '../helpers/fixtures.js';
import { installedTinyModelEnv } from '../helpers/installed-tiny-model.js';
import { rpc, startServer, type RunningServer } from '../helpers/server-harness.js';
import { SHARED_DATA, sharedDataMissing } from '../helpers/shared-data.js';

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Collects what is written; not a TTY, as when the CLI's output goes to a pipe or a CI log. */
function collector(): { stream: NodeJS.WritableStream; text: () => string } {
  let text = '';
  const stream = {
    isTTY: false,
    write(chunk: string | Uint8Array): boolean {
      text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      return true;
    },
  } as unknown as NodeJS.WritableStream;
  return { stream, text: () => text };
}

/** Runs `mediasearch ARGS…` in this process with exactly `env` and captured output. */
async function cli(args: readonly string[], env: Record<string, string>): Promise<CliRun> {
  const stdout = collector();
  const stderr = collector();
  const code = await runCli(['node', 'mediasearch', ...args], { env, stdout: stdout.stream, stderr: stderr.stream });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}



/** A loopback port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** MediaIds the `add` plain progress lines report, by the label they were added under. */
function addedIds(stdout: string): Map<string, string> {
  const ids = new Map<string, string>();
  for (const match of stdout.matchAll(/^\[\d+\/\d+\] added (.+) as ([0-9a-f]{32})/gm)) ids.set(path.basename(match[1]!), match[2]!);
  return ids;
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('mediasearch CLI against a running server', () => {
  let server: RunningServer;
  let env: Record<string, string>;
  const temp = tempDir('mediasearch-cli-');
  const album = path.join(temp.dir, 'album');
  let ids = new Map<string, string>();
  let addRun: CliRun;

  before(async () => {
    const fixtures = generateMediaFixtures(path.join(temp.dir, 'fixtures'));
    fs.mkdirSync(path.join(album, 'nested'), { recursive: true });
    await signPng(path.join(album, 'paris.png'), 'Welcome to Paris');
    await signPng(path.join(temp.dir, 'bakery-sign.png'), 'Fresh Bread Bakery');
    videoWithSign(path.join(temp.dir, 'bakery-sign.png'), path.join(album, 'shop.mp4'));
    fs.copyFileSync(fixtures.jpeg, path.join(album, 'nested', 'fractal.jpg'));
    // Not media: a folder walk leaves it out.
    fs.writeFileSync(path.join(album, 'notes.txt'), 'not an image');
    server = await startServer({ MEDIASEARCH_DATA_DIR: path.join(temp.dir, 'data'), ...(await installedTinyModelEnv(temp.dir)) });
    env = { MEDIASEARCH_ENDPOINT: server.url };
    const created = await rpc(server.url, 'CreateSearchLib', { SearchLibName: 'clitest' });
    assert.equal(created.body.Code, '200', JSON.stringify(created.body));
    addRun = await cli(['add', '--recursive', album, '--lib', 'clitest'], env);
    ids = addedIds(addRun.stdout);
  });
  after(async () => {
    await server.stop();
    temp.cleanup();
  });

  it('adds a folder with plain progress lines, waits for every index job and summarises', async () => {
    assert.equal(addRun.code, 0, `${addRun.stdout}\n${addRun.stderr}`);
    assert.equal(addRun.stderr, '');
    const out = addRun.stdout;
    assert.match(out, /^Adding 3 files$/m);
    assert.deepEqual([...ids.keys()].sort(), ['fractal.jpg', 'paris.png', 'shop.mp4']);
    assert.match(out, /^Waiting for 9 index jobs of 3 assets/m);
    for (const name of ids.keys()) assert.match(out, new RegExp(`^\\[\\d/3\\] .*${escape(name)}: indexed \\(mm, face, aiLabel\\)$`, 'm'));
    assert.match(out, /^Added 3 of 3 to clitest\. Index jobs: 9 succeeded, 0 failed\.$/m);
    assert.ok(!out.includes('\u001b['), 'no terminal control codes when stdout is not a TTY');
    assert.ok(!out.includes('notes.txt'));
    // The files really are in the library, uploaded, titled with their names, every job done.
    for (const [name, mediaId] of ids) {
      const { body } = await rpc(server.url, 'SearchMedia', { SearchLibName: 'clitest', Match: `mediaId == '${mediaId}'` });
      const [item] = body.MediaInfoList as { MediaBasicInfo: { Title: string; InputURL: string }; IndexStatusList: { IndexStatus: string }[] }[];
      assert.equal(item?.MediaBasicInfo.Title, name);
      assert.match(item?.MediaBasicInfo.InputURL ?? '', /^upload:\/\//);
      assert.ok(item?.IndexStatusList.every((job) => job.IndexStatus === 'Success'));
    }
  });

  it('searches and prints a table with type, title, score and the time range in a video', async () => {
    const run = await cli(['search', 'fresh bread', '--lib', 'clitest'], env);
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^# +MEDIA ID +TYPE +TITLE +SCORE +WHERE$/);
    const row = lines.find((line) => line.includes(ids.get('shop.mp4')!));
    assert.ok(row, run.stdout);
    // The sign is visible from the cut at 3 s to the end at 6 s.
    assert.match(row, /^\d+ +[0-9a-f]{32} +video +shop\.mp4 +[01]\.\d{3} +\S/);
    assert.match(row, /\b0:0[23]\.\d-0:0[56]\.\d\b/);
    assert.match(lines.at(-1)!, /^1-\d+ of \d+ in clitest$/);

    const image = await cli(['search', 'Paris', '--lib', 'clitest', '--type', 'image'], env);
    assert.equal(image.code, 0, image.stderr);
    // An image has no time range: its WHERE cell is empty.
    assert.match(image.stdout, new RegExp(`^1 +${ids.get('paris.png')} +image +paris\\.png +[01]\\.\\d{3}$`, 'm'));
    assert.ok(!image.stdout.includes(ids.get('shop.mp4')!), '--type image leaves videos out');
  });

  it('prints the raw response with --json and takes --filters, --mode and --limit', async () => {
    const run = await cli(['search', 'Paris', '--lib', 'clitest', '--json'], env);
    assert.equal(run.code, 0, run.stderr);
    const body = JSON.parse(run.stdout) as { MediaList: { MediaId: string; ClipInfo: unknown[] }[]; Total: number; Code: string };
    assert.equal(body.Code, '200');
    assert.equal(body.MediaList[0]?.MediaId, ids.get('paris.png'));

    const filtered = await cli(['search', 'Paris', '--lib', 'clitest', '--json', '--filters', '{"intField1":7}'], env);
    assert.equal(filtered.code, 0, filtered.stderr);
    assert.equal((JSON.parse(filtered.stdout) as { Total: number }).Total, 0);

    const labels = await cli(['search', 'paris', '--lib', 'clitest', '--mode', 'ailabel', '--limit', '1'], env);
    assert.equal(labels.code, 0, labels.stderr);
    assert.match(labels.stdout, new RegExp(`^1 +${ids.get('paris.png')} +image +paris\\.png`, 'm'));

    const none = await cli(['search', 'zebra crossing at midnight', '--lib', 'clitest', '--mode', 'ailabel'], env);
    assert.equal(none.code, 0, none.stderr);
    assert.equal(none.stdout, 'No matches for "zebra crossing at midnight" in clitest.\n');

    const badJson = await cli(['search', 'x', '--filters', '{intField1:1}'], env);
    assert.equal(badJson.code, 1);
    assert.match(badJson.stderr, /^mediasearch: --filters is not valid JSON \(.*\); quote it for the shell/);
    const badField = await cli(['search', 'x', '--lib', 'clitest', '--filters', '{"size":1}'], env);
    assert.equal(badField.code, 1);
    assert.match(badField.stderr, /^mediasearch: InvalidParameter: .*unknown field "size"/);
  });

  it('lists libraries with their asset counts and index types', async () => {
    const run = await cli(['libs'], env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^NAME +STATUS +ASSETS +INDEXES$/m);
    assert.match(run.stdout, /^clitest +normal +3 +mm, face, aiLabel$/m);
    assert.match(run.stdout, /^ims-default-search-lib +normal +\d+ +mm, face, aiLabel$/m);
    const json = await cli(['libs', '--json'], env);
    const body = JSON.parse(json.stdout) as { SearchLibInfoList: { SearchLibName: string }[] };
    assert.ok(body.SearchLibInfoList.some((library) => library.SearchLibName === 'clitest'));
  });

  it('reports a library whose jobs are all done, and one with a failed job with the reason', async () => {
    const done = await cli(['jobs', '--lib', 'clitest'], env);
    assert.equal(done.code, 0, done.stderr);
    assert.equal(done.stdout, 'All 3 assets in clitest are indexed.\n');

    await rpc(server.url, 'CreateSearchLib', { SearchLibName: 'clibroken' });
    const broken = path.join(temp.dir, 'broken.mp4');
    fs.writeFileSync(broken, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251)));
    const add = await cli(['add', broken, '--lib', 'clibroken'], env);
    assert.equal(add.code, 1, add.stdout);
    assert.match(add.stdout, /^Added 1 of 1 to clibroken\. Index jobs: 0 succeeded, 3 failed\.$/m);
    assert.match(add.stdout, /^Failed:\n {2}.*broken\.mp4 \([0-9a-f]{32}\): mm failed: .+/m);
    assert.equal(add.stderr, 'mediasearch: some inputs were not added or not indexed (listed above)\n');

    const jobs = await cli(['jobs', '--lib', 'clibroken'], env);
    assert.equal(jobs.code, 0, jobs.stderr);
    assert.match(jobs.stdout, /^MEDIA ID +TYPE +TITLE +FILE +JOBS +REASON$/m);
    assert.match(jobs.stdout, /^[0-9a-f]{32} +video +broken\.mp4 +PrepareFail +mm Fail, face Fail, aiLabel Fail +mm: \S/m);
    assert.match(jobs.stdout, /^1 of 1 assets in clibroken are not fully indexed: 0 running, 1 with failed jobs\.$/m);
    const json = JSON.parse((await cli(['jobs', '--lib', 'clibroken', '--json'], env)).stdout) as { Failed: number; MediaList: { ErrorMessage?: string }[] };
    assert.equal(json.Failed, 1);
    assert.ok(json.MediaList[0]?.ErrorMessage);
  });

  it('adds without waiting, then `jobs --watch` follows the jobs until they are done', async () => {
    await rpc(server.url, 'CreateSearchLib', { SearchLibName: 'cliwatch' });
    const add = await cli(['add', path.join(album, 'nested', 'fractal.jpg'), '--lib', 'cliwatch', '--no-wait'], env);
    assert.equal(add.code, 0, add.stderr);
    assert.match(add.stdout, /^Added 1 of 1 to cliwatch\.\nIndexing continues on the server; follow it with `mediasearch jobs --watch`\.$/m);
    const watch = await cli(['jobs', '--lib', 'cliwatch', '--watch', '--interval', '1'], env);
    assert.equal(watch.code, 0, watch.stderr);
    assert.ok(watch.stdout.endsWith('All 1 asset in cliwatch are indexed.\n'), watch.stdout);
  });

  it('exits 1 with one clear line for an unknown library, before uploading anything', async () => {
    const search = await cli(['search', 'x', '--lib', 'nosuchlib'], env);
    assert.equal(search.code, 1);
    assert.equal(search.stdout, '');
    assert.match(search.stderr, /^mediasearch: SearchLibNotFound: The search library "nosuchlib" does not exist\.[^\n]*\n$/);

    const uploadsDir = path.join(temp.dir, 'data', 'uploads');
    const before = fs.existsSync(uploadsDir) ? fs.readdirSync(uploadsDir).length : 0;
    const add = await cli(['add', path.join(album, 'paris.png'), '--lib', 'nosuchlib'], env);
    assert.equal(add.code, 1);
    assert.match(add.stderr, /^mediasearch: SearchLibNotFound: /);
    assert.equal(fs.existsSync(uploadsDir) ? fs.readdirSync(uploadsDir).length : 0, before);
  });

  it('exits 1 saying how to start a server when nothing listens at the endpoint', async () => {
    const port = await closedPort();
    for (const args of [['libs'], ['search', 'x'], ['jobs'], ['add', path.join(album, 'paris.png')]]) {
      const run = await cli([...args, '--endpoint', `127.0.0.1:${port}`], {});
      assert.equal(run.code, 1, args.join(' '));
      assert.equal(
        run.stderr,
        `mediasearch: cannot reach the server at http://127.0.0.1:${port} (ECONNREFUSED); start it with \`mediasearch serve\`, ` +
          'or point --endpoint (or MEDIASEARCH_ENDPOINT) at a running one\n',
      );
    }
  });

  it('refuses inputs it cannot classify and folders without --recursive', async () => {
    const folder = await cli(['add', album], env);
    assert.equal(folder.code, 1);
    assert.match(folder.stderr, /is a folder; pass --recursive/);
    const missing = await cli(['add', path.join(temp.dir, 'nope.jpg')], env);
    assert.match(missing.stderr, /nope\.jpg: no such file or folder\n$/);
    const notes = await cli(['add', path.join(album, 'notes.txt'), '--lib', 'clitest', '--no-wait'], env);
    assert.equal(notes.code, 1);
    assert.match(notes.stdout, /failed .*notes\.txt: cannot tell from the name whether it is an image or a video; pass --type image\|video/);
  });

  it('finds the person of a photo with `face` (skipped where face search or the shared faces are missing)', async (t) => {
    // An upload id that does not exist: refused without any network or face work when the action exists.
    const probe = await cli(['face', 'upload://00000000000000000000000000000000', '--lib', 'clitest'], env);
    if (/InvalidAction/.test(probe.stderr)) {
      t.skip('SearchMediaByFace is not registered on this server yet');
      return;
    }
    const missing = sharedDataMissing('faces/face_recognition/obama.jpg');
    if (missing) {
      t.skip(missing);
      return;
    }
    const known = path.join(SHARED_DATA, 'faces/face_recognition');
    await rpc(server.url, 'CreateSearchLib', { SearchLibName: 'clifaces' });
    const add = await cli(['add', path.join(known, 'obama2.jpg'), path.join(known, 'biden.jpg'), '--lib', 'clifaces'], env);
    assert.equal(add.code, 0, `${add.stdout}\n${add.stderr}`);
    const faceIds = addedIds(add.stdout);
    const run = await cli(['face', path.join(known, 'obama.jpg'), '--lib', 'clifaces'], env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^# +MEDIA ID +TYPE +TITLE +PERSON +SCORE +WHERE$/m);
    assert.match(run.stdout, new RegExp(`^1 +${faceIds.get('obama2.jpg')} +image +obama2\\.jpg +`, 'm'));
    assert.match(run.stdout, /^\d+ of \d+ assets? in clifaces/m);

    const noFace = await cli(['face', path.join(album, 'paris.png'), '--lib', 'clifaces'], env);
    assert.equal(noFace.code, 1);
    assert.match(noFace.stderr, /^mediasearch: FaceNotFound: /);
  });
});

describe('mediasearch CLI against a server that requires signed requests', () => {
  let server: RunningServer;
  const temp = tempDir('mediasearch-cli-signed-');
  let image: string;

  before(async () => {
    image = generateMediaFixtures(path.join(temp.dir, 'fixtures')).png;
    server = await startServer({ MEDIASEARCH_DATA_DIR: path.join(temp.dir, 'data'), MEDIASEARCH_ACCESS_KEYS: 'cliKey:cliSecret' });
  });
  after(async () => {
    await server.stop();
    temp.cleanup();
  });

  it('signs calls and uploads with the keys from the environment', async () => {
    const env = { MEDIASEARCH_ENDPOINT: server.url, MEDIASEARCH_ACCESS_KEY_ID: 'cliKey', MEDIASEARCH_ACCESS_KEY_SECRET: 'cliSecret' };
    const libs = await cli(['libs'], env);
    assert.equal(libs.code, 0, libs.stderr);
    assert.match(libs.stdout, /^ims-default-search-lib +normal +0 /m);
    const add = await cli(['add', image, '--no-wait'], env);
    assert.equal(add.code, 0, add.stderr);
    assert.match(add.stdout, /^\[1\/1\] added .*pattern\.png as [0-9a-f]{32}/m);
    // The Alibaba Cloud SDKs' variables work too.
    const sdkEnv = { MEDIASEARCH_ENDPOINT: server.url, ALIBABA_CLOUD_ACCESS_KEY_ID: 'cliKey', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'cliSecret' };
    const search = await cli(['search', 'pattern', '--json'], sdkEnv);
    assert.equal(search.code, 0, search.stderr);
    assert.equal((JSON.parse(search.stdout) as { Code: string }).Code, '200');
  });

  it('fails with the server\'s reason for a wrong secret, no keys, or half a key pair', async () => {
    const wrong = await cli(['libs'], { MEDIASEARCH_ENDPOINT: server.url, MEDIASEARCH_ACCESS_KEY_ID: 'cliKey', MEDIASEARCH_ACCESS_KEY_SECRET: 'nope' });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /^mediasearch: SignatureDoesNotMatch: The Signature does not match the one the server computed with the AccessKeySecret of cliKey\./);
    assert.equal(wrong.stderr.split('\n').length, 2, 'one line');
    const unknown = await cli(['add', image], { MEDIASEARCH_ENDPOINT: server.url, MEDIASEARCH_ACCESS_KEY_ID: 'other', MEDIASEARCH_ACCESS_KEY_SECRET: 'x' });
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^mediasearch: InvalidAccessKeyId\.NotFound: /);
    const unsigned = await cli(['libs'], { MEDIASEARCH_ENDPOINT: server.url });
    assert.equal(unsigned.code, 1);
    assert.match(unsigned.stderr, /^mediasearch: MissingAccessKeyId: This server requires signed requests/);
    const half = await cli(['libs'], { MEDIASEARCH_ENDPOINT: server.url, MEDIASEARCH_ACCESS_KEY_ID: 'cliKey' });
    assert.equal(half.code, 1);
    assert.equal(half.stderr, 'mediasearch: MEDIASEARCH_ACCESS_KEY_SECRET is not set; set both MEDIASEARCH_ACCESS_KEY_ID and MEDIASEARCH_ACCESS_KEY_SECRET, or neither to send unsigned requests\n');
  });
});

describe('mediasearch serve', () => {
  const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

  it('serves like `npm start` until SIGTERM, then exits 0', async () => {
    const temp = tempDir('mediasearch-cli-serve-');
    try {
      const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--data-dir', path.join(temp.dir, 'data')], {
        env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', MEDIASEARCH_WORKERS: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const match = /mediasearch is serving on (http:\/\/[^"\s]+)/.exec(output);
          if (match) resolve(match[1]!);
        });
        child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
        void exited.then((code) => reject(new Error(`serve exited with ${code}: ${output}`)));
      });
      assert.ok(fs.existsSync(path.join(temp.dir, 'data')), '--data-dir is used');
      const libs = await cli(['libs', '--endpoint', url], {});
      assert.equal(libs.code, 0, libs.stderr);
      child.kill('SIGTERM');
      assert.equal(await exited, 0, output);
      assert.match(output, /"signal":"SIGTERM".*"msg":"shutting down: finishing running jobs"/);
    } finally {
      temp.cleanup();
    }
  });

  it('exits 2 with the reason for a configuration it cannot serve', async () => {
    const temp = tempDir('mediasearch-cli-serve-');
    try {
      const model = await cli(['serve', '--port', '0', '--data-dir', path.join(temp.dir, 'data')], { MEDIASEARCH_MM_MODEL: 'no-such-model' });
      assert.equal(model.code, 2);
      assert.match(model.stderr, /^mediasearch: MEDIASEARCH_MM_MODEL=no-such-model is not a known model; known: /);
      const open = await cli(['serve', '--host', '0.0.0.0', '--port', '0', '--data-dir', path.join(temp.dir, 'data')], {});
      assert.equal(open.code, 2);
      assert.match(open.stderr, /^mediasearch: Refusing to serve without authentication on 0\.0\.0\.0\./);
    } finally {
      temp.cleanup();
    }
  });
});
