/**
 * The `mediasearch` command line: builds the commander program from the commands in commands/ and
 * turns failures into a one-line message and an exit status.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { CliError, type CliContext } from './cli-context.js';
import { COMMANDS } from './commands/index.js';

function packageVersion(): string {
  try {
    // dist/src/cli/program.js -> package.json at the package root.
    const manifest = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return manifest.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export function buildProgram(context: CliContext): Command {
  const program = new Command('mediasearch')
    .description('self-hosted image and video search engine')
    .version(packageVersion())
    // Output and exits go through the context so the program can run inside tests; these settings
    // are set before the commands are added because subcommands copy them when created.
    .configureOutput({
      writeOut: (text) => context.stdout.write(text),
      writeErr: (text) => context.stderr.write(text),
    })
    .exitOverride();
  for (const register of COMMANDS) register(program, context);
  return program;
}

/** Runs the CLI on `argv` (process.argv shape: node, script, arguments…) and returns the exit status. */
export async function runCli(argv: readonly string[], context: CliContext): Promise<number> {
  const program = buildProgram(context);
  try {
    await program.parseAsync([...argv], { from: 'node' });
    return 0;
  } catch (error) {
    // commander has already printed its own message (usage errors) or the help/version text.
    if (error instanceof CommanderError) return error.exitCode;
    const message = error instanceof Error ? error.message : String(error);
    context.stderr.write(`mediasearch: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
    return error instanceof CliError ? error.exitCode : 1;
  }
}
