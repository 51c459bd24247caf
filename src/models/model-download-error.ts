/**
 * The one error type a model pull throws. `retryable` says whether trying again (which resumes the
 * partial file) can help: network trouble and server errors can; a missing file, a checksum
 * mismatch or a cancel cannot.
 */
export class ModelDownloadError extends Error {
  override name = 'ModelDownloadError';
  readonly retryable: boolean;
  /** Set when the pull stopped because its AbortSignal fired. */
  readonly cancelled: boolean;

  constructor(message: string, options: { retryable: boolean; cancelled?: boolean; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retryable = options.retryable;
    this.cancelled = options.cancelled ?? false;
  }
}

const NETWORK_DESCRIPTIONS: Record<string, string> = {
  ECONNRESET: 'the connection was reset',
  ECONNREFUSED: 'the connection was refused',
  ECONNABORTED: 'the connection was aborted',
  ETIMEDOUT: 'the connection timed out',
  EPIPE: 'the connection was closed',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'DNS lookup failed temporarily',
  ENETUNREACH: 'the network is unreachable',
  EHOSTUNREACH: 'the host is unreachable',
  UND_ERR_SOCKET: 'the connection was closed before the transfer finished',
  UND_ERR_CONNECT_TIMEOUT: 'the connection timed out',
  UND_ERR_HEADERS_TIMEOUT: 'the server did not answer in time',
  UND_ERR_BODY_TIMEOUT: 'the transfer stalled',
  ENOSPC: 'the local disk is full',
};

/** Codes for which another attempt cannot help. */
const PERMANENT_CODES = new Set(['ENOTFOUND', 'ENOSPC', 'EACCES', 'EROFS']);

/** The innermost error with a `code`: undici wraps socket errors as `TypeError: fetch failed` { cause }. */
function rootCode(error: unknown): { code: string; message: string } {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && code !== '') return { code, message: current.message };
    current = current.cause;
  }
  return { code: '', message: error instanceof Error ? error.message : String(error) };
}

/**
 * Turns whatever a fetch or a file write threw into a ModelDownloadError. `where` is the hub URL of
 * the file (never a redirect target: CDN URLs carry signatures that must stay out of messages).
 */
export function toModelDownloadError(error: unknown, file: string, where: string): ModelDownloadError {
  if (error instanceof ModelDownloadError) return error;
  const { code, message } = rootCode(error);
  if (/CERT|TLS|SSL|SELF_SIGNED|UNABLE_TO_VERIFY|EPROTO/.test(code)) {
    return new ModelDownloadError(
      `Could not download ${file} from ${where}: the TLS handshake or certificate check failed (${code})`,
      { retryable: false, cause: error },
    );
  }
  // undici reports a body cut short as a bare "terminated".
  const description =
    NETWORK_DESCRIPTIONS[code] ?? (message === 'terminated' ? 'the connection was closed before the transfer finished' : message);
  const codeNote = code !== '' && description !== message ? ` (${code})` : '';
  const isLocal = code === 'ENOSPC' || code === 'EACCES' || code === 'EROFS';
  const hint = isLocal ? '' : '; check your network connection or the HF_ENDPOINT mirror';
  return new ModelDownloadError(`Could not download ${file} from ${where}: ${description}${codeNote}${hint}`, {
    retryable: !PERMANENT_CODES.has(code),
    cause: error,
  });
}
