/**
 * Well-known credentials of the emulator's platform account. They are fixed (not random) so the local
 * stack, the integration tests and a developer's shell can all be configured without asking the
 * emulator first. They only ever work against the emulator.
 */
export type Mode = 'test' | 'live';

export const EMULATOR_API_VERSION = '2026-10-28.endive';

export interface EmulatorCredentials {
  platformAccountId: string;
  platformName: string;
  secretKeys: Record<Mode, string>;
  publishableKeys: Record<Mode, string>;
  connectClientIds: Record<Mode, string>;
  /** Signs the Stripe App's `fetchStripeSignature` payloads. */
  appSigningSecret: string;
  /** Secret of webhook endpoints registered at start-up (`webhookEndpoints` option) unless they bring their own. */
  webhookSecrets: Record<Mode, string>;
}

export const emulatorCredentials: EmulatorCredentials = {
  platformAccountId: 'acct_1TallyEmuPlatfrm',
  platformName: 'Tally (Stripe emulator)',
  secretKeys: {
    test: 'sk_test_51TallyEmulatorPlatformKey0000000000000000000000000000000000000000000000000000000000000',
    live: 'sk_live_51TallyEmulatorPlatformKey0000000000000000000000000000000000000000000000000000000000000',
  },
  publishableKeys: {
    test: 'pk_test_51TallyEmulatorPlatformKey0000000000000000000000000000000000000000000000000000000000000',
    live: 'pk_live_51TallyEmulatorPlatformKey0000000000000000000000000000000000000000000000000000000000000',
  },
  connectClientIds: {
    test: 'ca_TallyEmulatorTestClient000000000',
    live: 'ca_TallyEmulatorLiveClient000000000',
  },
  appSigningSecret: 'absec_TallyEmulatorAppSigningSecret00000000',
  webhookSecrets: {
    test: 'whsec_TallyEmulatorTestWebhookSecret0000000000',
    live: 'whsec_TallyEmulatorLiveWebhookSecret0000000000',
  },
};
