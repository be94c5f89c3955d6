import { parseArgs } from 'node:util';
import { emulatorCredentials } from './defaults';
import { startStripeEmulator } from './index';

/**
 * `npx tsx bin/stripe-emulator/main.ts --port 12111 [--no-rate-limits] [--webhook http://localhost:3000/webhooks/stripe]`
 * Each --webhook URL is registered in both modes, for the platform's events and (connect) for connected accounts'.
 */
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '12111' },
    host: { type: 'string', default: '127.0.0.1' },
    'no-rate-limits': { type: 'boolean', default: false },
    webhook: { type: 'string', multiple: true, default: [] },
  },
});

async function main(): Promise<void> {
  const emulator = await startStripeEmulator({
    port: Number(values.port),
    host: values.host,
    ...(values['no-rate-limits'] ? { rateLimits: null } : {}),
    // Stripe's own retry schedule is hours long; a developer wants to see a retry within seconds.
    delivery: { initialDelayMs: 1_000, maxDelayMs: 60_000, maxAttempts: 8 },
    webhookEndpoints: values.webhook.flatMap((url) =>
      (['test', 'live'] as const).flatMap((mode) => [false, true].map((connect) => ({ url, mode, connect }))),
    ),
  });

  console.log(`Stripe emulator on ${emulator.url}`);
  console.log(`  platform keys: ${emulatorCredentials.secretKeys.test} / ${emulatorCredentials.secretKeys.live}`);
  console.log(`  connect client ids: ${emulatorCredentials.connectClientIds.test} / ${emulatorCredentials.connectClientIds.live}`);
  console.log(`  control API: ${emulator.url}/_emulator/…`);

  const shutdown = () => {
    void emulator.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
