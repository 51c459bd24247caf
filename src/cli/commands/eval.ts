/**
 * `mediasearch eval [faces|speech] [args…]`: search quality on the shared evaluation set (the
 * repository's `npm run eval`), face recognition quality with `faces` first (`npm run eval:faces`),
 * or what the speech gate keeps and saves with `speech` first (`npm run eval:speech`).
 */
import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { runRepositoryScript } from '../run-script.js';

export function registerEvalCommand(program: Command, context: CliContext): void {
  program
    .command('eval')
    .description(
      'measure text-to-image search quality (R@1/5/10) on ../shared/data, or with `faces` face recognition there, or with `speech` the speech gate (word error rate and CPU with and without it, on synthesised speech and the shared videos); needs a source checkout',
    )
    .argument(
      '[args...]',
      'passed to scripts/eval-search.ts (e.g. --captions 5 --data-dir DIR --out FILE), or `faces [--out FILE]` for scripts/eval-faces.ts, or `speech [--out FILE]` for scripts/eval-speech.ts',
    )
    .allowUnknownOption()
    .action((args: string[]) => {
      switch (args[0]) {
        case 'faces':
          return runRepositoryScript('eval-faces', args.slice(1), context, { npmScript: 'eval:faces' });
        case 'speech':
          return runRepositoryScript('eval-speech', args.slice(1), context, { npmScript: 'eval:speech' });
        default:
          return runRepositoryScript('eval-search', args, context, { npmScript: 'eval' });
      }
    });
}
