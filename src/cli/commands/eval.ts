/**
 * `mediasearch eval [faces] [args…]`: search quality on the shared evaluation set (the repository's
 * `npm run eval`), or face recognition quality with `faces` first (`npm run eval:faces`).
 */
import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { runRepositoryScript } from '../run-script.js';

export function registerEvalCommand(program: Command, context: CliContext): void {
  program
    .command('eval')
    .description('measure text-to-image search quality (R@1/5/10), or with `faces` face recognition, on ../shared/data; needs a source checkout')
    .argument('[args...]', 'passed to scripts/eval-search.ts (e.g. --captions 5 --data-dir DIR --out FILE), or `faces [--out FILE]` for scripts/eval-faces.ts')
    .allowUnknownOption()
    .action((args: string[]) =>
      args[0] === 'faces'
        ? runRepositoryScript('eval-faces', args.slice(1), context, { npmScript: 'eval:faces' })
        : runRepositoryScript('eval-search', args, context, { npmScript: 'eval' }),
    );
}
