import type Stripe from 'stripe';
import { useShop, objectOf, types, type Shop } from './shop';
import { rejection } from './support';

describe('Stripe emulator: customers, products, prices and tax rates', () => {
  let shop: Shop;

  useShop((opened) => (shop = opened));

  it('creates a customer shaped like Stripe.Customer and sends customer.created', async () => {
    const customer = await shop.stripe.customers.create({ email: 'jane@example.com', name: 'Jane', metadata: { tally_affiliate: 'aff_1' } }, shop.on);
    await shop.h.control.waitForDeliveries();

    expect(customer).toMatchObject({
      id: expect.stringMatching(/^cus_\w{14}$/),
      object: 'customer',
      email: 'jane@example.com',
      name: 'Jane',
      metadata: { tally_affiliate: 'aff_1' },
      livemode: false,
      balance: 0,
      invoice_prefix: expect.stringMatching(/^[0-9A-F]{8}$/),
    });
    expect(await shop.stripe.customers.retrieve(customer.id, {}, shop.on)).toEqual(customer);
    expect(shop.received().map((event) => [event.type, event.account, objectOf<Stripe.Customer>(event).id])).toEqual([
      ['customer.created', shop.account, customer.id],
    ]);
  });

  it('updates a customer and sends customer.updated with only the changed attributes in previous_attributes', async () => {
    const customer = await shop.stripe.customers.create({ email: 'old@example.com', metadata: { keep: '1', drop: '2' } }, shop.on);

    const updated = await shop.stripe.customers.update(customer.id, { email: 'new@example.com', metadata: { drop: '', added: '3' } }, shop.on);
    const unchanged = await shop.stripe.customers.update(customer.id, { email: 'new@example.com' }, shop.on);
    await shop.h.control.waitForDeliveries();

    expect(updated).toMatchObject({ email: 'new@example.com', metadata: { keep: '1', added: '3' } });
    expect(unchanged).toEqual(updated);
    expect(shop.received().map((event) => [event.type, event.data.previous_attributes])).toEqual([
      ['customer.created', undefined],
      ['customer.updated', { email: 'old@example.com', metadata: { drop: '2', added: null } }],
    ]);
  });

  it('lists customers by exact e-mail, newest first, and pages through them', async () => {
    const first = await shop.stripe.customers.create({ email: 'same@example.com' }, shop.on);
    const second = await shop.stripe.customers.create({ email: 'same@example.com' }, shop.on);
    await shop.stripe.customers.create({ email: 'Same@example.com' }, shop.on);

    const byEmail = await shop.stripe.customers.list({ email: 'same@example.com' }, shop.on);
    const page = await shop.stripe.customers.list({ limit: 2 }, shop.on);
    const next = await shop.stripe.customers.list({ limit: 2, starting_after: page.data[1]?.id as string }, shop.on);

    expect(byEmail.data.map((customer) => customer.id)).toEqual([second.id, first.id]);
    expect(page.has_more).toBe(true);
    expect(next).toMatchObject({ has_more: false, data: [{ id: first.id }] });
  });

  it('deletes a customer: customer.deleted, a deleted stub on retrieve, and no longer listed or usable', async () => {
    const customer = await shop.stripe.customers.create({ email: 'gone@example.com' }, shop.on);

    const deleted = await shop.stripe.customers.del(customer.id, {}, shop.on);
    const retrieved = await shop.stripe.customers.retrieve(customer.id, {}, shop.on);
    const refused = await rejection(shop.h.control.simulatePayment({ account: shop.account, customer: customer.id, amount: 500 }));
    await shop.h.control.waitForDeliveries();

    expect(deleted).toEqual({ id: customer.id, object: 'customer', deleted: true });
    expect(retrieved).toEqual({ id: customer.id, object: 'customer', deleted: true });
    expect((await shop.stripe.customers.list({}, shop.on)).data).toEqual([]);
    expect((refused as unknown as { body: { error: { code: string } } }).body.error.code).toBe('resource_missing');
    expect(types(shop.received())).toEqual(['customer.created', 'customer.deleted']);
  });

  it('creates products and one-time and recurring prices, and lists prices by product and type', async () => {
    const product = await shop.stripe.products.create({ id: 'prod_pro', name: 'Pro plan' }, shop.on);
    const monthly = await shop.stripe.prices.create({ product: product.id, unit_amount: 2900, currency: 'USD', recurring: { interval: 'month' } }, shop.on);
    const yearly = await shop.stripe.prices.create(
      { product: product.id, unit_amount: 29000, currency: 'usd', recurring: { interval: 'month', interval_count: 12 } },
      shop.on,
    );
    const setup = await shop.stripe.prices.create({ product_data: { name: 'Setup fee' }, unit_amount: 5000, currency: 'usd' }, shop.on);

    expect(product).toMatchObject({ id: 'prod_pro', object: 'product', name: 'Pro plan', active: true, default_price: null });
    expect(monthly).toMatchObject({
      object: 'price',
      product: 'prod_pro',
      currency: 'usd',
      unit_amount: 2900,
      type: 'recurring',
      recurring: { interval: 'month', interval_count: 1, usage_type: 'licensed' },
    });
    expect(String(monthly.unit_amount_decimal)).toBe('2900');
    expect(yearly.recurring?.interval_count).toBe(12);
    expect(setup).toMatchObject({ type: 'one_time', recurring: null, product: expect.stringMatching(/^prod_/) });
    const list = async (params: Stripe.PriceListParams) => (await shop.stripe.prices.list(params, shop.on)).data.map((price) => price.id);
    expect(await list({ product: 'prod_pro' })).toEqual([yearly.id, monthly.id]);
    expect(await list({ type: 'one_time' })).toEqual([setup.id]);
    expect((await shop.stripe.prices.retrieve(monthly.id, { expand: ['product'] }, shop.on)).product).toMatchObject({ id: 'prod_pro', name: 'Pro plan' });
  });

  it('keeps zero-decimal amounts as whole yen', async () => {
    const price = await shop.stripe.prices.create({ product_data: { name: 'Ramen' }, unit_amount: 1500, currency: 'jpy' }, shop.on);

    expect(price).toMatchObject({ currency: 'jpy', unit_amount: 1500 });
  });

  it('refuses prices without an amount, for an unknown product, or over a year apart, as Stripe does', async () => {
    const noAmount = await rejection(shop.stripe.prices.create({ product_data: { name: 'X' }, currency: 'usd' }, shop.on));
    const noProduct = await rejection(shop.stripe.prices.create({ product: 'prod_missing', unit_amount: 100, currency: 'usd' }, shop.on));
    const tooLong = await rejection(
      shop.stripe.prices.create({ product_data: { name: 'X' }, unit_amount: 100, currency: 'usd', recurring: { interval: 'year', interval_count: 2 } }, shop.on),
    );

    expect(noAmount).toMatchObject({ statusCode: 400, code: 'parameter_missing', param: 'unit_amount' });
    expect(noProduct).toMatchObject({ statusCode: 400, code: 'resource_missing', message: "No such product: 'prod_missing'" });
    expect(tooLong).toMatchObject({ statusCode: 400, param: 'recurring[interval_count]' });
    expect((await shop.stripe.prices.list({}, shop.on)).data).toEqual([]);
  });

  it('creates and retrieves exclusive tax rates', async () => {
    const rate = await shop.stripe.taxRates.create({ display_name: 'VAT', percentage: 19, inclusive: false }, shop.on);

    expect(rate).toMatchObject({ id: expect.stringMatching(/^txr_/), object: 'tax_rate', percentage: 19, inclusive: false, active: true });
    expect(await shop.stripe.taxRates.retrieve(rate.id, {}, shop.on)).toEqual(rate);
  });
});
