import type { Mode } from '../../bin/stripe-emulator/defaults';
import { startHarness, startReceiver, useHarnessAndReceiver, type Harness, type Receiver } from './support';

/** What EventBridge hands a rule's target; `detail` is the Stripe event. */
interface BusEvent {
  version: string;
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: { id: string; type: string; created: number; account?: string; livemode: boolean };
}

const SOURCES: Record<Mode, string> = { test: 'aws.partner/stripe.com/ed_test_unit', live: 'aws.partner/stripe.com/ed_unit_live' };

const busEvents = (receiver: Receiver): BusEvent[] => receiver.received.map((delivery) => JSON.parse(delivery.rawBody) as BusEvent);

describe('Stripe emulator: delivery by Amazon EventBridge', () => {
  let h: Harness;
  let webhooks: Receiver;
  let bus: Receiver;

  useHarnessAndReceiver((started) => ({ h, receiver: webhooks } = started));
  beforeAll(async () => {
    bus = await startReceiver();
  });
  afterAll(() => bus.stop());
  beforeEach(async () => {
    bus.received.length = 0;
    bus.respond = () => 202;
    await h.control.setDeliveryPolicy({ initialDelayMs: 20, backoffFactor: 2, maxAttempts: 4 });
  });

  /** A connected account in `mode` with a Connect webhook endpoint listening, and the mode's events sent to the bus. */
  const connectedByBus = async (mode: Mode = 'test', destination: { accounts?: string[] } = {}) => {
    const account = await h.connect(mode);
    await h.control.registerWebhookEndpoint({ url: webhooks.url, connect: true, mode });
    await h.control.registerWebhookEndpoint({ url: webhooks.url, mode });
    await h.control.setEventDestination(mode, { type: 'eventbridge', url: bus.url, source: SOURCES[mode], ...destination });
    return account;
  };

  const checkout = (account: string) =>
    h.control.simulateCheckout({ account, kind: 'payment', customer: { email: 'bus@example.com' }, lineItems: [{ unitAmount: 4_200 }] });

  it('posts each of a connected account’s events, unsigned and in order, as EventBridge hands it to the rule’s target, instead of to the webhooks', async () => {
    const account = await connectedByBus();
    const { events } = await checkout(account);
    await h.control.waitForDeliveries();

    const received = busEvents(bus);
    expect(received.map((event) => event.detail.id)).toEqual(events.map((event) => event.id));
    const [first] = received;
    const stored = await h.stripe().events.retrieve(events[0]?.id as string, {}, { stripeAccount: account });
    // As sent: `pending_webhooks` counts the destination until it answers 2xx.
    expect(first).toEqual({
      version: '0',
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
      'detail-type': events[0]?.type,
      source: SOURCES.test,
      account: '000000000000',
      time: new Date((events[0]?.created as number) * 1000).toISOString(),
      region: 'us-east-1',
      resources: [],
      detail: { ...(events[0] as unknown as Record<string, unknown>), pending_webhooks: 1 },
    });
    expect(received.every((event) => event['detail-type'] === event.detail.type && event.detail.account === account)).toBe(true);
    expect(new Set(received.map((event) => event.id)).size).toBe(received.length);
    expect(bus.received.every((delivery) => delivery.headers['stripe-signature'] === undefined)).toBe(true);
    expect(webhooks.received).toEqual([]);
    expect(stored.pending_webhooks).toBe(0);
  });

  it('records the deliveries as the webhook’s are, under the destination’s ed_ id', async () => {
    const account = await connectedByBus();
    const { events } = await checkout(account);
    await h.control.waitForDeliveries();

    const records = await h.control.deliveries({ destination: 'eventbridge' });

    expect(records.map((record) => record.eventId)).toEqual(events.map((event) => event.id));
    expect(records.every((record) => record.endpointId === 'ed_test_unit' && record.url === bus.url && record.delivered && record.lastStatus === 202)).toBe(true);
    expect(await h.control.deliveries({ destination: 'webhook' })).toEqual([]);
  });

  it('sends the platform’s own events of the mode too, and leaves the other mode on its webhooks', async () => {
    await connectedByBus('test');
    const live = await h.connect('live');
    await h.control.registerWebhookEndpoint({ url: webhooks.url, connect: true, mode: 'live' });

    const platform = await h.control.sendEvent({ mode: 'test' }, { type: 'coupon.created', data: { object: { id: 'co_platform', object: 'coupon' } } });
    const { events: liveEvents } = await checkout(live);
    await h.control.waitForDeliveries();

    expect(busEvents(bus).map((event) => [event.detail.id, event.detail.account])).toEqual([[platform.event.id, undefined]]);
    expect(webhooks.received.map((delivery) => delivery.event.id)).toEqual(liveEvents.map((event) => event.id));
  });

  it('retries a failed put with backoff, the same EventBridge event each time, before the next event', async () => {
    const account = await connectedByBus();
    bus.respond = (n) => (n < 2 ? 500 : 202);
    const { events } = await checkout(account);
    await h.control.waitForDeliveries();

    const received = busEvents(bus);
    const [first] = await h.control.deliveries({ eventId: events[0]?.id as string });

    expect(received.map((event) => event.detail.id)).toEqual([events[0]?.id, events[0]?.id, ...events.map((event) => event.id)]);
    expect(new Set(received.slice(0, 3).map((event) => event.id)).size).toBe(1);
    expect(first).toMatchObject({ destination: 'eventbridge', attempts: 3, delivered: true, pending: false });
    expect(first?.history.map((attempt) => attempt.status)).toEqual([500, 500, 202]);
  });

  it('gives up after the policy’s attempts, and `waitForDeliveries` waits for that', async () => {
    const account = await connectedByBus();
    bus.respond = () => 503;
    const { events } = await checkout(account);
    await h.control.waitForDeliveries();

    const records = await h.control.deliveries({ destination: 'eventbridge' });

    expect(records).toHaveLength(events.length);
    expect(records.every((record) => record.attempts === 4 && !record.delivered && !record.pending)).toBe(true);
    expect((await h.stripe().events.retrieve(events[0]?.id as string, {}, { stripeAccount: account })).pending_webhooks).toBe(1);
  });

  it('drops what `/_emulator/deliveries/drops` drops, until redelivered', async () => {
    const account = await connectedByBus();
    await h.control.dropDeliveries({ events: 2, account });
    const { events } = await checkout(account);
    await h.control.waitForDeliveries();

    const lost = events.slice(0, 2).map((event) => event.id);
    expect(busEvents(bus).map((event) => event.detail.id)).toEqual(events.slice(2).map((event) => event.id));
    expect((await h.control.droppedDeliveries()).dropped.map((entry) => entry.eventId)).toEqual(lost);
    const undelivered = await h.stripe().events.list({ delivery_success: false }, { stripeAccount: account });
    expect(undelivered.data.map((event) => event.id)).toEqual([...lost].reverse());

    await h.control.redeliver({ account }, lost[0] as string, { times: 2 });
    await h.control.waitForDeliveries();
    const copies = busEvents(bus).filter((event) => event.detail.id === lost[0]);
    expect(copies).toHaveLength(2);
    expect(copies[0]?.id).not.toBe(copies[1]?.id);
  });

  it('sends only the listed accounts’ events by EventBridge when the destination names some', async () => {
    const other = await h.connect('test');
    const account = await connectedByBus('test', { accounts: [other] });
    const onBus = await checkout(other);
    const byWebhook = await checkout(account);
    await h.control.waitForDeliveries();

    expect(busEvents(bus).map((event) => event.detail.id)).toEqual(onBus.events.map((event) => event.id));
    expect(webhooks.received.map((delivery) => delivery.event.id)).toEqual(byWebhook.events.map((event) => event.id));
  });

  it('goes back to the webhooks when the destination is set to webhook', async () => {
    const account = await connectedByBus();
    const before = await checkout(account);
    await h.control.waitForDeliveries();
    const switched = await h.control.setEventDestination('test', { type: 'webhook' });
    const after = await checkout(account);
    await h.control.waitForDeliveries();

    expect(switched).toEqual({ type: 'webhook' });
    expect(await h.control.eventDestination('test')).toEqual({ type: 'webhook' });
    expect(busEvents(bus).map((event) => event.detail.id)).toEqual(before.events.map((event) => event.id));
    expect(webhooks.received.map((delivery) => delivery.event.id)).toEqual(after.events.map((event) => event.id));
  });

  it('reads and refuses destinations over the control API', async () => {
    const initial = await h.control.eventDestination('live');
    const set = await h.control.setEventDestination('live', { type: 'eventbridge', url: bus.url, source: SOURCES.live, region: 'eu-west-1' });
    const refusals = await Promise.all(
      [
        { type: 'eventbridge', url: bus.url, source: 'aws.partner/example.com/ed_1' },
        { type: 'eventbridge', source: SOURCES.test },
        { type: 'eventbridge', url: bus.url, source: SOURCES.test, accounts: [] },
        { type: 'sqs', url: bus.url },
      ].map((body) => fetch(`${h.emulator.url}/_emulator/event-destinations/test`, { method: 'PUT', body: JSON.stringify(body) }).then((res) => res.status)),
    );
    const unknownMode = await fetch(`${h.emulator.url}/_emulator/event-destinations/staging`);
    const both = (await (await fetch(`${h.emulator.url}/_emulator/event-destinations`)).json()) as Record<Mode, unknown>;

    expect(initial).toEqual({ type: 'webhook' });
    expect(set).toEqual({ type: 'eventbridge', url: bus.url, source: SOURCES.live, awsAccountId: '000000000000', region: 'eu-west-1' });
    expect(refusals).toEqual([400, 400, 400, 400]);
    expect(unknownMode.status).toBe(400);
    expect(both).toEqual({ test: { type: 'webhook' }, live: set });
  });

  it('keeps a destination through a reset that keeps the webhook endpoints, and forgets it through a full one', async () => {
    await h.control.setEventDestination('test', { type: 'eventbridge', url: bus.url, source: SOURCES.test });
    await h.control.reset({ keepWebhookEndpoints: true });
    const kept = await h.control.eventDestination('test');
    await h.control.reset();

    expect(kept).toMatchObject({ type: 'eventbridge', source: SOURCES.test });
    expect(await h.control.eventDestination('test')).toEqual({ type: 'webhook' });
  });
});

describe('Stripe emulator: an EventBridge destination given at start-up', () => {
  let h: Harness;
  let bus: Receiver;

  beforeAll(async () => {
    bus = await startReceiver();
    h = await startHarness({ rateLimits: null, eventDestinations: { live: { type: 'eventbridge', url: bus.url, source: SOURCES.live } } });
  });
  afterAll(async () => {
    await h.stop();
    await bus.stop();
  });

  it('sends the mode’s events there from the start, and again after a reset', async () => {
    const first = await h.control.sendEvent({ mode: 'live' }, { type: 'coupon.created', data: { object: { id: 'co_1' } } });
    await h.control.setEventDestination('live', { type: 'webhook' });
    await h.control.reset();
    const second = await h.control.sendEvent({ mode: 'live' }, { type: 'coupon.created', data: { object: { id: 'co_2' } } });
    const test = await h.control.sendEvent({ mode: 'test' }, { type: 'coupon.created', data: { object: { id: 'co_3' } } });
    await h.control.waitForDeliveries();

    const received = busEvents(bus);
    expect(received.map((event) => [event.source, event.detail.id, event.detail.livemode])).toEqual([
      [SOURCES.live, first.event.id, true],
      [SOURCES.live, second.event.id, true],
    ]);
    expect(test.deliveries).toEqual([]);
    expect(received.map((event) => event['detail-type'])).toEqual(['coupon.created', 'coupon.created']);
  });
});
