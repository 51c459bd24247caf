import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** Feeds a file's bytes into `hash` (used to continue a hash over a partial file before resuming it). */
export async function hashFileInto(hash: Hash, filePath: string): Promise<void> {
  for await (const chunk of createReadStream(filePath)) hash.update(chunk as Buffer);
}

export async function sha256OfFile(filePath: string): Promise<string> {
  const hash = createHash('sha256');
  await hashFileInto(hash, filePath);
  return hash.digest('hex');
}
