/**
 * A failure to obtain or decode a media file. `retryable` separates transient trouble (a network
 * timeout, an HTTP 503) that the job system retries with backoff from permanent trouble (a corrupt
 * file, a forbidden URL) that fails the job at once with this message shown to the user.
 */
export class MediaError extends Error {
  readonly retryable: boolean;

  constructor(message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MediaError';
    this.retryable = options.retryable ?? false;
  }
}
