import type { AiLabelSearchService } from '../../services/ai-label-search-service.js';
import type { LibraryService } from '../../services/library-service.js';
import type { MediaQueryService } from '../../services/media-query-service.js';
import type { MediaService } from '../../services/media-service.js';
import type { FaceLabeller } from '../../services/face-labeller.js';
import type { FaceSearchService } from '../../services/face-search-service.js';
import type { PersonService } from '../../services/person-service.js';
import type { RecognitionService } from '../../services/recognition-service.js';
import type { SearchService } from '../../services/search-service.js';
import type { Params } from '../params.js';
import type { AssetFileUrls } from '../../search/ai-data/asset-file-urls.js';

export interface ActionContext {
  readonly libraries: LibraryService;
  readonly media: MediaService;
  readonly aiLabelSearch: AiLabelSearchService;
  readonly mediaQuery: MediaQueryService;
  readonly search: SearchService;
  readonly recognition: RecognitionService;
  readonly faceSearch: FaceSearchService;
  readonly persons: PersonService;
  readonly faceLabeller: FaceLabeller;
}

/** The response fields of one action; RequestId, Success and Code are added by the RPC layer. */
export type ActionResult = Record<string, unknown>;

/** One RPC action of the ICE API: its wire name and the handler behind it. */
export interface Action {
  readonly name: string;
  handle(params: Params, context: ActionContext, request: RequestInfo): ActionResult | Promise<ActionResult>;
}

/** What an action may know about the HTTP request beyond its parameters. */
export interface RequestInfo {
  /** The AccessKeyId that signed the request; null when the server runs without access keys. */
  readonly accessKeyId: string | null;
  /** Scheme, host and port the client reached the server at (src/api/public-base-url.ts), for absolute URLs. */
  readonly baseUrl: string;
  /** Signed URLs of asset files against that base (absent where no file route is served, as in unit tests). */
  readonly fileUrls?: AssetFileUrls;
}
