import { getSecret } from '../../../lambdas/core/secrets';
import { stripeFor } from '../../../lambdas/stripe/client';

jest.mock('../../../lambdas/core/secrets', () => ({ getSecret: jest.fn() }));

const keys = jest.mocked(getSecret as (name: 'stripeSecretKeys') => Promise<{ live?: string; test?: string }>);

describe("the platform's Stripe client", () => {
  it('is kept per mode while the secret key stays the same', async () => {
    keys.mockResolvedValue({ live: 'sk_live_first', test: 'sk_test_first' });
    const live = await stripeFor('live');
    expect(await stripeFor('live')).toBe(live);
    expect(await stripeFor('test')).not.toBe(live);
  });

  it('uses a rotated secret key once the secret changes, without a new container', async () => {
    keys.mockResolvedValue({ live: 'sk_live_before', test: 'sk_test_x' });
    const before = await stripeFor('live');
    keys.mockResolvedValue({ live: 'sk_live_after', test: 'sk_test_x' });
    const after = await stripeFor('live');
    expect(after).not.toBe(before);
    expect(await stripeFor('live')).toBe(after);
  });

  it('says so when the mode has no key', async () => {
    keys.mockResolvedValue({ test: 'sk_test_x' });
    await expect(stripeFor('live')).rejects.toThrow('No Stripe secret key is configured for live mode');
  });
});
