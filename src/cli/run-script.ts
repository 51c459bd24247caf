/**
 * Runs one of the repository's measurement scripts (scripts/*.ts, built to dist/scripts/ by
 * `npm run build:all`) as a child process, passing its arguments through. They are not part of
 * `npm run build` (an installed package has no dist/scripts/) because they need the repository's
 * data folder and write into its docs/.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliError, type CliContext } from './cli-context.js';

/** dist/src/cli/run-script.js -> dist/scripts/ */
const SCRIPTS_DIR = fileURLToPath(new URL('../../scripts/', import.meta.url));

const SIGNAL_NUMBERS: Record<string, number> = { SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

export async function runRepositoryScript(
  name: string,
  args: readonly string[],
  context: CliContext,
  options: { nodeFlags?: readonly string[]; npmScript: string; scriptsDir?: string },
): Promise<void> {
  const file = path.join(options.scriptsDir ?? SCRIPTS_DIR, `${name}.js`);
  if (!existsSync(file)) {
    throw new CliError(
      `${file} is not there: this command runs a script of the source repository. Run it from a source checkout ` +
        `after \`npm run build:all\`, or use \`npm run ${options.npmScript}\` there.`,
    );
  }
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), file, ...args], {
    env: { ...context.env },
    stdio: ['inherit', 'pipe', 'pipe'],
  });
  // Piped rather than inherited so the output goes wherever the CLI's context sends it (tests capture it).
  child.stdout.on('data', (chunk: Buffer) => context.stdout.write(chunk));
  child.stderr.on('data', (chunk: Buffer) => context.stderr.write(chunk));
  const stop = (): void => {
    if (child.exitCode === null) child.kill('SIGINT');
  };
  context.signal?.addEventListener('abort', stop, { once: true });
  try {
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (exitCode, exitSignal) => resolve([exitCode, exitSignal]));
    });
    if (signal !== null) throw new CliError(`${name} was stopped by ${signal}`, 128 + (SIGNAL_NUMBERS[signal] ?? 0));
    if (code !== 0) throw new CliError(`${name} exited with status ${code}`, code ?? 1);
  } finally {
    context.signal?.removeEventListener('abort', stop);
  }
}
