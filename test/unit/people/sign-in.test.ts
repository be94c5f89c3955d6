import { createHash } from 'node:crypto';
import 'aws-sdk-client-mock-jest';
import { RateLimitedError, ValidationError } from '../../../lambdas/core/errors';
import { sendMail } from '../../../lambdas/mail/mail';
import * as Merchants from '../../../lambdas/merchants/merchant';
import { consumeSignIn, requestSignIn } from '../../../lambdas/people';
import * as Store from '../../../lambdas/people/store';
import { keys } from '../../../lambdas/store/keys';
import { fakeTable } from './fake-table';

jest.mock('../../../lambdas/mail/mail', () => ({ sendMail: jest.fn() }));
jest.mock('../../../lambdas/merchants/merchant', () => ({ get: jest.fn() }));
jest.mock('../../../lambdas/people/store', () => ({
  ...jest.requireActual<typeof Store>('../../../lambdas/people/store'),
  getMember: jest.fn(),
  queryMemberships: jest.fn(),
  validPortalAccess: jest.fn(),
  validPortalAccesses: jest.fn(),
}));

process.env.TALLY_TABLE_NAME = 'tally-test';
process.env.TALLY_PUBLIC_URL = 'https://tally.example.com';

const table = fakeTable();
const now = new Date('2026-12-01T10:00:00.000Z');
const later = (seconds: number) => new Date(now.getTime() + seconds * 1000);
const member = { merchantId: 'mer_1', email: 'ada@example.com', role: 'admin' as const, invitedBy: null, invitedAt: '', updatedAt: '' };
const access = { email: 'bob@example.com', merchantId: 'mer_1', affiliateId: 'aff_1', invitedAt: '' };
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('base64url');

const mailed = () => jest.mocked(sendMail).mock.calls.map(([mail]) => mail);
/** The token of the only link in the last mail sent. */
const tokenOfLastMail = (area = 'console') => {
  const text = mailed().at(-1)!.text;
  const match = new RegExp(`https://tally\\.example\\.com/${area}/sign-in/verify\\?token=([\\w-]+)`).exec(text);
  if (!match) throw new Error(`No ${area} sign-in link in: ${text}`);
  return match[1]!;
};
const invalidLink = expect.objectContaining({ type: 'sign_in.invalid_link', status: 400 });

beforeEach(() => {
  table.install();
  jest.mocked(sendMail).mockReset().mockResolvedValue();
  jest.mocked(Merchants.get).mockResolvedValue({ id: 'mer_1', name: 'Acme' } as never);
  jest.mocked(Store.getMember).mockReset().mockResolvedValue(member);
  jest.mocked(Store.queryMemberships).mockReset().mockImplementation(async (email) => (email === member.email ? [member] : []));
  jest.mocked(Store.validPortalAccess).mockReset().mockResolvedValue(access);
  jest.mocked(Store.validPortalAccesses).mockReset().mockImplementation(async (email) => (email === access.email ? [access] : []));
});

describe('asking for a sign-in link', () => {
  it("mails a member a console link, whatever the address's case, and stores only the token's SHA-256 for 15 minutes", async () => {
    await requestSignIn('console', ' Ada@Example.COM ', now);

    expect(mailed()).toHaveLength(1);
    expect(mailed()[0]!.to).toBe('ada@example.com');
    const token = tokenOfLastMail();
    expect(token).toMatch(/^[\w-]{43}$/);
    expect(mailed()[0]!.html).toContain(`href="https://tally.example.com/console/sign-in/verify?token=${token}"`);
    const stored = table.items.get(`${keys.signInToken(sha256(token)).pk}\nSIGNIN`);
    expect(stored).toMatchObject({ area: 'console', email: 'ada@example.com', merchantId: 'mer_1', expiresAt: now.getTime() / 1000 + 15 * 60 });
    expect(stored).not.toHaveProperty('role');
    expect(JSON.stringify(table.all())).not.toContain(token);
  });

  it('sends nothing to an unknown address, and answers it just as a known one', async () => {
    await expect(requestSignIn('console', 'nobody@example.com', now)).resolves.toBeUndefined();
    await expect(requestSignIn('portal', 'ada@example.com', now)).resolves.toBeUndefined();
    expect(sendMail).not.toHaveBeenCalled();
    expect(table.all().filter((item) => String(item.pk).startsWith('SIGNIN#'))).toEqual([]);
  });

  it('refuses a sixth request for one address within 15 minutes, known or not, and accepts again in the next window', async () => {
    for (const address of ['ada@example.com', 'nobody@example.com']) {
      for (let request = 0; request < 5; request++) await requestSignIn('console', address, later(request));
      await expect(requestSignIn('console', address.toUpperCase(), later(10))).rejects.toBeInstanceOf(RateLimitedError);
    }
    expect(mailed()).toHaveLength(5);
    await requestSignIn('console', 'ada@example.com', later(15 * 60));
    expect(mailed()).toHaveLength(6);
  });

  it('refuses what is not an e-mail address', async () => {
    await expect(requestSignIn('console', 'not-an-address', now)).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('using a sign-in link', () => {
  it('signs in once as the member with its current role; the second use is refused', async () => {
    await requestSignIn('console', 'ada@example.com', now);
    const token = tokenOfLastMail();
    jest.mocked(Store.getMember).mockResolvedValue({ ...member, role: 'viewer' });

    await expect(consumeSignIn('console', token, later(60))).resolves.toEqual({
      area: 'console',
      email: 'ada@example.com',
      merchantId: 'mer_1',
      role: 'viewer',
    });
    await expect(consumeSignIn('console', token, later(61))).rejects.toEqual(invalidLink);
  });

  it('is refused once 15 minutes have passed, though the TTL has not deleted the token yet', async () => {
    await requestSignIn('console', 'ada@example.com', now);
    const token = tokenOfLastMail();

    await expect(consumeSignIn('console', token, later(15 * 60))).rejects.toEqual(invalidLink);
    expect(table.all().some((item) => String(item.pk).startsWith('SIGNIN#'))).toBe(true);
  });

  it('works until just before it expires', async () => {
    await requestSignIn('console', 'ada@example.com', now);
    await expect(consumeSignIn('console', tokenOfLastMail(), later(15 * 60 - 1))).resolves.toMatchObject({ role: 'admin' });
  });

  it('is refused for a member removed after the link was sent', async () => {
    await requestSignIn('console', 'ada@example.com', now);
    jest.mocked(Store.getMember).mockResolvedValue(undefined);
    await expect(consumeSignIn('console', tokenOfLastMail(), later(1))).rejects.toEqual(invalidLink);
  });

  it('signs in to the portal as the invited affiliate, and a portal link is no console link', async () => {
    await requestSignIn('portal', 'bob@example.com', now);
    const token = tokenOfLastMail('portal');

    await expect(consumeSignIn('console', token, later(1))).rejects.toEqual(invalidLink);
    await expect(consumeSignIn('portal', token, later(1))).resolves.toEqual({
      area: 'portal',
      email: 'bob@example.com',
      merchantId: 'mer_1',
      affiliateId: 'aff_1',
    });
  });

  it('refuses a made-up token, and a malformed one before reading anything', async () => {
    await expect(consumeSignIn('console', 'x'.repeat(43), now)).rejects.toEqual(invalidLink);
    await expect(consumeSignIn('console', 'short', now)).rejects.toEqual(invalidLink);
    expect(table.dynamo.calls()).toHaveLength(1);
  });
});
