import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { registerAddCommand } from './add.js';
import { registerBenchCommand } from './bench.js';
import { registerEvalCommand } from './eval.js';
import { registerFaceCommand } from './face.js';
import { registerJobsCommand } from './jobs.js';
import { registerLibsCommand } from './libs.js';
import { registerModelsCommand } from './models.js';
import { registerSearchCommand } from './search.js';
import { registerServeCommand } from './serve.js';

/** Adds one top-level command (and its subcommands) to the program. */
export type CommandRegistration = (program: Command, context: CliContext) => void;

/** Every `mediasearch` command, one file each in this folder, in the order `--help` lists them. */
export const COMMANDS: readonly CommandRegistration[] = [
  registerServeCommand,
  registerAddCommand,
  registerSearchCommand,
  registerFaceCommand,
  registerLibsCommand,
  registerJobsCommand,
  registerModelsCommand,
  registerEvalCommand,
  registerBenchCommand,
];
