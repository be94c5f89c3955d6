import type { Browser, Page } from 'puppeteer-core';
import { api } from '../support/api';
import { followSignInMail, launchBrowser, navigating, newPage, screenshot, site, stripePeriodQuery } from '../support/browser';
import { createAffiliate, unique } from '../support/factories';
import { delivered, on, product, type SellingMerchant, sellingMerchant } from '../support/purchases';
import { emulator } from '../support/stripe';

/**
 * The affiliate portal in Chromium: an invited affiliate signs in from the invitation mail and
 * finds their referral link, coupon, commission and balance, never another affiliate's records nor
 * a customer's e-mail.
 */

jest.setTimeout(180_000);

let browser: Browser;
let merchant: SellingMerchant;
let other: { id: string; referralCode: string };
const buyer = `${unique('buyer')}@example.com`;

const text = (page: Page) => page.$eval('main', (main) => (main as HTMLElement).innerText);

beforeAll(async () => {
  browser = await launchBrowser();
  merchant = await sellingMerchant({
    settings: { siteUrl: 'https://shop.example.com/pricing' },
    affiliate: { email: `${unique('ada')}@example.com`, couponCode: unique('ADA').toUpperCase(), discount: { percentOff: 15, duration: 'forever' } },
  });
  other = await createAffiliate(merchant, { referralCode: unique('ref') });
  // 20% of $49.00 for the invited affiliate, 20% of $77.00 for the other one.
  await emulator().simulateCheckout({ ...on(merchant), kind: 'payment', customer: { email: buyer }, lineItems: [product('prod_a', 4_900)], clientReferenceId: merchant.affiliate.referralCode });
  await emulator().simulateCheckout({ ...on(merchant), kind: 'payment', customer: { email: `${unique('other')}@example.com` }, lineItems: [product('prod_b', 7_700)], clientReferenceId: other.referralCode });
  await delivered();
});

afterAll(async () => {
  await browser?.close();
});

describe('the affiliate portal', () => {
  let page: Page;

  it('signs an invited affiliate in from the invitation mail', async () => {
    const since = new Date(Date.now() - 1000).toISOString();
    const invited = await api('POST', `/v1/affiliates/${merchant.affiliate.id}/invite`, { key: merchant.apiKey });
    expect(invited.status).toBeLessThan(300);
    const { body: affiliate } = await api('GET', `/v1/affiliates/${merchant.affiliate.id}`, { key: merchant.apiKey });
    page = await newPage(browser);
    await followSignInMail(page, 'portal', affiliate.email, since);
    expect(new URL(page.url()).pathname).toBe('/portal/');
  });

  it('shows their referral link, coupon and discount', async () => {
    await page.goto(site(`/portal/?mode=test&${await stripePeriodQuery()}`));
    const link = await page.$eval('#referral-link', (input) => (input as HTMLInputElement).value);
    expect(link).toBe(`https://shop.example.com/pricing?ref=${merchant.affiliate.referralCode}`);
    const main = await text(page);
    expect(main).toContain(merchant.affiliate.couponCode as string);
    expect(main).toContain('15% off, every payment');
    await screenshot(page, 'portal');
  });

  it('shows their commission, sale and balance, and not the other affiliate\'s', async () => {
    const main = await text(page);
    expect(main).toContain('$9.80');
    expect(main).not.toContain('$15.40');
    expect(main).not.toContain('$77.00');
    expect(main).toMatch(/Sales\s+1 · \$49\.00/);
    expect(main).toMatch(/Approved\s+\$9\.80/);
  });

  it('never shows a customer', async () => {
    const content = await page.content();
    expect(content).not.toContain(buyer);
    expect(content).not.toMatch(/cus_\w+/);
  });

  it('lists commissions by status, scoped to the session whatever the query says', async () => {
    await navigating(page, () => page.locator('a::-p-text(All commissions)').click());
    await page.select('select[name="status"]', 'approved');
    await navigating(page, () => page.locator('form[aria-label="Filter"] button').click());
    expect(new URL(page.url()).searchParams.get('status')).toBe('approved');
    expect(await text(page)).toContain('$9.80');
    await screenshot(page, 'portal-commissions');

    await page.goto(site(`/portal/commissions?mode=test&affiliateId=${other.id}`));
    const main = await text(page);
    expect(main).toContain('$9.80');
    expect(main).not.toContain('$15.40');
  });

  it('lists their payouts', async () => {
    await page.goto(site('/portal/payouts?mode=test'));
    expect(await text(page)).toContain('Nothing yet.');
    await screenshot(page, 'portal-payouts');
  });

  it('is readable 375 px wide', async () => {
    await page.setViewport({ width: 375, height: 800 });
    await page.goto(site(`/portal/?mode=test&${await stripePeriodQuery()}`));
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await screenshot(page, 'portal-375');
  });
});
