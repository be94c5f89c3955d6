import type { SpawnedStack } from '../support/spawn-stack';

export default async function globalTeardown(): Promise<void> {
  await ((globalThis as Record<string, unknown>).__tallyStack as SpawnedStack | undefined)?.stop();
}
