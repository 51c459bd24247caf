/**
 * The one catalogue of API error codes. Every error the server returns is built here, so each
 * code always comes with the same HTTP status and a message that tells the caller what to fix.
 * Codes follow the ICE / Alibaba Cloud POP conventions that the official SDKs recognise.
 */

export interface ErrorDefinition {
  /** HTTP status sent with the error body. */
  readonly status: number;
  /** What the code means in general; the specific message is supplied where the error is raised. */
  readonly summary: string;
}

export const ERROR_CATALOGUE = {
  MissingParameter: { status: 400, summary: 'A required parameter is missing.' },
  InvalidParameter: { status: 400, summary: 'A parameter has an invalid value.' },
  InvalidAction: { status: 400, summary: 'The Action is not one this server implements.' },
  InvalidVersion: { status: 400, summary: 'The API version is not supported.' },
  UnsupportedMediaType: { status: 415, summary: 'The request body content type is not supported.' },
  PayloadTooLarge: { status: 413, summary: 'The request or media file is larger than the configured limit.' },
  NotFound: { status: 404, summary: 'The requested resource does not exist.' },
  SearchLibNotFound: { status: 404, summary: 'The search library does not exist.' },
  MediaNotFound: { status: 404, summary: 'The media asset does not exist in this search library.' },
  IndexNotFound: { status: 404, summary: 'The index does not exist in this search library.' },
  RecognitionLibNotFound: { status: 404, summary: 'The recognition library does not exist.' },
  RecognitionEntityNotFound: { status: 404, summary: 'The entity does not exist in this recognition library.' },
  RecognitionSampleNotFound: { status: 404, summary: 'The sample does not exist for this entity.' },
  RecognitionEntityAlreadyExists: { status: 409, summary: 'An entity with this name already exists in this recognition library.' },
  ImageUnreadable: { status: 400, summary: 'The image could not be fetched or decoded.' },
  FaceNotFound: { status: 400, summary: 'No face was found in the image.' },
  MultipleFacesFound: { status: 400, summary: 'The image shows several faces of about the same size, so it is unclear whose face is meant.' },
  FaceQualityTooLow: { status: 400, summary: 'The face is too small, blurred or turned away to be recognised.' },
  FaceSearchTokenNotFound: {
    status: 404,
    summary:
      'The FaceSearchToken names no face query: it was never used with SearchMediaByFace, it expired, or it was made with another AccessKeyId.',
  },
  PersonNotFound: { status: 404, summary: 'The person does not exist in this search library.' },
  SearchLibAlreadyExists: { status: 409, summary: 'A search library with this name already exists.' },
  IndexAlreadyExists: { status: 409, summary: 'The index already exists in this search library.' },
  MediaAlreadyExists: { status: 409, summary: 'A media asset with this MediaId already exists in this search library.' },
  OperationConflict: { status: 409, summary: 'The resource is in a state that does not allow this operation.' },
  MissingAccessKeyId: { status: 400, summary: 'The request is not signed but this server requires access keys.' },
  'InvalidAccessKeyId.NotFound': { status: 404, summary: 'The AccessKeyId is not configured on this server.' },
  IncompleteSignature: { status: 400, summary: 'The request signature is incomplete or malformed.' },
  SignatureDoesNotMatch: { status: 400, summary: 'The request signature does not match the one the server computed.' },
  'InvalidTimeStamp.Format': { status: 400, summary: 'The request timestamp is not in the expected format.' },
  'InvalidTimeStamp.Expired': { status: 400, summary: 'The request timestamp is too far from the server time.' },
  SignatureNonceUsed: { status: 400, summary: 'The signature nonce was already used: the request was replayed.' },
  Forbidden: { status: 403, summary: 'The request is not allowed.' },
  Throttling: { status: 429, summary: 'Too many requests; retry later.' },
  InternalError: { status: 500, summary: 'The server failed unexpectedly; the request may be retried.' },
  ServiceUnavailable: { status: 503, summary: 'The server is starting or shutting down; retry shortly.' },
} as const satisfies Record<string, ErrorDefinition>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly status: number;

  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = ERROR_CATALOGUE[code].status;
  }
}

export const missingParameter = (name: string): ApiError =>
  new ApiError('MissingParameter', `The parameter ${name} is required but was not provided.`);

export const invalidParameter = (name: string, problem: string): ApiError =>
  new ApiError('InvalidParameter', `The parameter ${name} is invalid: ${problem}`);
