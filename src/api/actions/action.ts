import type { LibraryService } from '../../services/library-service.js';
import type { MediaService } from '../../services/media-service.js';
import type { Params } from '../params.js';

export interface ActionContext {
  readonly libraries: LibraryService;
  readonly media: MediaService;
}

/** The response fields of one action; RequestId, Success and Code are added by the RPC layer. */
export type ActionResult = Record<string, unknown>;

/** One RPC action of the ICE API: its wire name and the handler behind it. */
export interface Action {
  readonly name: string;
  handle(params: Params, context: ActionContext): ActionResult | Promise<ActionResult>;
}
