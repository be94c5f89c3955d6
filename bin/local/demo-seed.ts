import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { EmulatorControl, type SimulatedLineItem } from '../stripe-emulator/client';
import type { DemoMerchant } from './stack';

/**
 * The demo merchant's first data, made the way a merchant's own would be: through Tally's API with
 * the demo key, the public tracking API, the Stripe emulator's simulations and the webhooks it
 * delivers to the running stack. Nothing is written to the table directly, so what the console
 * shows is what those paths produce.
 */

export interface DemoSeedOutcome {
  seeded: boolean;
  durationMs: number;
  /** One line for the banner: what was made, or why nothing (or not everything) was. */
  summary: string;
}

const siteUrl = 'https://shop.example';

type SeedAffiliate = { name: string; referralCode: string; couponCode: string; discount: Record<string, unknown>; plan?: 'pro'; visits: number; leads: number };

const affiliates = {
  ada: { name: 'Ada Lovelace', referralCode: 'ada', couponCode: 'ADA15', discount: { percentOff: 15, duration: 'once' }, visits: 6, leads: 2 },
  grace: { name: 'Grace Hopper', referralCode: 'grace', couponCode: 'GRACE10', discount: { percentOff: 10, duration: 'forever' }, plan: 'pro', visits: 5, leads: 2 },
  alan: { name: 'Alan Turing', referralCode: 'alan', couponCode: 'ALAN5', discount: { amountOff: 500, currency: 'usd', duration: 'once' }, visits: 4, leads: 1 },
  katherine: {
    name: 'Katherine Johnson',
    referralCode: 'katherine',
    couponCode: 'KATHERINE20',
    discount: { percentOff: 20, duration: 'repeating', durationInMonths: 3 },
    visits: 3,
    leads: 1,
  },
} satisfies Record<string, SeedAffiliate>;
type AffiliateName = keyof typeof affiliates;

const landingPages = ['/', '/pricing', '/blog/launch', '/features'];
const referrers = ['https://blog.example/review', 'https://news.example/thread', 'https://video.example/watch'];

const monthly = { interval: 'month' } as const;
const products = {
  starter: { product: { id: 'prod_starter', name: 'Starter kit' }, unitAmount: 4_900 },
  course: { product: { id: 'prod_course', name: 'Video course' }, unitAmount: 12_000 },
  templates: { product: { id: 'prod_templates', name: 'Template pack' }, unitAmount: 8_900 },
  workshop: { product: { id: 'prod_workshop', name: 'Workshop seat' }, unitAmount: 25_000 },
  pro: { product: { id: 'prod_pro', name: 'Pro plan' }, unitAmount: 4_900, recurring: monthly },
  basic: { product: { id: 'prod_basic', name: 'Basic plan' }, unitAmount: 1_900, recurring: monthly },
} satisfies Record<string, SimulatedLineItem>;

const customer = (name: string) => ({ name, email: `${name.toLowerCase().replace(/ /g, '.')}@customers.demo.tally.local` });

interface Seeding {
  apiUrl: string;
  demo: DemoMerchant;
  emulator: EmulatorControl;
  signal: AbortSignal;
}

/** One call to Tally's API as the demo merchant; anything but the expected status is an error naming the call. */
const call = async <T>(seeding: Seeding, method: string, path: string, body?: unknown, expected = [200, 201]): Promise<T> => {
  const response = await fetch(new URL(path, seeding.apiUrl), {
    method,
    headers: { authorization: `Bearer ${seeding.demo.apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: seeding.signal,
  });
  const text = await response.text();
  if (!expected.includes(response.status)) throw new Error(`${method} ${path.split('?')[0]} answered ${response.status}: ${text.slice(0, 200)}`);
  return (text ? JSON.parse(text) : undefined) as T;
};

/** A call of the public tracking API, as the tracking script sends it (text/plain, so no preflight). */
const track = async (seeding: Seeding, action: 'visit' | 'lead', body: Record<string, unknown>) => {
  const response = await fetch(new URL(`/v1/track/${action}`, seeding.apiUrl), {
    method: 'POST',
    headers: { 'content-type': 'text/plain;charset=UTF-8' },
    body: JSON.stringify({ trackingKey: seeding.demo.trackingKey, mode: 'test', ...body }),
    signal: seeding.signal,
  });
  if (response.status !== 202) throw new Error(`POST /v1/track/${action} answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
};

/**
 * Connects the emulator's test mode as the merchant's admin would: Tally's start page binds the flow
 * to this "browser" with a cookie, the emulator's authorize page approves at once, and the callback
 * checks the cookie. Node's fetch keeps no cookies, so each origin's are kept here.
 */
const connectStripe = async (seeding: Seeding): Promise<string> => {
  const jars = new Map<string, Map<string, string>>();
  const open = async (target: string): Promise<string> => {
    const url = new URL(target);
    const jar = jars.get(url.origin) ?? new Map<string, string>();
    jars.set(url.origin, jar);
    const cookie = [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {}, signal: seeding.signal });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const separator = pair.indexOf('=');
      jar.set(pair.slice(0, separator).trim(), pair.slice(separator + 1));
    }
    const location = response.headers.get('location');
    if (response.status !== 302 || !location) throw new Error(`connecting Stripe: ${url.origin}${url.pathname} answered ${response.status}`);
    return new URL(location, url).toString();
  };
  const { url } = await call<{ url: string }>(seeding, 'GET', '/v1/connect/stripe/authorize?mode=test');
  const landing = new URL(await open(await open(await open(url))));
  if (landing.searchParams.get('stripe') !== 'connected') throw new Error(`connecting Stripe ended at ${landing}`);
  const merchant = await call<{ stripe: { test?: { accountId: string } } }>(seeding, 'GET', '/v1/merchant');
  if (!merchant.stripe.test?.accountId) throw new Error('connecting Stripe left no test account on the merchant');
  return merchant.stripe.test.accountId;
};

/** Coupon syncs run on their own, through the resync queue; Checkout can take a code once its sync is done. */
const syncedCoupons = async (seeding: Seeding, ids: string[]) => {
  for (const id of ids) {
    for (;;) {
      const affiliate = await call<{ couponCode: string; couponSync: { test: { status: string; error?: string } } }>(seeding, 'GET', `/v1/affiliates/${id}`);
      const { status, error } = affiliate.couponSync.test;
      if (status === 'synced') break;
      if (status !== 'pending') throw new Error(`the coupon sync of ${affiliate.couponCode} ended ${status}${error ? `: ${error}` : ''}`);
      await sleep(200, undefined, { signal: seeding.signal });
    }
  }
};

/** What a simulation made, or an error saying it made none. */
const made = <T>(value: T | null | undefined, what: string): T => {
  if (value === null || value === undefined) throw new Error(`the emulator's simulation made no ${what}`);
  return value;
};

const seed = async (seeding: Seeding): Promise<string> => {
  const { emulator } = seeding;
  const account = await connectStripe(seeding);
  const on = { account };

  const standard = await call<{ id: string }>(seeding, 'POST', '/v1/commission-plans', { name: 'Standard 20 %', rate: { percentBps: 2_000 } });
  const pro = await call<{ id: string }>(seeding, 'POST', '/v1/commission-plans', {
    name: 'Pro plan 30 %',
    rate: { percentBps: 3_000 },
    paymentFor: 'line_items',
    lineItemSkus: [products.pro.product.id],
  });
  // Auto-sync is on before the affiliates exist, so each code syncs by itself rather than in a bulk job.
  await call(seeding, 'PATCH', '/v1/merchant/settings', { holdDays: 0, siteUrl, autoSyncCoupons: true, defaultCommissionPlanId: standard.id });

  const ids = {} as Record<AffiliateName, string>;
  for (const [key, affiliate] of Object.entries(affiliates) as [AffiliateName, SeedAffiliate][]) {
    const { name, referralCode, couponCode, discount, plan } = affiliate;
    const created = await call<{ id: string }>(seeding, 'POST', '/v1/affiliates', {
      email: `${referralCode}@affiliates.demo.tally.local`,
      name,
      referralCode,
      couponCode,
      discount,
      ...(plan ? { commissionPlanId: pro.id } : {}),
    });
    ids[key] = created.id;
  }

  let visits = 0;
  let leads = 0;
  for (const { referralCode, visits: visitCount, leads: leadCount } of Object.values(affiliates) as SeedAffiliate[]) {
    const visitors = Array.from({ length: visitCount }, () => randomBytes(16).toString('base64url'));
    await Promise.all(
      visitors.map((visitorId, i) =>
        track(seeding, 'visit', {
          visitorId,
          affiliateCode: referralCode,
          url: `${siteUrl}${landingPages[i % landingPages.length]}`,
          referrer: referrers[i % referrers.length],
        }),
      ),
    );
    for (const [i, visitorId] of visitors.slice(0, leadCount).entries())
      await track(seeding, 'lead', { visitorId, affiliateCode: referralCode, email: `${referralCode}.lead${i + 1}@customers.demo.tally.local` });
    visits += visitCount;
    leads += leadCount;
  }

  await syncedCoupons(seeding, Object.values(ids));

  const payment = (referredBy: AffiliateName, item: SimulatedLineItem, buyer: string) =>
    emulator.simulateCheckout({ ...on, kind: 'payment', customer: customer(buyer), lineItems: [item], clientReferenceId: affiliates[referredBy].referralCode });
  await payment('ada', products.starter, 'Mia Chen');
  await payment('alan', products.course, 'Omar Haddad');
  await payment('katherine', products.course, 'Lena Fischer');
  const refunded = await payment('ada', products.templates, 'Sam Okafor');
  const disputed = await payment('alan', products.workshop, 'Ivy Nakamura');
  // Grace's customer types her code at Checkout: the purchase is hers by coupon, at her line-item plan's rate.
  const proSubscription = await emulator.simulateCheckout({
    ...on,
    kind: 'subscription',
    customer: customer('Noah Silva'),
    lineItems: [products.pro],
    promotionCode: affiliates.grace.couponCode.toLowerCase(),
  });
  const basicSubscription = await emulator.simulateCheckout({
    ...on,
    kind: 'subscription',
    customer: customer('Zoe Martin'),
    lineItems: [products.basic],
    clientReferenceId: affiliates.ada.referralCode,
  });
  await emulator.waitForDeliveries(10_000);

  await emulator.simulateRefund({ ...on, charge: made(refunded.charge, 'charge').id, amount: 3_000, reason: 'requested_by_customer' });
  await emulator.simulateDispute({ ...on, charge: made(disputed.charge, 'charge').id });
  await emulator.cancelSubscription({ ...on, subscription: made(basicSubscription.subscription, 'subscription').id });
  await emulator.waitForDeliveries(10_000);

  await call(seeding, 'POST', '/v1/payouts?mode=test', { affiliateId: ids.ada }, [201, 202]);

  // Last, because it moves the emulator's clock a month ahead: what follows it is dated then.
  await emulator.simulateRenewal({ ...on, subscription: made(proSubscription.subscription, 'subscription').id });
  await emulator.waitForDeliveries(10_000);

  const purchases = await call<{ data: unknown[] }>(seeding, 'GET', '/v1/purchases?mode=test&limit=100');
  return (
    `${Object.keys(ids).length} affiliates, ${visits} visits, ${leads} leads, ${purchases.data.length} purchases ` +
    `(2 subscriptions, 1 renewal), 1 partial refund, 1 dispute, 1 cancellation, 1 payout; test mode account ${account}`
  );
};

/** Rejects when the seed runs out of time, so a hung call cannot hold up the start. */
const timedOut = (signal: AbortSignal) =>
  new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }));

/**
 * Seeds a freshly created demo merchant (test mode, against the emulator). Never throws: a failure is
 * reported in the outcome's summary, and the stack starts without (all of) the demo data.
 */
export const seedDemoMerchant = async (target: { apiUrl: string; emulatorUrl: string; demo: DemoMerchant; timeoutMs?: number }): Promise<DemoSeedOutcome> => {
  const started = Date.now();
  const timeoutMs = target.timeoutMs ?? 30_000;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`it took longer than ${timeoutMs / 1000} s`)), timeoutMs);
  const seeding = { apiUrl: target.apiUrl, demo: target.demo, emulator: new EmulatorControl(target.emulatorUrl), signal: controller.signal };
  const seconds = () => ((Date.now() - started) / 1000).toFixed(1);
  try {
    const made = await Promise.race([seed(seeding), timedOut(controller.signal)]);
    return { seeded: true, durationMs: Date.now() - started, summary: `seeded in ${seconds()} s: ${made}` };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { seeded: false, durationMs: Date.now() - started, summary: `the demo data was not (fully) seeded, after ${seconds()} s: ${reason}` };
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
};
