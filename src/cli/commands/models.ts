/**
 * `mediasearch models list` and `mediasearch models pull NAME`: what models exist, which are
 * installed, and downloading one.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { pullModel } from '../../models/downloader.js';
import { resolveHubEndpoint, resolveHubToken, normaliseHubEndpoint } from '../../models/hub-url.js';
import { loadModelCatalog, type ModelCatalog } from '../../models/model-catalog.js';
import { ModelDownloadError } from '../../models/model-download-error.js';
import { isModelInstalled, modelFolder, readInstalledManifest, resolveModelDir } from '../../models/model-paths.js';
import type { ModelSpec } from '../../models/model-spec.js';
import { CliError, type CliContext } from '../cli-context.js';
import { formatBytes, formatTable } from '../format.js';
import { createPullProgressReporter } from '../pull-progress-reporter.js';

/** Exit status of a pull stopped by Ctrl-C, as shells report a SIGINT death. */
const EXIT_INTERRUPTED = 130;

export interface ModelListEntry {
  name: string;
  default: boolean;
  task: string;
  description: string;
  dimension: number;
  languages: string[];
  licence: string;
  repo: string;
  revision: string;
  /** Sum of the file sizes from the spec, or from the manifest once installed; null when unknown. */
  sizeBytes: number | null;
  installed: boolean;
  folder: string;
}

function sumSizes(files: readonly { size?: number }[]): number | null {
  return files.every((file) => file.size !== undefined) ? files.reduce((sum, file) => sum + (file.size ?? 0), 0) : null;
}

async function listEntry(spec: ModelSpec, catalog: ModelCatalog, modelDir: string): Promise<ModelListEntry> {
  const installed = await isModelInstalled(modelDir, spec);
  const manifest = installed ? await readInstalledManifest(modelDir, spec) : undefined;
  return {
    name: spec.name,
    default: spec.name === catalog.defaultModel,
    task: spec.task,
    description: spec.description,
    dimension: spec.dimension,
    languages: [...spec.languages],
    licence: spec.licence,
    repo: spec.source.repo,
    revision: spec.source.revision,
    sizeBytes: sumSizes(spec.files) ?? (manifest === undefined ? null : sumSizes(manifest.files)),
    installed,
    folder: modelFolder(modelDir, spec.name),
  };
}

async function listEntries(catalog: ModelCatalog, modelDir: string): Promise<ModelListEntry[]> {
  return Promise.all(catalog.models.map((spec) => listEntry(spec, catalog, modelDir)));
}

/** Commit shas are shortened in the table (the JSON keeps them whole); branch names are shown as they are. */
function shortRevision(revision: string): string {
  return /^[0-9a-f]{40}$/.test(revision) ? revision.slice(0, 12) : revision;
}

/** The table keeps to one screen line per model; `--json` has the full values. */
function shortLanguages(languages: readonly string[]): string {
  return languages.length <= 4 ? languages.join(',') : `${languages.slice(0, 4).join(',')} +${languages.length - 4}`;
}

function shortLicence(licence: string): string {
  const bracket = licence.indexOf(' (');
  return bracket > 0 ? licence.slice(0, bracket) : licence;
}

function renderTable(entries: ModelListEntry[], modelDir: string): string {
  if (entries.length === 0) return `No models are registered.\nModels folder: ${modelDir}\n`;
  const rows = entries.map((entry) => [
    entry.default ? `${entry.name} *` : entry.name,
    entry.task,
    String(entry.dimension),
    shortLanguages(entry.languages),
    shortLicence(entry.licence),
    `${entry.repo}@${shortRevision(entry.revision)}`,
    entry.sizeBytes === null ? '?' : formatBytes(entry.sizeBytes),
    entry.installed ? 'yes' : 'no',
  ]);
  const table = formatTable(['NAME', 'TASK', 'DIM', 'LANGUAGES', 'LICENCE', 'SOURCE', 'SIZE', 'INSTALLED'], rows);
  const footer = entries.some((entry) => entry.default) ? '\n* default model for multimodal search' : '';
  return `${table}${footer}\nModels folder: ${modelDir}\n`;
}

function chooseModelDir(option: string | undefined, context: CliContext): string {
  return option === undefined ? resolveModelDir(context.env) : path.resolve(option);
}

function chooseEndpoint(option: string | undefined, context: CliContext): string {
  try {
    return option === undefined ? resolveHubEndpoint(context.env) : normaliseHubEndpoint(option);
  } catch (error) {
    throw new CliError((error as Error).message);
  }
}

function unknownModel(name: string, catalog: ModelCatalog): CliError {
  const known = catalog.models.map((spec) => spec.name);
  const list = known.length === 0 ? 'no models are registered' : `known models: ${known.join(', ')}`;
  return new CliError(`Unknown model "${name}"; ${list}`);
}

async function listCommand(options: { json?: boolean; modelDir?: string }, context: CliContext): Promise<void> {
  const catalog = await loadModelCatalog(context.env);
  const modelDir = chooseModelDir(options.modelDir, context);
  const entries = await listEntries(catalog, modelDir);
  if (options.json === true) {
    context.stdout.write(`${JSON.stringify({ modelDir, defaultModel: catalog.defaultModel, models: entries }, null, 2)}\n`);
  } else {
    context.stdout.write(renderTable(entries, modelDir));
  }
}

interface PullCommandOptions {
  endpoint?: string;
  modelDir?: string;
  force?: boolean;
}

async function pullCommand(name: string, options: PullCommandOptions, context: CliContext): Promise<void> {
  const catalog = await loadModelCatalog(context.env);
  const spec = catalog.find(name);
  if (spec === undefined) throw unknownModel(name, catalog);
  const modelDir = chooseModelDir(options.modelDir, context);
  const endpoint = chooseEndpoint(options.endpoint, context);
  const reporter = createPullProgressReporter(context.stdout);
  try {
    const result = await pullModel(spec, {
      modelDir,
      endpoint,
      token: resolveHubToken(context.env),
      force: options.force === true,
      signal: context.signal,
      onProgress: (event) => reporter.onProgress(event),
    });
    reporter.stop();
    if (result.downloaded.length === 0) {
      context.stdout.write(`${spec.name} is already installed in ${result.folder}\n`);
    } else {
      context.stdout.write(
        `Pulled ${spec.name} into ${result.folder}: ${result.downloaded.length} file(s) downloaded ` +
          `(${formatBytes(result.transferredBytes)} transferred), ${result.skipped.length} already present\n`,
      );
    }
  } catch (error) {
    reporter.stop();
    if (error instanceof ModelDownloadError) throw new CliError(error.message, error.cancelled ? EXIT_INTERRUPTED : 1);
    throw error;
  }
}

export function registerModelsCommand(program: Command, context: CliContext): void {
  const models = program.command('models').description('list the models mediasearch can run and download them');

  models
    .command('list')
    .description('show every known model, its source and whether it is installed')
    .option('--json', 'print JSON instead of a table')
    .option('--model-dir <dir>', 'models folder (default: MEDIASEARCH_MODEL_DIR or <MEDIASEARCH_DATA_DIR>/models)')
    .action((options: { json?: boolean; modelDir?: string }) => listCommand(options, context));

  models
    .command('pull')
    .description('download a model into the models folder, resuming an interrupted download')
    .argument('<name>', 'model name, as shown by "models list"')
    .option('--endpoint <url>', 'Hugging Face hub or mirror base URL (default: HF_ENDPOINT or https://huggingface.co)')
    .option('--model-dir <dir>', 'models folder (default: MEDIASEARCH_MODEL_DIR or <MEDIASEARCH_DATA_DIR>/models)')
    .option('--force', 'download every file again, even if already installed')
    .action((name: string, options: PullCommandOptions) => pullCommand(name, options, context));
}
