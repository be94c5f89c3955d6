import { type ConsoleBrowser, open, signIn, submit } from '../support/console';
import { api } from '../support/api';
import { eventually, getAffiliate, merchantWithStripe } from '../support/coupon-sync';
import { createAffiliate, createMerchant, createPlan, type TestMerchant, unique } from '../support/factories';

/**
 * The console's Affiliates pages over HTTP, signed in with a session made in this process (the
 * sign-in mail flow has tests of its own): the list, a new affiliate through the form, the
 * affiliate's page with its referral link and coupon sync, re-sync, edit, archive and the portal
 * invitation; and that a viewer or a forged form changes nothing.
 */

jest.setTimeout(120_000);

const settings = (merchant: TestMerchant, body: Record<string, unknown>) => api('PATCH', '/v1/merchant/settings', { key: merchant.apiKey, body });

const affiliatesOf = async (merchant: TestMerchant) => (await api('GET', '/v1/affiliates', { key: merchant.apiKey, query: { limit: 100 } })).body.data as any[];

/** The id of the page a 303 sends the browser to: `/console/affiliates/aff_…?…`. */
const affiliateIdOf = (location: string | null) => /\/console\/affiliates\/(aff_[A-Za-z0-9]+)/.exec(location ?? '')?.[1] as string;

const newAffiliateForm = (overrides: Record<string, string> = {}) => ({
  name: 'Grace Hopper',
  email: `${unique('grace')}@example.com`,
  referralCode: unique('grace'),
  couponCode: unique('G').toUpperCase(),
  'discount.kind': 'amount',
  'discount.amountOff': '5',
  'discount.currency': 'usd',
  'discount.duration': 'repeating',
  'discount.durationInMonths': '3',
  ...overrides,
});

describe('console: affiliates', () => {
  let merchant: TestMerchant;
  let owner: ConsoleBrowser;
  let viewer: ConsoleBrowser;
  let plan: { id: string; name: string };

  beforeAll(async () => {
    merchant = await createMerchant();
    [owner, viewer] = await Promise.all([signIn(merchant, 'owner'), signIn(merchant, 'viewer')]);
    plan = await createPlan(merchant, { name: 'Partners 20 %' });
  });

  it('lists the affiliates with their codes, by status, and searches the page', async () => {
    const active = await createAffiliate(merchant, { name: 'Listed Active', referralCode: unique('act'), couponCode: unique('ACT').toUpperCase() });
    const archived = await createAffiliate(merchant, { name: 'Listed Archived', referralCode: unique('arc') });
    expect((await api('DELETE', `/v1/affiliates/${archived.id}`, { key: merchant.apiKey })).status).toBe(200);

    const all = await open(owner, '/affiliates');
    expect(all.status).toBe(200);
    expect(all.body).toContain(active.referralCode);
    expect(all.body).toContain(active.couponCode);
    expect(all.body).toContain(archived.referralCode);
    expect(all.body).toContain('The default plan (Partners 20 %)');

    const onlyArchived = await eventually(
      async () => (await open(owner, '/affiliates', { status: 'archived' })).body,
      (body) => body.includes(archived.referralCode),
      { what: 'the archived affiliate in the status index' },
    );
    expect(onlyArchived).not.toContain(active.referralCode);

    const searched = await open(owner, '/affiliates', { q: active.couponCode.toLowerCase() });
    expect(searched.body).toContain(active.referralCode);
    expect(searched.body).not.toContain(archived.referralCode);
    expect(searched.body).toMatch(/1 of the \d+ affiliates on this page match/);
  });

  it('pages the list with the domain’s cursor', async () => {
    const crowded = await createMerchant();
    const crowdedOwner = await signIn(crowded, 'owner');
    const made = await Promise.all(Array.from({ length: 26 }, (_, index) => createAffiliate(crowded, { name: `Paged ${index}` })));
    const first = await open(crowdedOwner, '/affiliates');
    const next = /<a href="([^"]+)" role="button" class="secondary">Next page<\/a>/.exec(first.body)?.[1];
    expect(next).toContain('cursor=');
    const second = await api<string>('GET', next?.replace(/&amp;/g, '&') as string, { headers: { cookie: crowdedOwner.cookie } });
    const codesOn = (body: string) => made.filter((affiliate) => body.includes(affiliate.referralCode)).length;
    expect([codesOn(first.body), codesOn(second.body)]).toEqual([25, 1]);
  });

  it('creates an affiliate through the form and shows its referral link, coupon, discount in its currency and plan', async () => {
    expect((await settings(merchant, { siteUrl: 'https://shop.example.com/pricing' })).status).toBe(200);
    const form = newAffiliateForm({ commissionPlanId: plan.id });
    const created = await submit(owner, '/affiliates', form);
    expect(created.status).toBe(303);
    const affiliateId = affiliateIdOf(created.headers.get('location'));
    expect(await getAffiliate(merchant, affiliateId)).toMatchObject({
      email: form.email,
      referralCode: form.referralCode,
      couponCode: form.couponCode,
      discount: { amountOff: 500, currency: 'usd', duration: 'repeating', durationInMonths: 3 },
      commissionPlanId: plan.id,
    });

    const page = await open(owner, `/affiliates/${affiliateId}`, { flash: 'created' });
    expect(page.status).toBe(200);
    expect(page.body).toContain(`https://shop.example.com/pricing?ref=${form.referralCode}`);
    expect(page.body).toContain(form.couponCode);
    expect(page.body).toContain('$5.00 off, for 3 months');
    expect(page.body).toContain('Partners 20 %');
    expect(page.body).toContain('The affiliate is created.');
    // Not connected in test mode: the sync waits, and the page says where to connect.
    expect(page.body).toContain('<span data-sync-status="test">Waiting to sync</span>');
    expect(page.body).toContain('Connect Stripe in test mode on the <a href="/console/stripe?mode=test">Stripe page</a>');
  });

  it('says there is no referral link without a site URL, with the way to Settings', async () => {
    const bare = await createMerchant();
    const bareOwner = await signIn(bare, 'owner');
    const affiliate = await createAffiliate(bare);
    const page = await open(bareOwner, `/affiliates/${affiliate.id}`);
    expect(page.body).toContain('No site URL is set');
    expect(page.body).toContain('<a href="/console/settings?mode=test">Set the site URL in Settings</a>');
  });

  it('shows a refused field’s error beside it, and a taken code beside its field', async () => {
    const before = (await affiliatesOf(merchant)).length;
    const bad = await submit(owner, '/affiliates', newAffiliateForm({ referralCode: 'no spaces please', 'discount.durationInMonths': '' }));
    expect(bad.status).toBe(400);
    expect(bad.body).toMatch(/id="field-referralCode-error"[^>]*>letters, digits, &quot;-&quot; and &quot;_&quot; only, 2 to 64 characters</);
    expect(bad.body).toMatch(/id="field-discount-durationInMonths-error"[^>]*>Required\.</);
    // The form comes back as it was typed.
    expect(bad.body).toContain('value="no spaces please"');

    const taken = await createAffiliate(merchant, { couponCode: unique('TAKEN').toUpperCase() });
    const conflict = await submit(owner, '/affiliates', newAffiliateForm({ couponCode: taken.couponCode }));
    expect(conflict.status).toBe(409);
    expect(conflict.body).toMatch(new RegExp(`id="field-couponCode-error"[^>]*>The coupon code &quot;${taken.couponCode}&quot; is already in use.<`));
    expect(await affiliatesOf(merchant)).toHaveLength(before + 1);
  });

  it('edits, archives and restores an affiliate', async () => {
    const affiliate = await createAffiliate(merchant, { name: 'Before' });
    const edited = await submit(owner, `/affiliates/${affiliate.id}`, {
      name: 'After',
      email: affiliate.email,
      referralCode: affiliate.referralCode,
      couponCode: '',
      'discount.kind': 'none',
      commissionPlanId: plan.id,
    });
    expect(edited.status).toBe(303);
    expect(await getAffiliate(merchant, affiliate.id)).toMatchObject({ name: 'After', commissionPlanId: plan.id, couponCode: null });

    const refused = await submit(owner, `/affiliates/${affiliate.id}`, { name: 'After', email: 'not-an-address', referralCode: affiliate.referralCode });
    expect(refused.status).toBe(400);
    expect(refused.body).toContain('id="field-email-error"');

    expect((await submit(owner, `/affiliates/${affiliate.id}/archive`)).status).toBe(303);
    expect((await getAffiliate(merchant, affiliate.id)).status).toBe('archived');
    const archivedPage = await open(owner, `/affiliates/${affiliate.id}`);
    expect(archivedPage.body).toContain('Restore');
    expect((await submit(owner, `/affiliates/${affiliate.id}/restore`)).status).toBe(303);
    expect((await getAffiliate(merchant, affiliate.id)).status).toBe('active');
  });

  it('invites an affiliate to the portal, and shows the refusal for one that cannot be invited', async () => {
    const affiliate = await createAffiliate(merchant);
    const invited = await submit(owner, `/affiliates/${affiliate.id}/invite`);
    expect(invited.status).toBe(303);
    expect(invited.headers.get('location')).toContain('flash=invited');
    const mails = (await api('GET', '/_local/mail.json')).body as { to: string; subject: string }[];
    expect(mails.some((mail) => mail.to === affiliate.email)).toBe(true);

    await api('DELETE', `/v1/affiliates/${affiliate.id}`, { key: merchant.apiKey });
    const refused = await submit(owner, `/affiliates/${affiliate.id}/invite`);
    expect(refused.status).toBe(409);
    expect(refused.body).toContain('An archived affiliate cannot be invited.');
  });

  it('re-syncs the coupon in the page’s mode: the sync is queued and runs', async () => {
    const connected = await merchantWithStripe('test');
    const connectedOwner = await signIn(connected, 'owner');
    const affiliate = await createAffiliate(connected, { couponCode: unique('SYNC').toUpperCase(), discount: { percentOff: 15, duration: 'once' } });
    expect(affiliate.couponSync.test.status).toBe('pending');
    const before = (await open(connectedOwner, `/affiliates/${affiliate.id}`)).body;
    expect(before).toContain('Re-sync (test mode)');

    const resynced = await submit(connectedOwner, `/affiliates/${affiliate.id}/resync`);
    expect(resynced.status).toBe(303);
    expect(resynced.headers.get('location')).toContain('flash=resynced');
    const synced = await eventually(
      () => getAffiliate(connected, affiliate.id),
      (current) => current.couponSync.test.status === 'synced',
      { what: 'the re-synced coupon' },
    );
    expect(synced.couponSync.test.stripePromotionCodeId).toBeDefined();
    expect((await open(connectedOwner, `/affiliates/${affiliate.id}`)).body).toContain('<span data-sync-status="test">Synced</span>');

    // Live mode has no account: the refusal is shown on the page and nothing changes there.
    const live = await submit(connectedOwner, `/affiliates/${affiliate.id}/resync`, { mode: 'live' });
    expect(live.status).toBe(409);
    expect(live.body).toContain('No Stripe account is connected in live mode');
    expect((await getAffiliate(connected, affiliate.id)).couponSync.live.status).toBe(synced.couponSync.live.status);
  });

  it('lets a viewer look but not change anything', async () => {
    const affiliate = await createAffiliate(merchant, { name: 'Viewed' });
    const page = await open(viewer, `/affiliates/${affiliate.id}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('You are a viewer');
    expect(page.body).not.toContain('Save affiliate');

    const before = (await affiliatesOf(merchant)).length;
    const created = await submit(viewer, '/affiliates', newAffiliateForm());
    const edited = await submit(viewer, `/affiliates/${affiliate.id}`, { name: 'Changed', email: affiliate.email });
    const archived = await submit(viewer, `/affiliates/${affiliate.id}/archive`);
    expect([created.status, edited.status, archived.status]).toEqual([403, 403, 403]);
    expect(await affiliatesOf(merchant)).toHaveLength(before);
    expect(await getAffiliate(merchant, affiliate.id)).toMatchObject({ name: 'Viewed', status: 'active' });
  });

  it('refuses a form without the CSRF token', async () => {
    const before = (await affiliatesOf(merchant)).length;
    const forged = await api<string>('POST', '/console/affiliates', {
      headers: { cookie: owner.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      rawBody: new URLSearchParams(newAffiliateForm()).toString(),
    });
    expect(forged.status).toBe(403);
    expect(await affiliatesOf(merchant)).toHaveLength(before);
  });
});
