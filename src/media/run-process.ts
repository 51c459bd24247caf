import { spawn } from 'node:child_process';

export interface ProcessResult {
  stdout: string;
  stderr: string;
}

export class ProcessError extends Error {
  constructor(
    message: string,
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(message);
    this.name = 'ProcessError';
  }
}

/**
 * Runs a command without a shell (arguments are never interpreted), with a time limit and abort,
 * keeping only the tail of stderr so a chatty decoder cannot exhaust memory.
 */
export function runProcess(
  command: string,
  args: readonly string[],
  options: { timeoutMs: number; signal?: AbortSignal; maxStdoutBytes?: number },
): Promise<ProcessResult> {
  const maxStdout = options.maxStdoutBytes ?? 16 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], signal: options.signal });
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = '';
    let settled = false;
    const finish = (error: Error | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolve({ stdout: Buffer.concat(stdout).toString('utf8'), stderr });
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish(new ProcessError(`${command} took longer than ${options.timeoutMs} ms and was stopped`, null, stderr));
    }, options.timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes > maxStdout) {
        child.kill('SIGKILL');
        finish(new ProcessError(`${command} produced more than ${maxStdout} bytes of output`, null, stderr));
        return;
      }
      stdout.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-4000);
    });
    child.on('error', (error) => {
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
      finish(
        missing
          ? new ProcessError(`${command} is not installed (on Debian/Ubuntu: apt-get install ffmpeg)`, null, '')
          : error,
      );
    });
    child.on('close', (code) => {
      if (code === 0) finish(null);
      else finish(new ProcessError(`${command} exited with code ${code}: ${lastLine(stderr)}`, code, stderr));
    });
  });
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return lines[lines.length - 1]?.trim() || 'no error output';
}
