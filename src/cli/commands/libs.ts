/**
 * `mediasearch libs`: the search libraries (ListSearchLib, every page), how many assets each holds
 * (SearchMedia's Total; ListSearchLib does not count them) and which index types are active.
 */
import type { Command } from 'commander';
import { ServerError, type ApiClient } from '../api-client.js';
import type { CliContext } from '../cli-context.js';
import { createClient, withEndpointOption, type ConnectionOptions } from '../connection.js';
import { formatTable } from '../format.js';

const PAGE_SIZE = 50;

interface LibraryInfo {
  SearchLibName: string;
  Status?: string;
  SearchLibConfig?: string;
  IndexInfo?: { IndexType: string; IndexStatus: string }[];
}

async function listLibraries(client: ApiClient): Promise<LibraryInfo[]> {
  const libraries: LibraryInfo[] = [];
  for (let page = 1; ; page += 1) {
    const response = await client.call<{ SearchLibInfoList?: LibraryInfo[]; Total?: number }>('ListSearchLib', { PageNo: page, PageSize: PAGE_SIZE });
    const list = response.SearchLibInfoList ?? [];
    libraries.push(...list);
    if (list.length < PAGE_SIZE || libraries.length >= (response.Total ?? 0)) return libraries;
  }
}

/** A library being deleted refuses queries; its count is then unknown rather than an error for the whole list. */
async function assetCount(client: ApiClient, library: string): Promise<string> {
  try {
    const response = await client.call<{ Total?: number }>('SearchMedia', { SearchLibName: library, PageSize: 1 });
    return String(response.Total ?? 0);
  } catch (error) {
    if (error instanceof ServerError) return '?';
    throw error;
  }
}

function indexes(library: LibraryInfo): string {
  return (library.IndexInfo ?? []).map((index) => (index.IndexStatus === 'Active' ? index.IndexType : `${index.IndexType} (off)`)).join(', ');
}

async function libsCommand(options: ConnectionOptions & { json?: boolean }, context: CliContext): Promise<void> {
  const client = createClient(options, context);
  const libraries = await listLibraries(client);
  if (options.json === true) {
    context.stdout.write(`${JSON.stringify({ SearchLibInfoList: libraries, Total: libraries.length }, null, 2)}\n`);
    return;
  }
  const rows: string[][] = [];
  for (const library of libraries) {
    rows.push([library.SearchLibName, library.Status ?? '', await assetCount(client, library.SearchLibName), indexes(library)]);
  }
  context.stdout.write(`${formatTable(['NAME', 'STATUS', 'ASSETS', 'INDEXES'], rows)}\n`);
}

export function registerLibsCommand(program: Command, context: CliContext): void {
  const command = program
    .command('libs')
    .description('list the search libraries with their asset counts and index types')
    .option('--json', 'print the libraries as JSON');
  withEndpointOption(command).action((options: ConnectionOptions & { json?: boolean }) => libsCommand(options, context));
}
