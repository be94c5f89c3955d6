import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type Stripe from 'stripe';
import { localEventBridgeDestination, localStripeEventSources } from '../../bin/local/eventbridge';
import { handledEventTypes } from '../../lambdas/webhooks/registry';
import {
  commissionsOf,
  deliver,
  delivered,
  handled,
  on,
  product,
  purchasesOf,
  type SellingMerchant,
  sellingMerchant,
  testSecret,
} from '../support/purchases';
import { stack } from '../support/stack';
import { emulator, processedRecord } from '../support/stripe';

/**
 * Stripe's events through Amazon EventBridge, locally: each is put on the mode's partner bus
 * (`/_local/events/stripe`) as AWS hands it to the rule's target — by hand, or by the emulator
 * itself — and reaches the consumer through the SQS server. The ledger must be the webhook's,
 * whichever path an event takes, and once only.
 */

jest.setTimeout(120_000);

type Mode = 'live' | 'test';

const busEvent = (event: Stripe.Event, mode: Mode) => ({
  version: '0',
  id: randomUUID(),
  'detail-type': event.type,
  source: localStripeEventSources[mode],
  account: '000000000000',
  time: new Date(event.created * 1000).toISOString(),
  region: 'us-east-1',
  resources: [],
  detail: event,
});

const putOnBus = async (event: Stripe.Event, mode: Mode) => {
  const response = await fetch(`${stack().apiUrl}/_local/events/stripe?mode=${mode}`, { method: 'POST', body: JSON.stringify(busEvent(event, mode)) });
  expect(response.status).toBe(202);
};

/** A purchase through Checkout, refunded in part, then disputed: made in the emulator, delivered by no one unless `deliver`. */
const purchaseRefundDispute = async (merchant: SellingMerchant, deliver = false): Promise<Stripe.Event[]> => {
  const scope = { ...on(merchant), deliver };
  const sale = await emulator().simulateCheckout({
    ...scope,
    kind: 'payment',
    customer: { email: `${randomUUID()}@example.com` },
    clientReferenceId: merchant.affiliate.referralCode,
    lineItems: [product('prod_eventbridge', 10_000)],
  });
  const refund = await emulator().simulateRefund({ ...scope, charge: sale.charge?.id as string, amount: 2_500 });
  const dispute = await emulator().simulateDispute({ ...scope, charge: sale.charge?.id as string });
  return handled([...sale.events, ...refund.events, ...dispute.events], handledEventTypes);
};

/** The ledger without what differs between merchants only by name: IDs, Stripe references and times. */
const strip = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(strip);
  if (typeof value === 'string') return value.replace(/\b[a-z]{2,4}_[A-Za-z0-9]{8,}\b/g, '<stripe id>');
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => !['id', 'at', 'stripe'].includes(key) && !/(Id|At)$/.test(key))
      .map(([key, inner]) => [key, strip(inner)]),
  );
};
const ledger = async (merchant: SellingMerchant) => strip({ purchases: await purchasesOf(merchant), commissions: await commissionsOf(merchant) });

const sqs = new SQSClient({ endpoint: stack().sqsEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
const queueCounts = async () => {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: stack().queues.stripeEvents?.url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return { waiting: Number(Attributes.ApproximateNumberOfMessages), inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible) };
};
/** Waits until the consumer has taken every message and `settled` holds. */
const until = async (settled: (counts: { waiting: number; inFlight: number }) => boolean) => {
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(100)) if (settled(await queueCounts())) return;
  throw new Error('The Stripe events queue did not settle within 60 s');
};

const merchantOptions = { plan: { name: 'EventBridge plan', rate: { percentBps: 2_000 } } };

describe('Stripe events through EventBridge', () => {
  let byWebhook: SellingMerchant;
  let webhookEvents: Stripe.Event[];
  let webhookLedger: unknown;

  beforeAll(async () => {
    byWebhook = await sellingMerchant(merchantOptions);
    webhookEvents = await purchaseRefundDispute(byWebhook);
    const secret = await testSecret();
    for (const event of webhookEvents) expect((await deliver(event, secret)).status).toBe(200);
    webhookLedger = await ledger(byWebhook);
  });

  it('record the purchase, refund and dispute as the webhook does', async () => {
    const byBus = await sellingMerchant(merchantOptions);
    for (const event of await purchaseRefundDispute(byBus)) await putOnBus(event, 'test');
    await until(({ waiting, inFlight }) => waiting === 0 && inFlight === 0);
    expect(await ledger(byBus)).toEqual(webhookLedger);
    expect((webhookLedger as { purchases: unknown[] }).purchases).toHaveLength(1);
  });

  it('are applied once when they come both ways', async () => {
    for (const event of webhookEvents) await putOnBus(event, 'test');
    await until(({ waiting, inFlight }) => waiting === 0 && inFlight === 0);
    expect(await ledger(byWebhook)).toEqual(webhookLedger);
  });

  it('change nothing when their livemode is not the bus’s mode, and stay for the dead-letter queue', async () => {
    const merchant = await sellingMerchant(merchantOptions);
    const events = await purchaseRefundDispute(merchant);
    const before = await queueCounts();
    for (const event of events) await putOnBus(event, 'live');
    await until(({ waiting, inFlight }) => waiting === 0 && inFlight >= before.inFlight + events.length);
    await sleep(500);
    expect(await purchasesOf(merchant)).toEqual([]);
    expect(await commissionsOf(merchant)).toEqual([]);
  });
});

describe('Stripe events delivered by the emulator through EventBridge', () => {
  let webhookLedger: unknown;
  let byBus: SellingMerchant;

  beforeAll(async () => {
    const byWebhook = await sellingMerchant(merchantOptions);
    await purchaseRefundDispute(byWebhook, true);
    await delivered();
    webhookLedger = await ledger(byWebhook);
    byBus = await sellingMerchant(merchantOptions);
    // Only this merchant's account: the other test files share the emulator and expect their webhooks.
    await emulator().setEventDestination('test', { ...localEventBridgeDestination(stack().apiUrl, 'test'), accounts: [byBus.accountId] });
  });
  afterAll(async () => {
    await emulator().setEventDestination('test', { type: 'webhook' });
  });

  it('record the purchase, refund and dispute as the emulator’s webhooks do', async () => {
    const events = await purchaseRefundDispute(byBus, true);
    await delivered();
    // The queue may still hold the refused events above, on their way to the dead-letter queue.
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(100)) {
      if ((await Promise.all(events.map((event) => processedRecord(event.id)))).every(Boolean)) break;
    }

    const deliveries = (await emulator().deliveries({ account: byBus.accountId })).filter((record) => events.some((event) => event.id === record.eventId));
    expect(deliveries.map((record) => [record.eventId, record.destination, record.lastStatus])).toEqual(
      events.map((event) => [event.id, 'eventbridge', 202]),
    );
    expect(await ledger(byBus)).toEqual(webhookLedger);
    expect(webhookLedger).toMatchObject({ purchases: [expect.anything()], commissions: [expect.anything()] });
  });
});
