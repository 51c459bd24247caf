/** What every CLI command gets from the process that runs it, passed in so commands can run in tests. */
export interface CliContext {
  env: Readonly<Record<string, string | undefined>>;
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
  /** Fires on Ctrl-C / SIGTERM so long commands can stop cleanly. */
  signal?: AbortSignal;
}

/** A failure the user can act on: its message is printed as the one-line reason and the CLI exits with `exitCode`. */
export class CliError extends Error {
  override name = 'CliError';
  readonly exitCode: number;

  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}
