/** `mediasearch bench ingest|search [args…]`: the repository's throughput and latency benchmarks. */
import { Argument, type Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { runRepositoryScript } from '../run-script.js';

const BENCHMARKS = {
  ingest: { script: 'bench-ingest', npmScript: 'bench:ingest', nodeFlags: [] },
  // bench-search measures memory after forced collections, as `npm run bench:search` runs it.
  search: { script: 'bench-search', npmScript: 'bench:search', nodeFlags: ['--expose-gc'] },
} as const;

export function registerBenchCommand(program: Command, context: CliContext): void {
  program
    .command('bench')
    .description('run a benchmark: ingest (images/s, video realtime factor) or search (latency, recall); needs a source checkout')
    .addArgument(new Argument('<benchmark>', 'which benchmark').choices(Object.keys(BENCHMARKS)))
    .argument('[args...]', 'passed to the script, e.g. --images 24 or --sizes 100000 --queries 300')
    .allowUnknownOption()
    .action((benchmark: keyof typeof BENCHMARKS, args: string[]) => {
      const { script, npmScript, nodeFlags } = BENCHMARKS[benchmark];
      return runRepositoryScript(script, args, context, { npmScript, nodeFlags });
    });
}
