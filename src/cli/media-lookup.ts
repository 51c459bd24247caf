/**
 * Reads assets' basic info and index-job statuses through SearchMedia, the one action that
 * returns both for many assets per request: search results are given titles this way, and `add`
 * and `jobs` follow index jobs without one QueryMediaIndexJob call per asset per refresh.
 */
import type { ApiClient } from './api-client.js';

/** SearchMedia's PageSize limit; also well under its 100-value limit of a Match `in` list. */
const BATCH = 50;

export type IndexJobStatus = 'Running' | 'Success' | 'Fail';

export interface MediaSummary {
  mediaId: string;
  mediaType: string;
  title: string;
  duration: number;
  /** Preparing (file not ingested yet), Normal or PrepareFail. */
  status: string;
  jobs: { indexType: string; status: IndexJobStatus }[];
}

interface SearchMediaResponse {
  MediaInfoList?: {
    MediaId: string;
    MediaBasicInfo?: { MediaType?: string; Title?: string; Duration?: number; Status?: string };
    IndexStatusList?: { IndexType: string; IndexStatus: IndexJobStatus }[];
  }[];
  Total?: number;
  ScrollToken?: string;
}

function summaries(response: SearchMediaResponse): MediaSummary[] {
  return (response.MediaInfoList ?? []).map((item) => ({
    mediaId: item.MediaId,
    mediaType: item.MediaBasicInfo?.MediaType ?? '',
    title: item.MediaBasicInfo?.Title ?? '',
    duration: item.MediaBasicInfo?.Duration ?? 0,
    status: item.MediaBasicInfo?.Status ?? '',
    jobs: (item.IndexStatusList ?? []).map((job) => ({ indexType: job.IndexType, status: job.IndexStatus })),
  }));
}

/** Today's MediaId rule (letters, digits, `. _ - :`) needs no escaping; escaping anyway keeps a Match valid if the rule widens. */
function quote(mediaId: string): string {
  return `'${mediaId.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** The named assets of `library`; ids that do not exist (deleted meanwhile) are absent from the map. */
export async function lookupMedia(client: ApiClient, library: string | undefined, mediaIds: readonly string[]): Promise<Map<string, MediaSummary>> {
  const found = new Map<string, MediaSummary>();
  const unique = [...new Set(mediaIds)];
  for (let start = 0; start < unique.length; start += BATCH) {
    const batch = unique.slice(start, start + BATCH);
    const response = await client.call<SearchMediaResponse>('SearchMedia', {
      SearchLibName: library,
      Match: `mediaId in (${batch.map(quote).join(',')})`,
      PageSize: BATCH,
    });
    for (const summary of summaries(response)) found.set(summary.mediaId, summary);
  }
  return found;
}

/**
 * Every asset of `library`, newest first, one page at a time through ScrollToken (forward-only
 * keyset paging: assets added during the scan neither repeat nor shift the pages).
 */
export async function scanLibrary(client: ApiClient, library: string | undefined): Promise<{ assets: MediaSummary[]; total: number }> {
  const assets: MediaSummary[] = [];
  let scrollToken: string | undefined;
  let total = 0;
  do {
    const response = await client.call<SearchMediaResponse>('SearchMedia', {
      SearchLibName: library,
      PageSize: BATCH,
      ScrollToken: scrollToken,
    });
    if (scrollToken === undefined) total = response.Total ?? 0;
    assets.push(...summaries(response));
    scrollToken = response.ScrollToken;
  } while (scrollToken !== undefined);
  return { assets, total };
}

export interface IndexJobInfo {
  indexType: string;
  status: IndexJobStatus;
  errorMessage?: string;
}

/** One asset's jobs with the server's ErrorMessage extension (why a job failed), which SearchMedia does not carry. */
export async function indexJobs(client: ApiClient, library: string | undefined, mediaId: string): Promise<IndexJobInfo[]> {
  const response = await client.call<{ IndexJobInfoList?: { IndexType: string; Status: IndexJobStatus; ErrorMessage?: string }[] }>(
    'QueryMediaIndexJob',
    { SearchLibName: library, MediaId: mediaId },
  );
  return (response.IndexJobInfoList ?? []).map((job) => ({
    indexType: job.IndexType,
    status: job.Status,
    ...(job.ErrorMessage ? { errorMessage: job.ErrorMessage } : {}),
  }));
}

export function allFinished(summary: MediaSummary): boolean {
  return summary.jobs.every((job) => job.status !== 'Running');
}
