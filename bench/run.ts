import './env';
import { parseArgs } from 'node:util';
import { affiliateImportBenchmark } from './affiliate-import';
import { coldStart } from './coldstart';
import { historyBenchmark } from './history';
import { ledgerHistoryBenchmark } from './ledger-history';
import { resyncBenchmark } from './resync';
import { statsReads } from './stats';
import { webBenchmark } from './web';
import { webhooksBenchmark } from './webhooks';

/**
 * `npm run bench [-- <name> …]`: runs the named benchmarks (all when none is named) and prints
 * their figures. Benchmarks measure; they never fail on a threshold, because this machine is
 * shared and noisy — each prints its target beside its figure for a person to judge.
 */
const benchmarks: Record<string, () => Promise<void>> = {
  coldstart: coldStart,
  history: historyBenchmark,
  import: affiliateImportBenchmark,
  'ledger-history': ledgerHistoryBenchmark,
  resync: resyncBenchmark,
  stats: statsReads,
  web: webBenchmark,
  webhooks: webhooksBenchmark,
};

const main = async () => {
  const { positionals } = parseArgs({ allowPositionals: true });
  const names = positionals.length ? positionals : Object.keys(benchmarks);
  for (const name of names) {
    const run = benchmarks[name];
    if (!run) throw new Error(`No benchmark "${name}"; there are: ${Object.keys(benchmarks).join(', ') || 'none yet'}`);
    console.log(`\n== ${name} ==`);
    await run();
  }
};

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
