import type Stripe from 'stripe';
import type { ConnectedAccount } from './accounts';
import type { Mode } from './defaults';
import { oauthError } from './errors';
import { emitEvent } from './events';
import { defineRoute, type RequestRef } from './route';
import type { EmulatorState } from './state';

/** Stripe Connect OAuth (Standard accounts): `GET /oauth/authorize`, `POST /oauth/token`, `POST /oauth/deauthorize`. */

const SCOPES = ['read_write', 'read_only'];

function clientMode(state: EmulatorState, clientId: string | null): Mode | undefined {
  const ids = state.credentials.connectClientIds;
  return (Object.keys(ids) as Mode[]).find((mode) => ids[mode] === clientId);
}

function application(state: EmulatorState, mode: Mode): Stripe.Application {
  return { id: state.credentials.connectClientIds[mode], object: 'application', name: state.credentials.platformName };
}

export type AuthorizeOutcome = { status: 302; location: string } | { status: 400; message: string };

/**
 * The page a merchant would see on connect.stripe.com, answered at once: approved (a new connected
 * account, or an existing one to reconnect) or, with `deny=1` or a planned denial, refused.
 */
export function authorize(state: EmulatorState, query: URLSearchParams): AuthorizeOutcome {
  const mode = clientMode(state, query.get('client_id'));
  if (!mode) return { status: 400, message: `Invalid client_id: ${query.get('client_id') ?? '(none)'}` };
  const redirectUri = query.get('redirect_uri');
  let target: URL;
  try {
    target = new URL(redirectUri ?? '');
  } catch {
    return { status: 400, message: `Invalid redirect_uri: ${redirectUri ?? '(none)'}` };
  }
  const redirect = (params: Record<string, string>): AuthorizeOutcome => {
    for (const [key, value] of Object.entries(params)) target.searchParams.set(key, value);
    const oauthState = query.get('state');
    if (oauthState !== null) target.searchParams.set('state', oauthState);
    return { status: 302, location: target.toString() };
  };
  if ((query.get('response_type') ?? 'code') !== 'code') {
    return redirect({ error: 'unsupported_response_type', error_description: 'Only response_type=code is supported' });
  }
  const scope = query.get('scope') ?? 'read_only';
  if (!SCOPES.includes(scope)) return redirect({ error: 'invalid_scope', error_description: `Invalid scope: ${scope}` });
  const planned = state.oauth.takePlanned();
  if (query.get('deny') === '1' || planned?.outcome === 'deny') {
    return redirect({ error: 'access_denied', error_description: 'The user denied your request' });
  }
  const reuse = query.get('stripe_user_id') ?? planned?.accountId;
  let account: ConnectedAccount;
  if (reuse) {
    const existing = state.accounts.get(reuse);
    if (!existing || existing.mode !== mode) return { status: 400, message: `No ${mode} mode account ${reuse} to reconnect` };
    state.accounts.connect(existing, state.now());
    account = existing;
  } else {
    account = state.accounts.create(mode, state.now());
  }
  emitEvent(state, { mode, account: account.id }, { type: 'account.application.authorized', object: application(state, mode) });
  const code = state.oauth.issueCode(mode, account.id, query.get('client_id') as string, scope, state.now());
  return redirect({ scope, code: code.code });
}

/** Disconnects an account from the platform, as `POST /oauth/deauthorize` or the account owner in their dashboard does. */
export function deauthorizeAccount(state: EmulatorState, account: ConnectedAccount, request?: RequestRef): void {
  state.accounts.deauthorize(account, state.now());
  state.oauth.revokeAccount(account.id);
  emitEvent(state, { mode: account.mode, account: account.id }, {
    type: 'account.application.deauthorized',
    object: application(state, account.mode),
    ...(request ? { request } : {}),
  });
}

interface TokenInput {
  grantType: string;
  code: string | undefined;
  refreshToken: string | undefined;
}

function tokenResponse(state: EmulatorState, mode: Mode, account: string, scope: string): Stripe.OAuthToken & { access_token: string } {
  const grant = state.oauth.issueTokens(mode, account, scope);
  return {
    access_token: grant.accessToken,
    livemode: mode === 'live',
    refresh_token: grant.refreshToken,
    scope,
    stripe_publishable_key: state.credentials.publishableKeys[mode],
    stripe_user_id: account,
    token_type: 'bearer',
  };
}

export const oauthRoutes = [
  defineRoute({
    method: 'POST',
    path: '/oauth/token',
    oauth: true,
    accepts: ['grant_type', 'code', 'refresh_token', 'scope'],
    parse: (params): TokenInput => {
      params.string('scope');
      return {
        grantType: params.string('grant_type') ?? '',
        code: params.string('code'),
        refreshToken: params.string('refresh_token'),
      };
    },
    run: (input, { state, caller }) => {
      if (input.grantType === 'refresh_token') {
        const grant = input.refreshToken ? state.oauth.refreshToken(input.refreshToken) : undefined;
        if (!grant || grant.mode !== caller.mode) throw oauthError(400, 'invalid_grant', `Invalid refresh token: ${input.refreshToken ?? ''}`);
        return tokenResponse(state, grant.mode, grant.account, grant.scope);
      }
      if (input.grantType !== 'authorization_code') {
        throw oauthError(400, 'unsupported_grant_type', `Unsupported grant type: ${input.grantType}`);
      }
      if (!input.code) throw oauthError(400, 'invalid_request', 'No authorization code provided');
      const code = state.oauth.code(input.code);
      if (!code || code.mode !== caller.mode) throw oauthError(400, 'invalid_grant', `Authorization code does not exist: ${input.code}`);
      if (code.usedAt !== null) {
        state.oauth.revoke(code.issued);
        throw oauthError(400, 'invalid_grant', 'This authorization code has already been used. All tokens issued with this code have been revoked.');
      }
      if (state.now() >= code.expiresAt) throw oauthError(400, 'invalid_grant', `Authorization code expired: ${input.code}`);
      code.usedAt = state.now();
      const token = tokenResponse(state, code.mode, code.account, code.scope);
      code.issued.push(token.access_token);
      return token;
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/oauth/deauthorize',
    oauth: true,
    accepts: ['client_id', 'stripe_user_id'],
    parse: (params) => ({ clientId: params.string('client_id'), accountId: params.string('stripe_user_id') }),
    run: (input, { state, caller, request }): Stripe.OAuthDeauthorization => {
      if (input.clientId !== state.credentials.connectClientIds[caller.mode]) {
        throw oauthError(401, 'invalid_client', `No such application: '${input.clientId ?? ''}'`);
      }
      if (!input.accountId) throw oauthError(400, 'invalid_request', 'No stripe_user_id provided');
      const account = state.accounts.get(input.accountId);
      if (!account || account.mode !== caller.mode || account.status !== 'connected') {
        throw oauthError(401, 'invalid_client', `This application is not connected to stripe account ${input.accountId}, or that account does not exist.`);
      }
      deauthorizeAccount(state, account, request);
      return { stripe_user_id: account.id };
    },
  }),
];
