import * as People from '../../lambdas/people';
import { api } from '../support/api';
import { createAffiliate, unique } from '../support/factories';
import { stack, useStackTable } from '../support/stack';

/**
 * Sign-in by e-mail link against the local stack: team members and affiliates are invited through
 * the API, the links are read from the local outbox (/_local/mail.json) as a person would read their
 * mail, and spent in this process with the functions the console and portal pages call.
 */
// Before the first call into lambdas/: configuration is read once, at first use.
useStackTable();
Object.assign(process.env, { TALLY_RUNTIME: 'local', TALLY_PUBLIC_URL: stack().publicUrl });

interface OutboxMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  sentAt: string;
}

const outbox = async (): Promise<OutboxMail[]> => {
  const response = await api<OutboxMail[]>('GET', '/_local/mail.json', { query: { limit: 500 } });
  expect(response.status).toBe(200);
  return response.body;
};
const mailsTo = async (address: string) => (await outbox()).filter((mail) => mail.to === address.toLowerCase());

/** The token of the sign-in link in the newest mail to this address. */
const linkTokenFor = async (address: string, area: 'console' | 'portal'): Promise<string> => {
  const [newest] = await mailsTo(address);
  if (!newest) throw new Error(`No mail to ${address}`);
  const link = new RegExp(`${stack().publicUrl}/${area}/sign-in/verify\\?token=([\\w-]+)`).exec(newest.text);
  if (!link) throw new Error(`No ${area} sign-in link in the mail to ${address}`);
  expect(newest.html).toContain(`href="${link[0]}"`);
  return link[1]!;
};

const invalidLink = expect.objectContaining({ type: 'sign_in.invalid_link' });

const createMerchantWithOwner = async () => {
  const ownerEmail = `${unique('owner')}@Example.com`;
  const response = await api('POST', '/v1/merchants', { key: stack().operatorKey, body: { name: `Shop ${unique()}`, ownerEmail } });
  expect(response.status).toBe(201);
  return { response, ownerEmail: ownerEmail.toLowerCase(), merchantId: response.body.merchant.id as string, apiKey: response.body.apiKey as string };
};

describe('a merchant created with an owner', () => {
  it('answers the usual contract plus ownerEmail, and lists the owner as its team', async () => {
    const { response, ownerEmail, apiKey } = await createMerchantWithOwner();
    expect(response.body).toMatchObject({ apiKey: expect.stringMatching(/^tally_sk_/), trackingKey: expect.any(String), ownerEmail });
    expect(await mailsTo(ownerEmail)).toEqual([]);

    const team = await api('GET', '/v1/merchant/users', { key: apiKey });
    expect(team.status).toBe(200);
    expect(team.body.data).toEqual([expect.objectContaining({ email: ownerEmail, role: 'owner' })]);
  });

  it('lets the owner ask for a link and sign in with it once', async () => {
    const { ownerEmail, merchantId } = await createMerchantWithOwner();

    await People.requestSignIn('console', ownerEmail.toUpperCase(), new Date());
    const token = await linkTokenFor(ownerEmail, 'console');

    await expect(People.consumeSignIn('console', token, new Date())).resolves.toEqual({ area: 'console', email: ownerEmail, merchantId, role: 'owner' });
    await expect(People.consumeSignIn('console', token, new Date())).rejects.toEqual(invalidLink);
  });

  it('sends nothing to an address that is no member, yet answers the same', async () => {
    const stranger = `${unique('stranger')}@example.com`;
    await expect(People.requestSignIn('console', stranger, new Date())).resolves.toBeUndefined();
    await expect(People.requestSignIn('portal', stranger, new Date())).resolves.toBeUndefined();
    // A mail sent after these shows the outbox is read fresh.
    const { ownerEmail } = await createMerchantWithOwner();
    await People.requestSignIn('console', ownerEmail, new Date());
    expect(await mailsTo(ownerEmail)).toHaveLength(1);
    expect(await mailsTo(stranger)).toEqual([]);
  });
});

describe('inviting a team member', () => {
  it('mails a viewer a console link that signs them in once, with their role', async () => {
    const { merchantId, apiKey } = await createMerchantWithOwner();
    const viewer = `${unique('viewer')}@example.com`;

    const invited = await api('POST', '/v1/merchant/users', { key: apiKey, body: { email: viewer, role: 'viewer' } });
    expect(invited.status).toBe(201);
    expect(invited.body).toMatchObject({ merchantId, email: viewer, role: 'viewer' });
    const [mail] = await mailsTo(viewer);
    expect(mail!.subject).toMatch(/invited/i);

    const token = await linkTokenFor(viewer, 'console');
    const identity = await People.consumeSignIn('console', token, new Date());
    expect(identity).toEqual({ area: 'console', email: viewer, merchantId, role: 'viewer' });
    await expect(People.consumeSignIn('console', token, new Date())).rejects.toEqual(invalidLink);

    const session = await People.createSession(identity, new Date());
    const cookies = [session.cookie.split(';')[0]!];
    await expect(People.findSession('console', cookies, new Date())).resolves.toMatchObject({ role: 'viewer', csrfToken: session.csrfToken });

    // Inviting the same address again changes the role, and the open session sees it at once.
    const promoted = await api('POST', '/v1/merchant/users', { key: apiKey, body: { email: viewer.toUpperCase(), role: 'admin' } });
    expect(promoted.status).toBe(201);
    expect(promoted.body).toMatchObject({ email: viewer, role: 'admin', invitedAt: invited.body.invitedAt });
    await expect(People.findSession('console', cookies, new Date())).resolves.toMatchObject({ role: 'admin' });

    const team = await api('GET', '/v1/merchant/users', { key: apiKey });
    expect(team.body.data.map((member: { role: string }) => member.role).sort()).toEqual(['admin', 'owner']);
    expect(await People.membershipsOf(viewer)).toEqual([expect.objectContaining({ merchantId, role: 'admin' })]);

    await People.endSession('console', cookies);
    await expect(People.findSession('console', cookies, new Date())).resolves.toBeUndefined();
  });

  it('refuses an unknown role and a missing e-mail', async () => {
    const { apiKey } = await createMerchantWithOwner();
    expect((await api('POST', '/v1/merchant/users', { key: apiKey, body: { email: 'x@example.com', role: 'king' } })).status).toBe(400);
    expect((await api('POST', '/v1/merchant/users', { key: apiKey, body: { role: 'viewer' } })).status).toBe(400);
    expect((await api('GET', '/v1/merchant/users')).status).toBe(401);
  });
});

describe('inviting an affiliate to the portal', () => {
  it('mails the affiliate a portal link that signs it in once, as that affiliate', async () => {
    const { merchantId, apiKey } = await createMerchantWithOwner();
    const affiliate = await createAffiliate({ merchantId, apiKey, trackingKey: '' });

    const response = await api('POST', `/v1/affiliates/${affiliate.id}/invite`, { key: apiKey });
    expect(response.status).toBe(202);
    expect(response.body).toEqual({ invited: affiliate.email });

    const token = await linkTokenFor(affiliate.email, 'portal');
    await expect(People.consumeSignIn('console', token, new Date())).rejects.toEqual(invalidLink);
    await expect(People.consumeSignIn('portal', token, new Date())).resolves.toEqual({
      area: 'portal',
      email: affiliate.email,
      merchantId,
      affiliateId: affiliate.id,
    });
    await expect(People.consumeSignIn('portal', token, new Date())).rejects.toEqual(invalidLink);

    // Later the affiliate asks for a link itself.
    await People.requestSignIn('portal', affiliate.email, new Date());
    await expect(People.consumeSignIn('portal', await linkTokenFor(affiliate.email, 'portal'), new Date())).resolves.toMatchObject({
      affiliateId: affiliate.id,
    });
  });

  it("answers 404 for another merchant's affiliate", async () => {
    const { apiKey } = await createMerchantWithOwner();
    const other = await createMerchantWithOwner();
    const affiliate = await createAffiliate({ merchantId: other.merchantId, apiKey: other.apiKey, trackingKey: '' });
    expect((await api('POST', `/v1/affiliates/${affiliate.id}/invite`, { key: apiKey })).status).toBe(404);
    expect(await mailsTo(affiliate.email)).toEqual([]);
  });
});

describe('the local outbox page', () => {
  it('lists the mail with its sign-in links clickable', async () => {
    const { ownerEmail } = await createMerchantWithOwner();
    await People.requestSignIn('console', ownerEmail, new Date());
    const token = await linkTokenFor(ownerEmail, 'console');
    const page = await api('GET', '/_local/mail');
    expect(page.status).toBe(200);
    expect(page.body).toContain(`<a href="${stack().publicUrl}/console/sign-in/verify?token=${token}">`);
  });
});
