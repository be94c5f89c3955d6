import { type ConsoleBrowser, open, signIn, submit } from '../support/console';
import { api } from '../support/api';
import { createMerchant, createPlan, type TestMerchant, unique } from '../support/factories';

/**
 * The console's Settings page over HTTP, signed in with a session made in this process: the
 * program's settings (a change of subscription tracking only after the article's warning is
 * confirmed), the site URL referral links use (also through the API), the team and its
 * invitations, and that a viewer or a forged form changes nothing.
 */

jest.setTimeout(120_000);

const settingsOf = async (merchant: TestMerchant) => (await api('GET', '/v1/merchant', { key: merchant.apiKey })).body.settings;
const membersOf = async (merchant: TestMerchant) => (await api('GET', '/v1/merchant/users', { key: merchant.apiKey })).body.data as { email: string; role: string }[];

const settingsForm = (overrides: Record<string, string> = {}) => ({
  subscriptionTracking: 'per_transaction',
  cookieWindowDays: '60',
  holdDays: '14',
  defaultCommissionPlanId: '',
  siteUrl: 'https://shop.example.com/',
  ...overrides,
});

describe('console: settings', () => {
  let merchant: TestMerchant;
  let owner: ConsoleBrowser;
  let viewer: ConsoleBrowser;

  beforeAll(async () => {
    merchant = await createMerchant();
    [owner, viewer] = await Promise.all([signIn(merchant, 'owner'), signIn(merchant, 'viewer')]);
  });

  it('shows the settings and the team', async () => {
    const page = await open(owner, '/settings');
    expect(page.status).toBe(200);
    expect(page.body).toContain('value="90"');
    expect(page.body).toContain('value="30"');
    expect(page.body).toContain(owner.email);
    expect(page.body).toContain(viewer.email);
    expect(page.body).toContain('Invite a team member');
  });

  it('saves the cookie window, hold days, default plan and site URL', async () => {
    const plan = await createPlan(merchant, { name: 'Settings default' });
    const saved = await submit(owner, '/settings', settingsForm({ defaultCommissionPlanId: plan.id }));
    expect(saved.status).toBe(303);
    expect(await settingsOf(merchant)).toMatchObject({ cookieWindowDays: 60, holdDays: 14, defaultCommissionPlanId: plan.id, siteUrl: 'https://shop.example.com/' });
    const page = await open(owner, '/settings', { flash: 'saved' });
    expect(page.body).toContain('Settings saved.');
    expect(page.body).toContain('value="https://shop.example.com/"');

    // The API takes the site URL too, and `null` removes it.
    const cleared = await api('PATCH', '/v1/merchant/settings', { key: merchant.apiKey, body: { siteUrl: null } });
    expect(cleared.status).toBe(200);
    expect(cleared.body.settings.siteUrl).toBeNull();
    expect((await api('PATCH', '/v1/merchant/settings', { key: merchant.apiKey, body: { siteUrl: 'ftp://shop.example.com' } })).status).toBe(400);
  });

  it('shows the article’s warning before a change of subscription tracking, and saves it only when confirmed', async () => {
    const warned = await submit(owner, '/settings', settingsForm({ subscriptionTracking: 'subscription_period' }));
    expect(warned.status).toBe(200);
    expect(warned.body).toContain('unintended and irreversible consequences');
    expect(warned.body).toContain('name="confirm" value="yes"');
    expect((await settingsOf(merchant)).subscriptionTracking).toBe('per_transaction');

    const confirmed = await submit(owner, '/settings', settingsForm({ subscriptionTracking: 'subscription_period', confirm: 'yes' }));
    expect(confirmed.status).toBe(303);
    expect((await settingsOf(merchant)).subscriptionTracking).toBe('subscription_period');
    // Saving the other settings without changing it asks nothing.
    expect((await submit(owner, '/settings', settingsForm({ subscriptionTracking: 'subscription_period', holdDays: '7' }))).status).toBe(303);
  });

  it('shows a refused setting’s error beside it and saves nothing', async () => {
    const before = await settingsOf(merchant);
    const refused = await submit(owner, '/settings', settingsForm({ subscriptionTracking: before.subscriptionTracking, cookieWindowDays: '0', siteUrl: 'not a url' }));
    expect(refused.status).toBe(400);
    expect(refused.body).toMatch(/id="field-cookieWindowDays-error"[^>]*>[^<]*1</);
    expect(refused.body).toContain('id="field-siteUrl-error"');
    expect(await settingsOf(merchant)).toEqual(before);
  });

  it('invites a team member, and only an owner adds an owner', async () => {
    const email = `${unique('new')}@example.com`;
    const invited = await submit(owner, '/settings/team', { email, role: 'admin' });
    expect(invited.status).toBe(303);
    expect(await membersOf(merchant)).toContainEqual(expect.objectContaining({ email, role: 'admin' }));
    const mails = (await api('GET', '/_local/mail.json')).body as { to: string }[];
    expect(mails.some((mail) => mail.to === email)).toBe(true);

    const admin = await signIn(merchant, 'admin');
    const raised = await submit(admin, '/settings/team', { email: admin.email, role: 'owner' });
    expect(raised.status).toBe(400);
    expect(raised.body).toMatch(/id="field-role-error"[^>]*>Only an owner can make someone an owner\.</);
    expect(await membersOf(merchant)).toContainEqual(expect.objectContaining({ email: admin.email, role: 'admin' }));

    const badAddress = await submit(owner, '/settings/team', { email: 'nobody', role: 'viewer' });
    expect(badAddress.status).toBe(400);
    expect(badAddress.body).toContain('id="field-email-error"');
  });

  it('lets a viewer look but not change anything', async () => {
    const page = await open(viewer, '/settings');
    expect(page.status).toBe(200);
    expect(page.body).not.toContain('Save settings');
    const before = await settingsOf(merchant);
    const members = await membersOf(merchant);
    const saved = await submit(viewer, '/settings', settingsForm({ subscriptionTracking: before.subscriptionTracking, cookieWindowDays: '5' }));
    const invited = await submit(viewer, '/settings/team', { email: `${unique('x')}@example.com`, role: 'owner' });
    expect([saved.status, invited.status]).toEqual([403, 403]);
    expect(await settingsOf(merchant)).toEqual(before);
    expect(await membersOf(merchant)).toHaveLength(members.length);
  });

  it('refuses a form without the CSRF token', async () => {
    const before = await settingsOf(merchant);
    const forged = await api<string>('POST', '/console/settings', {
      headers: { cookie: owner.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      rawBody: new URLSearchParams(settingsForm({ subscriptionTracking: before.subscriptionTracking, cookieWindowDays: '5' })).toString(),
    });
    expect(forged.status).toBe(403);
    expect(await settingsOf(merchant)).toEqual(before);
  });
});
