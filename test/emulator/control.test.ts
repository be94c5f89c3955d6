import Stripe from 'stripe';
import { EmulatorControlError } from '../../bin/stripe-emulator/client';
import { emulatorCredentials, rejection, useHarnessAndReceiver, type Harness, type Receiver } from './support';

describe('Stripe emulator: control API, request log and simulations', () => {
  let h: Harness;
  let receiver: Receiver;
  let account: string;
  let secret: string;

  useHarnessAndReceiver((started) => ({ h, receiver } = started));
  beforeEach(async () => {
    account = await h.connect();
    secret = (await h.control.registerWebhookEndpoint({ url: receiver.url, connect: true })).secret;
  });

  const verified = () =>
    receiver.received.map((delivery) =>
      Stripe.webhooks.constructEvent(delivery.rawBody, delivery.headers['stripe-signature'] as string, secret),
    );

  describe('request log', () => {
    it('records every API request with its account, mode, status and idempotency key', async () => {
      await h.control.clearRequests();
      await h.stripe().coupons.create({ id: 'LOGGED', percent_off: 5 }, { stripeAccount: account, idempotencyKey: 'log-1' });
      await rejection(h.stripe('live').coupons.retrieve('NOPE'));

      expect(await h.control.requests()).toEqual([
        expect.objectContaining({ seq: expect.any(Number), method: 'POST', path: '/v1/coupons', account, mode: 'test', status: 200, idempotencyKey: 'log-1' }),
        expect.objectContaining({ method: 'GET', path: '/v1/coupons/NOPE', account: emulatorCredentials.platformAccountId, mode: 'live', status: 404, idempotencyKey: null }),
      ]);
    });

    it('filters by account, method, path, mode and status, and counts', async () => {
      await h.stripe().coupons.list({}, { stripeAccount: account });
      await h.stripe().coupons.list();
      await h.stripe().promotionCodes.list({}, { stripeAccount: account });

      expect(await h.control.requestCount({ account, method: 'GET' })).toBe(2);
      expect(await h.control.requestCount({ path: '/v1/coupons' })).toBe(2);
      expect(await h.control.requestCount({ pathPrefix: '/v1/promotion', mode: 'test', status: 200 })).toBe(1);
    });

    it('records refused keys and unknown URLs, but not control requests', async () => {
      await h.control.clearRequests();
      await rejection(new Stripe('sk_test_unknown', { host: h.emulator.host, port: h.emulator.port, protocol: 'http' }).coupons.list());
      await h.control.accounts();

      expect(await h.control.requests()).toEqual([expect.objectContaining({ status: 401, account: null, mode: null })]);
    });
  });

  it('answers a missing or unknown key with 401 as Stripe does', async () => {
    const unknown = await rejection(new Stripe('sk_test_nope1234', { host: h.emulator.host, port: h.emulator.port, protocol: 'http' }).coupons.list());
    const missing = await fetch(`${h.emulator.url}/v1/coupons`);

    expect(unknown).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect(unknown.message).toMatch(/^Invalid API Key provided: sk_test_\*+1234$/);
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { error: { message: string } }).error.message).toMatch(/^You did not provide an API key/);
  });

  it('simulates the merchant deauthorizing the platform in the dashboard', async () => {
    await h.control.deauthorize(account);
    await h.control.waitForDeliveries();

    expect(verified().map((event) => [event.type, event.account, event.request])).toEqual([
      ['account.application.deauthorized', account, { id: null, idempotency_key: null }],
    ]);
    expect(await h.control.accounts()).toEqual([expect.objectContaining({ id: account, status: 'deauthorized' })]);
  });

  it('simulates deactivating a promotion code: promotion_code.updated with previous_attributes.active', async () => {
    await h.stripe().coupons.create({ id: 'TEN', percent_off: 10 }, { stripeAccount: account });
    const promo = await h.stripe().promotionCodes.create({ promotion: { type: 'coupon', coupon: 'TEN' }, code: 'AFF' }, { stripeAccount: account });
    await h.control.waitForDeliveries();
    receiver.received.length = 0;

    const { promotionCode } = await h.control.deactivatePromotionCode(account, promo.id);
    await h.control.waitForDeliveries();

    expect(promotionCode.active).toBe(false);
    expect(verified().map((event) => [event.type, event.account, (event.data.object as Stripe.PromotionCode).active, event.data.previous_attributes])).toEqual([
      ['promotion_code.updated', account, false, { active: true }],
    ]);
  });

  it('simulates deleting a coupon: coupon.deleted, and its promotion codes stop being active', async () => {
    await h.stripe().coupons.create({ id: 'TEN', percent_off: 10 }, { stripeAccount: account });
    const promo = await h.stripe().promotionCodes.create({ promotion: { type: 'coupon', coupon: 'TEN' }, code: 'AFF' }, { stripeAccount: account });
    await h.control.waitForDeliveries();
    receiver.received.length = 0;

    await h.control.deleteCoupon(account, 'TEN');
    await h.control.waitForDeliveries();

    expect(verified().map((event) => [event.type, (event.data.object as Stripe.Coupon).id])).toEqual([['coupon.deleted', 'TEN']]);
    expect((await h.stripe().promotionCodes.retrieve(promo.id, {}, { stripeAccount: account })).active).toBe(false);
  });

  it('delivers a given event payload, signed, with the account and mode it is given', async () => {
    const { event } = await h.control.sendEvent(
      { account },
      { type: 'invoice.paid', data: { object: { id: 'in_123', object: 'invoice' } }, id: 'evt_given' },
    );
    await h.control.waitForDeliveries();

    expect(event).toMatchObject({ id: 'evt_given', account, livemode: false, type: 'invoice.paid' });
    expect(verified()).toEqual([event]);
  });

  it('delivers one event N times, also concurrently', async () => {
    const { event, deliveries } = await h.control.sendEvent(
      { account },
      { type: 'invoice.paid', data: { object: { id: 'in_dup', object: 'invoice' } } },
      { times: 5, concurrent: true },
    );
    await h.control.waitForDeliveries();
    await h.control.redeliver({ account }, event.id, { times: 2 });
    await h.control.waitForDeliveries();

    expect(deliveries).toHaveLength(5);
    expect(verified().map((delivered) => delivered.id)).toEqual(Array(7).fill(event.id));
  });

  it('delivers a list of events in the given order, or shuffled the same way for the same seed', async () => {
    const events = ['a', 'b', 'c', 'd', 'e', 'f'].map((id) => ({ type: 'charge.refunded', id: `evt_${id}`, data: { object: { id: `ch_${id}`, object: 'charge' } } }));

    await h.control.sendEvents({ account }, events);
    await h.control.waitForDeliveries();
    const given = verified().map((event) => event.id);
    receiver.received.length = 0;
    const { events: shuffled } = await h.control.sendEvents({ account }, events, { order: 'shuffled', seed: 7 });
    await h.control.waitForDeliveries();
    const delivered = verified().map((event) => event.id);
    const { events: again } = await h.control.sendEvents({ account }, events, { order: 'shuffled', seed: 7 });

    expect(given).toEqual(events.map((event) => event.id));
    expect(delivered).toEqual(shuffled.map((event) => event.id));
    expect(delivered).not.toEqual(given);
    expect(again.map((event) => event.id)).toEqual(delivered);
  });

  it('seeds objects directly, past rate limits and outside the request log, without events unless asked', async () => {
    await h.control.setRateLimits({ live: 1, test: 1 });
    await h.control.clearRequests();

    await h.control.seed(account, 'coupons', [{ id: 'S1', percent_off: 5 }, { id: 'S2', amount_off: 100, currency: 'usd' }]);
    await h.control.seed(account, 'coupons', [{ id: 'S3', percent_off: 5 }], { events: true });
    await h.control.waitForDeliveries();
    const refused = await rejection(h.control.seed(account, 'coupons', [{ percent_off: 500 }]));

    expect(await h.control.requestCount()).toBe(0);
    expect(verified().map((event) => [event.type, (event.data.object as Stripe.Coupon).id])).toEqual([['coupon.created', 'S3']]);
    expect(refused).toBeInstanceOf(EmulatorControlError);
    expect((refused as unknown as EmulatorControlError).status).toBe(400);
  });

  it('resets everything to the start-up state', async () => {
    await h.stripe().coupons.create({ id: 'BEFORE', percent_off: 5 });
    await h.control.setFaults([{ share500: 1 }]);

    await h.control.reset();

    expect(await h.control.accounts()).toEqual([]);
    expect((await h.control.config()).faults).toEqual([]);
    expect(await h.control.requestCount()).toBe(0);
    expect((await h.stripe().coupons.list()).data).toEqual([]);
  });

  it('refuses invalid control input with a 400', async () => {
    const error = await rejection(h.control.setFaults([{ share429: 0.8, share500: 0.5 }]));

    expect((error as unknown as EmulatorControlError).status).toBe(400);
  });
});
