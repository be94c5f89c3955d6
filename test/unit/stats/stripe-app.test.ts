import Stripe from 'stripe';
import { UnauthorizedError } from '../../../lambdas/core/errors';
import { statsDeepLink } from '../../../lambdas/stats/stripe-app';
import { verifyStripeAppRequest } from '../../../lambdas/stripe/app-signature';

const secret = 'absec_test_secret';
const now = Date.parse('2026-03-14T12:00:00Z');
const signed = { user_id: 'usr_1', account_id: 'acct_1' };

/** What fetchStripeSignature() sends: a webhook-style header over `{user_id, account_id}` in that order. */
const signatureFor = (payload: object, options: { secret?: string; at?: number } = {}) =>
  Stripe.webhooks.generateTestHeaderString({
    payload: JSON.stringify(payload),
    secret: options.secret ?? secret,
    timestamp: Math.floor((options.at ?? now) / 1000),
  });

const body = (value: object) => Buffer.from(JSON.stringify(value));

describe('a Stripe App request', () => {
  it('names the user and account Stripe signed for, whatever else the body carries', () => {
    const caller = verifyStripeAppRequest(body({ mode: 'test', ...signed, from: '2026-01-01' }), signatureFor(signed), secret, now);
    expect(caller).toEqual({ userId: 'usr_1', accountId: 'acct_1' });
  });

  it('is accepted until its signature is five minutes old', () => {
    expect(() => verifyStripeAppRequest(body(signed), signatureFor(signed, { at: now - 300_000 }), secret, now)).not.toThrow();
    expect(() => verifyStripeAppRequest(body(signed), signatureFor(signed, { at: now - 301_000 }), secret, now)).toThrow(UnauthorizedError);
  });

  it.each([
    ['no signature', body(signed), undefined],
    ['a signature made with another secret', body(signed), signatureFor(signed, { secret: 'absec_other' })],
    ['a signature for another account', body({ ...signed, account_id: 'acct_2' }), signatureFor(signed)],
    ['a signature for another user', body({ ...signed, user_id: 'usr_2' }), signatureFor(signed)],
    ['a signature over the fields in another order', body(signed), signatureFor({ account_id: 'acct_1', user_id: 'usr_1' })],
    ['a garbled header', body(signed), 'not-a-signature'],
    ['a body that is not JSON', Buffer.from('user_id=usr_1'), signatureFor(signed)],
    ['a body without the signed fields', body({ mode: 'live' }), signatureFor(signed)],
  ])('is refused with %s', (_case, requestBody, signature) => {
    expect(() => verifyStripeAppRequest(requestBody, signature, secret, now)).toThrow(UnauthorizedError);
  });
});

describe('the deep link to the merchant dashboard', () => {
  it('opens the same stats, keeping the dashboard URL\'s own query', () => {
    const link = statsDeepLink('https://shop.example.com/admin?tab=affiliates', 'test', { from: '2026-02-13', to: '2026-03-14' });
    expect(link).toBe('https://shop.example.com/admin?tab=affiliates&view=stats&mode=test&from=2026-02-13&to=2026-03-14');
  });

  it('is null for a merchant without a dashboard URL', () => {
    expect(statsDeepLink(null, 'live', { from: '2026-02-13', to: '2026-03-14' })).toBeNull();
  });
});
