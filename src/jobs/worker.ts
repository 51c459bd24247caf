import { probeMedia } from '../media/ffprobe.js';
import { writeThumbnail } from '../media/thumbnail.js';
import { encodeWorkerError, type PrepareMediaResult, type WorkerTask } from './worker-tasks.js';

async function prepareMedia(path: string, thumbnailPath: string): Promise<PrepareMediaResult> {
  const probe = await probeMedia(path);
  const thumbnail = await writeThumbnail(path, probe, thumbnailPath);
  return { probe, thumbnail };
}

/** Entry point of every worker thread (Piscina calls the default export once per task). */
export default async function runTask(task: WorkerTask): Promise<unknown> {
  try {
    switch (task.task) {
      case 'prepare-media':
        return await prepareMedia(task.path, task.thumbnailPath);
    }
  } catch (error) {
    throw encodeWorkerError(error);
  }
}
