import Stripe from 'stripe';
import { rejection, useHarnessAndReceiver, type Harness, type Receiver } from './support';

describe('Stripe emulator: coupons', () => {
  let h: Harness;
  let receiver: Receiver;
  let account: string;

  useHarnessAndReceiver((started) => ({ h, receiver } = started));
  beforeEach(async () => {
    account = await h.connect();
  });

  const on = () => ({ stripeAccount: account });

  it('creates percent-off and amount-off coupons shaped like Stripe.Coupon', async () => {
    const percent = await h.stripe().coupons.create({ percent_off: 25.5, duration: 'forever', name: '25.5% off' }, on());
    const amount = await h.stripe().coupons.create(
      { id: 'TEN-OFF', amount_off: 1000, currency: 'USD', duration: 'repeating', duration_in_months: 3, max_redemptions: 5, metadata: { affiliate: 'a1' } },
      on(),
    );

    expect(percent).toEqual({
      id: expect.stringMatching(/^[A-Z0-9]{8}$/),
      object: 'coupon',
      amount_off: null,
      created: expect.any(Number),
      currency: null,
      duration: 'forever',
      duration_in_months: null,
      livemode: false,
      max_redemptions: null,
      metadata: {},
      name: '25.5% off',
      percent_off: 25.5,
      redeem_by: null,
      times_redeemed: 0,
      valid: true,
    });
    expect(amount).toMatchObject({ id: 'TEN-OFF', amount_off: 1000, currency: 'usd', duration: 'repeating', duration_in_months: 3, max_redemptions: 5, metadata: { affiliate: 'a1' } });
    expect(await h.stripe().coupons.retrieve('TEN-OFF', {}, on())).toEqual(amount);
  });

  it('keeps coupons apart per account and per mode', async () => {
    await h.stripe().coupons.create({ id: 'MINE', percent_off: 10 }, on());

    const onPlatform = await rejection(h.stripe().coupons.retrieve('MINE'));
    const inLive = await rejection(h.stripe('live').coupons.retrieve('MINE'));

    expect(onPlatform.statusCode).toBe(404);
    expect(inLive.statusCode).toBe(404);
  });

  it('refuses a duplicate id with resource_already_exists', async () => {
    await h.stripe().coupons.create({ id: 'DUP', percent_off: 10 }, on());

    const error = await rejection(h.stripe().coupons.create({ id: 'DUP', percent_off: 20 }, on()));

    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error).toMatchObject({ statusCode: 400, code: 'resource_already_exists', param: 'id', message: 'Coupon already exists.' });
  });

  it.each([
    [{ percent_off: 10, amount_off: 100, currency: 'usd' }, 'amount_off', 'parameters_exclusive'],
    [{ duration: 'once' as const }, 'percent_off', undefined],
    [{ amount_off: 100 }, 'currency', undefined],
    [{ percent_off: 150 }, 'percent_off', undefined],
    [{ percent_off: 10, duration: 'repeating' as const }, 'duration_in_months', undefined],
    [{ percent_off: 10, duration: 'once' as const, duration_in_months: 2 }, 'duration_in_months', undefined],
    [{ percent_off: 10, redeem_by: 1000 }, 'redeem_by', undefined],
    [{ percent_off: 10, bogus: 'x' }, 'bogus', 'parameter_unknown'],
  ])('refuses invalid parameters %j naming the param', async (params, param, code) => {
    const error = await rejection(h.stripe().coupons.create(params as Stripe.CouponCreateParams, on()));

    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error.param).toBe(param);
    expect(error.code).toBe(code);
    expect((await h.stripe().coupons.list({}, on())).data).toEqual([]);
  });

  it('lets name and metadata change, delivering coupon.updated with previous_attributes', async () => {
    await h.stripe().webhookEndpoints.create({ url: receiver.url, enabled_events: ['coupon.updated'], connect: true });
    await h.stripe().coupons.create({ id: 'C', percent_off: 10, name: 'Old', metadata: { keep: '1', drop: '2' } }, on());

    const updated = await h.stripe().coupons.update('C', { name: 'New', metadata: { drop: '', added: '3' } }, on());
    await h.control.waitForDeliveries();

    expect(updated).toMatchObject({ name: 'New', metadata: { keep: '1', added: '3' }, percent_off: 10 });
    expect(receiver.received.map(({ event }) => [event.type, event.account, event.data.previous_attributes])).toEqual([
      ['coupon.updated', account, { name: 'Old', metadata: { drop: '2', added: null } }],
    ]);
  });

  it('refuses to change the discount of a coupon: a different discount needs a new coupon', async () => {
    await h.stripe().coupons.create({ id: 'C', percent_off: 10 }, on());

    const error = await rejection(h.stripe().coupons.update('C', { percent_off: 20 } as Stripe.CouponUpdateParams, on()));

    expect(error).toMatchObject({ statusCode: 400, code: 'parameter_unknown', param: 'percent_off', message: 'Received unknown parameter: percent_off' });
    expect((await h.stripe().coupons.retrieve('C', {}, on())).percent_off).toBe(10);
  });

  it('deletes a coupon: answers the deleted object, delivers coupon.deleted, and forgets it', async () => {
    await h.stripe().webhookEndpoints.create({ url: receiver.url, enabled_events: ['coupon.deleted'], connect: true });
    const coupon = await h.stripe().coupons.create({ id: 'GONE', percent_off: 10 }, on());

    const deleted = await h.stripe().coupons.del('GONE', {}, on());
    await h.control.waitForDeliveries();
    const missing = await rejection(h.stripe().coupons.retrieve('GONE', {}, on()));

    expect(deleted).toEqual({ id: 'GONE', object: 'coupon', deleted: true });
    expect(receiver.received.map(({ event }) => [event.type, event.data.object])).toEqual([['coupon.deleted', coupon]]);
    expect(missing).toMatchObject({ statusCode: 404, code: 'resource_missing', param: 'id', message: "No such coupon: 'GONE'" });
  });

  it('lists newest first with limit, starting_after and ending_before', async () => {
    for (const id of ['C1', 'C2', 'C3', 'C4', 'C5']) await h.stripe().coupons.create({ id, percent_off: 10 }, on());

    const first = await h.stripe().coupons.list({ limit: 2 }, on());
    const second = await h.stripe().coupons.list({ limit: 2, starting_after: 'C4' }, on());
    const last = await h.stripe().coupons.list({ limit: 2, starting_after: 'C2' }, on());
    const before = await h.stripe().coupons.list({ limit: 2, ending_before: 'C2' }, on());

    expect([first.data.map((c) => c.id), first.has_more, first.url]).toEqual([['C5', 'C4'], true, '/v1/coupons']);
    expect([second.data.map((c) => c.id), second.has_more]).toEqual([['C3', 'C2'], true]);
    expect([last.data.map((c) => c.id), last.has_more]).toEqual([['C1'], false]);
    expect([before.data.map((c) => c.id), before.has_more]).toEqual([['C4', 'C3'], true]);
  });
});
