import { setTimeout as delay } from 'node:timers/promises';

/** Waits `ms`; resolves false at once when `signal` fires (Ctrl-C), so polling loops end promptly. */
export async function pause(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal?.aborted) return false;
  try {
    await delay(ms, undefined, signal ? { signal } : {});
    return true;
  } catch {
    return false;
  }
}
