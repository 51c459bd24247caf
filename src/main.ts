import { isStartupConfigError, serve } from './cli/server-process.js';

/**
 * `npm start`: serve the API until SIGINT or SIGTERM (the same code as `mediasearch serve`, see
 * src/cli/server-process.ts). Repeated signals are ignored while running jobs finish, so a
 * process manager's repeated SIGTERM does not cut the graceful shutdown short.
 */
const stop = new AbortController();
const onSignal = (signal: NodeJS.Signals): void => {
  if (!stop.signal.aborted) stop.abort(signal);
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

try {
  await serve(process.env, stop.signal);
  process.exit(0);
} catch (error) {
  if (isStartupConfigError(error)) {
    console.error(`mediasearch: ${error.message}`);
    process.exit(2);
  }
  if (stop.signal.aborted) process.exit(1); // a failed shutdown, already logged by serve()
  throw error;
}
