/**
 * `mediasearch face IMAGE`: which assets show the person in IMAGE, and when. ICE splits this in
 * two: SearchMediaByFace finds the assets, then SearchMediaClipByFace (with the same
 * FaceSearchToken, so the same query face and conditions apply) lists where in each asset the
 * person appears and under which name, if the person is registered in a recognition library.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { DEFAULT_LIBRARY } from '../../types.js';
import type { ApiClient } from '../api-client.js';
import { CliError, type CliContext } from '../cli-context.js';
import { createClient, withEndpointOption, type ConnectionOptions } from '../connection.js';
import { lookupMedia } from '../media-lookup.js';
import { renderResultTable, type ResultRow } from '../search-results.js';
import { parsePositiveInteger, printWarnings } from '../search-options.js';

/** SearchMediaClipByFace's largest page: one call per asset is enough for all but the longest videos. */
const CLIPS_PER_ASSET = 50;

interface FaceOptions extends ConnectionOptions {
  lib?: string;
  type?: string;
  namespace?: string;
  limit: number;
  json?: boolean;
}

interface FaceSearchResponse {
  MediaInfoList?: { MediaId: string; Score?: number }[];
  Total?: number;
  Warnings?: unknown;
}

interface FaceClipResponse {
  MediaClipList?: {
    Category?: string;
    EntityId?: string;
    LabelName?: string;
    Score?: number;
    OccurrencesInfos?: { StartTime?: number; EndTime?: number }[];
  }[];
  Total?: number;
}

const isUrl = (value: string): boolean => /^[a-z][a-z0-9+.-]*:\/\//i.test(value);

/** A local photo is uploaded first; the server reads upload:// inputs like any other image URL. */
async function personImageUrl(client: ApiClient, image: string): Promise<string> {
  if (isUrl(image)) return image;
  if (!fs.existsSync(image)) throw new CliError(`${image}: no such file; give a photo file or an http(s) URL`);
  const uploaded = await client.upload(path.resolve(image), path.basename(image));
  return uploaded.Input;
}

/** One row per person found in an asset (a registered person by name, otherwise the clip's category). */
function clipRows(mediaId: string, assetScore: number | undefined, clips: FaceClipResponse): ResultRow[] {
  const list = clips.MediaClipList ?? [];
  if (list.length === 0) return [{ mediaId, ...(assetScore !== undefined ? { score: assetScore } : {}), ranges: [] }];
  return list.map((clip) => {
    const score = clip.Score ?? assetScore;
    return {
      mediaId,
      ...(score !== undefined ? { score } : {}),
      person: clip.LabelName || clip.Category || '',
      ranges: (clip.OccurrencesInfos ?? []).map((occurrence) => ({ from: occurrence.StartTime ?? 0, to: occurrence.EndTime ?? 0 })),
    };
  });
}

async function faceCommand(image: string, options: FaceOptions, context: CliContext): Promise<void> {
  const client = createClient(options, context);
  const token = randomBytes(16).toString('hex');
  const found = await client.call<FaceSearchResponse>('SearchMediaByFace', {
    PersonImageUrl: await personImageUrl(client, image),
    FaceSearchToken: token,
    SearchLibName: options.lib,
    MediaType: options.type,
    Namespace: options.namespace,
    PageSize: options.limit,
  });
  printWarnings(found.Warnings, context);
  const assets = found.MediaInfoList ?? [];
  const clips = new Map<string, FaceClipResponse>();
  for (const asset of assets) {
    clips.set(
      asset.MediaId,
      await client.call<FaceClipResponse>('SearchMediaClipByFace', {
        FaceSearchToken: token,
        MediaId: asset.MediaId,
        SearchLibName: options.lib,
        PageSize: CLIPS_PER_ASSET,
      }),
    );
  }
  if (options.json === true) {
    context.stdout.write(`${JSON.stringify({ ...found, Clips: Object.fromEntries(clips) }, null, 2)}\n`);
    return;
  }
  const library = options.lib ?? DEFAULT_LIBRARY;
  if (assets.length === 0) {
    context.stdout.write(`No assets in ${library} show this person.\n`);
    return;
  }
  const rows = assets.flatMap((asset) => clipRows(asset.MediaId, asset.Score, clips.get(asset.MediaId) ?? {}));
  const media = await lookupMedia(client, options.lib, assets.map((asset) => asset.MediaId));
  context.stdout.write(renderResultTable(rows, media, { firstRank: 1, person: true }));
  const total = found.Total ?? assets.length;
  context.stdout.write(`${assets.length} of ${total} asset${total === 1 ? '' : 's'} in ${library}${assets.length < total ? '; raise --limit for more' : ''}\n`);
}

export function registerFaceCommand(program: Command, context: CliContext): void {
  const command = program
    .command('face')
    .description('find the images and videos in which the person in a photo appears')
    .argument('<image>', 'a photo of the person: a file (uploaded first) or a URL')
    .option('--lib <name>', `search library (default: ${DEFAULT_LIBRARY})`)
    .addOption(new Option('--type <type>', 'only images or only videos').choices(['image', 'video']))
    .option('--namespace <namespace>', 'only assets of this namespace')
    .option('-n, --limit <n>', 'assets to show (1-50)', parsePositiveInteger('--limit', 50), 10)
    .option('--json', 'print the server responses as JSON');
  withEndpointOption(command).action((image: string, options: FaceOptions) => faceCommand(image, options, context));
}
