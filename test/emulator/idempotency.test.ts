import Stripe from 'stripe';
import { rejection, startHarness, type Harness } from './support';

describe('Stripe emulator: idempotency keys', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.stop());
  beforeEach(() => h.control.reset());

  it('replays the saved response for the same key and parameters, without acting twice', async () => {
    const first = await h.stripe().coupons.create({ percent_off: 10 }, { idempotencyKey: 'key-1' });

    const second = await h.stripe().coupons.create({ percent_off: 10 }, { idempotencyKey: 'key-1' });

    expect(second.id).toBe(first.id);
    expect(second.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(first.lastResponse.headers['idempotent-replayed']).toBeUndefined();
    expect((await h.stripe().coupons.list()).data).toHaveLength(1);
    expect((await h.control.requests({ method: 'POST' })).map((entry) => entry.replayed ?? false)).toEqual([false, true]);
  });

  it('refuses the same key with different parameters with an idempotency_error', async () => {
    await h.stripe().coupons.create({ percent_off: 10 }, { idempotencyKey: 'key-2' });

    const error = await rejection(h.stripe().coupons.create({ percent_off: 20 }, { idempotencyKey: 'key-2' }));

    expect(error).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(error.statusCode).toBe(400);
    expect(error.message).toBe(
      "Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than 'key-2' if you meant to execute a different request.",
    );
  });

  it('refuses the same key on another endpoint', async () => {
    await h.stripe().coupons.create({ id: 'C', percent_off: 10 }, { idempotencyKey: 'key-3' });

    const error = await rejection(h.stripe().coupons.update('C', { name: 'x' }, { idempotencyKey: 'key-3' }));

    expect(error).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
  });

  it('keeps keys per account: the same key on another account is a new request', async () => {
    const account = await h.connect();
    const onPlatform = await h.stripe().coupons.create({ percent_off: 10 }, { idempotencyKey: 'shared' });

    const onAccount = await h.stripe().coupons.create({ percent_off: 10 }, { idempotencyKey: 'shared', stripeAccount: account });

    expect(onAccount.lastResponse.headers['idempotent-replayed']).toBeUndefined();
    expect(onAccount.id).not.toBe(onPlatform.id);
  });

  it('replays a refusal that came from the endpoint, but not a parameter refusal', async () => {
    await h.stripe().coupons.create({ id: 'TAKEN', percent_off: 10 });
    const refused = await rejection(h.stripe().coupons.create({ id: 'TAKEN', percent_off: 10 }, { idempotencyKey: 'key-4' }));
    const replayed = await rejection(h.stripe().coupons.create({ id: 'TAKEN', percent_off: 10 }, { idempotencyKey: 'key-4' }));
    const invalid = await rejection(h.stripe().coupons.create({ percent_off: 500 }, { idempotencyKey: 'key-5' }));

    const corrected = await h.stripe().coupons.create({ percent_off: 50 }, { idempotencyKey: 'key-5' });

    expect(refused.code).toBe('resource_already_exists');
    expect(replayed.headers?.['idempotent-replayed']).toBe('true');
    expect(invalid.param).toBe('percent_off');
    expect(corrected.percent_off).toBe(50);
  });

  it('forgets keys after 24 hours', async () => {
    const first = await h.stripe().coupons.create({ percent_off: 10 }, { idempotencyKey: 'old-key' });
    await h.control.advanceClock(24 * 60 * 60);

    const second = await h.stripe().coupons.create({ percent_off: 10 }, { idempotencyKey: 'old-key' });

    expect(second.id).not.toBe(first.id);
  });
});
