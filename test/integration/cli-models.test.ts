import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { formatBytes } from '../../src/cli/format.js';
import { modelFilePath } from '../../src/models/model-paths.js';
import { DEFAULT_MM_MODEL } from '../../src/models/registry.js';
import { tempDir } from '../helpers/fixtures.js';
import { createTestModel, startTestModelHub, type TestModel, type TestModelHub } from '../helpers/test-model-hub.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `mediasearch` executable as users do, with a controlled environment. */
function runCli(args: string[], env: Record<string, string>): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: {
        PATH: process.env.PATH ?? '',
        // Anything that forgot --endpoint would go here (nothing listens), never to the internet.
        HF_ENDPOINT: 'http://127.0.0.1:9',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

interface ListedModel {
  name: string;
  default: boolean;
  installed: boolean;
  repo: string;
  revision: string;
  sizeBytes: number | null;
  folder: string;
}

describe('mediasearch models (CLI process)', () => {
  let model: TestModel;
  let hub: TestModelHub;
  let dir: { dir: string; cleanup: () => void };
  let env: Record<string, string>;
  let modelDir: string;

  const listJson = async (extraArgs: string[] = []): Promise<{ modelDir: string; models: ListedModel[] }> => {
    const run = await runCli(['models', 'list', '--json', ...extraArgs], env);
    assert.equal(run.code, 0, run.stderr);
    return JSON.parse(run.stdout) as { modelDir: string; models: ListedModel[] };
  };
  const pull = (...extraArgs: string[]): Promise<CliRun> =>
    runCli(['models', 'pull', model.spec.name, '--endpoint', hub.endpoint, '--model-dir', modelDir, ...extraArgs], env);

  before(async () => {
    model = createTestModel();
    hub = await startTestModelHub(model);
  });
  after(async () => {
    await hub.close();
  });
  beforeEach(() => {
    dir = tempDir('mediasearch-cli-models-');
    modelDir = path.join(dir.dir, 'pulled');
    // The synthetic test model reaches the CLI the way an operator's own models do: a models file.
    const modelsFile = path.join(dir.dir, 'test-models.json');
    writeFileSync(modelsFile, JSON.stringify([model.spec]));
    env = { MEDIASEARCH_MODELS_FILE: modelsFile, MEDIASEARCH_DATA_DIR: path.join(dir.dir, 'data') };
    hub.requests.length = 0;
  });
  afterEach(() => {
    dir.cleanup();
    for (const fault of Object.values(hub.faults)) (fault as Set<string> | Map<string, number>).clear();
  });

  it('lists the registry and the models file as JSON, with the default marked and nothing installed', async () => {
    const listed = await listJson();
    assert.equal(listed.modelDir, path.join(dir.dir, 'data', 'models'));
    const synthetic = listed.models.find((entry) => entry.name === model.spec.name);
    assert.ok(synthetic, 'the models-file entry is listed');
    assert.deepEqual(
      {
        default: synthetic.default,
        installed: synthetic.installed,
        repo: synthetic.repo,
        revision: synthetic.revision,
        sizeBytes: synthetic.sizeBytes,
        folder: synthetic.folder,
      },
      {
        default: false,
        installed: false,
        repo: model.spec.source.repo,
        revision: model.spec.source.revision,
        sizeBytes: null,
        folder: path.join(dir.dir, 'data', 'models', model.spec.name),
      },
    );
    assert.equal(listed.models.filter((entry) => entry.default).map((entry) => entry.name).join(), DEFAULT_MM_MODEL);
  });

  it('pulls a model with plain progress lines, then lists it as installed and skips a second pull', async () => {
    env.HF_TOKEN = 'cli-test-token';
    const run = await pull();
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, '');
    // HF_TOKEN goes to the hub, never to the CDN it redirects to.
    assert.ok(hub.requests.filter((request) => request.server === 'hub').every((r) => r.authorization === 'Bearer cli-test-token'));
    assert.ok(hub.requests.filter((request) => request.server === 'cdn').every((r) => r.authorization === undefined));
    for (const file of model.files) {
      assert.ok(readFileSync(modelFilePath(modelDir, model.spec.name, file.path)).equals(file.bytes));
      assert.match(run.stdout, new RegExp(`\\] ${file.path.replace('.', '\\.')}: done, `));
    }
    assert.match(run.stdout, /\[2\/3\] onnx\/vision_model\.onnx: downloading \(393\.\d+ kB\)/);
    assert.match(run.stdout, /Pulled test-synthetic-model into .*: 3 file\(s\) downloaded/);
    assert.ok(!run.stdout.includes('\u001b['), 'no terminal control codes when stdout is not a TTY');

    const listed = await listJson(['--model-dir', modelDir]);
    const entry = listed.models.find((candidate) => candidate.name === model.spec.name);
    assert.equal(entry?.installed, true);
    // The spec does not give every size; once installed, the manifest does.
    const totalBytes = model.files.reduce((sum, file) => sum + file.bytes.length, 0);
    assert.equal(entry?.sizeBytes, totalBytes);

    const table = await runCli(['models', 'list', '--model-dir', modelDir], env);
    assert.equal(table.code, 0);
    assert.match(table.stdout, /^NAME +TASK +DIM +LANGUAGES +LICENCE +SOURCE +SIZE +INSTALLED$/m);
    const row =
      'test-synthetic-model +image-text-embedding +8 +en +test-only +test-org/synthetic-clip@0123456789ab +' +
      `${formatBytes(totalBytes)} +yes`;
    assert.match(table.stdout, new RegExp(`^${row}$`, 'm'));

    hub.requests.length = 0;
    const again = await pull();
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /test-synthetic-model is already installed in /);
    assert.equal(hub.requests.length, 0);
  });

  it('resumes an interrupted transfer and says so', async () => {
    hub.faults.cutOnce.add('onnx/text_model.onnx');
    const run = await pull();
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /\[3\/3\] onnx\/text_model\.onnx: .*; retrying/);
    assert.match(run.stdout, /\[3\/3\] onnx\/text_model\.onnx: resuming at /);
    const cdnRanges = hub
      .requestsFor('onnx/text_model.onnx')
      .filter((request) => request.server === 'cdn')
      .map((request) => request.range);
    assert.equal(cdnRanges.length, 2);
    assert.match(cdnRanges[1] ?? '', /^bytes=\d+-$/);
  });

  it('exits 1 with one line naming the known models for an unknown name', async () => {
    const run = await runCli(['models', 'pull', 'no-such-model', '--endpoint', hub.endpoint, '--model-dir', modelDir], env);
    assert.equal(run.code, 1);
    assert.equal(run.stdout, '');
    const lines = run.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, run.stderr);
    assert.match(lines[0] ?? '', /^mediasearch: Unknown model "no-such-model"; known models: .*\b/);
    assert.match(lines[0] ?? '', new RegExp(`\\b${DEFAULT_MM_MODEL}\\b`));
    assert.match(lines[0] ?? '', /\btest-synthetic-model\b/);
    assert.equal(hub.requests.length, 0);
  });

  it('exits 1 with the not-found message when the hub answers 404', async () => {
    hub.faults.status.set('config.json', 404);
    const run = await pull();
    assert.equal(run.code, 1);
    const lines = run.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, run.stderr);
    assert.equal(
      lines[0],
      `mediasearch: config.json not found at ${hub.endpoint}/test-org/synthetic-clip/resolve/${model.spec.source.revision}/` +
        'config.json (HTTP 404); check the model name/revision or HF_ENDPOINT mirror',
    );
  });

  it('exits 1 on a checksum mismatch and leaves no file behind', async () => {
    hub.faults.wrongBytes.add('onnx/vision_model.onnx');
    const run = await pull();
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^mediasearch: Checksum mismatch for onnx\/vision_model\.onnx: expected sha256 [0-9a-f]{64}, got /);
    const vision = modelFilePath(modelDir, model.spec.name, 'onnx/vision_model.onnx');
    assert.equal(existsSync(vision), false);
    assert.equal(existsSync(`${vision}.part`), false);
    const listed = await listJson(['--model-dir', modelDir]);
    assert.equal(listed.models.find((entry) => entry.name === model.spec.name)?.installed, false);
  });

  it('exits 1 with a clear message for a broken models file', async () => {
    const broken = path.join(dir.dir, 'broken-models.json');
    writeFileSync(broken, JSON.stringify([{ ...model.spec, source: { repo: 'x/y' } }]));
    const run = await runCli(['models', 'list'], { ...env, MEDIASEARCH_MODELS_FILE: broken });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^mediasearch: MEDIASEARCH_MODELS_FILE .*broken-models\.json, model 0: /);
    assert.match(run.stderr, /: source\.revision must be a non-empty string\n$/);
  });
});
