import { api } from '../support/api';
import { createMerchant } from '../support/factories';
import { connectedMerchant, emulator, postEvent, processedRecord, signPayload, stripeEvent, webhookSecret } from '../support/stripe';

const deauthorizedEvent = (account: string, overrides: Record<string, unknown> = {}) =>
  stripeEvent('account.application.deauthorized', account, { id: 'ca_TallyEmulatorTestClient000000000', object: 'application', name: 'Tally' }, overrides);

const connection = async (apiKey: string) => (await api('GET', '/v1/merchant', { key: apiKey })).body.stripe.test;

describe('webhook intake', () => {
  it('ends the connection when Stripe reports the app was deauthorized, and ignores a redelivery', async () => {
    const merchant = await createMerchant();
    const accountId = await connectedMerchant(merchant);
    await emulator().deauthorize(accountId);
    await emulator().waitForDeliveries();
    expect(await connection(merchant.apiKey)).toMatchObject({ accountId, status: 'disconnected' });

    const [delivery] = await emulator().deliveries({ account: accountId, type: 'account.application.deauthorized' });
    expect(delivery).toMatchObject({ delivered: true, lastStatus: 200 });
    const record = await processedRecord(delivery?.eventId as string);
    expect(record).toMatchObject({ merchantId: merchant.merchantId, mode: 'test', outcome: 'connection ended' });

    await emulator().redeliver({ mode: 'test', account: accountId }, delivery?.eventId as string);
    await emulator().waitForDeliveries();
    expect(await processedRecord(delivery?.eventId as string)).toEqual(record);
  });

  it('applies one of ten concurrent deliveries and answers the others as duplicates', async () => {
    const merchant = await createMerchant();
    const accountId = await connectedMerchant(merchant);
    const secret = await webhookSecret('test');
    const event = deauthorizedEvent(accountId);
    const responses = await Promise.all(Array.from({ length: 10 }, () => postEvent(event, { secret })));
    expect(responses.map((response) => response.status)).toEqual(Array(10).fill(200));
    const statuses = responses.map((response) => response.body.status).sort();
    expect(statuses.filter((status) => status === 'processed')).toHaveLength(1);
    expect(statuses.filter((status) => status === 'duplicate')).toHaveLength(9);
    expect(await connection(merchant.apiKey)).toMatchObject({ status: 'disconnected' });
  });

  it('acknowledges and ignores events of an ended connection', async () => {
    const merchant = await createMerchant();
    const accountId = await connectedMerchant(merchant);
    await api('POST', '/v1/connect/stripe/disconnect', { key: merchant.apiKey, query: { mode: 'test' } });
    await emulator().waitForDeliveries();
    const event = deauthorizedEvent(accountId);
    const response = await postEvent(event, { secret: await webhookSecret('test') });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ status: 'ignored', outcome: 'the connection has ended' });
    expect(await processedRecord(event.id)).toBeUndefined();
  });

  it('does not let a late deauthorization end a newer connection of the same account', async () => {
    const merchant = await createMerchant();
    const accountId = await connectedMerchant(merchant);
    const stale = deauthorizedEvent(accountId, { created: Math.floor(Date.now() / 1000) - 3600 });
    const response = await postEvent(stale, { secret: await webhookSecret('test') });
    expect(response.body).toMatchObject({ status: 'processed', outcome: expect.stringContaining('older than the current connection') });
    expect(await connection(merchant.apiKey)).toMatchObject({ status: 'connected' });
  });

  it('keeps test events away from a live connection of the same account id', async () => {
    const merchant = await createMerchant();
    const accountId = await connectedMerchant(merchant, 'live');
    const testEvent = deauthorizedEvent(accountId, { livemode: false });
    const response = await postEvent(testEvent, { secret: await webhookSecret('test') });
    expect(response.body).toMatchObject({ status: 'ignored', outcome: 'the account is not connected to Tally' });
    expect((await api('GET', '/v1/merchant', { key: merchant.apiKey })).body.stripe.live.status).toBe('connected');
  });

  it.each([
    ['an unknown account', { account: 'acct_unknown' }, 'the account is not connected to Tally'],
    ['an event type nobody handles', { type: 'customer.tax_id.created' }, 'no handler for this event type'],
    ["the platform's own event", { account: undefined }, 'not an event of a connected account'],
  ])('acknowledges %s without storing anything', async (_case, overrides, outcome) => {
    const event = deauthorizedEvent('acct_x', overrides);
    const response = await postEvent(event, { secret: await webhookSecret('test') });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ status: 'ignored', outcome });
    expect(await processedRecord(event.id)).toBeUndefined();
  });

  it('accepts the live endpoint secret too (several secrets are valid at once)', async () => {
    const response = await postEvent(deauthorizedEvent('acct_x', { livemode: true }), { secret: await webhookSecret('live') });
    expect(response.status).toBe(200);
  });

  it.each([
    ['no signature', () => ({ headers: {} })],
    ['a signature with the wrong secret', (payload: string) => ({ headers: { 'stripe-signature': signPayload(payload, 'whsec_wrong') } })],
    ['a signature older than five minutes', async (payload: string) => ({
      headers: { 'stripe-signature': signPayload(payload, await webhookSecret('test'), Math.floor(Date.now() / 1000) - 301) },
    })],
  ])('refuses %s with 400 and applies nothing', async (_case, sign) => {
    const merchant = await createMerchant();
    const accountId = await connectedMerchant(merchant);
    const payload = JSON.stringify(deauthorizedEvent(accountId));
    const { headers } = await sign(payload);
    const response = await api('POST', '/webhooks/stripe', { rawBody: payload, headers: { 'content-type': 'application/json', ...headers } });
    expect(response.status).toBe(400);
    expect(response.body.error.type).toBe('invalid_signature');
    expect(await connection(merchant.apiKey)).toMatchObject({ status: 'connected' });
  });

  it('refuses a signed body that is not an event', async () => {
    const secret = await webhookSecret('test');
    const response = await api('POST', '/webhooks/stripe', { rawBody: 'not json', headers: { 'stripe-signature': signPayload('not json', secret) } });
    expect(response.status).toBe(400);
    expect(response.body.error.type).toBe('invalid_payload');
  });

  it('refuses a body over 1 MB with 413', async () => {
    const payload = JSON.stringify(deauthorizedEvent('acct_x', { padding: 'x'.repeat(1024 * 1024) }));
    const response = await api('POST', '/webhooks/stripe', { rawBody: payload, headers: { 'stripe-signature': signPayload(payload, await webhookSecret('test')) } });
    expect(response.status).toBe(413);
  });
});
