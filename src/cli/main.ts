#!/usr/bin/env node
/** The `mediasearch` executable (package.json "bin"). */
import { runCli } from './program.js';

const interrupt = new AbortController();
// A first Ctrl-C lets the running command stop cleanly (a pull keeps its partial files to resume);
// `once` leaves a second Ctrl-C to end the process at once.
const stop = (): void => interrupt.abort();
process.once('SIGINT', stop);
process.once('SIGTERM', stop);

process.exitCode = await runCli(process.argv, {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  signal: interrupt.signal,
});
