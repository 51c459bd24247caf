/** Option parsing and output shared by `search` and `face`. */
import { InvalidArgumentError } from 'commander';
import { CliError, type CliContext } from './cli-context.js';

/** A commander option parser for whole numbers from 1 (to `max`), so `--limit x` is a usage error, not a server one. */
export function parsePositiveInteger(flag: string, max?: number): (value: string) => number {
  return (value) => {
    const number = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(number) || number < 1 || (max !== undefined && number > max)) {
      throw new InvalidArgumentError(`${flag} takes a whole number from 1${max !== undefined ? ` to ${max}` : ''}.`);
    }
    return number;
  };
}

/**
 * `--filters` is passed on as written (the server reports a field given twice, which parsing
 * would hide), after a local check that it is a JSON object at all, whose error can point at the
 * shell quoting that usually causes it.
 */
export function parseFilters(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CliError(`--filters is not valid JSON (${(error as Error).message}); quote it for the shell, e.g. --filters '{"intField1":12}'`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new CliError('--filters must be a JSON object, e.g. \'{"strField1":["a","b"],"intField1":{"gte":1,"lte":9}}\'');
  }
  return text;
}

/** The server's `Warnings` extension (e.g. why the model channel sat out) goes to stderr so tables and JSON stay clean. */
export function printWarnings(warnings: unknown, context: CliContext): void {
  if (!Array.isArray(warnings)) return;
  for (const warning of warnings) context.stderr.write(`warning: ${String(warning)}\n`);
}
