import { serverLeadInput } from '../../../lambdas/leads/schema';

describe('server-side lead input', () => {
  it('takes an e-mail and a referral code or an affiliate ID, with an optional customer and visitor, live unless told', () => {
    expect(serverLeadInput.parse({ email: 'ada@example.com', referralCode: 'bob-15' })).toEqual({ email: 'ada@example.com', referralCode: 'bob-15', mode: 'live' });
    const full = { email: 'ada@example.com', affiliateId: 'aff_01abc', stripeCustomerId: 'cus_Abc123', visitorId: 'V1234567890abcdefghij', mode: 'test' };
    expect(serverLeadInput.parse(full)).toEqual(full);
  });

  it.each([
    ['neither a referral code nor an affiliate ID', { email: 'ada@example.com' }],
    ['both a referral code and an affiliate ID', { email: 'ada@example.com', referralCode: 'bob-15', affiliateId: 'aff_01abc' }],
    ['something other than a Stripe customer ID', { email: 'ada@example.com', referralCode: 'bob-15', stripeCustomerId: 'acct_123' }],
    ['something other than an affiliate ID', { email: 'ada@example.com', affiliateId: 'mer_01abc' }],
    ['an unknown field', { email: 'ada@example.com', referralCode: 'bob-15', trackingKey: 'tally_pk_0123456789abcdefABCDEF' }],
  ])('refuses a lead with %s', (_case, body) => {
    expect(serverLeadInput.safeParse(body).success).toBe(false);
  });
});
