import type { Params } from '../params.js';

/**
 * `FaceSearchToken`: the caller's name for a face query (ICE's example is
 * "zxtest-huangxuan-2023-3-7-V1"), so printable ASCII without spaces.
 */
export function faceSearchToken(params: Params): string {
  return params.requiredString('FaceSearchToken', {
    maxLength: 128,
    pattern: /^[\x21-\x7e]+$/,
    patternHint: 'a FaceSearchToken is 1-128 printable ASCII characters without spaces, e.g. "team-a-query-42".',
  });
}

/** `EntityId`: a registered person (CreateRecognitionEntity's EntityId). */
export function optionalEntityId(params: Params): string | undefined {
  return params.string('EntityId', {
    maxLength: 64,
    pattern: /^[A-Za-z0-9_-]+$/,
    patternHint: 'an EntityId is the id CreateRecognitionEntity returned (letters, digits, _ and -).',
  });
}
