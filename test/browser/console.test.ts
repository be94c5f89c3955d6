import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser, Page } from 'puppeteer-core';
import { api } from '../support/api';
import { csrfToken, followSignInMail, launchBrowser, navigating, newPage, postFromPage, press, screenshot, signIn, site, stripePeriodQuery } from '../support/browser';
import { createAffiliate, createMerchant, type TestMerchant, unique } from '../support/factories';
import { delivered, product } from '../support/purchases';
import { emulator } from '../support/stripe';

/**
 * The merchant console in Chromium, as a merchant runs a program: the owner signs in by mail link,
 * connects Stripe test mode, sets the program up, creates a plan and an affiliate through the
 * forms, re-syncs the coupon, sees a purchase and its commission, exports what is owed and pays it.
 * Then the guards: a viewer changes nothing, and a post without the CSRF token is refused.
 * Each test builds on the one before, as one merchant's afternoon.
 */

jest.setTimeout(180_000);

const ownerEmail = `${unique('owner')}@example.com`;
const affiliateEmail = `${unique('ada')}@example.com`;
const referralCode = unique('ada');
const couponCode = unique('ADA').toUpperCase();

let browser: Browser;
let page: Page;
let merchant: TestMerchant;
let affiliateId: string;
let planId: string;

const text = (target: Page = page) => target.$eval('main', (main) => (main as HTMLElement).innerText);
const pathOf = (target: Page = page) => new URL(target.url()).pathname;
const fill = (name: string, value: string) => page.locator(`[name="${name}"]`).fill(value);
const merchantNow = async () => (await api('GET', '/v1/merchant', { key: merchant.apiKey })).body;

/** Reloads until the page's text matches, for work the stack finishes after answering (queues, webhooks). */
const eventually = async (url: string, pattern: RegExp) => {
  const deadline = Date.now() + 30_000;
  for (;;) {
    await page.goto(site(url));
    const main = await text();
    if (pattern.test(main)) return main;
    if (Date.now() > deadline) throw new Error(`${url} never showed ${pattern}; it shows:\n${main}`);
    await sleep(500);
  }
};

beforeAll(async () => {
  browser = await launchBrowser();
  // No dashboard URL: the Stripe OAuth flow lands back in the console.
  merchant = await createMerchant({ ownerEmail, dashboardUrl: undefined });
  page = await newPage(browser);
});

afterAll(async () => {
  await browser?.close();
});

describe('the merchant console', () => {
  it('signs the owner in by e-mail link', async () => {
    await page.goto(site('/console/'));
    expect(pathOf()).toBe('/console/sign-in');
    await screenshot(page, 'console-sign-in');
    await signIn(page, 'console', ownerEmail);
    expect(pathOf()).toBe('/console/');
    expect(await text()).toContain('Overview');
  });

  it('connects Stripe in test mode through the Stripe page', async () => {
    await page.goto(site('/console/stripe?mode=test'));
    await press(page, 'Connect my Stripe account (test)');
    expect(pathOf()).toBe('/console/stripe');
    expect((await merchantNow()).stripe.test).toMatchObject({ status: 'connected', accountId: expect.stringMatching(/^acct_/) });
    expect(await text()).toMatch(/Disconnect from Stripe \(test\)/);
    await screenshot(page, 'console-stripe');
  });

  it('saves the program settings', async () => {
    await page.goto(site('/console/settings?mode=test'));
    await fill('holdDays', '0');
    await fill('siteUrl', 'https://shop.example.com/');
    await press(page, 'Save settings');
    expect((await merchantNow()).settings).toMatchObject({ holdDays: 0, siteUrl: 'https://shop.example.com/' });
    await screenshot(page, 'console-settings');
  });

  it('shows a field error beside the field it concerns', async () => {
    await page.goto(site('/console/settings?mode=test'));
    await fill('cookieWindowDays', '999');
    await press(page, 'Save settings');
    const error = await page.$eval('#field-cookieWindowDays-error', (element) => (element as HTMLElement).innerText);
    expect(error).not.toBe('');
    expect((await merchantNow()).settings.cookieWindowDays).not.toBe(999);
  });

  it('creates a plan through its form', async () => {
    await page.goto(site('/console/plans?mode=test'));
    await navigating(page, () => page.locator('a::-p-text(New plan)').click());
    await fill('name', 'Twenty percent');
    await page.select('select[name="rate.kind"]', 'percent');
    await fill('rate.percentBps', '20');
    await press(page, 'Create plan');
    expect(pathOf()).toMatch(/^\/console\/plans\/\w+$/);
    planId = pathOf().split('/').pop() as string;
    const plans = await api('GET', '/v1/commission-plans', { key: merchant.apiKey });
    expect(plans.body.data).toEqual([expect.objectContaining({ id: planId, name: 'Twenty percent', rate: { percentBps: 2000 } })]);
    await page.goto(site('/console/plans?mode=test'));
    await screenshot(page, 'console-plans');
  });

  it('creates an affiliate through its form', async () => {
    await page.goto(site('/console/affiliates/new?mode=test'));
    await fill('name', 'Ada Affiliate');
    await fill('email', affiliateEmail);
    await fill('referralCode', referralCode);
    await fill('couponCode', couponCode);
    await page.select('select[name="discount.kind"]', 'percent');
    await fill('discount.percentOff', '10');
    await page.select('select[name="discount.duration"]', 'once');
    await page.select('select[name="commissionPlanId"]', planId);
    await press(page, 'Create affiliate');
    expect(pathOf()).toMatch(/^\/console\/affiliates\/\w+$/);
    affiliateId = pathOf().split('/').pop() as string;
    const main = await text();
    expect(main).toContain(`https://shop.example.com/?ref=${referralCode}`);
    expect(main).toContain(couponCode);
  });

  it('re-syncs the coupon and shows it synced', async () => {
    await page.goto(site(`/console/affiliates/${affiliateId}?mode=test`));
    await press(page, 'Re-sync (test mode)');
    await eventually(`/console/affiliates/${affiliateId}?mode=test`, /Test\s+Synced/);
    await screenshot(page, 'console-affiliate');
    await page.goto(site('/console/affiliates?mode=test'));
    expect(await text()).toContain('Ada Affiliate');
    await screenshot(page, 'console-affiliates');
  });

  it('shows a simulated purchase with its commission', async () => {
    const accountId = (await merchantNow()).stripe.test.accountId as string;
    await emulator().simulateCheckout({ account: accountId, kind: 'payment', customer: { email: `${unique('buyer')}@example.com` }, lineItems: [product('prod_course', 5_000)], clientReferenceId: referralCode });
    await delivered();
    const main = await eventually('/console/commissions?mode=test', /\$10\.00/);
    expect(main).toContain('Ada Affiliate');
    await screenshot(page, 'console-commissions');
    await page.goto(site('/console/purchases?mode=test'));
    expect(await text()).toContain('$50.00');
    await screenshot(page, 'console-purchases');
  });

  it('downloads what is owed as a CSV and pays it out', async () => {
    await page.goto(site('/console/payouts?mode=test'));
    await screenshot(page, 'console-payouts-owed');
    const downloads = path.resolve(__dirname, '../../reports/downloads');
    rmSync(downloads, { recursive: true, force: true });
    mkdirSync(downloads, { recursive: true });
    // Downloads are per browser context; the page has its own (newPage).
    const cdp = await page.createCDPSession();
    await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloads, browserContextId: page.browserContext().id });
    await page.locator('a::-p-text("PayPal Payouts file, USD")').click();
    const deadline = Date.now() + 15_000;
    let files: string[] = [];
    while ((files = readdirSync(downloads).filter((name) => name.endsWith('.csv'))).length === 0 && Date.now() < deadline) await sleep(200);
    expect(files).toHaveLength(1);
    const csv = readFileSync(path.join(downloads, files[0] as string), 'utf8');
    expect(csv).toContain(affiliateEmail);
    expect(csv).toContain('10.00');

    await page.select('select[name="affiliateId"]', affiliateId);
    await press(page, 'Record the payout');
    const main = await eventually('/console/payouts?mode=test', /Paid\s+\$10\.00/);
    expect(main).toContain('No affiliate has an approved, unpaid balance');
    await screenshot(page, 'console-payouts');
    const balance = await api('GET', `/v1/affiliates/${affiliateId}/balance`, { key: merchant.apiKey, query: { mode: 'test' } });
    expect(balance.status).toBe(200);
    expect(balance.body.owed).toEqual([]);
  });

  it('lets the invited affiliate see their paid commission in the portal', async () => {
    const other = await createAffiliate(merchant, { name: 'Bob Other', referralCode: unique('bob') });
    const accountId = (await merchantNow()).stripe.test.accountId as string;
    await emulator().simulateCheckout({ account: accountId, kind: 'payment', lineItems: [product('prod_course', 3_000)], clientReferenceId: other.referralCode });
    await delivered();
    const since = new Date(Date.now() - 1000).toISOString();
    await page.goto(site(`/console/affiliates/${affiliateId}?mode=test`));
    await press(page, 'Invite to portal');
    const portal = await newPage(browser);
    await followSignInMail(portal, 'portal', affiliateEmail, since);
    await portal.goto(site('/portal/?mode=test'));
    const main = await text(portal);
    expect(main).toMatch(/Paid\s+\$10\.00/);
    expect(main).not.toContain('$6.00');
  });

  it('shows the overview, also 375 px wide', async () => {
    await page.goto(site(`/console/?mode=test&${await stripePeriodQuery()}`));
    expect(await text()).toMatch(/Sales\s+2 · \$80\.00/);
    await screenshot(page, 'console-overview');
    await page.setViewport({ width: 375, height: 800 });
    for (const [url, name] of [['/console/?mode=test', 'console-overview-375'], ['/console/affiliates?mode=test', 'console-affiliates-375']] as const) {
      await page.goto(site(url));
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
      await screenshot(page, name);
    }
    await page.setViewport({ width: 1280, height: 900 });
  });

  it('refuses a forged post without the CSRF token', async () => {
    await page.goto(site('/console/stripe?mode=test'));
    expect(await postFromPage(page, '/console/stripe/disconnect', { mode: 'test' })).toBe(403);
    expect(await postFromPage(page, '/console/stripe/disconnect', { mode: 'test', _csrf: 'forged-token' })).toBe(403);
    expect((await merchantNow()).stripe.test.status).toBe('connected');
  });

  it('lets a viewer look at everything and change nothing', async () => {
    const viewerEmail = `${unique('viewer')}@example.com`;
    const invited = await api('POST', '/v1/merchant/users', { key: merchant.apiKey, body: { email: viewerEmail, role: 'viewer' } });
    expect(invited.status).toBe(201);
    const viewer = await newPage(browser);
    await signIn(viewer, 'console', viewerEmail);
    await viewer.goto(site('/console/settings?mode=test'));
    expect(await viewer.$$('button::-p-text("Save settings")')).toHaveLength(0);
    await screenshot(viewer, 'console-settings-viewer');
    const token = await csrfToken(viewer);
    const before = await merchantNow();
    const attempts: [string, Record<string, string>][] = [
      ['/console/settings', { holdDays: '7', cookieWindowDays: '30', subscriptionTracking: 'per_transaction' }],
      ['/console/affiliates', { email: `${unique('x')}@example.com` }],
      ['/console/plans', { name: 'Viewer plan', 'rate.kind': 'percent', 'rate.percentBps': '50' }],
      [`/console/affiliates/${affiliateId}/archive`, {}],
      ['/console/stripe/disconnect', {}],
      ['/console/payouts', { affiliateId }],
    ];
    for (const [action, fields] of attempts) expect([action, await postFromPage(viewer, action, { ...fields, mode: 'test', _csrf: token })]).toEqual([action, 403]);
    const after = await merchantNow();
    expect(after.settings).toEqual(before.settings);
    expect(after.stripe.test.status).toBe('connected');
    expect((await api('GET', `/v1/affiliates/${affiliateId}`, { key: merchant.apiKey })).body.status).toBe('active');
  });
});

afterAll(() => {
  // A download Chromium did not finish leaves a .crdownload behind; it is no result.
  const downloads = path.resolve(__dirname, '../../reports/downloads');
  if (existsSync(downloads)) for (const name of readdirSync(downloads)) if (name.endsWith('.crdownload')) rmSync(path.join(downloads, name));
});
