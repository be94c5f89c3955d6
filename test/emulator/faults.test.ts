import Stripe from 'stripe';
import { rejection, startHarness, type Harness } from './support';

describe('Stripe emulator: fault injection', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.stop());
  beforeEach(() => h.control.reset());

  const outcomes = async (count: number, stripe = h.stripe('test', { maxNetworkRetries: 0 })) => {
    const statuses: Array<number | 'ok'> = [];
    for (let i = 0; i < count; i += 1) {
      try {
        await stripe.coupons.list();
        statuses.push('ok');
      } catch (error) {
        statuses.push((error as Stripe.errors.StripeError).statusCode as number);
      }
    }
    return statuses;
  };

  it('answers roughly the configured shares of 429 and 500, the same way for the same seed', async () => {
    await h.control.setFaults([{ share429: 0.2, share500: 0.3, seed: 42 }]);
    const first = await outcomes(200);
    await h.control.setFaults([{ share429: 0.2, share500: 0.3, seed: 42 }]);
    const second = await outcomes(200);

    const share = (status: number | 'ok') => first.filter((outcome) => outcome === status).length / first.length;
    expect(second).toEqual(first);
    expect(share(429)).toBeGreaterThan(0.12);
    expect(share(429)).toBeLessThan(0.28);
    expect(share(500)).toBeGreaterThan(0.2);
    expect(share(500)).toBeLessThan(0.4);
    expect(await h.control.requestCount({ faulted: 'any' })).toBe(first.filter((outcome) => outcome !== 'ok').length * 2);
  });

  it("answers Stripe's error bodies: StripeRateLimitError for 429, StripeAPIError for 500", async () => {
    await h.control.setFaults([{ share429: 1, maxFaults: 1 }, { share500: 1 }]);
    const stripe = h.stripe('test', { maxNetworkRetries: 0 });

    const limited = await rejection(stripe.coupons.list());
    await h.control.setFaults([{ share500: 1 }]);
    const broken = await rejection(stripe.coupons.list());

    expect(limited).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
    expect(broken).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect(broken.statusCode).toBe(500);
  });

  it('decides faults before the request has any effect: a faulted POST creates nothing', async () => {
    await h.control.setFaults([{ share500: 1, match: { method: 'POST' } }]);

    const error = await rejection(h.stripe('test', { maxNetworkRetries: 0 }).coupons.create({ id: 'NEVER', percent_off: 5 }));
    await h.control.setFaults([]);

    expect(error.statusCode).toBe(500);
    expect((await h.stripe().coupons.list()).data).toEqual([]);
  });

  it('after commit: applies the effect, answers 500, and the SDK retry with the same key gets the saved result', async () => {
    await h.control.setFaults([{ share500: 1, afterCommit: true, maxFaults: 1, match: { pathPrefix: '/v1/coupons' } }]);

    const coupon = await h.stripe('test', { maxNetworkRetries: 1 }).coupons.create({ percent_off: 5 });
    const log = await h.control.requests({ path: '/v1/coupons', method: 'POST' });

    expect((await h.stripe().coupons.list()).data.map((c) => c.id)).toEqual([coupon.id]);
    expect(log.map((entry) => [entry.status, entry.faulted, entry.replayed])).toEqual([
      [500, '500', undefined],
      [200, undefined, true],
    ]);
    expect(log[0]?.idempotencyKey).toBe(log[1]?.idempotencyKey);
  });

  it('times out by dropping the socket, which the SDK reports as a connection error after its one closed-connection retry', async () => {
    await h.control.setFaults([{ shareTimeout: 1, timeout: { mode: 'drop' } }]);

    const error = await rejection(h.stripe('test', { maxNetworkRetries: 0 }).coupons.create({ id: 'DROPPED', percent_off: 5 }));
    await h.control.setFaults([]);
    const dropped = await h.control.requests({ faulted: 'timeout' });

    expect(error).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    expect((await h.stripe().coupons.list()).data).toEqual([]);
    expect(dropped).toEqual([
      expect.objectContaining({ status: null, path: '/v1/coupons' }),
      expect.objectContaining({ status: null, path: '/v1/coupons', idempotencyKey: dropped[0]?.idempotencyKey }),
    ]);
  });

  it('times out by holding the request longer than the client waits', async () => {
    await h.control.setFaults([{ shareTimeout: 1, timeout: { mode: 'delay', delayMs: 1_000 } }]);

    const error = await rejection(h.stripe('test', { maxNetworkRetries: 0, timeout: 200 }).coupons.list());

    expect(error).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    expect(error.message).toContain('timeout');
  });

  it('adds fixed latency', async () => {
    await h.control.setFaults([{ latencyMs: 150 }]);

    const started = Date.now();
    await h.stripe().coupons.list();

    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('scopes faults to an account, a method and a path prefix', async () => {
    const faulty = await h.connect();
    const healthy = await h.connect();
    await h.control.setFaults([{ share500: 1, match: { account: faulty, method: 'GET', pathPrefix: '/v1/promotion_codes' } }]);
    const stripe = h.stripe('test', { maxNetworkRetries: 0 });

    const faulted = await rejection(stripe.promotionCodes.list({}, { stripeAccount: faulty }));
    const otherPath = await stripe.coupons.list({}, { stripeAccount: faulty });
    const otherAccount = await stripe.promotionCodes.list({}, { stripeAccount: healthy });

    expect(faulted.statusCode).toBe(500);
    expect(otherPath.object).toBe('list');
    expect(otherAccount.object).toBe('list');
  });
});
