import { spawnLocalStack } from '../support/spawn-stack';

/**
 * Starts one local stack for the whole integration run and tells the test files where it is
 * through TALLY_STACK_FILE. Its output goes to reports/local-stack.log.
 */
export default async function globalSetup(): Promise<void> {
  const stack = await spawnLocalStack({ logName: 'local-stack.log' });
  (globalThis as Record<string, unknown>).__tallyStack = stack;
  process.env.TALLY_STACK_FILE = stack.readyFile;
}
