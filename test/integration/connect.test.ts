import { GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { newState } from '../../lambdas/connect/oauth-state';
import { api } from '../support/api';
import { createMerchant } from '../support/factories';
import { testOAuthStateKey } from '../support/spawn-stack';
import { dynamo, stack } from '../support/stack';
import { connectStripe, connectedMerchant, emulator, withFault } from '../support/stripe';

const tokenExchanges = () => emulator().requestCount({ method: 'POST', path: '/oauth/token' });

describe('Stripe Connect OAuth', () => {
  it.each(['test', 'live'] as const)('connects a %s account through the full redirect flow', async (mode) => {
    const merchant = await createMerchant();
    const authorize = await api('GET', '/v1/connect/stripe/authorize', { key: merchant.apiKey, query: { mode } });
    expect(authorize.status).toBe(200);
    const url = new URL(authorize.body.url);
    expect(url.origin).toBe(stack().emulatorUrl);
    expect(url.pathname).toBe('/oauth/authorize');
    expect(url.searchParams.get('scope')).toBe('read_write');
    expect(url.searchParams.get('redirect_uri')).toBe(`${stack().publicUrl}/oauth/stripe/callback`);
    expect(url.searchParams.get('client_id')).toMatch(mode === 'live' ? /Live/ : /Test/);

    const { location, accountId } = await connectStripe(merchant, mode);
    expect(location.origin + location.pathname).toBe('https://dashboard.example.com/tally');
    expect(location.searchParams.get('stripe')).toBe('connected');
    expect(location.searchParams.get('mode')).toBe(mode);

    const me = await api('GET', '/v1/merchant', { key: merchant.apiKey });
    expect(me.body.stripe[mode]).toMatchObject({ accountId: expect.stringMatching(/^acct_/), status: 'connected', scope: 'read_write' });
    expect(me.body.stripe[mode === 'live' ? 'test' : 'live']).toBeNull();
    const claim = await dynamo().send(new GetCommand({ TableName: stack().tableName, Key: { pk: `STRIPEACCOUNT#${mode}#${accountId}`, sk: 'ACCOUNT' } }));
    expect(claim.Item).toMatchObject({ merchantId: merchant.merchantId, status: 'connected' });
  });

  it('keeps no OAuth access token', async () => {
    const merchant = await createMerchant();
    await connectedMerchant(merchant);
    const { Items = [] } = await dynamo().send(new ScanCommand({ TableName: stack().tableName }));
    const stored = JSON.stringify(Items);
    expect(stored).not.toMatch(/access_token|refresh_token|sk_(test|live)_/);
  });

  it('follows every redirect to the dashboard with a browser-like client', async () => {
    const merchant = await createMerchant({ dashboardUrl: `${stack().apiUrl}/_local/dashboard` });
    const authorize = await api('GET', '/v1/connect/stripe/authorize', { key: merchant.apiKey, query: { mode: 'test' } });
    const landing = await fetch(authorize.body.url, { redirect: 'follow' });
    expect(landing.status).toBe(200);
    expect(new URL(landing.url).searchParams.get('stripe')).toBe('connected');
    expect(await landing.text()).toContain('stripe=connected');
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
    const authorize = await api('GET', '/v1/connect/stripe/authorize', { key: merchant.apiKey, query: { mode: 'test' } });
    const state = new URL(authorize.body.url).searchParams.get('state') as string;
    const before = await tokenExchanges();
    const response = await api('GET', '/oauth/stripe/callback', { query: { state, error: '<script>alert(1)</script>' } });
    if (dashboardUrl) {
      expect(response.status).toBe(302);
      expect(new URL(response.headers.get('location') as string).searchParams.get('reason')).toBe('stripe_error');
    } else {
      expect(response.status).toBe(200);
      expect(response.body).toContain('stripe_error');
      expect(response.body).not.toContain('<script>');
    }
    expect(await tokenExchanges()).toBe(before);
  });

  it('refuses a replayed callback with 400 and exchanges the code only once', async () => {
    const merchant = await createMerchant();
    const authorize = await api('GET', '/v1/connect/stripe/authorize', { key: merchant.apiKey, query: { mode: 'test' } });
    const callback = (await fetch(authorize.body.url, { redirect: 'manual' })).headers.get('location') as string;
    const before = await tokenExchanges();
    expect((await fetch(callback, { redirect: 'manual' })).status).toBe(302);
    const replay = await fetch(callback, { redirect: 'manual' });
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain('already used');
    expect(await tokenExchanges()).toBe(before + 1);
  });

  it.each([
    ['a tampered state', (state: string) => `${state.slice(0, -4)}AAAA`],
    ['a missing state', () => ''],
    ['a state from another key', () => newState('mer_x', 'test', 'another-key-another-key-another', new Date()).state],
    ['an expired state', () => newState('mer_x', 'test', testOAuthStateKey, new Date(Date.now() - 11 * 60_000)).state],
  ])('answers %s with a 400 page and no token exchange', async (_case, makeState) => {
    const merchant = await createMerchant();
    const authorize = await api('GET', '/v1/connect/stripe/authorize', { key: merchant.apiKey, query: { mode: 'test' } });
    const callback = new URL((await fetch(authorize.body.url, { redirect: 'manual' })).headers.get('location') as string);
    callback.searchParams.set('state', makeState(callback.searchParams.get('state') as string));
    const before = await tokenExchanges();
    const response = await fetch(callback, { redirect: 'manual' });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(await tokenExchanges()).toBe(before);
    expect((await api('GET', '/v1/merchant', { key: merchant.apiKey })).body.stripe.test).toBeNull();
  });

  it('reports invalid_grant when a code is used again with a fresh state', async () => {
    const merchant = await createMerchant();
    const authorize = await api('GET', '/v1/connect/stripe/authorize', { key: merchant.apiKey, query: { mode: 'test' } });
    const callback = new URL((await fetch(authorize.body.url, { redirect: 'manual' })).headers.get('location') as string);
    await fetch(callback, { redirect: 'manual' });
    const second = await api('GET', '/v1/connect/stripe/authorize', { key: merchant.apiKey, query: { mode: 'test' } });
    callback.searchParams.set('state', new URL(second.body.url).searchParams.get('state') as string);
    const response = await fetch(callback, { redirect: 'manual' });
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
