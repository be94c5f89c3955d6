import Stripe from 'stripe';
import { authorizeRedirect, authorizeUrl, emulatorCredentials, rejection, useHarnessAndReceiver, type Harness, type Receiver } from './support';

const clientIds = emulatorCredentials.connectClientIds;

describe('Stripe emulator: Connect OAuth', () => {
  let h: Harness;
  let receiver: Receiver;

  useHarnessAndReceiver((started) => ({ h, receiver } = started));

  it('approves at once and redirects to redirect_uri with a code and the state', async () => {
    const redirect = await authorizeRedirect(h.emulator, { client_id: clientIds.test, state: 'opaque-state' });

    expect(redirect.origin + redirect.pathname).toBe('http://tally.test/oauth/stripe/callback');
    expect(redirect.searchParams.get('code')).toMatch(/^ac_\w{32}$/);
    expect(redirect.searchParams.get('state')).toBe('opaque-state');
    expect(redirect.searchParams.get('scope')).toBe('read_write');
  });

  it('exchanges the code for the connected account, in the mode of the client id', async () => {
    const redirect = await authorizeRedirect(h.emulator, { client_id: clientIds.live });

    const token = await h.stripe('live').oauth.token({ grant_type: 'authorization_code', code: redirect.searchParams.get('code') as string });

    expect(token).toEqual({
      access_token: expect.stringMatching(/^sk_live_/),
      livemode: true,
      refresh_token: expect.stringMatching(/^rt_/),
      scope: 'read_write',
      stripe_publishable_key: emulatorCredentials.publishableKeys.live,
      stripe_user_id: expect.stringMatching(/^acct_\w{16}$/),
      token_type: 'bearer',
    });
    expect((await h.control.accounts('live')).map((account) => account.id)).toEqual([token.stripe_user_id]);
    expect(await h.control.accounts('test')).toEqual([]);
  });

  it('creates a new account on each approval', async () => {
    const first = await h.connect();
    const second = await h.connect();

    expect(first).not.toBe(second);
  });

  it('lets the platform act on the connected account with Stripe-Account, and with the access token', async () => {
    const redirect = await authorizeRedirect(h.emulator, { client_id: clientIds.test });
    const token = await h.stripe().oauth.token({ grant_type: 'authorization_code', code: redirect.searchParams.get('code') as string });

    const viaHeader = await h.stripe().coupons.create({ percent_off: 10 }, { stripeAccount: token.stripe_user_id as string });
    const viaToken = await new Stripe(token.access_token as string, { host: h.emulator.host, port: h.emulator.port, protocol: 'http' }).coupons.retrieve(viaHeader.id);

    expect(viaToken.id).toBe(viaHeader.id);
  });

  it('redirects with access_denied when the user denies (deny=1)', async () => {
    const redirect = await authorizeRedirect(h.emulator, { client_id: clientIds.test, deny: '1', state: 's1' });

    expect(Object.fromEntries(redirect.searchParams)).toEqual({
      error: 'access_denied',
      error_description: 'The user denied your request',
      state: 's1',
    });
    expect(await h.control.accounts()).toEqual([]);
  });

  it('redirects with access_denied when a denial was planned through the control API', async () => {
    await h.control.planAuthorization({ outcome: 'deny' });

    const denied = await authorizeRedirect(h.emulator, { client_id: clientIds.test });
    const approved = await authorizeRedirect(h.emulator, { client_id: clientIds.test });

    expect(denied.searchParams.get('error')).toBe('access_denied');
    expect(approved.searchParams.get('code')).toMatch(/^ac_/);
  });

  it('answers an unknown client_id with a 400 page and no redirect', async () => {
    const response = await fetch(authorizeUrl(h.emulator, { client_id: 'ca_unknown' }), { redirect: 'manual' });

    expect(response.status).toBe(400);
    expect(await response.text()).toContain('Invalid client_id');
  });

  it('refuses a code used twice with invalid_grant and revokes the token it gave', async () => {
    const code = (await authorizeRedirect(h.emulator, { client_id: clientIds.test })).searchParams.get('code') as string;
    const token = await h.stripe().oauth.token({ grant_type: 'authorization_code', code });

    const error = await rejection(h.stripe().oauth.token({ grant_type: 'authorization_code', code }));
    const revoked = await rejection(
      new Stripe(token.access_token as string, { host: h.emulator.host, port: h.emulator.port, protocol: 'http' }).coupons.list(),
    );

    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidGrantError);
    expect(error.message).toBe('This authorization code has already been used. All tokens issued with this code have been revoked.');
    expect(error.statusCode).toBe(400);
    expect(revoked).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
  });

  it('refuses an unknown code, and a code of the other mode, with invalid_grant', async () => {
    const testCode = (await authorizeRedirect(h.emulator, { client_id: clientIds.test })).searchParams.get('code') as string;

    const unknown = await rejection(h.stripe().oauth.token({ grant_type: 'authorization_code', code: 'ac_nope' }));
    const otherMode = await rejection(h.stripe('live').oauth.token({ grant_type: 'authorization_code', code: testCode }));

    expect(unknown).toBeInstanceOf(Stripe.errors.StripeInvalidGrantError);
    expect(unknown.message).toBe('Authorization code does not exist: ac_nope');
    expect(otherMode).toBeInstanceOf(Stripe.errors.StripeInvalidGrantError);
  });

  it('expires codes after five minutes', async () => {
    const code = (await authorizeRedirect(h.emulator, { client_id: clientIds.test })).searchParams.get('code') as string;
    await h.control.advanceClock(5 * 60);

    const error = await rejection(h.stripe().oauth.token({ grant_type: 'authorization_code', code }));

    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidGrantError);
    expect(error.message).toBe(`Authorization code expired: ${code}`);
  });

  it('reconnects an existing account when asked with stripe_user_id or a planned reuse', async () => {
    const accountId = await h.connect();
    await h.stripe().oauth.deauthorize({ client_id: clientIds.test, stripe_user_id: accountId });

    const viaQuery = await authorizeRedirect(h.emulator, { client_id: clientIds.test, stripe_user_id: accountId });
    const first = await h.stripe().oauth.token({ grant_type: 'authorization_code', code: viaQuery.searchParams.get('code') as string });
    await h.control.planAuthorization({ outcome: 'approve', accountId });
    const second = await h.connect();

    expect(first.stripe_user_id).toBe(accountId);
    expect(second).toBe(accountId);
    expect(await h.control.accounts()).toEqual([expect.objectContaining({ id: accountId, status: 'connected' })]);
    await expect(h.stripe().coupons.list({}, { stripeAccount: accountId })).resolves.toBeDefined();
  });

  it('deauthorizes: answers stripe_user_id, cuts access and delivers account.application.deauthorized to Connect endpoints', async () => {
    await h.stripe().webhookEndpoints.create({ url: receiver.url, enabled_events: ['account.application.deauthorized'], connect: true });
    const accountId = await h.connect();

    const result = await h.stripe().oauth.deauthorize({ client_id: clientIds.test, stripe_user_id: accountId });
    await h.control.waitForDeliveries();
    const afterwards = await rejection(h.stripe().coupons.list({}, { stripeAccount: accountId }));

    expect(result).toEqual({ stripe_user_id: accountId });
    expect(afterwards).toBeInstanceOf(Stripe.errors.StripePermissionError);
    expect(afterwards.code).toBe('account_invalid');
    expect(receiver.received.map(({ event }) => [event.type, event.account, event.data.object])).toEqual([
      ['account.application.deauthorized', accountId, { id: clientIds.test, object: 'application', name: emulatorCredentials.platformName }],
    ]);
  });

  it('refuses to deauthorize an account twice, as Stripe does, with invalid_client', async () => {
    const accountId = await h.connect();
    await h.stripe().oauth.deauthorize({ client_id: clientIds.test, stripe_user_id: accountId });

    const again = await rejection(h.stripe().oauth.deauthorize({ client_id: clientIds.test, stripe_user_id: accountId }));
    const unknown = await rejection(h.stripe().oauth.deauthorize({ client_id: clientIds.test, stripe_user_id: 'acct_1NotConnected000' }));

    expect(again).toBeInstanceOf(Stripe.errors.StripeInvalidClientError);
    expect(again.message).toBe(`This application is not connected to stripe account ${accountId}, or that account does not exist.`);
    expect(unknown).toBeInstanceOf(Stripe.errors.StripeInvalidClientError);
  });

  it('delivers account.application.authorized when an account connects', async () => {
    await h.stripe().webhookEndpoints.create({ url: receiver.url, enabled_events: ['*'], connect: true });

    const accountId = await h.connect();
    await h.control.waitForDeliveries();

    expect(receiver.received.map(({ event }) => [event.type, event.account])).toEqual([['account.application.authorized', accountId]]);
  });
});
