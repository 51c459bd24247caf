import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { normaliseEndpoint } from '../../src/cli/api-client.js';
import { CliError, type CliContext } from '../../src/cli/cli-context.js';
import { resolveAccessKey } from '../../src/cli/connection.js';
import { collectMediaInputs, mediaTypeOfName } from '../../src/cli/media-inputs.js';
import { runRepositoryScript } from '../../src/cli/run-script.js';
import { parseFilters } from '../../src/cli/search-options.js';
import { tempDir } from '../helpers/fixtures.js';

function cliError(message: RegExp, exitCode = 1): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof CliError, String(error));
    assert.match(error.message, message);
    assert.equal(error.exitCode, exitCode);
    return true;
  };
}

describe('mediasearch add inputs', () => {
  it('walks folders for image and video files in name order, skipping hidden and other files', async () => {
    const temp = tempDir('mediasearch-cli-inputs-');
    try {
      const root = path.join(temp.dir, 'album');
      for (const file of ['b.JPG', 'a.mp4', 'notes.txt', '.hidden.png', 'sub/c.webp', '.cache/d.png']) {
        fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
        fs.writeFileSync(path.join(root, file), 'x');
      }
      const inputs = await collectMediaInputs([root, 'https://example.com/clip.MOV?x=1', 'https://example.com/stream'], { recursive: true });
      assert.deepEqual(
        inputs.map((input) => [path.basename(input.label), input.kind, input.mediaType]),
        [
          ['a.mp4', 'file', 'video'],
          ['b.JPG', 'file', 'image'],
          ['c.webp', 'file', 'image'],
          ['clip.MOV?x=1', 'url', 'video'],
          ['stream', 'url', undefined],
        ],
      );
      // --type decides for every input, including a URL without an extension.
      const typed = await collectMediaInputs(['https://example.com/stream'], { recursive: false, mediaType: 'video' });
      assert.equal(typed[0]?.mediaType, 'video');
      await assert.rejects(collectMediaInputs([root], { recursive: false }), cliError(/album is a folder; pass --recursive/));
      await assert.rejects(collectMediaInputs([path.join(root, 'nope.png')], { recursive: false }), cliError(/nope\.png: no such file or folder$/));
    } finally {
      temp.cleanup();
    }
  });

  it('tells images, videos and audio apart by extension', () => {
    assert.equal(mediaTypeOfName('x.HEIC'), 'image');
    assert.equal(mediaTypeOfName('x.m2ts'), 'video');
    assert.equal(mediaTypeOfName('x.flac'), 'audio');
    assert.equal(mediaTypeOfName('x'), undefined);
  });
});

describe('mediasearch connection settings', () => {
  it('normalises endpoints and refuses what is not an http(s) base URL', () => {
    assert.equal(normaliseEndpoint('127.0.0.1:8080'), 'http://127.0.0.1:8080');
    assert.equal(normaliseEndpoint('https://media.example.com/mediasearch/'), 'https://media.example.com/mediasearch');
    assert.throws(() => normaliseEndpoint('ftp://host'), cliError(/must be an http:\/\/ or https:\/\/ URL/));
    assert.throws(() => normaliseEndpoint('http://host/?Action=x'), cliError(/must not have a query string/));
    assert.throws(() => normaliseEndpoint('http://[bad'), cliError(/is not a URL/));
  });

  it('takes keys from the mediasearch variables first, then the Alibaba Cloud ones, never half a pair', () => {
    assert.equal(resolveAccessKey({}), undefined);
    assert.deepEqual(resolveAccessKey({ ALIBABA_CLOUD_ACCESS_KEY_ID: 'a', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'b' }), { accessKeyId: 'a', accessKeySecret: 'b' });
    assert.deepEqual(
      resolveAccessKey({ MEDIASEARCH_ACCESS_KEY_ID: 'm', MEDIASEARCH_ACCESS_KEY_SECRET: 'n', ALIBABA_CLOUD_ACCESS_KEY_ID: 'a', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'b' }),
      { accessKeyId: 'm', accessKeySecret: 'n' },
    );
    assert.throws(() => resolveAccessKey({ ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'b' }), cliError(/^ALIBABA_CLOUD_ACCESS_KEY_ID is not set/));
  });

  it('checks --filters is a JSON object and passes it on as written', () => {
    assert.equal(parseFilters(undefined), undefined);
    assert.equal(parseFilters('{"intField1": 1}'), '{"intField1": 1}');
    assert.throws(() => parseFilters('[1]'), cliError(/must be a JSON object/));
    assert.throws(() => parseFilters("{'a':1}"), cliError(/is not valid JSON/));
  });
});

describe('mediasearch eval/bench script runner', () => {
  function capture(): { context: CliContext; out: () => string; err: () => string } {
    let out = '';
    let err = '';
    const context: CliContext = {
      env: { PATH: process.env.PATH, CLI_TEST_VALUE: 'passed' },
      stdout: { write: (chunk: string | Uint8Array) => ((out += String(chunk)), true) } as unknown as NodeJS.WritableStream,
      stderr: { write: (chunk: string | Uint8Array) => ((err += String(chunk)), true) } as unknown as NodeJS.WritableStream,
    };
    return { context, out: () => out, err: () => err };
  }

  it('runs the built script with the arguments and environment, and exits with its status', async () => {
    const temp = tempDir('mediasearch-cli-scripts-');
    try {
      fs.writeFileSync(
        path.join(temp.dir, 'echo.js'),
        'console.log(JSON.stringify({ args: process.argv.slice(2), gc: typeof globalThis.gc, env: process.env.CLI_TEST_VALUE }));\n' +
          'console.error("to stderr");\nprocess.exit(process.argv.includes("--fail") ? 3 : 0);\n',
      );
      const ok = capture();
      await runRepositoryScript('echo', ['--captions', '5'], ok.context, { npmScript: 'eval', scriptsDir: temp.dir, nodeFlags: ['--expose-gc'] });
      assert.deepEqual(JSON.parse(ok.out()), { args: ['--captions', '5'], gc: 'function', env: 'passed' });
      assert.equal(ok.err(), 'to stderr\n');
      const failed = capture();
      await assert.rejects(
        runRepositoryScript('echo', ['--fail'], failed.context, { npmScript: 'eval', scriptsDir: temp.dir }),
        cliError(/^echo exited with status 3$/, 3),
      );
      await assert.rejects(
        runRepositoryScript('missing', [], capture().context, { npmScript: 'bench:search', scriptsDir: temp.dir }),
        cliError(/missing\.js is not there: .*Run it from a source checkout after `npm run build:all`, or use `npm run bench:search` there\./),
      );
    } finally {
      temp.cleanup();
    }
  });
});
