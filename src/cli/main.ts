#!/usr/bin/env node
/** The `mediasearch` executable (package.json "bin"). */
import { runCli } from './program.js';

const interrupt = new AbortController();
// A first Ctrl-C lets the running command stop cleanly (a pull keeps its partial files to resume);
// `once` leaves a second Ctrl-C to end the process at once.
// The signal's name is the abort reason, which `serve` logs as `npm start` does.
process.once('SIGINT', () => interrupt.abort('SIGINT'));
process.once('SIGTERM', () => interrupt.abort('SIGTERM'));

process.exitCode = await runCli(process.argv, {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  signal: interrupt.signal,
});
