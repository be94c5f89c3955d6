import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import Stripe from 'stripe';
import { ConflictError, UpstreamError, ValidationError } from '../core/errors';
import { requireSetting } from '../core/config';
import { logger } from '../core/logger';
import type { Mode } from '../core/mode';
import { getSecret } from '../core/secrets';
import { afterConnection } from '../coupon-sync/connected';
import { get as getMerchant, type Merchant, type StripeConnection } from '../merchants/merchant';
import { db, tableName } from '../store/db';
import { keys } from '../store/keys';
import { Transaction } from '../store/transaction';
import { authorizeUrlFor, connectClientId, stripeFor } from '../stripe/client';
import { catchUpGap } from '../history/catch-up';
import { bindingCookie, bindingSecret, browserDigest, clearedBindingCookie, newBrowserSecret } from './browser-binding';
import { newState, type StateProblem, verifyState } from './oauth-state';

/** The record that ties a Stripe account (in one mode) to the merchant that connected it. */
export interface AccountClaim {
  merchantId: string;
  mode: Mode;
  accountId: string;
  status: StripeConnection['status'];
  connectedAt: string;
  disconnectedAt?: string;
  /**
   * When this merchant's previous connection of the same account ended, if it was connected
   * again: that connection's deauthorization may still be on its way (account-application-deauthorized.ts).
   */
  previousDisconnectedAt?: string;
}

export const startPath = '/oauth/stripe/start';
export const callbackPath = '/oauth/stripe/callback';

const publicUrl = (path: string) => new URL(`${requireSetting('TALLY_PUBLIC_URL')}${path}`);
const secureCookies = () => publicUrl('').protocol === 'https:';

/**
 * The link that starts a connection for this merchant and mode: Tally's start page, with a signed,
 * single-use state that expires in 10 minutes. The page binds the flow to the browser that opens
 * it and sends that browser on to Stripe (`startOAuth`).
 */
export const authorizeUrl = async (merchantId: string, mode: Mode): Promise<{ url: string; expiresAt: string }> => {
  await getMerchant(merchantId);
  const { state, payload } = newState(merchantId, mode, await getSecret('oauthStateKey'), new Date());
  await db().send(
    new PutCommand({
      TableName: tableName(),
      Item: { ...keys.oauthState(payload.nonce), type: 'oauthState', merchantId, mode, expiresAt: payload.expiresAt },
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
  const url = publicUrl(startPath);
  url.searchParams.set('state', state);
  return { url: url.toString(), expiresAt: new Date(payload.expiresAt * 1000).toISOString() };
};

type StateRefusal = StateProblem | 'used' | 'started' | 'other_browser';
const stateMessages: Record<StateRefusal, string> = {
  missing: 'The OAuth state is missing.',
  malformed: 'The OAuth state is not one Tally issued.',
  bad_signature: 'The OAuth state is not one Tally issued.',
  expired: 'The OAuth state has expired; start the connection again.',
  used: 'The OAuth state was already used; start the connection again.',
  started: 'This connection link was already opened in a browser; start the connection again.',
  other_browser: 'This connection was not started in this browser; start it again here.',
};
const invalidState = (problem: StateRefusal) => new ValidationError(stateMessages[problem], undefined, 'oauth.invalid_state');

/**
 * The start page: binds the state to this browser (once: a link opened a second time, by anyone,
 * is refused) and sends it to Stripe's OAuth page. Returns the redirect and the cookie to set.
 */
export const startOAuth = async (state: string | undefined): Promise<{ url: string; cookie: string }> => {
  const now = new Date();
  const verified = verifyState(state, await getSecret('oauthStateKey'), now);
  if (!verified.ok) throw invalidState(verified.problem);
  const { merchantId, mode, nonce, expiresAt } = verified.payload;
  // Built before the binding, so a platform that cannot build it leaves the link usable.
  const url = authorizeUrlFor(await stripeFor(mode), {
    response_type: 'code',
    client_id: await connectClientId(mode),
    scope: 'read_write',
    state: state as string,
    redirect_uri: publicUrl(callbackPath).toString(),
  });
  const secret = newBrowserSecret();
  try {
    await db().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.oauthState(nonce),
        UpdateExpression: 'SET browserDigest = :digest',
        ConditionExpression: 'attribute_exists(pk) AND merchantId = :merchantId AND #mode = :mode AND attribute_not_exists(browserDigest)',
        ExpressionAttributeNames: { '#mode': 'mode' },
        ExpressionAttributeValues: { ':digest': browserDigest(secret), ':merchantId': merchantId, ':mode': mode },
      }),
    );
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) throw invalidState((await stateExists(nonce)) ? 'started' : 'used');
    throw error;
  }
  return { url, cookie: bindingCookie(nonce, secret, expiresAt - Math.floor(now.getTime() / 1000), secureCookies()) };
};

const stateExists = async (nonce: string): Promise<boolean> =>
  (await db().send(new GetCommand({ TableName: tableName(), Key: keys.oauthState(nonce), ConsistentRead: true }))).Item !== undefined;

/**
 * Deletes the nonce if this browser started the flow, so a replayed redirect (or a second tab)
 * cannot complete twice, and a browser without the cookie cannot complete it at all.
 */
const consumeNonce = async (nonce: string, merchantId: string, mode: Mode, secret: string) => {
  try {
    await db().send(
      new DeleteCommand({
        TableName: tableName(),
        Key: keys.oauthState(nonce),
        ConditionExpression: 'attribute_exists(pk) AND merchantId = :merchantId AND #mode = :mode AND browserDigest = :digest',
        ExpressionAttributeNames: { '#mode': 'mode' },
        ExpressionAttributeValues: { ':merchantId': merchantId, ':mode': mode, ':digest': browserDigest(secret) },
      }),
    );
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) throw invalidState((await stateExists(nonce)) ? 'other_browser' : 'used');
    throw error;
  }
};

type ExchangeOutcome = { merchant: Merchant; mode: Mode } & ({ connected: StripeConnection } | { error: string });
/** `cookie` expires the browser's cookie for the spent state. */
export type CallbackOutcome = ExchangeOutcome & { cookie: string };

export interface CallbackInput {
  code?: string;
  state?: string;
  error?: string;
}

/**
 * Stripe's redirect back, with the cookies of the browser it arrived in. The state and the
 * browser's cookie for it are checked and spent before anything else, so a bad or replayed state,
 * or another browser, never reaches the token exchange. Problems after that are the merchant's to
 * see on their dashboard (`reason`), not a page of ours.
 */
export const completeOAuth = async (input: CallbackInput, cookies: readonly string[]): Promise<CallbackOutcome> => {
  const verified = verifyState(input.state, await getSecret('oauthStateKey'), new Date());
  if (!verified.ok) throw invalidState(verified.problem);
  const { merchantId, mode, nonce } = verified.payload;
  const secret = bindingSecret(cookies, nonce);
  if (!secret) throw invalidState('other_browser');
  await consumeNonce(nonce, merchantId, mode, secret);
  const outcome = await exchange(input, merchantId, mode);
  return { ...outcome, cookie: clearedBindingCookie(nonce, secureCookies()) };
};

const exchange = async (input: CallbackInput, merchantId: string, mode: Mode): Promise<ExchangeOutcome> => {
  const merchant = await getMerchant(merchantId);

  // Stripe's other redirect errors (invalid_scope, invalid_request…) are ours to fix, not the
  // merchant's: one reason for them, and nothing from the query string echoed to the dashboard.
  if (input.error) return { merchant, mode, error: input.error === 'access_denied' ? 'denied' : 'stripe_error' };
  if (!input.code) return { merchant, mode, error: 'missing_code' };

  let token: Stripe.OAuthToken;
  try {
    token = await (await stripeFor(mode)).oauth.token({ grant_type: 'authorization_code', code: input.code });
  } catch (error) {
    if (error instanceof Stripe.errors.StripeInvalidGrantError) return { merchant, mode, error: 'invalid_grant' };
    logger.error('OAuth token exchange failed', { error: error as Error, mode });
    return { merchant, mode, error: 'stripe_error' };
  }
  const accountId = token.stripe_user_id;
  if (!accountId) return { merchant, mode, error: 'stripe_error' };
  if (token.livemode !== (mode === 'live')) return { merchant, mode, error: 'mode_mismatch' };

  try {
    const { connection: connected, reconnectedAfter } = await storeConnection(merchant, mode, accountId, token.scope);
    logger.info('Stripe account connected', { merchantId, mode, accountId });
    // The coupons' sync records of this mode may name another account's objects: reset them, and with auto-sync on, resync.
    await afterConnection(merchant, mode, accountId);
    // The same account again: what Stripe sent while the connection was ended is read from its event log.
    if (reconnectedAfter) await catchUpGap(merchantId, mode, reconnectedAfter);
    return { merchant: { ...merchant, stripe: { ...merchant.stripe, [mode]: connected } }, mode, connected };
  } catch (error) {
    if (error instanceof ConflictError) return { merchant, mode, error: 'conflict' };
    throw error;
  }
};

const accountTaken = () =>
  new ConflictError('connection.account_taken', 'This Stripe account is connected to another merchant.');

/**
 * Claims the account for this merchant (free, already ours, or released by its last merchant) and
 * records the connection on the profile, in one transaction. An account this merchant connected
 * before in the mode is released, since a mode has one connection.
 */
const storeConnection = async (
  merchant: Merchant,
  mode: Mode,
  accountId: string,
  scope?: string,
): Promise<{ connection: StripeConnection; reconnectedAfter?: string }> => {
  const connectedAt = new Date().toISOString();
  const connection: StripeConnection = { accountId, status: 'connected', scope, connectedAt };
  const previous = merchant.stripe[mode];
  const reconnected = previous?.accountId === accountId && previous.status === 'disconnected' ? previous.disconnectedAt : undefined;
  const claim: AccountClaim = {
    merchantId: merchant.id,
    mode,
    accountId,
    status: 'connected',
    connectedAt,
    ...(reconnected ? { previousDisconnectedAt: reconnected } : {}),
  };
  const transaction = new Transaction()
    .put(
      {
        Item: { ...keys.stripeAccount(mode, accountId), ...keys.connectedAccount(mode, accountId), type: 'accountClaim', ...claim },
        ConditionExpression: 'attribute_not_exists(pk) OR merchantId = :merchantId OR #status = :disconnected',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':merchantId': merchant.id, ':disconnected': 'disconnected' },
      },
      accountTaken,
    )
    .update({
      Key: keys.merchant(merchant.id),
      UpdateExpression: 'SET #stripe.#mode = :connection',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: { '#stripe': 'stripe', '#mode': mode },
      ExpressionAttributeValues: { ':connection': connection },
    });
  if (previous && previous.accountId !== accountId && previous.status === 'connected')
    releaseClaim(transaction, merchant.id, mode, previous.accountId, connectedAt);
  await transaction.commit();
  return { connection, ...(reconnected ? { reconnectedAfter: reconnected } : {}) };
};

const releaseClaim = (transaction: Transaction, merchantId: string, mode: Mode, accountId: string, at: string) =>
  transaction.update({
    Key: keys.stripeAccount(mode, accountId),
    UpdateExpression: 'SET #status = :disconnected, disconnectedAt = :at REMOVE gsi1pk, gsi1sk',
    ConditionExpression: 'merchantId = :merchantId',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: { ':disconnected': 'disconnected', ':at': at, ':merchantId': merchantId },
  });

/**
 * Adds the end of a connection to a transaction: the profile (only if it still shows this account
 * connected) and the account claim. Events for the account are ignored from then on.
 */
export const endConnection = (transaction: Transaction, merchantId: string, mode: Mode, accountId: string, at: string) =>
  transaction
    .update(
      {
        Key: keys.merchant(merchantId),
        UpdateExpression: 'SET #stripe.#mode.#status = :disconnected, #stripe.#mode.disconnectedAt = :at',
        ConditionExpression: '#stripe.#mode.accountId = :accountId AND #stripe.#mode.#status = :connected',
        ExpressionAttributeNames: { '#stripe': 'stripe', '#mode': mode, '#status': 'status' },
        ExpressionAttributeValues: { ':disconnected': 'disconnected', ':connected': 'connected', ':at': at, ':accountId': accountId },
      },
      () => new ConflictError('connection.not_connected', `This Stripe account is no longer connected in ${mode} mode.`),
    )
    .update({
      Key: keys.stripeAccount(mode, accountId),
      UpdateExpression: 'SET #status = :disconnected, disconnectedAt = :at REMOVE gsi1pk, gsi1sk',
      ConditionExpression: 'merchantId = :merchantId',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':disconnected': 'disconnected', ':at': at, ':merchantId': merchantId },
    });

/** Stripe says the account is not (or no longer) connected to the platform: the goal is reached. */
const alreadyDisconnected = (error: unknown) =>
  error instanceof Stripe.errors.StripeError &&
  ((error as { code?: string }).code === 'invalid_client' || /not connected|no such/i.test(error.message));

/**
 * Deauthorizes at Stripe, then ends the connection. If Stripe fails, nothing changes here and the
 * merchant sees why; the `account.application.deauthorized` event that follows is then ignored.
 */
export const disconnect = async (merchantId: string, mode: Mode): Promise<Merchant> => {
  const merchant = await getMerchant(merchantId);
  const connection = merchant.stripe[mode];
  if (connection?.status !== 'connected')
    throw new ConflictError('connection.not_connected', `No Stripe account is connected in ${mode} mode.`);
  try {
    await (await stripeFor(mode)).oauth.deauthorize({ client_id: await connectClientId(mode), stripe_user_id: connection.accountId });
  } catch (error) {
    if (!alreadyDisconnected(error)) {
      logger.error('Stripe deauthorization failed', { error: error as Error, mode });
      throw new UpstreamError('stripe_error', `Stripe could not disconnect the account: ${(error as Error).message}`);
    }
  }
  const at = new Date().toISOString();
  try {
    await endConnection(new Transaction(), merchantId, mode, connection.accountId, at).commit();
  } catch (error) {
    // The deauthorization's own webhook may have ended the connection first: the goal is reached.
    if (!(error instanceof ConflictError) || !(await endedAlready(merchantId, mode, connection))) throw error;
  }
  logger.info('Stripe account disconnected', { merchantId, mode, accountId: connection.accountId });
  return getMerchant(merchantId);
};

/** Whether the connection that was to be ended is ended now (and not replaced meanwhile). */
const endedAlready = async (merchantId: string, mode: Mode, ending: StripeConnection): Promise<boolean> => {
  const now = (await getMerchant(merchantId)).stripe[mode];
  return now?.accountId === ending.accountId && now.connectedAt === ending.connectedAt && now.status === 'disconnected';
};

export const findAccountClaim = async (mode: Mode, accountId: string): Promise<AccountClaim | undefined> => {
  const { Item } = await db().send(
    new GetCommand({ TableName: tableName(), Key: keys.stripeAccount(mode, accountId), ConsistentRead: true }),
  );
  return Item as AccountClaim | undefined;
};
