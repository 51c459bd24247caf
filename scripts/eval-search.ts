/**
 * Text→image retrieval quality on ../shared/data/flickr8k-cn-dev (511 photos, 5 English captions,
 * 5 Chinese captions written by native speakers and 5 Chinese translations each): the photos are
 * inserted and analysed through the public API of a real server (mm and aiLabel indexes; face is
 * deactivated, it plays no part in text queries), then every caption is a query whose one right
 * answer is its photo. Reports R@1/5/10 per caption language for each channel alone and fused
 * (noisy-OR, the API's fusion, and reciprocal-rank fusion for comparison), ranking without the
 * relevance floor, plus how the floor behaves: the share of queries whose photo is above it and
 * the mean Total.
 *
 *   npm run eval -- [--captions 5] [--data-dir DIR (reuse an analysed library)] [--out docs/benchmarks/eval.md]
 *
 * The model channel uses whatever model the library's vectors were made with
 * (MEDIASEARCH_MM_MODEL at indexing time, `mediasearch models pull NAME` first); without one it is
 * reported as not available.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { loadModelCatalog } from '../src/models/model-catalog.js';
import { isModelInstalled } from '../src/models/model-paths.js';
import type { FusionMethod } from '../src/search/hybrid/fusion.js';
import type { SearchChannel } from '../src/services/search-service.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const SHARED = path.resolve(process.env.MEDIASEARCH_SHARED_DATA ?? path.join(here, '../../../shared/data'));
const DATASET = path.join(SHARED, 'flickr8k-cn-dev');
const LIBRARY = 'flickreval';

function arg(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] ? process.argv[at + 1]! : fallback;
}

const captionsPerImage = Number(arg('captions', '5'));
const outFile = path.resolve(arg('out', path.join(here, '../../docs/benchmarks/eval.md')));
const dataDir = path.resolve(arg('data-dir', fs.mkdtempSync(path.join(os.tmpdir(), 'eval-search-'))));

interface Photo {
  id: string;
  image: string;
  en: string[];
  zh_human_written: string[];
  zh_human_translated: string[];
}
const LANGUAGES = ['en', 'zh_human_written', 'zh_human_translated'] as const;

interface Variant {
  name: string;
  channels: SearchChannel[];
  fusion: FusionMethod;
}
const VARIANTS: Variant[] = [
  { name: 'text channel', channels: ['text'], fusion: 'noisy-or' },
  { name: 'model channel', channels: ['model'], fusion: 'noisy-or' },
  { name: 'hybrid, noisy-OR (API)', channels: ['model', 'text'], fusion: 'noisy-or' },
  { name: 'hybrid, RRF', channels: ['model', 'text'], fusion: 'rrf' },
];

async function rpc(url: string, action: string, params: Record<string, string>): Promise<Record<string, unknown>> {
  const response = await fetch(`${url}/?${new URLSearchParams({ Action: action, ...params })}`);
  return (await response.json()) as Record<string, unknown>;
}

async function main(): Promise<void> {
  if (!fs.existsSync(path.join(DATASET, 'captions.jsonl'))) throw new Error(`${DATASET} not found (set MEDIASEARCH_SHARED_DATA)`);
  const photos = fs
    .readFileSync(path.join(DATASET, 'captions.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Photo);

  const env = { ...process.env, PORT: '0', HOST: '127.0.0.1', MEDIASEARCH_DATA_DIR: dataDir, MEDIASEARCH_FILE_ROOTS: DATASET };
  const config = loadConfig(env);
  const catalog = await loadModelCatalog(env);
  const app = new App(config, pino({ level: 'warn' }), { catalog });
  const url = await app.start();
  const spec = catalog.find(config.analysis.mmModel);
  const modelInstalled = spec !== undefined && (await isModelInstalled(config.analysis.modelDir, spec));
  console.log(`server ${url}, data ${dataDir}, model ${config.analysis.mmModel} ${modelInstalled ? 'installed' : 'NOT installed'}`);

  try {
    const created = await rpc(url, 'CreateSearchLib', { SearchLibName: LIBRARY });
    if (created.Code === '200') await rpc(url, 'AlterSearchIndex', { SearchLibName: LIBRARY, IndexType: 'face', IndexStatus: 'Deactive' });
    const started = performance.now();
    for (const photo of photos) {
      const inserted = await rpc(url, 'InsertMediaToSearchLib', {
        SearchLibName: LIBRARY,
        MediaId: photo.id,
        MediaType: 'image',
        Input: `file://${path.join(DATASET, photo.image)}`,
      });
      if (inserted.Code !== '200' && inserted.Code !== 'MediaAlreadyExists') throw new Error(JSON.stringify(inserted));
    }
    for (;;) {
      const counts = app.store.jobs.countsByState();
      process.stdout.write(`\rindexing: ${counts.success} done, ${counts.failed} failed, ${counts.queued + counts.running} to go   `);
      if (counts.queued + counts.running === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
    const indexSeconds = (performance.now() - started) / 1000;
    console.log(`\nindexed in ${indexSeconds.toFixed(0)} s`);
    const failed = app.store.db.prepare(`SELECT kind, error, COUNT(*) AS n FROM jobs WHERE state = 'failed' GROUP BY kind, error`).all();
    const vectors = (app.store.db.prepare('SELECT model, COUNT(*) AS n FROM keyframe_vectors GROUP BY model').all() as { model: string; n: number }[]);
    const labels = (app.store.db.prepare(`SELECT COUNT(*) AS n FROM segment_texts WHERE source = 'label'`).get() as { n: number }).n;
    const ocr = (app.store.db.prepare(`SELECT COUNT(*) AS n FROM segment_texts WHERE source = 'ocr'`).get() as { n: number }).n;

    const idOf = new Map(photos.map((p) => [p.id, p.id]));
    const rows: string[] = [];
    const floorRows: string[] = [];
    const warnings = new Set<string>();
    for (const language of LANGUAGES) {
      for (const variant of VARIANTS) {
        let r1 = 0, r5 = 0, r10 = 0, queries = 0, aboveFloor = 0, totals = 0;
        let skipped = false;
        const t0 = performance.now();
        for (const photo of photos) {
          for (const caption of photo[language].slice(0, captionsPerImage)) {
            const ranked = await app.search.search({
              text: caption,
              scope: { library: LIBRARY, customFields: [] },
              channels: variant.channels,
              offset: 0,
              limit: 10,
              fusion: variant.fusion,
              minScore: 0,
            });
            ranked.warnings.forEach((w) => warnings.add(`${variant.name}: ${w}`));
            if (variant.channels.length === 1 && variant.channels[0] === 'model' && ranked.warnings.length > 0) skipped = true;
            const rank = ranked.items.findIndex((item) => idOf.get(item.mediaId) === photo.id);
            queries++;
            if (rank === 0) r1++;
            if (rank >= 0 && rank < 5) r5++;
            if (rank >= 0 && rank < 10) r10++;
            if (variant.fusion === 'noisy-or') {
              const floored = await app.search.search({
                text: caption,
                scope: { library: LIBRARY, customFields: [] },
                channels: variant.channels,
                offset: 0,
                limit: 50,
              });
              totals += floored.total;
              if (floored.items.some((item) => item.mediaId === photo.id)) aboveFloor++;
            }
          }
        }
        const ms = (performance.now() - t0) / queries / (variant.fusion === 'noisy-or' ? 2 : 1);
        const cell = (n: number) => (skipped ? 'n/a' : (n / queries).toFixed(3));
        rows.push(`| ${language} | ${variant.name} | ${queries} | ${cell(r1)} | ${cell(r5)} | ${cell(r10)} | ${skipped ? 'n/a' : ms.toFixed(1)} |`);
        if (variant.fusion === 'noisy-or') {
          floorRows.push(`| ${language} | ${variant.name} | ${skipped ? 'n/a' : (aboveFloor / queries).toFixed(3)} | ${skipped ? 'n/a' : (totals / queries).toFixed(1)} |`);
        }
        console.log(rows[rows.length - 1]);
      }
    }

    const report = [
      '# Search quality: text→image retrieval on Flickr8k-CN (dev half)',
      '',
      `Command: \`npm run eval${captionsPerImage !== 5 ? ` -- --captions ${captionsPerImage}` : ''}\` (scripts/eval-search.ts), ${new Date().toISOString().slice(0, 10)}, ` +
        `${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}).`,
      '',
      `- Data: ${photos.length} photos of ../shared/data/flickr8k-cn-dev, inserted through InsertMediaToSearchLib into library \`${LIBRARY}\` ` +
        `(face index deactivated), analysed in ${indexSeconds.toFixed(0)} s.`,
      `- Model channel: \`${config.analysis.mmModel}\` ${modelInstalled ? 'installed' : '**not installed** (weights cannot be downloaded on this machine; `mediasearch models pull` them where they can)'}; ` +
        `vectors in the library: ${vectors.length ? vectors.map((v) => `${v.model} ${v.n}`).join(', ') : 'none'}.`,
      `- Text channel: what the aiLabel analyser wrote — ${labels} object labels (COCO, English + Chinese names) and ${ocr} OCR lines; ` +
        'the photos have no titles or descriptions (inserting the captions as titles would be cheating).',
      `- Failed jobs: ${failed.length ? JSON.stringify(failed) : 'none'}.`,
      '- Each caption is one query; its photo is the one right answer (other photos may fit a caption too, so these are lower bounds). ' +
        'R@K ranks without the relevance floor; the second table applies the default floor (MEDIASEARCH_SEARCH_MIN_SCORE). ' +
        `Chance level: R@1 ${(1 / photos.length).toFixed(3)}, R@10 ${(10 / photos.length).toFixed(3)}.`,
      '',
      '| captions | channel | queries | R@1 | R@5 | R@10 | ms/query |',
      '|---|---|---|---|---|---|---|',
      ...rows,
      '',
      '| captions | channel | photo above the floor | mean Total |',
      '|---|---|---|---|',
      ...floorRows,
      '',
      ...(warnings.size ? ['Channel notes:', '', ...[...warnings].map((w) => `- ${w}`), ''] : []),
    ].join('\n');
    fs.mkdirSync(path.dirname(outFile), { recursive: true });
    fs.writeFileSync(outFile, report);
    console.log(`\nwrote ${outFile}`);
  } finally {
    await app.stop();
  }
}

await main();
