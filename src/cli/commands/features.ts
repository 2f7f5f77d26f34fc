// `bpfkit features [--json]`: what this kernel supports, probed live, grouped like `bpftool feature probe`.

import type { Command } from 'commander';

interface FeaturesOptions {
  json?: boolean;
  allHelpers?: boolean;
}

export function register(program: Command): void {
  program
    .command('features')
    .description('probe program types, map types, attach types, helpers, BTF and ISA version of this kernel')
    .option('--json', 'print the result as JSON')
    .option('--all-helpers', 'probe every known helper on every program type, as bpftool does (slower)')
    .action(async (opts: FeaturesOptions) => {
      // Only the probe modules, not all of bpfkit/kernel: this command should start and finish fast.
      const { probeFeatures } = await import('../../kernel/features.js');
      const features = await probeFeatures({ allHelpers: opts.allHelpers === true });
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(features, null, 2)}\n`);
      } else {
        const { formatFeatures } = await import('../../kernel/features-report.js');
        process.stdout.write(formatFeatures(features));
      }
    });
}
