import { type ConsoleBrowser, open, signIn, submit } from '../support/console';
import { api } from '../support/api';
import { ConnectBrowser } from '../support/connect-browser';
import { eventually, finishedJob, jobsOf } from '../support/coupon-sync';
import { createAffiliate, createMerchant, type TestMerchant, unique } from '../support/factories';
import { stack } from '../support/stack';

/**
 * The console's Stripe page over HTTP, signed in with a session made in this process: connecting
 * through Stripe's OAuth flow from the console (and landing back on it when the merchant has no
 * dashboard of their own), disconnecting, automatic coupon sync, and a bulk re-sync's progress.
 */

jest.setTimeout(120_000);

const stripeOf = async (merchant: TestMerchant) => (await api('GET', '/v1/merchant', { key: merchant.apiKey })).body;

/**
 * The console's Connect button, then the browser's way through Tally's start page and Stripe's
 * OAuth page (where the emulator approves at once, or refuses with `deny`) back to Tally's callback:
 * where Tally finally sends the merchant.
 */
const connectFromConsole = async (owner: ConsoleBrowser, stripeParams: Record<string, string> = {}): Promise<URL> => {
  const connect = await submit(owner, '/stripe/connect');
  expect(connect.status).toBe(303);
  const start = new URL(connect.headers.get('location') as string);
  expect(start.origin + start.pathname).toBe(`${stack().publicUrl}/oauth/stripe/start`);
  const browser = new ConnectBrowser();
  const atStart = await browser.open(start);
  expect(atStart.status).toBe(302);
  const stripeUrl = new URL(atStart.headers.get('location') as string);
  for (const [name, value] of Object.entries(stripeParams)) stripeUrl.searchParams.set(name, value);
  const atStripe = await browser.open(stripeUrl);
  expect(atStripe.status).toBe(302);
  const atTally = await browser.open(atStripe.headers.get('location') as string);
  expect(atTally.status).toBe(302);
  return new URL(atTally.headers.get('location') as string);
};

const withoutDashboard = () => createMerchant({ dashboardUrl: undefined });

/** The page a browser lands on, with the console session (the location is an absolute URL). */
const landOn = (owner: ConsoleBrowser, location: URL) => api<string>('GET', location.pathname + location.search, { headers: { cookie: owner.cookie } });

describe('console: Stripe', () => {
  it('connects the test account from the console and, without a dashboard, lands back on the Stripe page saying so', async () => {
    const merchant = await withoutDashboard();
    const owner = await signIn(merchant, 'owner');
    const before = await open(owner, '/console/stripe');
    expect(before.status).toBe(200);
    expect(before.body).toContain('Connect my Stripe account (test)');
    // The Connect form's redirects lead to Stripe: the page's form-action must allow it.
    expect(before.headers.get('content-security-policy')).toContain(`form-action 'self' ${stack().publicUrl} ${stack().emulatorUrl}`);

    const location = await connectFromConsole(owner);
    expect(location.toString()).toBe(`${stack().publicUrl}/console/stripe?stripe=connected&mode=test`);

    const { stripe } = await stripeOf(merchant);
    expect(stripe.test).toMatchObject({ status: 'connected', accountId: expect.stringMatching(/^acct_/) });
    expect(stripe.live).toBeNull();
    const landed = await landOn(owner, location);
    expect(landed.status).toBe(200);
    expect(landed.body).toContain('role="status">Your test Stripe account is connected to Tally.</p>');
    expect(landed.body).toContain(`<strong>Connected</strong>: account <code>${stripe.test.accountId}</code>`);
    expect(landed.body).toContain('Disconnect from Stripe (test)');
    expect(landed.body).toContain('Connect my Stripe account (live)');
  });

  it('lands a refused connection on the Stripe page with the reason, and stores nothing', async () => {
    const merchant = await withoutDashboard();
    const owner = await signIn(merchant, 'owner');
    const location = await connectFromConsole(owner, { deny: '1' });
    expect(location.toString()).toBe(`${stack().publicUrl}/console/stripe?stripe=error&mode=test&reason=denied`);
    expect((await stripeOf(merchant)).stripe.test).toBeNull();
    const landed = await landOn(owner, location);
    expect(landed.body).toContain('role="alert">The test Stripe account was not connected: you declined the connection in Stripe.</p>');
  });

  it('still sends a merchant with a dashboard back to it', async () => {
    const merchant = await createMerchant();
    const location = await connectFromConsole(await signIn(merchant, 'owner'));
    expect(location.origin + location.pathname).toBe('https://dashboard.example.com/tally');
    expect(location.searchParams.get('stripe')).toBe('connected');
  });

  describe('once connected', () => {
    let merchant: TestMerchant;
    let owner: ConsoleBrowser;
    let viewer: ConsoleBrowser;

    beforeAll(async () => {
      merchant = await withoutDashboard();
      [owner, viewer] = await Promise.all([signIn(merchant, 'owner'), signIn(merchant, 'viewer')]);
      const location = await connectFromConsole(owner);
      if (location.searchParams.get('stripe') !== 'connected') throw new Error(`connect failed: ${location}`);
      for (const couponCode of [unique('C').toUpperCase(), unique('C').toUpperCase()])
        await createAffiliate(merchant, { couponCode, discount: { percentOff: 15, duration: 'once' } });
    });

    it("re-syncs every affiliate's coupon in bulk and shows the job's progress", async () => {
      expect((await open(owner, '/console/stripe')).body).toContain('No coupon re-sync has run yet.');
      const started = await submit(owner, '/stripe/resync');
      expect(started.status).toBe(303);
      expect(started.headers.get('location')).toBe('/console/stripe?flash=resync&mode=test');
      const [job] = await jobsOf(merchant.merchantId);
      expect(job).toMatchObject({ trigger: 'manual', modes: ['test'] });
      await finishedJob(merchant, job!.jobId as string);

      const page = await open(owner, '/console/stripe', { flash: 'resync' });
      expect(page.body).toContain('The bulk re-sync started');
      expect(page.body).toContain('Finished: test mode');
      expect(page.body).toContain('Affiliates done: 2 of 2');
      expect(page.body).toContain('<progress id="resync-progress" value="2" max="2">');
      expect(page.body).toContain('<li>Synced: 2</li>');
    });

    it('turns Automatically Sync Affiliate Coupons on (which syncs everyone) and off again', async () => {
      expect((await open(owner, '/console/stripe')).body).toMatch(/<input type="checkbox" id="field-autoSyncCoupons" name="autoSyncCoupons" value="on" role="switch"\/>/);
      const on = await submit(owner, '/stripe/settings', { autoSyncCoupons: 'on' });
      expect(on.status).toBe(303);
      expect(on.headers.get('location')).toBe('/console/stripe?flash=saved-resync&mode=test');
      expect((await stripeOf(merchant)).settings.autoSyncCoupons).toBe(true);
      await eventually(() => jobsOf(merchant.merchantId), (jobs) => jobs.some((job) => job.trigger === 'settings'), { what: 'the settings resync' });
      expect((await open(owner, '/console/stripe')).body).toMatch(/name="autoSyncCoupons" value="on" role="switch" checked\/>/);

      // An unticked checkbox sends nothing: that is "off".
      const off = await submit(owner, '/stripe/settings');
      expect(off.headers.get('location')).toBe('/console/stripe?flash=saved&mode=test');
      expect((await stripeOf(merchant)).settings.autoSyncCoupons).toBe(false);
    });

    it('refuses every change from a viewer with 403, and shows them no forms', async () => {
      for (const [path, fields] of [['/stripe/connect', {}], ['/stripe/disconnect', {}], ['/stripe/resync', {}], ['/stripe/settings', { autoSyncCoupons: 'on' }]] as const) {
        const refused = await submit(viewer, path, fields);
        expect(refused.status).toBe(403);
      }
      const { stripe, settings } = await stripeOf(merchant);
      expect(stripe.test.status).toBe('connected');
      expect(settings.autoSyncCoupons).toBe(false);
      const page = await open(viewer, '/console/stripe');
      expect(page.status).toBe(200);
      expect(page.body).not.toContain('action="/console/stripe/');
      expect(page.body).toContain('Automatically Sync Affiliate Coupons: <strong>off</strong>');
    });

    it('disconnects the test account, and says why when nothing is left to disconnect', async () => {
      const disconnected = await submit(owner, '/stripe/disconnect');
      expect(disconnected.status).toBe(303);
      expect(disconnected.headers.get('location')).toBe('/console/stripe?flash=disconnected&mode=test');
      const { stripe } = await stripeOf(merchant);
      expect(stripe.test).toMatchObject({ status: 'disconnected', disconnectedAt: expect.any(String) });

      const page = await open(owner, '/console/stripe', { flash: 'disconnected' });
      expect(page.body).toContain('The Stripe account is disconnected');
      expect(page.body).toContain(`<strong>Not connected</strong>: account <code>${stripe.test.accountId}</code> was disconnected`);
      expect(page.body).toContain('Connect my Stripe account (test)');

      const again = await submit(owner, '/stripe/disconnect');
      expect(again.status).toBe(409);
      expect(again.body).toContain('role="alert">No Stripe account is connected in test mode.</p>');
      expect((await submit(owner, '/stripe/resync')).status).toBe(409);
    });
  });
});
