import { GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { newState } from '../../lambdas/connect/oauth-state';
import { api } from '../support/api';
import { ConnectBrowser } from '../support/connect-browser';
import { createMerchant, type TestMerchant } from '../support/factories';
import { testOAuthStateKey } from '../support/spawn-stack';
import { dynamo, stack } from '../support/stack';
import { connectStripe, connectedMerchant, emulator, startConnect, withFault } from '../support/stripe';

const tokenExchanges = () => emulator().requestCount({ method: 'POST', path: '/oauth/token' });

const callbackUrl = (query: Record<string, string>) => {
  const url = new URL(`${stack().publicUrl}/oauth/stripe/callback`);
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
  return url;
};

/** Starts a flow in a browser and lets the emulator approve it: the callback URL Stripe sends that browser to. */
const approvedFlow = async (merchant: TestMerchant) => {
  const { browser, stripeUrl } = await startConnect(merchant);
  const callback = new URL((await fetch(stripeUrl, { redirect: 'manual' })).headers.get('location') as string);
  return { browser, callback };
};

describe('Stripe Connect OAuth', () => {
  it.each(['test', 'live'] as const)('connects a %s account through the full redirect flow', async (mode) => {
    const merchant = await createMerchant();
    const authorize = await api('GET', '/v1/connect/stripe/authorize', { key: merchant.apiKey, query: { mode } });
    expect(authorize.status).toBe(200);
    const link = new URL(authorize.body.url);
    expect(link.origin + link.pathname).toBe(`${stack().publicUrl}/oauth/stripe/start`);
    expect(Date.parse(authorize.body.expiresAt)).toBeGreaterThan(Date.now());

    const browser = new ConnectBrowser();
    const start = await browser.open(link);
    expect(start.status).toBe(302);
    const url = new URL(start.headers.get('location') as string);
    expect(url.origin).toBe(stack().emulatorUrl);
    expect(url.pathname).toBe('/oauth/authorize');
    expect(url.searchParams.get('state')).toBe(link.searchParams.get('state'));
    expect(url.searchParams.get('scope')).toBe('read_write');
    expect(url.searchParams.get('redirect_uri')).toBe(`${stack().publicUrl}/oauth/stripe/callback`);
    expect(url.searchParams.get('client_id')).toMatch(mode === 'live' ? /Live/ : /Test/);
    const [cookie] = start.headers.getSetCookie();
    expect(cookie).toMatch(/^tally_oauth_[\w-]+=[\w-]{40,}; /);
    expect(cookie).toContain('Path=/oauth/stripe');
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Lax');
    // The local stack's public URL is http, so the cookie cannot be Secure there.
    expect(cookie).not.toContain('Secure');
    expect(Number(/Max-Age=(\d+)/.exec(cookie as string)?.[1])).toBeGreaterThan(590);
    expect(Number(/Max-Age=(\d+)/.exec(cookie as string)?.[1])).toBeLessThanOrEqual(600);

    const callback = (await browser.open(url)).headers.get('location') as string;
    const atTally = await browser.open(callback);
    const location = new URL(atTally.headers.get('location') as string);
    expect(location.origin + location.pathname).toBe('https://dashboard.example.com/tally');
    expect(location.searchParams.get('stripe')).toBe('connected');
    expect(location.searchParams.get('mode')).toBe(mode);
    // The spent state's cookie is expired again.
    expect(browser.cookiesFor(new URL(callback))).toEqual([]);

    const me = await api('GET', '/v1/merchant', { key: merchant.apiKey });
    expect(me.body.stripe[mode]).toMatchObject({ accountId: expect.stringMatching(/^acct_/), status: 'connected', scope: 'read_write' });
    expect(me.body.stripe[mode === 'live' ? 'test' : 'live']).toBeNull();
    const claim = await dynamo().send(
      new GetCommand({ TableName: stack().tableName, Key: { pk: `STRIPEACCOUNT#${mode}#${me.body.stripe[mode].accountId}`, sk: 'ACCOUNT' } }),
    );
    expect(claim.Item).toMatchObject({ merchantId: merchant.merchantId, status: 'connected' });
  });

  it('keeps no OAuth access token', async () => {
    const merchant = await createMerchant();
    await connectedMerchant(merchant);
    const { Items = [] } = await dynamo().send(new ScanCommand({ TableName: stack().tableName }));
    const stored = JSON.stringify(Items);
    expect(stored).not.toMatch(/access_token|refresh_token|sk_(test|live)_/);
  });

  it('follows every redirect to the dashboard in a browser', async () => {
    const merchant = await createMerchant({ dashboardUrl: `${stack().apiUrl}/_local/dashboard` });
    const authorize = await api('GET', '/v1/connect/stripe/authorize', { key: merchant.apiKey, query: { mode: 'test' } });
    const landing = await new ConnectBrowser().visit(authorize.body.url);
    expect(landing.status).toBe(200);
    expect(new URL(landing.url).searchParams.get('stripe')).toBe('connected');
    expect(await landing.text()).toContain('stripe=connected');
  });

  it('completes a callback only in the browser that opened the link: another gets a 400 page and no exchange', async () => {
    const merchant = await createMerchant();
    const { browser, callback } = await approvedFlow(merchant);
    const before = await tokenExchanges();

    const elsewhere = await new ConnectBrowser().open(callback);
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.headers.get('content-type')).toContain('text/html');
    expect(await elsewhere.text()).toContain('not started in this browser');
    const forged = await fetch(callback, { redirect: 'manual', headers: { cookie: browser.cookiesFor(callback)[0]!.replace(/=.*/, '=forged') } });
    expect(forged.status).toBe(400);
    expect(await tokenExchanges()).toBe(before);
    expect((await api('GET', '/v1/merchant', { key: merchant.apiKey })).body.stripe.test).toBeNull();

    // The browser that started it still can.
    const own = await browser.open(callback);
    expect(new URL(own.headers.get('location') as string).searchParams.get('stripe')).toBe('connected');
    expect(await tokenExchanges()).toBe(before + 1);
  });

  it('refuses a link opened a second time, in any browser, with a 400 page and no cookie', async () => {
    const merchant = await createMerchant();
    const authorize = await api('GET', '/v1/connect/stripe/authorize', { key: merchant.apiKey, query: { mode: 'test' } });
    const first = new ConnectBrowser();
    expect((await first.open(authorize.body.url)).status).toBe(302);
    for (const browser of [new ConnectBrowser(), first]) {
      const again = await browser.open(authorize.body.url);
      expect(again.status).toBe(400);
      expect(again.headers.getSetCookie()).toEqual([]);
      expect(await again.text()).toContain('already opened');
    }
  });

  it('sends a merchant who refused back with reason=denied and stores nothing', async () => {
    const merchant = await createMerchant();
    const before = await tokenExchanges();
    const { location } = await connectStripe(merchant, 'test', { deny: '1' });
    expect(location.searchParams.get('stripe')).toBe('error');
    expect(location.searchParams.get('reason')).toBe('denied');
    expect(await tokenExchanges()).toBe(before);
    expect((await api('GET', '/v1/merchant', { key: merchant.apiKey })).body.stripe.test).toBeNull();
  });

  it.each([
    ['with a dashboard', 'https://dashboard.example.com/tally'],
    ['without a dashboard', undefined],
  ])('reports any other OAuth error to a merchant %s as stripe_error, never echoing it', async (_case, dashboardUrl) => {
    const merchant = await createMerchant({ dashboardUrl });
    const { browser, stripeUrl } = await startConnect(merchant);
    const state = stripeUrl.searchParams.get('state') as string;
    const before = await tokenExchanges();
    const response = await browser.open(callbackUrl({ state, error: '<script>alert(1)</script>' }));
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location') as string);
    // Without a dashboard of its own, the merchant lands on the console's Stripe page.
    expect(location.origin + location.pathname).toBe(dashboardUrl ?? `${stack().publicUrl}/console/stripe`);
    expect(location.searchParams.get('reason')).toBe('stripe_error');
    expect(location.toString()).not.toContain('script');
    expect(await tokenExchanges()).toBe(before);
  });

  it('refuses a replayed callback with 400 and exchanges the code only once', async () => {
    const merchant = await createMerchant();
    const { browser, callback } = await approvedFlow(merchant);
    const cookie = browser.cookiesFor(callback).join('; ');
    const before = await tokenExchanges();
    expect((await browser.open(callback)).status).toBe(302);
    // Replayed with the cookie the browser held, as an attacker who copied both would.
    const replay = await fetch(callback, { redirect: 'manual', headers: { cookie } });
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain('already used');
    expect((await browser.open(callback)).status).toBe(400);
    expect(await tokenExchanges()).toBe(before + 1);
  });

  it.each([
    ['a tampered state', (state: string) => `${state.slice(0, -4)}AAAA`],
    ['a missing state', () => ''],
    ['a state from another key', () => newState('mer_x', 'test', 'another-key-another-key-another', new Date()).state],
    ['an expired state', () => newState('mer_x', 'test', testOAuthStateKey, new Date(Date.now() - 11 * 60_000)).state],
  ])('answers %s with a 400 page and no token exchange', async (_case, makeState) => {
    const merchant = await createMerchant();
    const { browser, callback } = await approvedFlow(merchant);
    callback.searchParams.set('state', makeState(callback.searchParams.get('state') as string));
    const before = await tokenExchanges();
    const response = await browser.open(callback);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(await tokenExchanges()).toBe(before);
    expect((await api('GET', '/v1/merchant', { key: merchant.apiKey })).body.stripe.test).toBeNull();
  });

  it.each([
    ['a tampered state', (state: string) => `${state.slice(0, -4)}AAAA`],
    ['an expired state', () => newState('mer_x', 'test', testOAuthStateKey, new Date(Date.now() - 11 * 60_000)).state],
  ])('answers a start link with %s with a 400 page and no cookie', async (_case, makeState) => {
    const merchant = await createMerchant();
    const authorize = await api('GET', '/v1/connect/stripe/authorize', { key: merchant.apiKey, query: { mode: 'test' } });
    const link = new URL(authorize.body.url);
    link.searchParams.set('state', makeState(link.searchParams.get('state') as string));
    const response = await fetch(link, { redirect: 'manual' });
    expect(response.status).toBe(400);
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it('reports invalid_grant when a code is used again with a fresh state', async () => {
    const merchant = await createMerchant();
    const first = await approvedFlow(merchant);
    await first.browser.open(first.callback);
    const second = await startConnect(merchant);
    const callback = new URL(first.callback);
    callback.searchParams.set('state', second.stripeUrl.searchParams.get('state') as string);
    const response = await second.browser.open(callback);
    const location = new URL(response.headers.get('location') as string);
    expect(location.searchParams.get('reason')).toBe('invalid_grant');
  });

  it('refuses an account already connected to another merchant', async () => {
    const [first, second] = await Promise.all([createMerchant(), createMerchant()]);
    const accountId = await connectedMerchant(first);
    const { location } = await connectStripe(second, 'test', { stripe_user_id: accountId });
    expect(location.searchParams.get('reason')).toBe('conflict');
    expect((await api('GET', '/v1/merchant', { key: second.apiKey })).body.stripe.test).toBeNull();
    expect((await api('GET', '/v1/merchant', { key: first.apiKey })).body.stripe.test.status).toBe('connected');
  });

  it('answers 400 for an unknown mode', async () => {
    const merchant = await createMerchant();
    const response = await api('GET', '/v1/connect/stripe/authorize', { key: merchant.apiKey, query: { mode: 'sandbox' } });
    expect(response.status).toBe(400);
  });
});

describe('disconnect', () => {
  it('deauthorizes at Stripe, ends the connection, and allows reconnecting the same account', async () => {
    const merchant = await createMerchant();
    const accountId = await connectedMerchant(merchant);
    const response = await api('POST', '/v1/connect/stripe/disconnect', { key: merchant.apiKey, query: { mode: 'test' } });
    expect(response.status).toBe(200);
    expect(response.body.stripe.test).toMatchObject({ accountId, status: 'disconnected', disconnectedAt: expect.any(String) });
    const account = (await emulator().accounts('test')).find((candidate) => candidate.id === accountId);
    expect(account?.status).toBe('deauthorized');

    const again = await connectStripe(merchant, 'test', { stripe_user_id: accountId });
    expect(again.location.searchParams.get('stripe')).toBe('connected');
    expect((await api('GET', '/v1/merchant', { key: merchant.apiKey })).body.stripe.test).toMatchObject({ accountId, status: 'connected' });
    // The first connection's deauthorization may arrive after this reconnect: the claim says when that one ended.
    const claim = await dynamo().send(new GetCommand({ TableName: stack().tableName, Key: { pk: `STRIPEACCOUNT#test#${accountId}`, sk: 'ACCOUNT' } }));
    expect(claim.Item).toMatchObject({ status: 'connected', previousDisconnectedAt: response.body.stripe.test.disconnectedAt });
  });

  it('answers 409 when nothing is connected', async () => {
    const merchant = await createMerchant();
    const response = await api('POST', '/v1/connect/stripe/disconnect', { key: merchant.apiKey, query: { mode: 'live' } });
    expect(response.status).toBe(409);
    expect(response.body.error.type).toBe('connection.not_connected');
  });

  it('leaves the connection unchanged and says why when Stripe fails', async () => {
    const merchant = await createMerchant();
    const accountId = await connectedMerchant(merchant);
    await withFault({ share500: 1, match: { pathPrefix: '/oauth/deauthorize' } }, async () => {
      const response = await api('POST', '/v1/connect/stripe/disconnect', { key: merchant.apiKey, query: { mode: 'test' } });
      expect(response.status).toBe(502);
      expect(response.body.error.type).toBe('stripe_error');
    });
    expect((await api('GET', '/v1/merchant', { key: merchant.apiKey })).body.stripe.test).toMatchObject({ accountId, status: 'connected' });
  });
});
