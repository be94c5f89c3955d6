import { leadInput, serverLeadsOnly, visitInput } from '../../../lambdas/tracking/schema';

const trackingKey = 'tally_pk_0123456789abcdefABCDEF';
const visitorId = 'V1234567890abcdefghij';

describe('tracking API input', () => {
  it('takes a visit in live mode unless told otherwise, keeping only origin and path of its URLs', () => {
    const visit = visitInput.parse({
      trackingKey,
      visitorId,
      affiliateCode: 'ada-15',
      url: 'https://shop.example/pricing?email=ada@example.com#plans',
      referrer: 'https://blog.example/',
    });
    expect(visit).toEqual({ trackingKey, visitorId, affiliateCode: 'ada-15', mode: 'live', url: 'https://shop.example/pricing', referrer: 'https://blog.example/' });
    expect(visitInput.parse({ trackingKey, visitorId, mode: 'test' }).mode).toBe('test');
  });

  it.each([
    ['an API key instead of the tracking key', { trackingKey: 'tally_sk_0123456789abcdefABCDEF', visitorId }],
    ['a short visitor ID', { trackingKey, visitorId: 'short' }],
    ['a visitor ID with odd characters', { trackingKey, visitorId: 'V1234567890abcdefghij<>' }],
    ['an affiliate code that cannot be a referral code', { trackingKey, visitorId, affiliateCode: 'a b' }],
    ['a non-web URL', { trackingKey, visitorId, url: 'javascript:alert(1)' }],
    ['a URL over 2048 characters', { trackingKey, visitorId, url: `https://shop.example/${'a'.repeat(2048)}` }],
    ['an unknown mode', { trackingKey, visitorId, mode: 'staging' }],
    ['an unknown field', { trackingKey, visitorId, affiliateId: 'aff_1' }],
  ])('refuses a visit with %s', (_case, body) => {
    expect(visitInput.safeParse(body).success).toBe(false);
  });

  it('takes a lead with an e-mail, and optionally a visitor and a code', () => {
    expect(leadInput.parse({ trackingKey, email: 'ada@example.com' })).toEqual({ trackingKey, email: 'ada@example.com', mode: 'live' });
    expect(leadInput.safeParse({ trackingKey, email: 'ada@example.com', visitorId, affiliateCode: 'ada' }).success).toBe(true);
  });

  it('refuses a lead that names a Stripe customer, pointing to the server-side call', () => {
    const result = leadInput.safeParse({ trackingKey, email: 'ada@example.com', stripeCustomerId: 'cus_Abc123' });
    expect(result.error?.issues).toEqual([expect.objectContaining({ path: ['stripeCustomerId'], message: serverLeadsOnly })]);
    expect(serverLeadsOnly).toContain('POST /v1/leads');
  });

  it.each([
    ['no e-mail', { trackingKey, visitorId }],
    ['an invalid e-mail', { trackingKey, email: 'not-an-email' }],
    ['an unknown field', { trackingKey, email: 'ada@example.com', affiliateId: 'aff_1' }],
  ])('refuses a lead with %s', (_case, body) => {
    expect(leadInput.safeParse(body).success).toBe(false);
  });
});
