import { ValidationError } from '../../../lambdas/core/errors';
import {
  checkoutLines,
  customerEvidence,
  disputeFact,
  disputeSchema,
  invoiceFacts,
  invoiceSchema,
  paidLines,
  parse,
  type StripeInvoiceLine,
} from '../../../lambdas/ledger/stripe-objects';

const line = (overrides: Partial<StripeInvoiceLine> = {}): StripeInvoiceLine => ({
  id: 'il_1',
  amount: 10_000,
  discount_amounts: [],
  taxes: [],
  pricing: { price_details: { product: 'prod_a' } },
  period: { start: 1_767_268_800, end: 1_769_947_200 },
  parent: null,
  ...overrides,
});

describe('purchase facts from Stripe objects', () => {
  it('takes an invoice line net of its discounts and inclusive tax (exclusive tax is outside the amount)', () => {
    const lines = [
      line({ discount_amounts: [{ amount: 1_500 }], taxes: [{ amount: 850, tax_behavior: 'exclusive' }] }),
      line({ amount: 1_210, pricing: { price_details: { product: 'prod_b' } }, taxes: [{ amount: 210, tax_behavior: 'inclusive' }] }),
    ];
    expect(paidLines(lines, 10_560, 10_560)).toEqual([
      { productId: 'prod_a', amount: 8_500 },
      { productId: 'prod_b', amount: 1_000 },
    ]);
  });

  it('scales the lines exactly when less than the total was paid (a credit balance)', () => {
    const lines = [line({ amount: 3_333 }), line({ amount: 6_667 })];
    const scaled = paidLines(lines, 5_000, 10_000);
    expect(scaled.reduce((sum, part) => sum + part.amount, 0)).toBe(5_000);
  });

  it('dates a subscription\'s first invoice from the subscription\'s start, for attribution', () => {
    const invoice = parse(
      invoiceSchema,
      {
        id: 'in_1',
        customer: 'cus_1',
        currency: 'USD',
        amount_paid: 1_000,
        total: 1_000,
        billing_reason: 'subscription_create',
        period_start: 1_767_268_900,
        status_transitions: { paid_at: 1_767_269_000 },
        parent: { subscription_details: { subscription: 'sub_1' } },
        lines: { data: [], has_more: false },
      },
      'invoice',
    );
    const subscriptionLine = line({ period: { start: 1_767_268_800, end: 1_769_947_200 }, parent: { subscription_item_details: {} } });
    expect(invoiceFacts(invoice, [subscriptionLine], '2026-01-01T12:00:00.000Z')).toMatchObject({
      currency: 'usd',
      paidAt: new Date(1_767_269_000_000).toISOString(),
      since: new Date(1_767_268_800_000).toISOString(),
      subscriptionId: 'sub_1',
    });
  });

  it('takes a Checkout line as charged less its tax', () => {
    expect(checkoutLines([{ id: 'li_1', amount_total: 1_100, amount_tax: 100, price: { product: 'prod_a' } }])).toEqual([{ productId: 'prod_a', amount: 1_000 }]);
  });

  it.each([
    ['needs_response', 'open'],
    ['warning_under_review', 'open'],
    ['won', 'won'],
    ['warning_closed', 'won'],
    ['lost', 'lost'],
  ])('reads a dispute in status %s as %s', (status, outcome) => {
    const dispute = parse(disputeSchema, { id: 'du_1', amount: 100, currency: 'usd', created: 1, status, charge: 'ch_1' }, 'dispute');
    expect(disputeFact(dispute, '2026-01-01T00:00:00.000Z').outcome).toBe(outcome);
  });

  it('refuses a payload without what the ledger needs, as a 400 that stores nothing', () => {
    expect(() => parse(invoiceSchema, { id: 'in_1', currency: 'usd' }, 'invoice')).toThrow(ValidationError);
    try {
      parse(invoiceSchema, { id: 'in_1' }, 'invoice');
    } catch (error) {
      expect(error).toMatchObject({ status: 400, type: 'invalid_payload' });
    }
  });

  it("keeps when Stripe created the customer, so a public lead recorded long after cannot claim them", () => {
    expect(customerEvidence({ id: 'cus_1', email: 'a@example.com', created: 1_767_268_800, metadata: { tally_affiliate: 'ref', other: 'x' } })).toEqual({
      email: 'a@example.com',
      metadata: { tally_affiliate: 'ref' },
      customerCreatedAt: '2026-01-01T12:00:00.000Z',
    });
    expect(customerEvidence('cus_1')).toBeUndefined();
  });
});
