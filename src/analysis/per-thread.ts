/**
 * A value built once per worker thread on first use and shared by every later call (models and
 * their onnxruntime sessions are per thread); a failed build is forgotten, so the next call
 * tries again instead of failing for the thread's lifetime. Only the first call's arguments are
 * used: later calls get the value built with them, so pass only what is fixed per thread.
 */
export function perThread<T, A extends unknown[]>(create: (...args: A) => Promise<T>): (...args: A) => Promise<T> {
  let shared: Promise<T> | undefined;
  return (...args) => {
    shared ??= create(...args).catch((error: unknown) => {
      shared = undefined;
      throw error;
    });
    return shared;
  };
}
