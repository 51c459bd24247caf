import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** Name of the key file inside the data directory. */
export const URL_SIGNING_KEY_FILE = 'url-signing.key';
export const URL_SIGNING_KEY_BYTES = 32;

/** How long a URL handed out in a search response stays fetchable, at least. */
export const DEFAULT_URL_TTL_SECONDS = 3600;
/**
 * Expiry times are rounded up to a multiple of this, so every search within one window hands out
 * the same URL for a file and clients can cache it; a URL then lives TTL to TTL + this long.
 */
export const DEFAULT_URL_EXPIRY_GRANULARITY_SECONDS = 900;

export type SignatureCheck =
  | { readonly ok: true; readonly expires: number }
  | { readonly ok: false; readonly reason: 'missing' | 'malformed' | 'expired' | 'mismatch' };

export interface FileUrlSignerOptions {
  ttlSeconds?: number;
  granularitySeconds?: number;
  /** Unix milliseconds (tests move the clock). */
  now?: () => number;
}

/**
 * Pre-signed URLs for files the server hands out (thumbnails, keyframes), in the manner of
 * object-storage pre-signed URLs: `?Expires=<unix seconds>&Signature=<HMAC-SHA256>` over the path
 * and the expiry. The URL is the authorisation, so a browser or an <img> tag can fetch it without
 * signing an RPC request; who may search is still decided by the RPC authentication.
 */
export class FileUrlSigner {
  private readonly ttlSeconds: number;
  private readonly granularitySeconds: number;
  private readonly now: () => number;

  constructor(
    private readonly key: Buffer,
    options: FileUrlSignerOptions = {},
  ) {
    if (key.length < URL_SIGNING_KEY_BYTES) {
      throw new Error(`a URL signing key must be at least ${URL_SIGNING_KEY_BYTES} bytes, got ${key.length}`);
    }
    this.ttlSeconds = options.ttlSeconds ?? DEFAULT_URL_TTL_SECONDS;
    this.granularitySeconds = options.granularitySeconds ?? DEFAULT_URL_EXPIRY_GRANULARITY_SECONDS;
    this.now = options.now ?? Date.now;
  }

  /**
   * The key in `<dataDir>/url-signing.key`, made (32 random bytes, mode 0600) when absent. It is
   * written to a temporary file and hard-linked into place, so a crash or a second process starting
   * at the same moment can never leave or read a half-written key.
   */
  static loadOrCreate(dataDir: string, options: FileUrlSignerOptions = {}): FileUrlSigner {
    const file = path.join(dataDir, URL_SIGNING_KEY_FILE);
    if (!fs.existsSync(file)) {
      fs.mkdirSync(dataDir, { recursive: true });
      const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
      try {
        fs.writeFileSync(temp, randomBytes(URL_SIGNING_KEY_BYTES), { mode: 0o600, flag: 'wx' });
        fs.chmodSync(temp, 0o600); // the mode given to writeFileSync is reduced by the umask
        fs.linkSync(temp, file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      } finally {
        fs.rmSync(temp, { force: true });
      }
    }
    const key = fs.readFileSync(file);
    if (key.length < URL_SIGNING_KEY_BYTES) {
      throw new Error(
        `${file} holds ${key.length} bytes but a URL signing key is ${URL_SIGNING_KEY_BYTES} random bytes. ` +
          'Delete the file to have a new key made at start (URLs signed with the old key stop working).',
      );
    }
    return new FileUrlSigner(key, options);
  }

  /** `pathname?Expires=…&Signature=…` for a URL handed out now. */
  sign(pathname: string): string {
    const expires = this.expiry();
    return `${pathname}?Expires=${expires}&Signature=${this.signature(pathname, expires)}`;
  }

  /** The Expires value of URLs signed now. */
  expiry(): number {
    const earliest = Math.ceil(this.now() / 1000) + this.ttlSeconds;
    return Math.ceil(earliest / this.granularitySeconds) * this.granularitySeconds;
  }

  /** Checks `Expires` and `Signature` (query values) against the canonical path of the request. */
  verify(pathname: string, expiresParam: string | undefined, signatureParam: string | undefined): SignatureCheck {
    if (!expiresParam || !signatureParam) return { ok: false, reason: 'missing' };
    if (!/^\d{1,12}$/.test(expiresParam) || !/^[A-Za-z0-9_-]{43}$/.test(signatureParam)) return { ok: false, reason: 'malformed' };
    const expires = Number(expiresParam);
    const expected = Buffer.from(this.signature(pathname, expires), 'base64url');
    const given = Buffer.from(signatureParam, 'base64url');
    // Checked before expiry, so only the key's holder learns whether an old URL was ever genuine.
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'mismatch' };
    if (expires * 1000 <= this.now()) return { ok: false, reason: 'expired' };
    return { ok: true, expires };
  }

  /** Seconds until `expires`, never negative. */
  secondsLeft(expires: number): number {
    return Math.max(0, Math.floor(expires - this.now() / 1000));
  }

  private signature(pathname: string, expires: number): string {
    return createHmac('sha256', this.key).update(`GET\n${pathname}\n${expires}`).digest('base64url');
  }
}
