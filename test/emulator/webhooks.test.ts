import Stripe from 'stripe';
import { EMULATOR_API_VERSION } from '../../bin/stripe-emulator/defaults';
import { rejection, startHarness, startReceiver, useHarnessAndReceiver, type Harness, type Receiver } from './support';

describe('Stripe emulator: webhook endpoints and signed delivery', () => {
  let h: Harness;
  let receiver: Receiver;

  useHarnessAndReceiver((started) => ({ h, receiver } = started));
  beforeEach(async () => {
    await h.control.setDeliveryPolicy({ initialDelayMs: 20, backoffFactor: 2, maxAttempts: 4 });
  });

  it('returns the signing secret once, at creation, and records the api_version', async () => {
    const created = await h.stripe().webhookEndpoints.create({
      url: receiver.url,
      enabled_events: ['coupon.created'],
      connect: true,
      api_version: EMULATOR_API_VERSION,
    });
    const retrieved = await h.stripe().webhookEndpoints.retrieve(created.id);

    expect(created.secret).toMatch(/^whsec_\w{32}$/);
    expect(created).toMatchObject({ object: 'webhook_endpoint', api_version: EMULATOR_API_VERSION, status: 'enabled', livemode: false });
    expect(retrieved.secret).toBeUndefined();
    expect((await h.stripe().webhookEndpoints.list()).data.map((endpoint) => endpoint.id)).toEqual([created.id]);
  });

  it('updates and deletes endpoints', async () => {
    const created = await h.stripe().webhookEndpoints.create({ url: receiver.url, enabled_events: ['*'] });

    const updated = await h.stripe().webhookEndpoints.update(created.id, { disabled: true, enabled_events: ['coupon.deleted'] });
    const deleted = await h.stripe().webhookEndpoints.del(created.id);
    const gone = await rejection(h.stripe().webhookEndpoints.retrieve(created.id));

    expect(updated).toMatchObject({ status: 'disabled', enabled_events: ['coupon.deleted'] });
    expect(deleted).toEqual({ id: created.id, object: 'webhook_endpoint', deleted: true });
    expect(gone.statusCode).toBe(404);
    expect(gone.code).toBe('resource_missing');
  });

  it('signs deliveries so that stripe.webhooks.constructEvent accepts them with the endpoint secret only', async () => {
    const endpoint = await h.stripe().webhookEndpoints.create({ url: receiver.url, enabled_events: ['*'] });
    await h.stripe().coupons.create({ percent_off: 5 });
    await h.control.waitForDeliveries();

    const [delivery] = receiver.received;
    const signature = delivery?.headers['stripe-signature'] as string;
    const event = Stripe.webhooks.constructEvent(delivery?.rawBody as string, signature, endpoint.secret as string, 300);

    expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(event.type).toBe('coupon.created');
    expect(() => Stripe.webhooks.constructEvent(delivery?.rawBody as string, signature, 'whsec_other', 300)).toThrow(
      Stripe.errors.StripeSignatureVerificationError,
    );
  });

  it('delivers events shaped like Stripe events, with the request that caused them', async () => {
    await h.stripe().webhookEndpoints.create({ url: receiver.url, enabled_events: ['*'] });
    const coupon = await h.stripe().coupons.create({ percent_off: 5 }, { idempotencyKey: 'create-coupon-1' });
    await h.control.waitForDeliveries();

    const event = receiver.received[0]?.event as Stripe.CouponCreatedEvent;
    expect(event).toEqual({
      id: expect.stringMatching(/^evt_\w{24}$/),
      object: 'event',
      api_version: EMULATOR_API_VERSION,
      created: expect.any(Number),
      data: { object: coupon },
      livemode: false,
      pending_webhooks: 1,
      request: { id: coupon.lastResponse.requestId, idempotency_key: 'create-coupon-1' },
      type: 'coupon.created',
    });
    expect(event.account).toBeUndefined();
  });

  it('sends connected accounts’ events to connect endpoints (with `account`) and the platform’s own to the others', async () => {
    const connectReceiver = await startReceiver();
    try {
      await h.stripe().webhookEndpoints.create({ url: receiver.url, enabled_events: ['*'] });
      await h.stripe().webhookEndpoints.create({ url: connectReceiver.url, enabled_events: ['coupon.created'], connect: true });
      const accountId = await h.connect();

      await h.stripe().coupons.create({ id: 'PLATFORM', percent_off: 5 });
      await h.stripe().coupons.create({ id: 'MERCHANT', percent_off: 5 }, { stripeAccount: accountId });
      await h.control.waitForDeliveries();

      expect(receiver.received.map(({ event }) => [event.type, event.account, (event.data.object as { id: string }).id])).toEqual([
        ['coupon.created', undefined, 'PLATFORM'],
      ]);
      expect(connectReceiver.received.map(({ event }) => [event.type, event.account, (event.data.object as { id: string }).id])).toEqual([
        ['coupon.created', accountId, 'MERCHANT'],
      ]);
    } finally {
      await connectReceiver.stop();
    }
  });

  it('sends only the enabled event types', async () => {
    await h.stripe().webhookEndpoints.create({ url: receiver.url, enabled_events: ['coupon.deleted'] });

    await h.stripe().coupons.create({ id: 'C1', percent_off: 5 });
    await h.stripe().coupons.del('C1');
    await h.control.waitForDeliveries();

    expect(receiver.received.map(({ event }) => event.type)).toEqual(['coupon.deleted']);
  });

  it('retries a delivery the receiver answered with a 500, and logs the attempts', async () => {
    await h.stripe().webhookEndpoints.create({ url: receiver.url, enabled_events: ['*'] });
    receiver.respond = (n) => (n === 0 ? 500 : 200);

    await h.stripe().coupons.create({ percent_off: 5 });
    await h.control.waitForDeliveries();

    const [delivery] = await h.control.deliveries();
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[0]?.event.id).toBe(receiver.received[1]?.event.id);
    expect(delivery).toMatchObject({ type: 'coupon.created', attempts: 2, lastStatus: 200, delivered: true, pending: false });
    expect(delivery?.history.map((attempt) => attempt.status)).toEqual([500, 200]);
  });

  it('retries connection errors and gives up after maxAttempts', async () => {
    await h.control.registerWebhookEndpoint({ url: 'http://127.0.0.1:9/unreachable', enabledEvents: ['*'] });

    await h.stripe().coupons.create({ percent_off: 5 });
    await h.control.waitForDeliveries();

    const [delivery] = await h.control.deliveries();
    expect(delivery).toMatchObject({ attempts: 4, lastStatus: null, delivered: false, pending: false });
    expect(delivery?.lastError).toEqual(expect.any(String));
  });

  it('delivers to each endpoint in creation order, holding later events while one is retried', async () => {
    await h.stripe().webhookEndpoints.create({ url: receiver.url, enabled_events: ['*'] });
    receiver.respond = (n) => (n < 2 ? 503 : 200);

    for (const id of ['A', 'B', 'C']) await h.stripe().coupons.create({ id, percent_off: 5 });
    await h.control.waitForDeliveries();

    const ids = receiver.received.map(({ event }) => (event.data.object as { id: string }).id);
    expect(ids).toEqual(['A', 'A', 'A', 'B', 'C']);
  });

  it('keeps the platform’s endpoints, secrets included, through a reset that asks for it', async () => {
    const endpoint = await h.stripe().webhookEndpoints.create({ url: receiver.url, enabled_events: ['*'] });

    await h.control.reset({ keepWebhookEndpoints: true });
    await h.stripe().coupons.create({ percent_off: 5 });
    await h.control.waitForDeliveries();

    const delivery = receiver.received[0];
    expect((await h.stripe().webhookEndpoints.list()).data.map((kept) => kept.id)).toEqual([endpoint.id]);
    expect(
      Stripe.webhooks.constructEvent(delivery?.rawBody as string, delivery?.headers['stripe-signature'] as string, endpoint.secret as string).type,
    ).toBe('coupon.created');
  });

  it('registers start-up endpoints with the well-known secret, and brings them back after a reset', async () => {
    const local = await startHarness({ rateLimits: null, webhookEndpoints: [{ url: receiver.url, mode: 'live' }] });
    try {
      await local.control.reset();
      const [endpoint] = await local.control.webhookEndpoints({ mode: 'live' });
      await local.stripe('live').coupons.create({ percent_off: 5 });
      await local.control.waitForDeliveries();

      const delivery = receiver.received[0];
      expect(endpoint).toMatchObject({ url: receiver.url, connect: false, secret: local.emulator.state.credentials.webhookSecrets.live });
      expect(
        Stripe.webhooks.constructEvent(delivery?.rawBody as string, delivery?.headers['stripe-signature'] as string, endpoint?.secret as string).livemode,
      ).toBe(true);
    } finally {
      await local.stop();
    }
  });
});
