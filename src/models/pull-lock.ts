/**
 * Keeps two pulls of the same model (a CLI run and a server, say) from writing the same .part
 * files at once. The lock is a file naming the owning process; one left by a process that no
 * longer runs is taken over.
 */
import { link, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { ModelDownloadError } from './model-download-error.js';

export const LOCK_FILE_NAME = '.mediasearch-pull.lock';

interface LockOwner {
  pid: number;
  host: string;
  startedAt: string;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readOwner(lockPath: string): Promise<LockOwner | undefined> {
  try {
    const owner = JSON.parse(await readFile(lockPath, 'utf8')) as Partial<LockOwner>;
    return typeof owner.pid === 'number' && typeof owner.host === 'string' ? (owner as LockOwner) : undefined;
  } catch {
    return undefined;
  }
}

/** Takes the pull lock of a model folder (which must exist) and returns its release function. */
export async function acquirePullLock(folder: string, modelName: string): Promise<() => Promise<void>> {
  const lockPath = path.join(folder, LOCK_FILE_NAME);
  const owner: LockOwner = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  // Written in full under a private name, then linked: link() fails if the lock exists, so the
  // lock file is never seen half-written and two processes cannot both take it.
  const candidate = `${lockPath}.${process.pid}.${Date.now()}`;
  await writeFile(candidate, JSON.stringify(owner));
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await link(candidate, lockPath);
        return () => rm(lockPath, { force: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        if (attempt > 0) {
          throw new ModelDownloadError(`Model ${modelName} is already being pulled by another process`, { retryable: false });
        }
      }
      const current = await readOwner(lockPath);
      const alive = current !== undefined && (current.host !== owner.host || isRunning(current.pid));
      if (alive) {
        throw new ModelDownloadError(
          `Model ${modelName} is already being pulled by process ${current.pid} on ${current.host}; ` +
            `wait for it to finish, or delete ${lockPath} if that process is gone`,
          { retryable: false },
        );
      }
      await rm(lockPath, { force: true });
    }
  } finally {
    await rm(candidate, { force: true });
  }
}
