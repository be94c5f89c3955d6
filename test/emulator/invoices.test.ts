import type Stripe from 'stripe';
import { useShop, objectOf, types, type Shop } from './shop';
import { rejection } from './support';

describe('Stripe emulator: invoices and invoice payments', () => {
  let shop: Shop;

  useShop((opened) => (shop = opened));

  const subscribe = async (extra: Partial<Parameters<Shop['h']['control']['simulateCheckout']>[0]> = {}) => {
    await shop.stripe.coupons.create({ id: 'QUARTER', percent_off: 25, duration: 'forever' }, shop.on);
    await shop.stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: 'QUARTER' }, code: 'JANE' }, shop.on);
    return shop.h.control.simulateCheckout({
      account: shop.account,
      kind: 'subscription',
      customer: { email: 'inv@example.com', name: 'Inv' },
      lineItems: [
        { unitAmount: 4000, product: { id: 'prod_seat', name: 'Seat' }, recurring: { interval: 'month' }, quantity: 2 },
        { unitAmount: 1000, product: { id: 'prod_addon', name: 'Add-on' }, recurring: { interval: 'month' } },
      ],
      promotionCode: 'JANE',
      taxBps: 1000,
      ...extra,
    });
  };

  it('shows the promotion code and the payment of an invoice through expand[]=discounts and payments', async () => {
    const { invoice, paymentIntent, charge } = await subscribe();

    const expanded = await shop.stripe.invoices.retrieve(invoice?.id as string, { expand: ['discounts', 'payments', 'payments.data.payment.payment_intent'] }, shop.on);
    const [discount] = expanded.discounts as Stripe.Discount[];
    const [payment] = expanded.payments?.data ?? [];
    const promo = (await shop.stripe.promotionCodes.list({ code: 'JANE' }, shop.on)).data[0] as Stripe.PromotionCode;
    const plain = await shop.stripe.invoices.retrieve(invoice?.id as string, {}, shop.on);

    expect(discount).toMatchObject({ object: 'discount', promotion_code: promo.id, source: { coupon: 'QUARTER', type: 'coupon' }, subscription: expect.stringMatching(/^sub_/) });
    expect(payment).toMatchObject({ object: 'invoice_payment', invoice: invoice?.id, status: 'paid', amount_paid: invoice?.amount_paid });
    expect((payment?.payment.payment_intent as Stripe.PaymentIntent).latest_charge).toBe(charge?.id);
    expect((payment?.payment.payment_intent as Stripe.PaymentIntent).id).toBe(paymentIntent?.id);
    expect(plain.payments).toBeUndefined();
    expect(plain.discounts).toEqual([discount?.id]);
  });

  it('finds the invoice of a charge with invoicePayments.list by payment intent', async () => {
    const { invoice, charge } = await subscribe();
    const bare = await shop.h.control.simulatePayment({ account: shop.account, amount: 700 });

    const found = await shop.stripe.invoicePayments.list({ payment: { type: 'payment_intent', payment_intent: charge?.payment_intent as string } }, shop.on);
    const none = await shop.stripe.invoicePayments.list({ payment: { type: 'payment_intent', payment_intent: bare.paymentIntent.id } }, shop.on);
    const byId = await shop.stripe.invoicePayments.retrieve(found.data[0]?.id as string, { expand: ['invoice'] }, shop.on);
    const noType = await rejection(shop.stripe.invoicePayments.list({ payment: { payment_intent: 'pi_x' } } as unknown as Stripe.InvoicePaymentListParams, shop.on));

    expect(found.data.map((payment) => payment.invoice)).toEqual([invoice?.id]);
    expect(none.data).toEqual([]);
    expect((byId.invoice as Stripe.Invoice).total).toBe(invoice?.total);
    expect(noType).toMatchObject({ statusCode: 400, code: 'parameter_missing', param: 'payment[type]' });
  });

  it('prices, discounts and taxes each line as this API version shapes them', async () => {
    const { invoice, subscription } = await subscribe();
    const taxRate = (invoice?.default_tax_rates[0] as Stripe.TaxRate).id;
    const discount = invoice?.discounts[0] as string;

    expect(invoice).toMatchObject({
      subtotal: 9000,
      subtotal_excluding_tax: 9000,
      total_discount_amounts: [{ amount: 2250, discount }],
      total_excluding_tax: 6750,
      total_taxes: [{ amount: 675, tax_behavior: 'exclusive', taxable_amount: 6750, tax_rate_details: { tax_rate: taxRate }, type: 'tax_rate_details' }],
      total: 7425,
      amount_due: 7425,
      amount_paid: 7425,
      amount_remaining: 0,
      currency: 'usd',
      customer_email: 'inv@example.com',
      parent: { subscription_details: { subscription: subscription?.id } },
    });
    expect(invoice?.lines).toMatchObject({ object: 'list', has_more: false, url: `/v1/invoices/${invoice?.id}/lines` });
    expect(
      invoice?.lines.data.map((line) => ({
        product: line.pricing?.price_details?.product,
        amount: line.amount,
        discounts: line.discount_amounts,
        taxes: line.taxes?.map((tax) => tax.amount),
        subscriptionItem: line.parent?.subscription_item_details?.subscription_item,
      })),
    ).toEqual([
      { product: 'prod_seat', amount: 8000, discounts: [{ amount: 2000, discount }], taxes: [600], subscriptionItem: subscription?.items.data[0]?.id },
      { product: 'prod_addon', amount: 1000, discounts: [{ amount: 250, discount }], taxes: [75], subscriptionItem: subscription?.items.data[1]?.id },
    ]);
    expect(invoice?.lines.data[0]).toMatchObject({ quantity: 2, description: '2 × Seat (at $40.00 / month)', period: { start: subscription?.start_date } });
  });

  it('issues a one-off invoice (billing_reason manual) and lists lines beyond the embedded page', async () => {
    const lineItems = Array.from({ length: 12 }, (_, i) => ({ unitAmount: 100 * (i + 1), product: { id: `prod_${i}` } }));

    const { customer, invoice, paymentIntent, events } = await shop.h.control.simulateInvoice({ account: shop.account, customer: { email: 'one@example.com' }, lineItems });
    const lines = await shop.stripe.invoices.listLineItems(invoice.id, {}, shop.on).autoPagingToArray({ limit: 50 });
    const second = await shop.stripe.invoices.listLineItems(invoice.id, { limit: 5, starting_after: lines[9]?.id as string }, shop.on);

    expect(types(events)).toEqual([
      'customer.created',
      'invoice.created',
      'invoice.finalized',
      'payment_intent.created',
      'charge.succeeded',
      'payment_intent.succeeded',
      'invoice_payment.paid',
      'invoice.paid',
      'invoice.payment_succeeded',
    ]);
    expect(invoice).toMatchObject({ billing_reason: 'manual', parent: null, customer: customer.id, total: 7800, status: 'paid' });
    expect(invoice.lines).toMatchObject({ has_more: true });
    expect(invoice.lines.data).toHaveLength(10);
    expect(lines.map((line) => line.pricing?.price_details?.product)).toEqual(lineItems.map((line) => line.product.id));
    expect(lines.every((line) => line.parent?.type === 'invoice_item_details')).toBe(true);
    expect(second).toMatchObject({ has_more: false, data: [{ id: lines[10]?.id }, { id: lines[11]?.id }] });
    expect(paymentIntent?.amount).toBe(7800);
  });

  it('spreads a fixed-amount coupon over the lines it applies to, to the cent', async () => {
    await shop.stripe.coupons.create({ id: 'TEN-OFF-SEATS', amount_off: 1000, currency: 'usd', applies_to: { products: ['prod_a', 'prod_b'] } }, shop.on);

    const { invoice } = await shop.h.control.simulateInvoice({
      account: shop.account,
      customer: { email: 'split@example.com' },
      lineItems: [
        { unitAmount: 3333, product: { id: 'prod_a' } },
        { unitAmount: 3333, product: { id: 'prod_b' } },
        { unitAmount: 5000, product: { id: 'prod_other' } },
      ],
      coupon: 'TEN-OFF-SEATS',
    });

    expect(invoice.lines.data.map((line) => line.discount_amounts?.[0]?.amount)).toEqual([500, 500, 0]);
    expect(invoice).toMatchObject({ subtotal: 11_666, total: 10_666, total_discount_amounts: [{ amount: 1000 }] });
  });

  it('lists invoices by customer, by subscription and by status', async () => {
    const { invoice, subscription, customer } = await subscribe();
    const other = await shop.h.control.simulateInvoice({ account: shop.account, customer: customer?.id as string, lineItems: [{ unitAmount: 100 }] });
    const failed = await shop.h.control.simulateInvoice({ account: shop.account, customer: customer?.id as string, lineItems: [{ unitAmount: 100 }], fail: true });

    const ids = async (params: Stripe.InvoiceListParams) => (await shop.stripe.invoices.list(params, shop.on)).data.map((listed) => listed.id);

    expect(await ids({ customer: customer?.id as string })).toEqual([failed.invoice.id, other.invoice.id, invoice?.id]);
    expect(await ids({ subscription: subscription?.id as string })).toEqual([invoice?.id]);
    expect(await ids({ status: 'open' })).toEqual([failed.invoice.id]);
    expect(failed.invoice).toMatchObject({ status: 'open', amount_paid: 0, attempt_count: 1, attempted: true });
    expect(types(failed.events)).toEqual(['invoice.created', 'invoice.finalized', 'payment_intent.created', 'charge.failed', 'payment_intent.payment_failed', 'invoice.payment_failed']);
    expect(objectOf<Stripe.Invoice>(failed.events.at(-1)).status).toBe('open');
  });

  it('answers unknown invoices and invoice payments with resource_missing', async () => {
    expect(await rejection(shop.stripe.invoices.retrieve('in_missing', {}, shop.on))).toMatchObject({ statusCode: 404, code: 'resource_missing' });
    expect(await rejection(shop.stripe.invoicePayments.retrieve('inpay_missing', {}, shop.on))).toMatchObject({ statusCode: 404, code: 'resource_missing' });
  });
});
