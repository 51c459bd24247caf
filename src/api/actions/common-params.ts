import { invalidParameter } from '../errors.js';
import type { Params } from '../params.js';
import { DEFAULT_LIBRARY, INDEX_TYPES, type IndexType, type SearchLibConfig } from '../../types.js';

/** Library names: letters and digits, optionally the camera prefix `IPCamera_` (ICE rule). */
const NEW_LIBRARY_NAME = /^(IPCamera_)?[A-Za-z0-9]{1,64}$/;
/** Existing names are looked up leniently so the hyphenated default library works everywhere. */
const LIBRARY_NAME = /^[A-Za-z0-9_-]{1,128}$/;

export function searchLibName(params: Params): string {
  return params.string('SearchLibName', {
    default: DEFAULT_LIBRARY,
    pattern: LIBRARY_NAME,
    patternHint: 'use letters, digits, "_" or "-" (at most 128 characters).',
  })!;
}

export function newSearchLibName(params: Params): string {
  return params.requiredString('SearchLibName', {
    pattern: NEW_LIBRARY_NAME,
    patternHint: 'a new library name must be 1-64 letters and digits, optionally prefixed with "IPCamera_".',
  });
}

export function indexType(params: Params): IndexType {
  return params.requiredOneOf('IndexType', INDEX_TYPES);
}

export function namespace(params: Params): string | undefined {
  return params.string('Namespace', {
    maxLength: 128,
    pattern: /^[\w.:@/-]*$/u,
    patternHint: 'use letters, digits and . _ - : @ / (at most 128 bytes).',
  });
}

export const MEDIA_ID_RULE = {
  maxLength: 128,
  pattern: /^[A-Za-z0-9_.:-]+$/,
  patternHint: 'a MediaId is 1-128 letters, digits and . _ - : characters.',
};

export function mediaId(params: Params): string {
  return params.requiredString('MediaId', MEDIA_ID_RULE);
}

/** `SearchLibConfig`: `{"faceGroupIds":"id1,id2,id3"}` with at most three recognition libraries. */
export function searchLibConfig(params: Params): SearchLibConfig {
  const raw = params.jsonObject('SearchLibConfig', { maxLength: 4096 }) ?? {};
  const config: SearchLibConfig = {};
  for (const [key, value] of Object.entries(raw)) {
    if (key !== 'faceGroupIds') {
      throw invalidParameter('SearchLibConfig', `unknown field "${key}"; the only field is faceGroupIds.`);
    }
    if (typeof value !== 'string') {
      throw invalidParameter('SearchLibConfig', 'faceGroupIds must be a comma-separated string such as "id1,id2".');
    }
    const ids = value.split(',').map((id) => id.trim()).filter(Boolean);
    if (ids.length > 3) throw invalidParameter('SearchLibConfig', 'faceGroupIds lists at most three libraries.');
    config.faceGroupIds = ids.join(',');
  }
  return config;
}
