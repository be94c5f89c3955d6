import { trackingScript } from '../../../lambdas/tracking/script';
import { fakeBrowser } from '../../support/browser';

interface Sent {
  url: string;
  init: { method: string; headers: Record<string, string>; body: string; keepalive: boolean; credentials: string };
  body: Record<string, unknown>;
}

/** The served script on a page, with a fetch that records each call and answers like Tally (or refuses). */
const browser = (options: { href: string; attributes?: Record<string, string>; cookie?: string; referrer?: string; answer?: object | null; before?: object }) => {
  const sent: Sent[] = [];
  const answer = options.answer === undefined ? { accepted: true, cookieWindowDays: 30 } : options.answer;
  const page = fakeBrowser({
    ...options,
    source: trackingScript,
    scriptSrc: 'https://api.tally.example/v1/track/tally.js',
    attributes: { 'data-key': 'tally_pk_0123456789abcdefABCDEF', ...options.attributes },
    fetch: async (url, init) => {
      sent.push({ url, init, body: JSON.parse(init.body) });
      return answer ? { ok: true, json: async () => answer } : { ok: false, json: async () => ({ error: {} }) };
    },
  });
  return { ...page, sent, cookies: page.cookiesSet };
};

describe('the tracking script', () => {
  it('records a visit from ?ref= and keeps the visitor ID in a cookie for the cookie window Tally answers', async () => {
    const page = browser({ href: 'https://shop.example/pricing?ref=ada-15&utm_source=x#top', referrer: 'https://blog.example/post?token=secret' });
    await page.settled();
    expect(page.sent).toHaveLength(1);
    const [visit] = page.sent as [Sent];
    expect(visit.url).toBe('https://api.tally.example/v1/track/visit');
    expect(visit.init).toMatchObject({ method: 'POST', headers: { 'content-type': 'text/plain' }, keepalive: true, credentials: 'omit' });
    expect(visit.body).toEqual({
      trackingKey: 'tally_pk_0123456789abcdefABCDEF',
      mode: 'live',
      visitorId: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      affiliateCode: 'ada-15',
      url: 'https://shop.example/pricing',
      referrer: 'https://blog.example/post',
    });
    expect(page.cookies).toEqual([`tally_vid=${visit.body.visitorId}; Max-Age=${30 * 86400}; Path=/; SameSite=Lax; Secure`]);
  });

  it('keeps the visitor ID it already has, and records nothing without a valid ?ref=', async () => {
    const returning = browser({ href: 'https://shop.example/?ref=bob', cookie: 'theme=dark; tally_vid=ExistingVisitor_12345' });
    await returning.settled();
    expect(returning.sent[0]?.body.visitorId).toBe('ExistingVisitor_12345');

    for (const href of ['https://shop.example/', 'https://shop.example/?ref=%3Cscript%3E', 'https://shop.example/?ref=x']) {
      const page = browser({ href });
      await page.settled();
      expect(page.sent).toEqual([]);
      expect(page.cookies).toEqual([]);
    }
  });

  it('sets no cookie when Tally refuses the visit', async () => {
    const page = browser({ href: 'https://shop.example/?ref=ada', answer: null });
    await page.settled();
    expect(page.sent).toHaveLength(1);
    expect(page.cookies).toEqual([]);
  });

  it('records a lead with the e-mail and the visitor ID after the visit, and never names a Stripe customer', async () => {
    const page = browser({ href: 'https://shop.example/?ref=ada' });
    const accepted = await page.tally().lead('  Ada@Example.com ', { stripeCustomerId: 'cus_123' });
    expect(accepted).toBe(true);
    expect(page.sent.map((call) => call.url)).toEqual(['https://api.tally.example/v1/track/visit', 'https://api.tally.example/v1/track/lead']);
    expect(page.sent[1]?.body).toEqual({
      trackingKey: 'tally_pk_0123456789abcdefABCDEF',
      mode: 'live',
      email: 'Ada@Example.com',
      visitorId: page.sent[0]?.body.visitorId,
    });
    expect(page.tally().clientReferenceId()).toBe(`tally_${page.sent[0]?.body.visitorId}`);
  });

  it('resolves a refused lead to false', async () => {
    const page = browser({ href: 'https://shop.example/signup', answer: null });
    expect(await page.tally().lead('ada@example.com')).toBe(false);
    expect(page.tally().clientReferenceId()).toBeNull();
  });

  it('tracks in test mode with data-mode="test", and honours data-api and data-cookie-domain', async () => {
    const page = browser({
      href: 'http://localhost:8080/?ref=ada',
      attributes: { 'data-mode': 'test', 'data-api': 'https://tally.internal/', 'data-cookie-domain': 'shop.example' },
    });
    await page.settled();
    expect(page.sent[0]).toMatchObject({ url: 'https://tally.internal/v1/track/visit', body: { mode: 'test' } });
    expect(page.cookies[0]).toMatch(/; Domain=shop\.example$/);
  });

  it('replays the leads queued before it loaded', async () => {
    const page = browser({ href: 'https://shop.example/', before: { q: [['early@example.com']] } });
    await page.settled();
    await page.settled();
    expect(page.sent.map((call) => call.body.email)).toEqual(['early@example.com']);
    expect(page.tally()).toHaveProperty('version', 1);
  });

  it('does nothing without a tracking key', async () => {
    const page = browser({ href: 'https://shop.example/?ref=ada', attributes: { 'data-key': '' } });
    await page.settled();
    expect(page.sent).toEqual([]);
    expect(page.window.tally).toBeUndefined();
  });
});
