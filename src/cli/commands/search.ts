/**
 * `mediasearch search TEXT`: natural-language search, printed as a table of assets with their
 * type and title (one SearchMedia call looks those up, since search answers carry only MediaIds)
 * and where in each video the match is. `--json` prints the server's answer unchanged.
 */
import { Option, type Command } from 'commander';
import { DEFAULT_LIBRARY } from '../../types.js';
import type { ApiClient } from '../api-client.js';
import type { CliContext } from '../cli-context.js';
import { createClient, withEndpointOption, type ConnectionOptions } from '../connection.js';
import { lookupMedia } from '../media-lookup.js';
import { aiLabelRows, hybridRows, renderResultTable, type ResultRow } from '../search-results.js';
import { parseFilters, parsePositiveInteger, printWarnings } from '../search-options.js';

const ACTIONS = { hybrid: 'SearchMediaByHybrid', multimodal: 'SearchMediaByMultimodal', ailabel: 'SearchMediaByAILabel' } as const;
type Mode = keyof typeof ACTIONS;

interface SearchOptions extends ConnectionOptions {
  lib?: string;
  type?: string;
  filters?: string;
  namespace?: string;
  limit: number;
  page: number;
  mode: Mode;
  json?: boolean;
}

async function searchCommand(text: string, options: SearchOptions, context: CliContext): Promise<void> {
  const customFilters = parseFilters(options.filters);
  const client: ApiClient = createClient(options, context);
  const response = await client.call<{ MediaList?: unknown[]; Total?: number; Warnings?: unknown }>(ACTIONS[options.mode], {
    Text: text,
    SearchLibName: options.lib,
    MediaType: options.type,
    Namespace: options.namespace,
    CustomFilters: customFilters,
    PageNo: options.page,
    PageSize: options.limit,
  });
  printWarnings(response.Warnings, context);
  if (options.json === true) {
    context.stdout.write(`${JSON.stringify(response, null, 2)}\n`);
    return;
  }
  const items = (response.MediaList ?? []) as Parameters<typeof hybridRows>[0] & Parameters<typeof aiLabelRows>[0];
  const rows: ResultRow[] = options.mode === 'ailabel' ? aiLabelRows(items) : hybridRows(items);
  const total = response.Total ?? rows.length;
  const library = options.lib ?? DEFAULT_LIBRARY;
  if (rows.length === 0) {
    context.stdout.write(
      total > 0 ? `No results on page ${options.page}; there are ${total}.\n` : `No matches for ${JSON.stringify(text)} in ${library}.\n`,
    );
    return;
  }
  const media = await lookupMedia(client, options.lib, rows.map((row) => row.mediaId));
  const firstRank = (options.page - 1) * options.limit + 1;
  context.stdout.write(renderResultTable(rows, media, { firstRank }));
  const last = firstRank + rows.length - 1;
  const more = last < total ? `; --page ${options.page + 1} for more` : '';
  context.stdout.write(`${firstRank}-${last} of ${total} in ${library}${more}\n`);
}

export function registerSearchCommand(program: Command, context: CliContext): void {
  const command = program
    .command('search')
    .description('search images and videos by a description in English or Chinese')
    .argument('<text>', 'what to look for, e.g. "a dog running on the beach"')
    .option('--lib <name>', `search library (default: ${DEFAULT_LIBRARY})`)
    .addOption(new Option('--type <type>', 'only images or only videos').choices(['image', 'video']))
    .option('--filters <json>', 'custom-field filters (CustomFilters), e.g. \'{"intField1":{"gte":10}}\'')
    .option('--namespace <namespace>', 'only assets of this namespace')
    .addOption(new Option('--mode <mode>', 'search action: hybrid (model + smart tags), multimodal (model) or ailabel (smart tags)').choices(Object.keys(ACTIONS)).default('hybrid'))
    .option('-n, --limit <n>', 'results per page (1-50)', parsePositiveInteger('--limit', 50), 10)
    .option('--page <n>', 'page number', parsePositiveInteger('--page'), 1)
    .option('--json', 'print the server response as JSON');
  withEndpointOption(command).action((text: string, options: SearchOptions) => searchCommand(text, options, context));
}
