import { api } from '../support/api';
import { delivered, on, product, type SellingMerchant, sellingMerchant } from '../support/purchases';
import { emulator } from '../support/stripe';

/** A request as Tally's Stripe App sends it: the signed user and account, then the view's fields. */
const signed = async (path: string, accountId: string, fields: Record<string, unknown>) => {
  const { payload, signature } = await emulator().signAppRequest({ user_id: 'usr_dashboard', account_id: accountId });
  return api('POST', path, { body: { ...JSON.parse(payload), ...fields }, headers: { 'stripe-signature': signature } });
};
const customerView = (accountId: string, fields: Record<string, unknown>) => signed('/stripe-app/customer', accountId, fields);
const purchaseView = (accountId: string, fields: Record<string, unknown>) => signed('/stripe-app/purchase', accountId, fields);

describe('the Stripe App customer, invoice and payment views', () => {
  let merchant: SellingMerchant;
  let invoiced: { customerId: string; invoiceId: string; paymentIntentId: string; chargeId: string };
  let unreferred: { paymentIntentId: string; customerId: string | null };
  let other: SellingMerchant;
  let othersInvoice: { customerId: string; invoiceId: string };

  beforeAll(async () => {
    [merchant, other] = await Promise.all([sellingMerchant(), sellingMerchant()]);
    const sale = await emulator().simulateInvoice({
      ...on(merchant),
      customer: { email: 'referred@example.com', metadata: { tally_affiliate: merchant.affiliate.referralCode } },
      lineItems: [product('prod_consulting', 10_000)],
    });
    const bare = await emulator().simulateCheckout({ ...on(merchant), kind: 'payment', lineItems: [product('prod_mug', 1_500)] });
    const othersSale = await emulator().simulateInvoice({
      ...on(other),
      customer: { email: 'theirs@example.com', metadata: { tally_affiliate: other.affiliate.referralCode } },
      lineItems: [product('prod_consulting', 5_000)],
    });
    await delivered();
    await emulator().simulateRefund({ ...on(merchant), charge: sale.charge?.id as string, amount: 2_500 });
    await delivered();
    invoiced = { customerId: sale.customer.id, invoiceId: sale.invoice.id, paymentIntentId: sale.paymentIntent?.id as string, chargeId: sale.charge?.id as string };
    unreferred = { paymentIntentId: bare.paymentIntent?.id as string, customerId: bare.customer?.id ?? null };
    othersInvoice = { customerId: othersSale.customer.id, invoiceId: othersSale.invoice.id };
  });

  describe('POST /stripe-app/customer', () => {
    it('says who referred the customer, how and since when, with its purchases and their commissions', async () => {
      const response = await customerView(merchant.accountId, { customer_id: invoiced.customerId, mode: 'test' });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({
        mode: 'test',
        merchant: { id: merchant.merchantId },
        customerId: invoiced.customerId,
        referral: { affiliate: { id: merchant.affiliate.id, referralCode: merchant.affiliate.referralCode, status: 'active' }, source: 'metadata' },
        morePurchases: false,
      });
      expect(Date.parse(response.body.referral.since)).not.toBeNaN();
      expect(response.body.purchases).toEqual([
        expect.objectContaining({
          stripe: expect.objectContaining({ invoiceId: invoiced.invoiceId, customerId: invoiced.customerId }),
          total: { amount: 10_000, currency: 'usd' },
          refunded: { amount: 2_500, currency: 'usd' },
          affiliateId: merchant.affiliate.id,
          noCommissionReason: null,
          commission: expect.objectContaining({ status: 'approved', amount: { amount: 1_500, currency: 'usd' } }),
        }),
      ]);
    });

    it('finds the mode the account is connected in when the app does not say', async () => {
      const response = await customerView(merchant.accountId, { customer_id: invoiced.customerId });
      expect(response.status).toBe(200);
      expect(response.body.mode).toBe('test');
    });

    it('answers 404 in a mode the account is not connected in', async () => {
      expect((await customerView(merchant.accountId, { customer_id: invoiced.customerId, mode: 'live' })).status).toBe(404);
    });

    it('answers 404 for a customer Tally knows nothing of', async () => {
      const response = await customerView(merchant.accountId, { customer_id: 'cus_NeverSeenByTally' });
      expect(response.status).toBe(404);
      expect(response.body.error.type).toBe('not_found');
    });

    it("answers 404 for another merchant's customer, which its own account still sees", async () => {
      expect((await customerView(merchant.accountId, { customer_id: othersInvoice.customerId })).status).toBe(404);
      expect((await customerView(other.accountId, { customer_id: othersInvoice.customerId })).body.referral.affiliate.id).toBe(other.affiliate.id);
    });

    it('refuses an ID that is not a customer with a 400', async () => {
      expect((await customerView(merchant.accountId, { customer_id: 'in_123' })).status).toBe(400);
    });
  });

  describe('POST /stripe-app/purchase', () => {
    it("shows an invoice's commission with its lines and their reasons (a partial refund adjusts it)", async () => {
      const response = await purchaseView(merchant.accountId, { invoice_id: invoiced.invoiceId, mode: 'test' });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({
        mode: 'test',
        affiliate: { id: merchant.affiliate.id },
        reason: null,
        purchase: { stripe: { invoiceId: invoiced.invoiceId }, source: 'metadata', commission: { status: 'approved' } },
      });
      const lines = response.body.purchase.commission.lines as { type: string; amount: { amount: number }; reason: string }[];
      expect(lines.map((line) => [line.type, line.amount.amount])).toEqual([
        ['earned', 2_000],
        ['adjusted', -500],
      ]);
      for (const line of lines) expect(line.reason).toEqual(expect.any(String));
    });

    it('finds the same purchase from its payment intent and from its charge', async () => {
      const byInvoice = await purchaseView(merchant.accountId, { invoice_id: invoiced.invoiceId });
      const byPayment = await purchaseView(merchant.accountId, { payment_intent_id: invoiced.paymentIntentId });
      const byCharge = await purchaseView(merchant.accountId, { charge_id: invoiced.chargeId });
      expect(byPayment.status).toBe(200);
      expect(byPayment.body.purchase.id).toBe(byInvoice.body.purchase.id);
      expect(byCharge.status).toBe(200);
      expect(byCharge.body.purchase.id).toBe(byInvoice.body.purchase.id);
    });

    it('says why a payment nobody referred earned nothing', async () => {
      const response = await purchaseView(merchant.accountId, { payment_intent_id: unreferred.paymentIntentId });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({
        affiliate: null,
        reason: 'No affiliate referred this customer.',
        purchase: { affiliateId: null, commission: null, total: { amount: 1_500 } },
      });
    });

    it('answers 404 for objects Tally has no purchase for', async () => {
      for (const fields of [{ invoice_id: 'in_NeverSeenByTally' }, { payment_intent_id: 'pi_NeverSeenByTally' }, { charge_id: 'ch_NeverSeenByTally' }]) {
        const response = await purchaseView(merchant.accountId, fields);
        expect(response.status).toBe(404);
        expect(response.body.error.type).toBe('not_found');
      }
    });

    it("answers 404 for another merchant's invoice", async () => {
      expect((await purchaseView(merchant.accountId, { invoice_id: othersInvoice.invoiceId })).status).toBe(404);
      expect((await purchaseView(other.accountId, { invoice_id: othersInvoice.invoiceId })).status).toBe(200);
    });

    it('answers 404 in a mode the account is not connected in', async () => {
      expect((await purchaseView(merchant.accountId, { invoice_id: invoiced.invoiceId, mode: 'live' })).status).toBe(404);
    });

    it('needs exactly one of the three IDs', async () => {
      expect((await purchaseView(merchant.accountId, {})).status).toBe(400);
      expect((await purchaseView(merchant.accountId, { invoice_id: invoiced.invoiceId, charge_id: invoiced.chargeId })).status).toBe(400);
    });
  });

  describe.each(['/stripe-app/customer', '/stripe-app/purchase'])('%s, like /stripe-app/stats', (path) => {
    it('refuses a request without a signature, or signed for another account', async () => {
      const unsigned = await api('POST', path, { body: { user_id: 'usr_dashboard', account_id: merchant.accountId, customer_id: invoiced.customerId } });
      expect(unsigned.status).toBe(401);
      expect(unsigned.body.error.type).toBe('unauthorized');
      const { signature } = await emulator().signAppRequest({ user_id: 'usr_dashboard', account_id: other.accountId });
      const forged = await api('POST', path, {
        body: { user_id: 'usr_dashboard', account_id: merchant.accountId, customer_id: invoiced.customerId },
        headers: { 'stripe-signature': signature },
      });
      expect(forged.status).toBe(401);
    });

    it("lets the app's sandboxed frame call it: a preflight for the signed JSON POST, and CORS on every answer", async () => {
      const preflight = await api('OPTIONS', path, {
        headers: { origin: 'null', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,stripe-signature' },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-headers')).toContain('stripe-signature');
      expect((await api('POST', path, { body: {} })).headers.get('access-control-allow-origin')).toBe('*');
      expect((await signed(path, merchant.accountId, { customer_id: 'cus_NeverSeenByTally' })).headers.get('access-control-allow-origin')).toBe('*');
    });
  });
});
