import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The real photos, faces and videos beside the project (../shared/data). They are never copied
 * into the repository; tests that need them skip with a message where the folder is absent (CI).
 */
export const SHARED_DATA = path.resolve(
  process.env.MEDIASEARCH_SHARED_DATA ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared/data'),
);

/** false when the file exists, else the skip message node:test prints. */
export function sharedDataMissing(relative: string): string | false {
  return fs.existsSync(path.join(SHARED_DATA, relative)) ? false : `needs ../shared/data/${relative} (not present here)`;
}
