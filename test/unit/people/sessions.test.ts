import { createHash } from 'node:crypto';
import * as Crypto from 'node:crypto';
import 'aws-sdk-client-mock-jest';
import { ForbiddenError } from '../../../lambdas/core/errors';
import { checkCsrf, createSession, endSession, findSession, type Identity } from '../../../lambdas/people';
import type * as Sessions from '../../../lambdas/people/sessions';
import * as Store from '../../../lambdas/people/store';
import { keys } from '../../../lambdas/store/keys';
import { fakeTable } from './fake-table';

jest.mock('node:crypto', () => {
  const actual = jest.requireActual<typeof Crypto>('node:crypto');
  return { ...actual, timingSafeEqual: jest.fn(actual.timingSafeEqual) };
});
jest.mock('../../../lambdas/people/store', () => ({
  ...jest.requireActual<typeof Store>('../../../lambdas/people/store'),
  getMember: jest.fn(),
  validPortalAccess: jest.fn(),
}));

process.env.TALLY_TABLE_NAME = 'tally-test';
process.env.TALLY_PUBLIC_URL = 'https://tally.example.com';

const table = fakeTable();
const now = new Date('2026-12-01T10:00:00.000Z');
const later = (seconds: number) => new Date(now.getTime() + seconds * 1000);
const admin: Identity = { area: 'console', email: 'ada@example.com', merchantId: 'mer_1', role: 'admin' };
const affiliate: Identity = { area: 'portal', email: 'bob@example.com', merchantId: 'mer_1', affiliateId: 'aff_1' };
const member = { merchantId: 'mer_1', email: 'ada@example.com', invitedBy: null, invitedAt: '', updatedAt: '' };
/** What a browser sends back: the cookie's `name=value`. */
const sent = (setCookie: string) => [setCookie.split(';')[0]!];
const secretOf = (setCookie: string) => setCookie.split(';')[0]!.split('=')[1]!;

beforeEach(() => {
  table.install();
  jest.mocked(Store.getMember).mockReset().mockResolvedValue({ ...member, role: 'admin' });
  jest.mocked(Store.validPortalAccess).mockReset().mockResolvedValue({ email: 'bob@example.com', merchantId: 'mer_1', affiliateId: 'aff_1', invitedAt: '' });
});

describe('a new session', () => {
  it('sets an HttpOnly, SameSite=Lax, Secure cookie under /console for 12 hours', async () => {
    const { cookie, expiresAt, sessionId, csrfToken } = await createSession(admin, now);
    expect(cookie).toMatch(/^tally_console=[\w-]{43}; Path=\/console; Max-Age=43200; HttpOnly; SameSite=Lax; Secure$/);
    expect(expiresAt).toBe('2026-12-01T22:00:00.000Z');
    expect(sessionId).toMatch(/^ses_/);
    expect(csrfToken).toMatch(/^[\w-]{43}$/);
  });

  it('uses tally_portal under /portal in the portal', async () => {
    expect((await createSession(affiliate, now)).cookie).toMatch(/^tally_portal=[\w-]{43}; Path=\/portal; Max-Age=43200; HttpOnly; SameSite=Lax; Secure$/);
  });

  it('is not Secure when the public URL is plain http (npm start)', async () => {
    const previous = process.env.TALLY_PUBLIC_URL;
    process.env.TALLY_PUBLIC_URL = 'http://localhost:3000';
    try {
      // Configuration is read once per cold start: a fresh module is a fresh start.
      let cookie = '';
      jest.isolateModules(() => {
        const fresh = jest.requireActual<typeof Sessions>('../../../lambdas/people/sessions');
        cookie = fresh.sessionCookie('console', 'secret', 43200);
      });
      expect(cookie).toBe('tally_console=secret; Path=/console; Max-Age=43200; HttpOnly; SameSite=Lax');
    } finally {
      process.env.TALLY_PUBLIC_URL = previous;
    }
  });

  it("stores the secret's SHA-256 only, with the identity, the CSRF token and the expiry as TTL", async () => {
    const { cookie, csrfToken } = await createSession(admin, now);
    const secret = secretOf(cookie);
    const digest = createHash('sha256').update(secret, 'utf8').digest('base64url');
    const stored = table.items.get(`${keys.session('console', digest).pk}\n${keys.session('console', digest).sk}`);
    expect(stored).toMatchObject({ ...admin, csrfToken, expiresAt: now.getTime() / 1000 + 12 * 3600 });
    expect(JSON.stringify(table.all())).not.toContain(secret);
  });
});

describe('finding the session of a request', () => {
  it('gives the identity, CSRF token and expiry for the cookie', async () => {
    const { cookie, csrfToken, expiresAt } = await createSession(admin, now);
    await expect(findSession('console', ['other=1', ...sent(cookie)], later(60))).resolves.toEqual({ ...admin, csrfToken, expiresAt });
  });

  it('finds nothing once 12 hours have passed, though the TTL has not deleted it yet', async () => {
    const { cookie } = await createSession(admin, now);
    await expect(findSession('console', sent(cookie), later(12 * 3600 - 1))).resolves.toBeDefined();
    await expect(findSession('console', sent(cookie), later(12 * 3600))).resolves.toBeUndefined();
    expect(table.all().some((item) => item.type === 'session')).toBe(true);
  });

  it("reads the member's role as it is now: demoted at once, removed means signed out", async () => {
    const { cookie } = await createSession(admin, now);
    jest.mocked(Store.getMember).mockResolvedValue({ ...member, role: 'viewer' });
    await expect(findSession('console', sent(cookie), later(1))).resolves.toMatchObject({ role: 'viewer' });
    jest.mocked(Store.getMember).mockResolvedValue(undefined);
    await expect(findSession('console', sent(cookie), later(2))).resolves.toBeUndefined();
  });

  it("ends a portal session when the affiliate's access ends", async () => {
    const { cookie } = await createSession(affiliate, now);
    await expect(findSession('portal', sent(cookie), later(1))).resolves.toMatchObject({ affiliateId: 'aff_1' });
    jest.mocked(Store.validPortalAccess).mockResolvedValue(undefined);
    await expect(findSession('portal', sent(cookie), later(2))).resolves.toBeUndefined();
  });

  it('finds nothing without the cookie, with a made-up one, or with the other area’s', async () => {
    const { cookie } = await createSession(admin, now);
    await expect(findSession('console', undefined, now)).resolves.toBeUndefined();
    await expect(findSession('console', ['tally_console=made-up'], now)).resolves.toBeUndefined();
    await expect(findSession('portal', [`tally_portal=${secretOf(cookie)}`], now)).resolves.toBeUndefined();
  });
});

describe('signing out', () => {
  it('deletes the session and clears the cookie', async () => {
    const { cookie } = await createSession(admin, now);
    const cleared = await endSession('console', sent(cookie));
    expect(cleared).toBe('tally_console=; Path=/console; Max-Age=0; HttpOnly; SameSite=Lax; Secure');
    await expect(findSession('console', sent(cookie), later(1))).resolves.toBeUndefined();
    expect(table.all().filter((item) => item.type === 'session')).toEqual([]);
  });
});

describe('the CSRF check', () => {
  const session = { ...admin, csrfToken: 'b'.repeat(43), expiresAt: '' };

  it('passes the session’s own token, compared in constant time', () => {
    jest.mocked(Crypto.timingSafeEqual).mockClear();
    expect(() => checkCsrf(session, 'b'.repeat(43))).not.toThrow();
    expect(Crypto.timingSafeEqual).toHaveBeenCalledTimes(1);
  });

  it.each([['another token', 'c'.repeat(43)], ['a prefix', 'b'.repeat(42)], ['an empty token', ''], ['no token', undefined]])(
    'refuses %s with a 403 csrf_failed',
    (_what, submitted) => {
      const attempt = () => checkCsrf(session, submitted);
      expect(attempt).toThrow(ForbiddenError);
      expect(attempt).toThrow(expect.objectContaining({ status: 403, type: 'csrf_failed' }));
    },
  );
});
