/**
 * `mediasearch serve`: runs the server in this process, exactly as `npm start` does (one shared
 * function, src/cli/server-process.ts); configured by the environment variables in the README,
 * with flags for the three settings people change most when trying it out.
 */
import type { Command } from 'commander';
import { CliError, type CliContext } from '../cli-context.js';
import { isStartupConfigError, serve } from '../server-process.js';

/** As `npm start` exits on a configuration problem. */
const EXIT_CONFIG = 2;

interface ServeOptions {
  host?: string;
  port?: string;
  dataDir?: string;
}

async function serveCommand(options: ServeOptions, context: CliContext): Promise<void> {
  const env = {
    ...context.env,
    ...(options.host !== undefined ? { HOST: options.host } : {}),
    ...(options.port !== undefined ? { PORT: options.port } : {}),
    ...(options.dataDir !== undefined ? { MEDIASEARCH_DATA_DIR: options.dataDir } : {}),
  };
  // The bin's signal fires on the first Ctrl-C/SIGTERM (graceful: running jobs finish or are
  // re-queued); a second Ctrl-C ends the process at once. Without a signal it would run forever.
  const stop = context.signal ?? new AbortController().signal;
  try {
    await serve(env, stop);
  } catch (error) {
    if (isStartupConfigError(error)) throw new CliError(error.message, EXIT_CONFIG);
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      const address = `${env.HOST ?? '127.0.0.1'}:${env.PORT ?? '8080'}`;
      const why = code === 'EADDRINUSE' ? 'is already in use' : code === 'EACCES' ? 'needs privileges' : 'is not an address of this machine';
      throw new CliError(`cannot listen on ${address}: it ${why}; choose another with --port/--host (or PORT/HOST)`, EXIT_CONFIG);
    }
    throw error;
  }
}

export function registerServeCommand(program: Command, context: CliContext): void {
  program
    .command('serve')
    .description('run the mediasearch server (as `npm start`); Ctrl-C stops it after running jobs finish')
    .option('--host <address>', 'address to listen on (default: HOST or 127.0.0.1)')
    .option('--port <port>', 'port to listen on, 0 for any free one (default: PORT or 8080)')
    .option('--data-dir <dir>', 'data folder (default: MEDIASEARCH_DATA_DIR or ./data)')
    .action((options: ServeOptions) => serveCommand(options, context));
}
