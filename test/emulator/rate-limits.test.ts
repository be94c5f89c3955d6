import Stripe from 'stripe';
import { authorizeRedirect, emulatorCredentials, rejection, startHarness, type Harness } from './support';

const settle = <T>(promises: Array<Promise<T>>) => Promise.allSettled(promises);

describe('Stripe emulator: rate limits', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({});
  });
  afterAll(() => h.stop());
  beforeEach(() => h.control.reset());

  it("starts with Stripe's limits: 100 requests per second live, 25 test", async () => {
    expect((await h.control.config()).rateLimits).toEqual({ live: 100, test: 25 });
  });

  it('answers 429 rate_limit beyond the configured rate on one account, leaving another account alone', async () => {
    await h.control.setRateLimits(null);
    const busy = await h.connect();
    const quiet = await h.connect();
    await h.control.setRateLimits({ live: 100, test: 5 });
    const stripe = h.stripe('test', { maxNetworkRetries: 0 });

    const results = await settle(Array.from({ length: 8 }, () => stripe.coupons.list({}, { stripeAccount: busy })));
    const neighbour = await stripe.coupons.list({}, { stripeAccount: quiet });

    const refused = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected').map((result) => result.reason as Stripe.errors.StripeError);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(5);
    expect(refused).toHaveLength(3);
    expect(refused[0]).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
    expect(refused[0]).toMatchObject({ statusCode: 429, code: 'rate_limit', type: 'StripeRateLimitError' });
    expect(refused[0]?.headers?.['stripe-should-retry']).toBe('false');
    expect(neighbour.object).toBe('list');
    expect(await h.control.requestCount({ account: busy, status: 429 })).toBe(3);
  });

  it('lets requests through again once the second has passed', async () => {
    await h.control.setRateLimits({ live: 100, test: 2 });
    const stripe = h.stripe('test', { maxNetworkRetries: 0 });
    await stripe.coupons.list();
    await stripe.coupons.list();
    const refused = await rejection(stripe.coupons.list());

    await new Promise((resolve) => setTimeout(resolve, 1_050));

    expect(refused).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
    await expect(stripe.coupons.list()).resolves.toMatchObject({ object: 'list' });
  });

  it('counts live and test separately', async () => {
    await h.control.setRateLimits({ live: 3, test: 1 });

    const test = await settle([h.stripe('test', { maxNetworkRetries: 0 }).coupons.list(), h.stripe('test', { maxNetworkRetries: 0 }).coupons.list()]);
    const live = await settle([1, 2, 3].map(() => h.stripe('live', { maxNetworkRetries: 0 }).coupons.list()));

    expect(test.map((result) => result.status)).toEqual(['fulfilled', 'rejected']);
    expect(live.every((result) => result.status === 'fulfilled')).toBe(true);
  });

  it('does not limit the control API nor the OAuth authorize page, and can be turned off', async () => {
    await h.control.setRateLimits({ live: 1, test: 1 });

    await Promise.all(Array.from({ length: 5 }, () => h.control.requestCount()));
    const redirects = await Promise.all(
      Array.from({ length: 3 }, () => authorizeRedirect(h.emulator, { client_id: emulatorCredentials.connectClientIds.test })),
    );
    await h.control.setRateLimits(null);
    const unlimited = await settle(Array.from({ length: 30 }, () => h.stripe('test', { maxNetworkRetries: 0 }).coupons.list()));

    expect(redirects.every((redirect) => redirect.searchParams.has('code'))).toBe(true);
    expect(unlimited.every((result) => result.status === 'fulfilled')).toBe(true);
  });
});
