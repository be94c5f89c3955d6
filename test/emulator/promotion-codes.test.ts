import Stripe from 'stripe';
import { rejection, useHarnessAndReceiver, type Harness, type Receiver } from './support';

describe('Stripe emulator: promotion codes', () => {
  let h: Harness;
  let receiver: Receiver;
  let account: string;

  useHarnessAndReceiver((started) => ({ h, receiver } = started));
  beforeEach(async () => {
    account = await h.connect();
    await h.stripe().coupons.create({ id: 'TEN', percent_off: 10 }, { stripeAccount: account });
  });

  const on = () => ({ stripeAccount: account });
  const create = (params: Partial<Stripe.PromotionCodeCreateParams>) =>
    h.stripe().promotionCodes.create({ promotion: { type: 'coupon', coupon: 'TEN' }, ...params }, on());

  it('creates a code on a coupon, shaped like Stripe.PromotionCode', async () => {
    const promo = await create({ code: 'JANE-10', metadata: { affiliate: 'aff_1' } });

    expect(promo).toEqual({
      id: expect.stringMatching(/^promo_\w{24}$/),
      object: 'promotion_code',
      active: true,
      code: 'JANE-10',
      created: expect.any(Number),
      customer: null,
      customer_account: null,
      expires_at: null,
      livemode: false,
      max_redemptions: null,
      metadata: { affiliate: 'aff_1' },
      promotion: { coupon: 'TEN', type: 'coupon' },
      restrictions: { first_time_transaction: false, minimum_amount: null, minimum_amount_currency: null },
      times_redeemed: 0,
    });
  });

  it('generates an eight-character code when none is given', async () => {
    expect((await create({})).code).toMatch(/^[A-Z0-9]{8}$/);
  });

  it('expands promotion.coupon on retrieve and data.promotion.coupon on list', async () => {
    const promo = await create({ code: 'EXP' });

    const retrieved = await h.stripe().promotionCodes.retrieve(promo.id, { expand: ['promotion.coupon'] }, on());
    const listed = await h.stripe().promotionCodes.list({ expand: ['data.promotion.coupon'] }, on());
    const refused = await rejection(h.stripe().promotionCodes.retrieve(promo.id, { expand: ['code'] }, on()));

    expect(retrieved.promotion.coupon).toMatchObject({ id: 'TEN', object: 'coupon', percent_off: 10 });
    expect(listed.data[0]?.promotion.coupon).toMatchObject({ id: 'TEN', object: 'coupon' });
    expect(refused).toMatchObject({ statusCode: 400, param: 'expand', message: 'This property cannot be expanded (code).' });
  });

  it('refuses the top-level coupon parameter, gone in this API version', async () => {
    const error = await rejection(h.stripe().promotionCodes.create({ coupon: 'TEN', code: 'OLD' } as unknown as Stripe.PromotionCodeCreateParams, on()));

    expect(error).toMatchObject({ statusCode: 400, code: 'parameter_unknown', param: 'coupon', message: 'Received unknown parameter: coupon' });
  });

  it('refuses a missing promotion, a missing coupon and an unknown coupon as Stripe words them', async () => {
    const missing = await rejection(h.stripe().promotionCodes.create({ code: 'X' } as Stripe.PromotionCodeCreateParams, on()));
    const noCoupon = await rejection(h.stripe().promotionCodes.create({ promotion: { type: 'coupon' } }, on()));
    const unknown = await rejection(create({ promotion: { type: 'coupon', coupon: 'NOPE' } }));

    expect(missing).toMatchObject({ code: 'parameter_missing', message: 'Missing required param: promotion.' });
    expect(noCoupon).toMatchObject({ param: 'promotion.coupon', message: 'You must pass promotion.coupon when passing promotion' });
    expect(unknown).toMatchObject({ statusCode: 400, code: 'resource_missing', param: 'promotion[coupon]', message: "No such coupon: 'NOPE'" });
  });

  it('refuses codes with characters other than letters, digits, dashes and underscores', async () => {
    const error = await rejection(create({ code: 'has spaces!' }));

    expect(error).toMatchObject({ statusCode: 400, param: 'code' });
    expect(await create({ code: 'Ok_Code-1' })).toMatchObject({ code: 'Ok_Code-1' });
  });

  it('refuses a second active promotion code that differs only in case', async () => {
    await create({ code: 'SUMMER' });

    const error = await rejection(create({ code: 'summer' }));

    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error.message).toBe('An active promotion code with `code: summer` already exists.');
    expect((await h.stripe().promotionCodes.list({}, on())).data).toHaveLength(1);
  });

  it('allows the same code on another account, and again once the first is inactive', async () => {
    const other = await h.connect();
    await h.stripe().coupons.create({ id: 'TEN', percent_off: 10 }, { stripeAccount: other });
    const first = await create({ code: 'REUSE' });

    await h.stripe().promotionCodes.create({ promotion: { type: 'coupon', coupon: 'TEN' }, code: 'REUSE' }, { stripeAccount: other });
    await h.stripe().promotionCodes.update(first.id, { active: false }, on());
    const second = await create({ code: 'reuse' });

    expect(second.active).toBe(true);
  });

  it('refuses to reactivate a code whose code is now taken by another active code', async () => {
    const first = await create({ code: 'BACK' });
    await h.stripe().promotionCodes.update(first.id, { active: false }, on());
    await create({ code: 'Back' });

    const error = await rejection(h.stripe().promotionCodes.update(first.id, { active: true }, on()));

    expect(error.message).toBe('An active promotion code with `code: BACK` already exists.');
    expect((await h.stripe().promotionCodes.retrieve(first.id, {}, on())).active).toBe(false);
  });

  it('allows only active, metadata and restrictions to change', async () => {
    const promo = await create({ code: 'FIXED' });

    const error = await rejection(h.stripe().promotionCodes.update(promo.id, { code: 'OTHER' } as Stripe.PromotionCodeUpdateParams, on()));
    const updated = await h.stripe().promotionCodes.update(promo.id, { metadata: { a: 'b' } }, on());

    expect(error).toMatchObject({ code: 'parameter_unknown', param: 'code' });
    expect(updated).toMatchObject({ code: 'FIXED', metadata: { a: 'b' } });
  });

  it('answers an unknown id with resource_missing', async () => {
    const error = await rejection(h.stripe().promotionCodes.retrieve('promo_nope', {}, on()));

    expect(error).toMatchObject({ statusCode: 404, code: 'resource_missing', message: "No such promotion code: 'promo_nope'" });
  });

  it('delivers promotion_code.created and promotion_code.updated (with previous_attributes) to Connect endpoints', async () => {
    await h.stripe().webhookEndpoints.create({ url: receiver.url, enabled_events: ['promotion_code.created', 'promotion_code.updated'], connect: true });
    const promo = await create({ code: 'EVENTS' });

    await h.stripe().promotionCodes.update(promo.id, { active: false }, on());
    await h.control.waitForDeliveries();

    expect(receiver.received.map(({ event }) => [event.type, event.account, event.data.previous_attributes])).toEqual([
      ['promotion_code.created', account, undefined],
      ['promotion_code.updated', account, { active: true }],
    ]);
  });

  it('filters the list by code regardless of case, by active and by coupon', async () => {
    await h.stripe().coupons.create({ id: 'FIVE', percent_off: 5 }, on());
    const jane = await create({ code: 'Jane' });
    await h.stripe().promotionCodes.update(jane.id, { active: false }, on());
    const jane2 = await create({ code: 'JANE' });
    const bob = await h.stripe().promotionCodes.create({ promotion: { type: 'coupon', coupon: 'FIVE' }, code: 'BOB' }, on());
    const ids = async (params: Stripe.PromotionCodeListParams) => (await h.stripe().promotionCodes.list(params, on())).data.map((p) => p.id);

    expect(await ids({ code: 'jane' })).toEqual([jane2.id, jane.id]);
    expect(await ids({ code: 'jane', active: true })).toEqual([jane2.id]);
    expect(await ids({ active: false })).toEqual([jane.id]);
    expect(await ids({ coupon: 'FIVE' })).toEqual([bob.id]);
    expect(await rejection(h.stripe().promotionCodes.list({ coupon: 'UNKNOWN' }, on()))).toMatchObject({
      statusCode: 400,
      param: 'coupon',
      message: "No such coupon: 'UNKNOWN'",
    });
  });

  it('pages through more than 100 codes with starting_after, newest first', async () => {
    const seeded = await h.control.seed<Stripe.PromotionCode>(
      account,
      'promotion_codes',
      Array.from({ length: 250 }, (_, i) => ({ promotion: { type: 'coupon', coupon: 'TEN' }, code: `CODE-${i}` })),
    );

    const all = await h.stripe().promotionCodes.list({ limit: 100 }, on()).autoPagingToArray({ limit: 1000 });
    const tooMany = await rejection(h.stripe().promotionCodes.list({ limit: 101 }, on()));
    const requests = await h.control.requests({ account, path: '/v1/promotion_codes', method: 'GET' });

    expect(all.map((promo) => promo.id)).toEqual(seeded.map((promo) => promo.id).reverse());
    expect(requests).toHaveLength(4);
    expect(tooMany).toMatchObject({ statusCode: 400, param: 'limit' });
  });

  it('finds one code among 10,000 on an account, and pages on from it, without slowing down', async () => {
    const items = Array.from({ length: 10_000 }, (_, i) => ({ promotion: { type: 'coupon', coupon: 'TEN' }, code: `BULK${i}` }));
    await h.control.seed(account, 'promotion_codes', items);

    const started = performance.now();
    const found = await h.stripe().promotionCodes.list({ code: 'bulk4242', active: true }, on());
    const page = await h.stripe().promotionCodes.list({ limit: 100, starting_after: found.data[0]?.id as string }, on());
    const elapsed = performance.now() - started;

    expect(found.data.map((promo) => promo.code)).toEqual(['BULK4242']);
    expect(page.data[0]?.code).toBe('BULK4241');
    // Generous: only a lookup that scans (or sorts) the whole account over and over gets near it.
    expect(elapsed).toBeLessThan(1_000);
  });
});
