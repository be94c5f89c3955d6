import { checkWebhookSecrets } from '../../../bin/local/stripe';

const realStripe = { STRIPE_SECRET_KEY_TEST: 'sk_test_developer' };

describe('the webhook secrets the local stack starts with', () => {
  it.each([
    ['with the emulator', {}],
    ['against Stripe', realStripe],
  ])('refuses the retired STRIPE_WEBHOOK_SECRETS on its own %s, naming the variables that replace it', (_case, env) => {
    expect(() => checkWebhookSecrets({ ...env, STRIPE_WEBHOOK_SECRETS: 'whsec_from_an_old_shell' })).toThrow(
      /STRIPE_WEBHOOK_SECRETS_LIVE.*STRIPE_WEBHOOK_SECRETS_TEST/,
    );
  });

  it("starts with the emulator without any: its endpoints' secrets are registered at start", () => {
    expect(() => checkWebhookSecrets({})).not.toThrow();
  });

  it.each([
    ['none', {}],
    ['one in both modes', { STRIPE_WEBHOOK_SECRETS_TEST: 'whsec_same', STRIPE_WEBHOOK_SECRETS_LIVE: 'whsec_same' }],
    ['a key where a signing secret belongs', { STRIPE_WEBHOOK_SECRETS_TEST: 'sk_test_developer' }],
  ])('refuses to start against Stripe with %s, naming the variables', (_case, env) => {
    expect(() => checkWebhookSecrets({ ...realStripe, ...env })).toThrow(/STRIPE_WEBHOOK_SECRETS_TEST and\/or STRIPE_WEBHOOK_SECRETS_LIVE/);
  });

  it('starts against Stripe with the secret `stripe listen` printed, in its mode', () => {
    expect(() => checkWebhookSecrets({ ...realStripe, STRIPE_WEBHOOK_SECRETS_TEST: 'whsec_from_stripe_listen' })).not.toThrow();
  });
});
