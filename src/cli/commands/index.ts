import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { registerModelsCommand } from './models.js';

/** Adds one top-level command (and its subcommands) to the program. */
export type CommandRegistration = (program: Command, context: CliContext) => void;

/** Every `mediasearch` command, one file each in this folder; a new command is one more entry here. */
export const COMMANDS: readonly CommandRegistration[] = [registerModelsCommand];
