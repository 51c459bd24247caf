import { invalidParameter } from '../errors.js';
import type { Params } from '../params.js';
import { RECOGNITION_ALGORITHMS, type RecognitionAlgorithm } from '../../store/recognition-repository.js';

/** Ids are the server's 32 hex characters; anything URL-safe is looked up, so a foreign id says "not found". */
const ID_RULE = {
  maxLength: 64,
  pattern: /^[A-Za-z0-9_-]+$/,
};

const idHint = (name: string) => `a ${name} is 1-64 letters, digits, "_" or "-".`;

export function recognitionId(params: Params, name: 'LibId' | 'EntityId' | 'SampleId'): string {
  return params.requiredString(name, { ...ID_RULE, patternHint: idHint(name) });
}

/** ListRecognitionLibs' `LibId`: one id or a comma-separated list. */
export function recognitionIdList(params: Params, name: 'LibId'): string[] {
  const ids = params.list(name, { maxItems: 50 });
  for (const id of ids) {
    if (Buffer.byteLength(id) > ID_RULE.maxLength || !ID_RULE.pattern.test(id)) throw invalidParameter(name, idHint(name));
  }
  return ids;
}

/** ICE requires Algorithm on every recognition action; reads and deletes here accept it absent. */
export function algorithm(params: Params, required: true): RecognitionAlgorithm;
export function algorithm(params: Params, required: false): RecognitionAlgorithm | undefined;
export function algorithm(params: Params, required: boolean): RecognitionAlgorithm | undefined {
  return required ? params.requiredOneOf('Algorithm', RECOGNITION_ALGORITHMS) : params.oneOf('Algorithm', RECOGNITION_ALGORITHMS);
}

/** `PageNumber` (not PageNo, unlike the search-library actions) and `PageSize` 1–50. */
export function recognitionPage(params: Params): { pageNo: number; pageSize: number; offset: number } {
  return params.page('PageNumber');
}

export function entityInfo(params: Params): string | undefined {
  const value = params.string('EntityInfo', { maxLength: 256 });
  if (value === undefined) return undefined;
  try {
    JSON.parse(value);
  } catch (error) {
    throw invalidParameter('EntityInfo', `it is not valid JSON (${(error as Error).message}).`);
  }
  return value;
}

/** The page fields every List…Recognition… response carries. */
export function pageFields(page: { pageNo: number; pageSize: number }, total: number): Record<string, number> {
  return { PageNumber: page.pageNo, PageSize: page.pageSize, TotalCount: total };
}
