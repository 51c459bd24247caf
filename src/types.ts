/** Central domain types shared by the store, services, job system and API layer. */

export const INDEX_TYPES = ['mm', 'face', 'aiLabel'] as const;
export type IndexType = (typeof INDEX_TYPES)[number];

export const MEDIA_TYPES = ['image', 'video', 'audio'] as const;
export type MediaType = (typeof MEDIA_TYPES)[number];

export type IndexStatus = 'Active' | 'Deactive';
export type LibraryStatus = 'normal' | 'deleting' | 'deleteFail';

export const DEFAULT_LIBRARY = 'ims-default-search-lib';

export interface SearchLibConfig {
  /** Comma-separated recognition-library ids, at most three (ICE `faceGroupIds`). */
  faceGroupIds?: string;
}

export interface Library {
  name: string;
  status: LibraryStatus;
  config: SearchLibConfig;
  createdAt: number;
  updatedAt: number;
}

export interface LibraryIndex {
  library: string;
  indexType: IndexType;
  status: IndexStatus;
  config: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
}

/** The three backing custom fields of ICE `customFields` / `CustomFilters`. */
export interface CustomFields {
  intField1?: number | null;
  strField1?: string | null;
  strField2?: string | null;
}

/** What a caller may set through `MsgBody` on insert and update. */
export interface AssetMetadata {
  title?: string | null;
  description?: string | null;
  tags?: string[] | null;
  customFields?: CustomFields;
  /** Creation time in Unix ms; defaults to the insert time. */
  utcCreate?: number;
}

export type IngestState = 'pending' | 'ready' | 'failed';

export interface Asset {
  id: number;
  library: string;
  mediaId: string;
  namespace: string;
  mediaType: MediaType;
  input: string;
  title: string | null;
  description: string | null;
  tags: string[];
  customFields: Required<CustomFields>;
  msgBody: Record<string, unknown>;
  utcCreate: number;
  utcModified: number;
  ingestState: IngestState;
  ingestError: string | null;
  localPath: string | null;
  fileSize: number | null;
  duration: number | null;
  width: number | null;
  height: number | null;
  formatName: string | null;
  thumbnail: string | null;
}

export type JobKind = 'ingest' | IndexType;
export type JobState = 'queued' | 'running' | 'success' | 'failed';

export interface Job {
  id: number;
  assetId: number;
  kind: JobKind;
  state: JobState;
  attempts: number;
  /** Incremented by every claim; a run records its outcome only under its own claim. */
  claim: number;
  /** Queued by SearchIndexJobRerun: allowed to re-embed with a model other than the library's. */
  reindex: boolean;
  runAfter: number;
  submittedAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  error: string | null;
  result: Record<string, unknown> | null;
}

/** What ffprobe told us about a file, reduced to what the product uses. */
export interface MediaProbe {
  kind: MediaType;
  formatName: string;
  duration: number | null;
  width: number | null;
  height: number | null;
  videoCodec: string | null;
  audioCodec: string | null;
  rotation: number;
}
