import { commissionsOf, on, product, purchasesOf, sellingMerchant, testSecret } from '../support/purchases';
import { emulator, postEvent, processedRecord, stripeEvent } from '../support/stripe';

describe('ledger events at the webhook', () => {
  it.each([
    ['an invoice without its lines', 'invoice.paid', { object: 'invoice', id: 'in_broken', customer: 'cus_x', currency: 'usd', amount_paid: 100 }],
    ['a charge with a negative amount', 'charge.succeeded', { object: 'charge', id: 'ch_broken', amount: -5, currency: 'usd', created: 1 }],
    ['a refund with an unknown status', 'refund.created', { object: 'refund', id: 're_broken', amount: 5, currency: 'usd', created: 1, status: 'maybe', charge: 'ch_x' }],
    ['a subscription without items', 'customer.subscription.updated', { object: 'subscription', id: 'sub_broken', customer: 'cus_x', currency: 'usd', start_date: 1, items: { data: [] } }],
  ])('refuses %s with a 400 and stores nothing', async (_case, type, object) => {
    const merchant = await sellingMerchant();
    const sent = stripeEvent(type, merchant.accountId, object);
    const response = await postEvent(sent, { secret: await testSecret() });
    expect(response.status).toBe(400);
    expect(response.body.error.type).toBe('invalid_payload');
    expect(await processedRecord(sent.id)).toBeUndefined();
    expect(await purchasesOf(merchant)).toEqual([]);
  });

  it('keeps a refund of a payment it has not seen, says so, and changes no purchase', async () => {
    const merchant = await sellingMerchant();
    const sent = stripeEvent('refund.created', merchant.accountId, {
      object: 'refund',
      id: 're_early',
      amount: 500,
      currency: 'usd',
      created: Math.floor(Date.now() / 1000),
      status: 'succeeded',
      charge: 'ch_not_yet',
      payment_intent: 'pi_not_yet',
    });
    const response = await postEvent(sent, { secret: await testSecret() });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ status: 'processed', outcome: expect.stringMatching(/^parked: refund re_early .* waits for its payment pi_not_yet/) });
    expect(await processedRecord(sent.id)).toMatchObject({ outcome: response.body.outcome });
    expect(await purchasesOf(merchant)).toEqual([]);
  });

  it('applies one of ten concurrent deliveries of a purchase, and the ledger has it once', async () => {
    const merchant = await sellingMerchant();
    const { events } = await emulator().simulatePayment({ ...on(merchant), amount: 4_000, metadata: { tally_affiliate: merchant.affiliate.referralCode }, deliver: false });
    const succeeded = events.find((sent) => sent.type === 'charge.succeeded');
    const secret = await testSecret();
    const responses = await Promise.all(Array.from({ length: 10 }, () => postEvent(succeeded as object, { secret })));
    expect(responses.map((response) => response.status)).toEqual(Array(10).fill(200));
    expect(responses.filter((response) => response.body.status === 'processed')).toHaveLength(1);
    expect(await purchasesOf(merchant)).toHaveLength(1);
    expect((await commissionsOf(merchant)).map((commission) => commission.amount.amount)).toEqual([800]);
  });

  it('never records an invoice\'s payment as a second purchase', async () => {
    const merchant = await sellingMerchant();
    await emulator().simulateInvoice({ ...on(merchant), customer: { email: 'one@example.com' }, lineItems: [product('prod_one', 1_000)] });
    await emulator().waitForDeliveries(30_000);
    const purchases = await purchasesOf(merchant);
    expect(purchases).toHaveLength(1);
    expect(purchases[0].stripe).toMatchObject({ invoiceId: expect.stringMatching(/^in_/), chargeId: expect.stringMatching(/^ch_/), paymentIntentId: expect.stringMatching(/^pi_/) });
  });

  it('answers an event whose invoice no longer exists in Stripe with ignored, once and for good, and records no purchase', async () => {
    const merchant = await sellingMerchant();
    const { events } = await emulator().simulateInvoice({ ...on(merchant), deliver: false, customer: { email: 'gone@example.com' }, lineItems: [product('prod_gone', 1_000)] });
    // A plain shape, not Stripe.Event: spreading that union of every event type is slow to typecheck.
    const paid = events.find((event) => event.type === 'invoice.paid') as unknown as { id: string; data: { object: Record<string, unknown> } };
    const ghost = { ...paid, id: `${paid.id}_ghost`, data: { ...paid.data, object: { ...paid.data.object, id: 'in_0000000000000000ghost' } } } as unknown as (typeof events)[number];
    const secret = await testSecret();
    const response = await postEvent(ghost, { secret });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ status: 'ignored', outcome: expect.stringContaining('no longer exists in Stripe') });
    expect(await processedRecord(ghost.id)).toMatchObject({ outcome: expect.stringContaining('no longer exists in Stripe') });
    expect((await postEvent(ghost, { secret })).body.status).toBe('duplicate');
    expect(await purchasesOf(merchant)).toEqual([]);
  });
});
