import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { bindingCookie, bindingSecret, browserDigest, clearedBindingCookie } from '../../../lambdas/connect/browser-binding';
import { authorizeUrl, completeOAuth, startOAuth } from '../../../lambdas/connect/connection';
import { newState } from '../../../lambdas/connect/oauth-state';
import * as Secrets from '../../../lambdas/core/secrets';
import * as Merchants from '../../../lambdas/merchants/merchant';
import { keys } from '../../../lambdas/store/keys';
import * as StripeClient from '../../../lambdas/stripe/client';

jest.mock('../../../lambdas/core/secrets', () => ({ getSecret: jest.fn() }));
jest.mock('../../../lambdas/coupon-sync/connected', () => ({ afterConnection: jest.fn() }));
jest.mock('../../../lambdas/merchants/merchant', () => ({ get: jest.fn() }));
jest.mock('../../../lambdas/stripe/client', () => ({ stripeFor: jest.fn(), connectClientId: jest.fn(), authorizeUrlFor: jest.fn() }));

process.env.TALLY_TABLE_NAME = 'tally-test';
process.env.TALLY_PUBLIC_URL = 'https://tally.example.com';

const stateKey = 'unit-oauth-state-key-0123456789';
const dynamo = mockClient(DynamoDBDocumentClient);
const token = jest.fn();
const ccf = () => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

const issued = () => newState('mer_1', 'test', stateKey, new Date());
const cookieOf = (setCookie: string) => setCookie.split(';')[0] as string;

beforeEach(() => {
  dynamo.reset();
  token.mockReset().mockResolvedValue({ stripe_user_id: 'acct_1', livemode: false, scope: 'read_write' });
  jest.mocked(Secrets.getSecret).mockResolvedValue(stateKey as never);
  jest.mocked(StripeClient.stripeFor).mockResolvedValue({ oauth: { token } } as never);
  jest.mocked(StripeClient.connectClientId).mockResolvedValue('ca_test');
  jest.mocked(StripeClient.authorizeUrlFor).mockImplementation((_client, params) => `https://connect.stripe.com/oauth/authorize?state=${params.state}`);
  jest.mocked(Merchants.get).mockResolvedValue({ id: 'mer_1', dashboardUrl: null, stripe: { live: null, test: null } } as never);
});

describe('the browser-binding cookie', () => {
  it('is HttpOnly, SameSite=Lax, under /oauth/stripe, lives as long as the state, and is Secure on https', () => {
    expect(bindingCookie('n1', 's3cret', 600, true)).toBe('tally_oauth_n1=s3cret; Path=/oauth/stripe; Max-Age=600; HttpOnly; SameSite=Lax; Secure');
    expect(bindingCookie('n1', 's3cret', 600, false)).not.toContain('Secure');
    expect(clearedBindingCookie('n1', true)).toContain('Max-Age=0');
  });

  it("is found by its state's nonce among the browser's cookies", () => {
    expect(bindingSecret(['other=1', 'tally_oauth_n2=b', 'tally_oauth_n1=a'], 'n1')).toBe('a');
    expect(bindingSecret(['tally_oauth_n2=b', 'tally_oauth_n1='], 'n1')).toBeUndefined();
  });
});

describe('the authorize link', () => {
  it("leads to Tally's start page, not to Stripe", async () => {
    dynamo.on(PutCommand).resolves({});
    const { url } = await authorizeUrl('mer_1', 'test');
    expect(new URL(url).origin + new URL(url).pathname).toBe('https://tally.example.com/oauth/stripe/start');
    expect(new URL(url).searchParams.get('state')).toMatch(/^[\w-]+\.[\w-]+$/);
  });
});

describe('starting the flow in a browser', () => {
  it("binds the state to a new secret, stores only its digest, and sends the browser to Stripe", async () => {
    dynamo.on(UpdateCommand).resolves({});
    const { state, payload } = issued();
    const { url, cookie } = await startOAuth(state);
    expect(url).toContain(`state=${state}`);
    expect(cookie).toMatch(new RegExp(`^tally_oauth_${payload.nonce}=[\\w-]{43}; Path=/oauth/stripe; Max-Age=(59\\d|600); HttpOnly; SameSite=Lax; Secure$`));
    const secret = cookieOf(cookie).split('=')[1] as string;
    expect(dynamo).toReceiveCommandWith(UpdateCommand, {
      Key: keys.oauthState(payload.nonce),
      ConditionExpression: expect.stringContaining('attribute_not_exists(browserDigest)'),
      ExpressionAttributeValues: expect.objectContaining({ ':digest': browserDigest(secret) }),
    });
    expect(JSON.stringify(dynamo.calls().map((call) => call.args[0].input))).not.toContain(secret);
  });

  it('refuses a state already bound to a browser', async () => {
    dynamo.on(UpdateCommand).rejects(ccf());
    dynamo.on(GetCommand).resolves({ Item: { ...keys.oauthState('n'), browserDigest: 'x' } });
    await expect(startOAuth(issued().state)).rejects.toMatchObject({ status: 400, message: expect.stringContaining('already opened') });
  });
});

describe('the callback', () => {
  it('refuses a browser without the cookie before the nonce is spent or the code exchanged', async () => {
    await expect(completeOAuth({ state: issued().state, code: 'ac_1' }, ['unrelated=1'])).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining('not started in this browser'),
    });
    expect(dynamo).not.toHaveReceivedCommand(DeleteCommand);
    expect(token).not.toHaveBeenCalled();
  });

  it('refuses a cookie that is not the one the state was bound to, and leaves the state for the right browser', async () => {
    const { state, payload } = issued();
    dynamo.on(DeleteCommand).rejects(ccf());
    dynamo.on(GetCommand).resolves({ Item: keys.oauthState(payload.nonce) });
    await expect(completeOAuth({ state, code: 'ac_1' }, [`tally_oauth_${payload.nonce}=forged`])).rejects.toMatchObject({ status: 400 });
    expect(dynamo).toReceiveCommandWith(DeleteCommand, { ExpressionAttributeValues: expect.objectContaining({ ':digest': browserDigest('forged') }) });
    expect(token).not.toHaveBeenCalled();
  });

  it('spends the state with the matching cookie, exchanges the code, and expires the cookie', async () => {
    const { state, payload } = issued();
    dynamo.on(DeleteCommand).resolves({});
    dynamo.on(GetCommand).resolves({});
    const outcome = await completeOAuth({ state, code: 'ac_1' }, [`tally_oauth_${payload.nonce}=s3cret`]);
    expect(dynamo).toReceiveCommandWith(DeleteCommand, {
      Key: keys.oauthState(payload.nonce),
      ConditionExpression: expect.stringContaining('browserDigest = :digest'),
      ExpressionAttributeValues: expect.objectContaining({ ':digest': browserDigest('s3cret') }),
    });
    expect(token).toHaveBeenCalledWith({ grant_type: 'authorization_code', code: 'ac_1' });
    expect(outcome.cookie).toBe(clearedBindingCookie(payload.nonce, true));
  });
});
