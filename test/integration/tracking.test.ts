import { keys } from '../../lambdas/store/keys';
import { trackingLimits } from '../../lambdas/tracking/limits';
import { trackingScript } from '../../lambdas/tracking/script';
import { api } from '../support/api';
import { createAffiliate, createMerchant, type TestMerchant } from '../support/factories';
import { newVisitorId, storedItem, track, trackFrom } from '../support/tracking';

/** Today's figure of the merchant's stats, as its admin reads them. */
const statsFigure = async (merchant: TestMerchant, mode: 'live' | 'test', figure: 'visits' | 'leads') => {
  const today = new Date().toISOString().slice(0, 10);
  return (await api('GET', '/v1/stats', { key: merchant.apiKey, query: { mode, from: today, to: today } })).body[figure];
};

describe('lead tracking API', () => {
  let merchant: TestMerchant;
  let affiliate: { id: string; referralCode: string };
  beforeAll(async () => {
    merchant = await createMerchant();
    await api('PATCH', '/v1/merchant/settings', { key: merchant.apiKey, body: { cookieWindowDays: 30 } });
    affiliate = await createAffiliate(merchant, { referralCode: 'Ada-Ref' });
  });

  it('records a referral visit in its mode, answering the cookie window to any origin', async () => {
    const visitorId = newVisitorId();
    const response = await track('visit', {
      trackingKey: merchant.trackingKey,
      visitorId,
      affiliateCode: 'ada-ref',
      url: 'https://shop.example/pricing?email=someone@example.com',
      referrer: 'https://blog.example/review',
    });
    expect(response.status).toBe(202);
    expect(response.body).toEqual({ accepted: true, cookieWindowDays: 30 });
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(await storedItem(keys.visitor(merchant.merchantId, 'live', visitorId))).toMatchObject({
      affiliateId: affiliate.id,
      referralCode: 'ada-ref',
      landingPage: 'https://shop.example/pricing',
      referrer: 'https://blog.example/review',
      expiresAt: expect.any(Number),
    });
    expect(await storedItem(keys.visitor(merchant.merchantId, 'test', visitorId))).toBeUndefined();
  });

  it('answers the browser preflight of its two routes', async () => {
    const preflight = await api('OPTIONS', '/v1/track/lead', { headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST' } });
    expect(preflight.status).toBe(204);
    expect(Object.fromEntries(preflight.headers)).toMatchObject({
      'access-control-allow-origin': '*',
      'access-control-allow-methods': 'POST, OPTIONS',
      'access-control-allow-headers': 'content-type',
    });
    expect((await api('OPTIONS', '/v1/track/anything')).status).toBe(404);
  });

  it('answers alike whether the code exists or not, and stores nothing for an unknown or archived one', async () => {
    const archived = await createAffiliate(merchant);
    await api('DELETE', `/v1/affiliates/${archived.id}`, { key: merchant.apiKey });
    for (const affiliateCode of ['no-such-code', archived.referralCode, undefined]) {
      const visitorId = newVisitorId();
      const response = await track('visit', { trackingKey: merchant.trackingKey, visitorId, affiliateCode });
      expect(response.status).toBe(202);
      expect(response.body).toEqual({ accepted: true, cookieWindowDays: 30 });
      expect(await storedItem(keys.visitor(merchant.merchantId, 'live', visitorId))).toBeUndefined();
    }
  });

  it("credits a lead to the visitor's referral visit, in the visit's mode only", async () => {
    const own = await createMerchant();
    const ada = await createAffiliate(own);
    const visitorId = newVisitorId();
    await track('visit', { trackingKey: own.trackingKey, visitorId, affiliateCode: ada.referralCode, mode: 'test' });

    const lead = await track('lead', { trackingKey: own.trackingKey, visitorId, email: 'Lead.One@Example.com', mode: 'test' });
    expect(lead.status).toBe(202);
    expect(lead.body).toEqual({ accepted: true });
    expect(await storedItem(keys.emailLead(own.merchantId, 'test', 'lead.one@example.com'))).toMatchObject({
      affiliateId: ada.id,
      via: 'visitor',
      visitorId,
      email: 'Lead.One@Example.com',
    });

    await track('lead', { trackingKey: own.trackingKey, visitorId, email: 'lead.two@example.com' });
    expect(await storedItem(keys.emailLead(own.merchantId, 'live', 'lead.two@example.com'))).toBeUndefined();
  });

  it('credits a lead to a code sent with it', async () => {
    const own = await createMerchant();
    const ada = await createAffiliate(own);
    await track('lead', { trackingKey: own.trackingKey, email: 'coded@example.com', affiliateCode: ada.referralCode });
    const stored = await storedItem(keys.emailLead(own.merchantId, 'live', 'coded@example.com'));
    expect(stored).toMatchObject({ affiliateId: ada.id, via: 'code' });
    expect(stored).not.toHaveProperty('trusted');
  });

  it('refuses a lead that names a Stripe customer with a 400 pointing to POST /v1/leads, and stores nothing', async () => {
    const own = await createMerchant();
    const mallory = await createAffiliate(own);
    const claim = await track('lead', { trackingKey: own.trackingKey, email: 'victim@example.com', affiliateCode: mallory.referralCode, stripeCustomerId: 'cus_Victim123' });
    expect(claim.status).toBe(400);
    expect(claim.body.error).toMatchObject({ type: 'validation_error', issues: [{ path: ['stripeCustomerId'], message: expect.stringContaining('POST /v1/leads') }] });
    expect(claim.headers.get('access-control-allow-origin')).toBe('*');
    expect(await storedItem(keys.customerLead(own.merchantId, 'live', 'cus_Victim123'))).toBeUndefined();
    expect(await storedItem(keys.emailLead(own.merchantId, 'live', 'victim@example.com'))).toBeUndefined();
  });

  it("keeps an e-mail's first lead for the cookie window: a later lead for another affiliate changes nothing", async () => {
    const own = await createMerchant();
    const [ada, mallory] = [await createAffiliate(own), await createAffiliate(own)];
    await track('lead', { trackingKey: own.trackingKey, email: 'honest@example.com', affiliateCode: ada.referralCode });
    const first = await storedItem(keys.emailLead(own.merchantId, 'live', 'honest@example.com'));

    const visitorId = newVisitorId();
    await track('visit', { trackingKey: own.trackingKey, visitorId, affiliateCode: mallory.referralCode });
    for (const body of [{ affiliateCode: mallory.referralCode }, { visitorId }, { affiliateCode: ada.referralCode }]) {
      const later = await track('lead', { trackingKey: own.trackingKey, email: 'Honest@Example.com', ...body });
      expect(later).toMatchObject({ status: 202, body: { accepted: true } });
    }
    expect(await storedItem(keys.emailLead(own.merchantId, 'live', 'honest@example.com'))).toEqual(first);
    expect(await statsFigure(own, 'live', 'leads')).toBe(1);
  });

  it("lets a new lead take over once the first lead's affiliate is archived", async () => {
    const own = await createMerchant();
    const [ada, bob] = [await createAffiliate(own), await createAffiliate(own)];
    await track('lead', { trackingKey: own.trackingKey, email: 'moved@example.com', affiliateCode: ada.referralCode });
    await api('DELETE', `/v1/affiliates/${ada.id}`, { key: own.apiKey });
    await track('lead', { trackingKey: own.trackingKey, email: 'moved@example.com', affiliateCode: bob.referralCode });
    expect(await storedItem(keys.emailLead(own.merchantId, 'live', 'moved@example.com'))).toMatchObject({ affiliateId: bob.id });
  });

  it('counts visits each time, and a lead once however often the site sends it', async () => {
    const own = await createMerchant();
    const ada = await createAffiliate(own);
    const visitorId = newVisitorId();
    for (let i = 0; i < 2; i++) await track('visit', { trackingKey: own.trackingKey, visitorId, affiliateCode: ada.referralCode });
    for (let i = 0; i < 3; i++) await track('lead', { trackingKey: own.trackingKey, visitorId, email: 'repeat@example.com' });
    await track('lead', { trackingKey: own.trackingKey, email: 'nobody-referred@example.com' });
    expect(await statsFigure(own, 'live', 'visits')).toBe(2);
    expect(await statsFigure(own, 'live', 'leads')).toBe(1);
    expect(await statsFigure(own, 'test', 'visits')).toBe(0);
    expect(await storedItem(keys.emailLead(own.merchantId, 'live', 'nobody-referred@example.com'))).toBeUndefined();
  });

  it('refuses bad input with 400 that a browser can read, and stores nothing', async () => {
    const visitorId = newVisitorId();
    for (const body of [
      { trackingKey: merchant.trackingKey, visitorId, affiliateCode: 'ada-ref', affiliateId: affiliate.id },
      { trackingKey: merchant.trackingKey, visitorId, affiliateCode: 'ada-ref', url: 'javascript:alert(1)' },
      { trackingKey: merchant.trackingKey, visitorId, affiliateCode: 'ada-ref', mode: 'staging' },
    ]) {
      const response = await track('visit', body);
      expect(response.status).toBe(400);
      expect(response.body.error.type).toBe('validation_error');
      expect(response.headers.get('access-control-allow-origin')).toBe('*');
    }
    const notJson = await api('POST', '/v1/track/lead', { rawBody: 'email=ada@example.com', headers: { 'content-type': 'text/plain' } });
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.type).toBe('invalid_json');
    expect(await storedItem(keys.visitor(merchant.merchantId, 'live', visitorId))).toBeUndefined();
  });

  it('refuses a body over 8 KB with 413, and an unknown tracking key with 401, both readable cross-origin', async () => {
    const large = await track('visit', { trackingKey: merchant.trackingKey, visitorId: newVisitorId(), padding: 'x'.repeat(9000) });
    expect(large.status).toBe(413);
    expect(large.headers.get('access-control-allow-origin')).toBe('*');
    const unknown = await track('visit', { trackingKey: 'tally_pk_NotAKeyOfAnyMerchant00', visitorId: newVisitorId() });
    expect(unknown.status).toBe(401);
    expect(unknown.headers.get('access-control-allow-origin')).toBe('*');
  });

  it("never writes with one merchant's key for another merchant's affiliate", async () => {
    const other = await createMerchant();
    const theirs = await createAffiliate(other, { referralCode: 'only-theirs' });
    const visitorId = newVisitorId();
    await track('visit', { trackingKey: merchant.trackingKey, visitorId, affiliateCode: theirs.referralCode });
    await track('lead', { trackingKey: merchant.trackingKey, email: 'crossed@example.com', affiliateCode: theirs.referralCode });
    for (const owner of [merchant.merchantId, other.merchantId]) {
      expect(await storedItem(keys.visitor(owner, 'live', visitorId))).toBeUndefined();
      expect(await storedItem(keys.emailLead(owner, 'live', 'crossed@example.com'))).toBeUndefined();
    }
  });

  it('limits one client to a number of calls a minute, and stores nothing it refuses', async () => {
    const own = await createMerchant();
    const ada = await createAffiliate(own);
    // Keep the burst inside one fixed window.
    const second = new Date().getUTCSeconds();
    if (second > 45) await new Promise((resolve) => setTimeout(resolve, (61 - second) * 1000));
    const statuses: number[] = [];
    for (let i = 0; i < trackingLimits.perClientIp; i++)
      statuses.push((await track('lead', { trackingKey: own.trackingKey, email: `burst${i}@example.com` })).status);
    expect(statuses.every((status) => status === 202)).toBe(true);

    const visitorId = newVisitorId();
    const refused = await track('visit', { trackingKey: own.trackingKey, visitorId, affiliateCode: ada.referralCode });
    expect(refused.status).toBe(429);
    expect(refused.body.error.type).toBe('rate_limited');
    expect(refused.headers.get('access-control-allow-origin')).toBe('*');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(trackingLimits.windowSeconds);
    expect(await storedItem(keys.visitor(own.merchantId, 'live', visitorId))).toBeUndefined();
  });

  it("keeps serving the merchant's real visitors while one client floods it far past the merchant-wide limit", async () => {
    const own = await createMerchant();
    const ada = await createAffiliate(own);
    // The flood and the real visitor's call must fall in one fixed window.
    const second = new Date().getUTCSeconds();
    if (second > 20) await new Promise((resolve) => setTimeout(resolve, (61 - second) * 1000));
    const flood = Array.from({ length: trackingLimits.perTrackingKey + trackingLimits.perClientIp }, (_, i) => i);
    const statuses = new Map<number, number>();
    for (let next = 0; next < flood.length; next += 25) {
      const answers = await Promise.all(
        flood.slice(next, next + 25).map((i) => trackFrom('127.0.0.2', 'lead', { trackingKey: own.trackingKey, email: `flood${i}@example.com`, affiliateCode: ada.referralCode })),
      );
      for (const { status } of answers) statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
    expect(Object.fromEntries(statuses)).toEqual({ 202: trackingLimits.perClientIp, 429: trackingLimits.perTrackingKey });

    const visitorId = newVisitorId();
    const visitor = await trackFrom('127.0.0.3', 'visit', { trackingKey: own.trackingKey, visitorId, affiliateCode: ada.referralCode });
    expect(visitor.status).toBe(202);
    expect(await storedItem(keys.visitor(own.merchantId, 'live', visitorId))).toMatchObject({ affiliateId: ada.id });
  });

  it('serves the tracking script for websites to paste', async () => {
    const response = await api('GET', '/v1/track/tally.js');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('public, max-age=3600');
    expect(response.body).toBe(trackingScript);
  });
});
