import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { decodeWorkerError, type WorkerTask, type WorkerTaskResult } from './worker-tasks.js';

/**
 * A pool of worker threads for analysis work, so decoding and model inference never run on the
 * thread that answers HTTP requests. Workers load their models once and keep them.
 */
export class WorkerPool {
  private readonly piscina: Piscina;

  constructor(threads: number, options: { minThreads?: number; idleTimeoutMs?: number } = {}) {
    this.piscina = new Piscina({
      filename: fileURLToPath(new URL('./worker.js', import.meta.url)),
      minThreads: options.minThreads ?? 1,
      maxThreads: threads,
      // Long enough that a steady trickle of inserts keeps the loaded models warm.
      idleTimeout: options.idleTimeoutMs ?? 10 * 60_000,
    });
  }

  async run<T extends WorkerTask>(task: T, signal?: AbortSignal): Promise<WorkerTaskResult<T>> {
    try {
      return (await this.piscina.run(task, signal ? { signal } : {})) as WorkerTaskResult<T>;
    } catch (error) {
      throw decodeWorkerError(error);
    }
  }

  async close(): Promise<void> {
    await this.piscina.destroy();
  }
}
