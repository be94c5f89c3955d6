import { readFileSync } from 'node:fs';
import path from 'node:path';
import { handledEventTypes } from '../../lambdas/webhooks/registry';
import { api } from '../support/api';
import { createMerchant } from '../support/factories';
import { commissionsOf, deliver, handled, on, product, purchasesOf, sellingMerchant } from '../support/purchases';
import { spawnLocalStack } from '../support/spawn-stack';
import { connectedMerchant, emulator, postEvent, processedRecord, stripeEvent, webhookSecret } from '../support/stripe';

/**
 * The attack this guards against: whoever holds the test endpoint's signing secret (developers, CI,
 * `stripe listen`) signs an event that says `livemode: true`. Each mode's secret vouches for its own
 * mode only, so such an event is refused before anything is read or stored.
 */
describe('webhook signing secrets bound to modes', () => {
  const liveConnection = async (apiKey: string) => (await api('GET', '/v1/merchant', { key: apiKey })).body.stripe.live;

  it('refuses a live deauthorization signed with the test secret and keeps the live connection; the live secret ends it', async () => {
    const merchant = await createMerchant();
    const accountId = await connectedMerchant(merchant, 'live');
    const forged = stripeEvent('account.application.deauthorized', accountId, { id: 'ca_forged', object: 'application', name: 'Tally' }, { mode: 'live' });

    const refused = await postEvent(forged, { secret: await webhookSecret('test') });
    expect(refused.status).toBe(400);
    expect(refused.body.error.type).toBe('invalid_signature');
    expect(await processedRecord(forged.id)).toBeUndefined();
    expect(await liveConnection(merchant.apiKey)).toMatchObject({ accountId, status: 'connected' });

    const signedLive = await postEvent(forged, { secret: await webhookSecret('live') });
    expect(signedLive.status).toBe(200);
    expect(signedLive.body).toMatchObject({ status: 'processed', outcome: 'connection ended' });
    expect(await liveConnection(merchant.apiKey)).toMatchObject({ accountId, status: 'disconnected' });
  });

  it('refuses a made-up $999,999.99 live invoice.paid signed with the test secret, leaving the live ledger empty', async () => {
    const merchant = await sellingMerchant({ mode: 'live' });
    const forged = stripeEvent(
      'invoice.paid',
      merchant.accountId,
      { object: 'invoice', id: 'in_forged', customer: 'cus_forged', currency: 'usd', amount_paid: 99_999_999, status: 'paid', metadata: { tally_affiliate: merchant.affiliate.referralCode } },
      { mode: 'live' },
    );
    const response = await postEvent(forged, { secret: await webhookSecret('test') });
    expect(response.status).toBe(400);
    expect(response.body.error.type).toBe('invalid_signature');
    expect(await processedRecord(forged.id)).toBeUndefined();
    expect(await purchasesOf(merchant, 'live')).toEqual([]);
    expect(await commissionsOf(merchant)).toEqual([]);
  });

  it("refuses a real live sale's events signed with the test secret; signed with the live secret, they make its commission", async () => {
    const merchant = await sellingMerchant({ mode: 'live' });
    const { events } = await emulator().simulateInvoice({
      ...on(merchant),
      deliver: false,
      customer: { email: 'big.spender@example.com', metadata: { tally_affiliate: merchant.affiliate.referralCode } },
      lineItems: [product('prod_enterprise', 99_999_999)],
    });
    const sale = handled(events, handledEventTypes);
    expect(sale.map((event) => event.type)).toContain('invoice.paid');
    expect(sale.every((event) => event.livemode)).toBe(true);

    const testSecret = await webhookSecret('test');
    for (const event of sale) expect((await postEvent(event, { secret: testSecret })).body.error?.type).toBe('invalid_signature');
    expect(await purchasesOf(merchant, 'live')).toEqual([]);
    expect(await commissionsOf(merchant)).toEqual([]);

    const liveSecret = await webhookSecret('live');
    for (const event of sale) expect((await deliver(event, liveSecret)).status).toBe(200);
    expect((await purchasesOf(merchant, 'live')).map((purchase) => purchase.total)).toEqual([{ amount: 99_999_999, currency: 'usd' }]);
    expect(await commissionsOf(merchant)).toHaveLength(1);
  });

  it('refuses a test event signed with the live secret', async () => {
    const merchant = await createMerchant();
    const accountId = await connectedMerchant(merchant, 'test');
    const forged = stripeEvent('account.application.deauthorized', accountId, { id: 'ca_forged', object: 'application', name: 'Tally' });
    const response = await postEvent(forged, { secret: await webhookSecret('live') });
    expect(response.status).toBe(400);
    expect(response.body.error.type).toBe('invalid_signature');
    expect((await api('GET', '/v1/merchant', { key: merchant.apiKey })).body.stripe.test.status).toBe('connected');
  });

  it('does not start with only the retired STRIPE_WEBHOOK_SECRETS set, and says which variables replace it', async () => {
    const logName = 'local-stack-retired-webhook-secrets.log';
    await expect(spawnLocalStack({ logName, env: { STRIPE_WEBHOOK_SECRETS: 'whsec_from_an_old_shell' } })).rejects.toThrow(/exited with 1/);
    const log = readFileSync(path.resolve(__dirname, '../../reports', logName), 'utf8');
    expect(log).toMatch(/could not start: .*STRIPE_WEBHOOK_SECRETS_LIVE.*STRIPE_WEBHOOK_SECRETS_TEST/);
  });
});
