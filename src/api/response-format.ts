import type { LibraryWithIndexes } from '../services/library-service.js';
import type { JobState } from '../types.js';

/** ICE's job timestamps: "2023-11-21 11:33:51", here always in UTC. */
export function formatGmt(ms: number | null): string | undefined {
  if (ms === null) return undefined;
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/** The three job statuses ICE reports; queued and running both read as Running. */
export function iceJobStatus(state: JobState): 'Running' | 'Success' | 'Fail' {
  if (state === 'success') return 'Success';
  if (state === 'failed') return 'Fail';
  return 'Running';
}

export function libraryInfo(library: LibraryWithIndexes): Record<string, unknown> {
  return {
    SearchLibName: library.name,
    Status: library.status,
    SearchLibConfig: JSON.stringify(library.config),
    IndexInfo: library.indexes.map((index) => ({
      IndexType: index.indexType,
      IndexStatus: index.status,
      IndexReadiness: 'Normal',
    })),
  };
}
