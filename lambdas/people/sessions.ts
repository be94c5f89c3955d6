import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { requireSetting } from '../core/config';
import { ForbiddenError } from '../core/errors';
import { newId } from '../core/ids';
import { db, tableName } from '../store/db';
import { keys } from '../store/keys';
import { getMember, validPortalAccess } from './store';
import type { Area, Identity, NewSession, Session } from './types';

/**
 * Browser sessions of the console and the portal. The cookie holds a random secret; the table holds
 * only its SHA-256, with the identity, the CSRF token and the expiry. Each read of a session reads
 * the member's role (or the affiliate's access) as it is now, so removing or demoting someone takes
 * effect on their next request.
 */
export const sessionCookieName: Record<Area, string> = { console: 'tally_console', portal: 'tally_portal' };
export const sessionHours = 12;
const sessionPath: Record<Area, string> = { console: '/console', portal: '/portal' };

const digest = (secret: string) => createHash('sha256').update(secret, 'utf8').digest('base64url');
const seconds = (date: Date) => Math.floor(date.getTime() / 1000);
const secureCookies = () => new URL(requireSetting('TALLY_PUBLIC_URL')).protocol === 'https:';

/** `Set-Cookie` of a session: HttpOnly, SameSite=Lax (a sign-in link is a top-level GET from a mail), only under its area's path. */
export const sessionCookie = (area: Area, secret: string, maxAgeSeconds: number): string =>
  [
    `${sessionCookieName[area]}=${secret}`,
    `Path=${sessionPath[area]}`,
    `Max-Age=${Math.max(0, maxAgeSeconds)}`,
    'HttpOnly',
    'SameSite=Lax',
    ...(secureCookies() ? ['Secure'] : []),
  ].join('; ');

/** The session secret among a request's cookies (API Gateway's `event.cookies`, `name=value` each; a raw `Cookie` header also works). */
export const sessionSecret = (area: Area, cookies: readonly string[] | undefined): string | undefined => {
  const prefix = `${sessionCookieName[area]}=`;
  const value = (cookies ?? [])
    .flatMap((cookie) => cookie.split(';'))
    .map((cookie) => cookie.trim())
    .find((cookie) => cookie.startsWith(prefix))
    ?.slice(prefix.length);
  return value || undefined;
};

type SessionItem = Identity & { sessionId: string; csrfToken: string; expiresAt: number };

export const createSession = async (identity: Identity, now: Date): Promise<NewSession> => {
  const secret = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(32).toString('base64url');
  const sessionId = newId('ses');
  const lifetime = sessionHours * 60 * 60;
  const expiresAt = seconds(now) + lifetime;
  const item: SessionItem = { ...identity, sessionId, csrfToken, expiresAt };
  await db().send(
    new PutCommand({
      TableName: tableName(),
      Item: { ...keys.session(identity.area, digest(secret)), type: 'session', ...item },
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
  return { sessionId, cookie: sessionCookie(identity.area, secret, lifetime), csrfToken, expiresAt: new Date(expiresAt * 1000).toISOString() };
};

/** The identity as it stands now, or undefined when the member was removed or the access ended. */
const currentIdentity = async (stored: Identity): Promise<Identity | undefined> => {
  if (stored.area === 'console') {
    const member = await getMember(stored.merchantId, stored.email);
    return member && { area: 'console', email: member.email, merchantId: member.merchantId, role: member.role };
  }
  const access = await validPortalAccess(stored.email, stored.merchantId, stored.affiliateId);
  return access && { area: 'portal', email: access.email, merchantId: access.merchantId, affiliateId: access.affiliateId };
};

export const findSession = async (area: Area, cookies: string[] | undefined, now: Date): Promise<Session | undefined> => {
  const secret = sessionSecret(area, cookies);
  if (!secret) return undefined;
  const { Item } = await db().send(new GetCommand({ TableName: tableName(), Key: keys.session(area, digest(secret)), ConsistentRead: true }));
  const stored = Item as SessionItem | undefined;
  // The TTL deletes an expired session only eventually.
  if (!stored || stored.area !== area || stored.expiresAt <= seconds(now)) return undefined;
  const identity = await currentIdentity(stored);
  return identity && { ...identity, csrfToken: stored.csrfToken, expiresAt: new Date(stored.expiresAt * 1000).toISOString() };
};

/** Signs out: deletes the session (if any) and returns the `Set-Cookie` that clears the cookie. */
export const endSession = async (area: Area, cookies: string[] | undefined): Promise<string> => {
  const secret = sessionSecret(area, cookies);
  if (secret) await db().send(new DeleteCommand({ TableName: tableName(), Key: keys.session(area, digest(secret)) }));
  return sessionCookie(area, '', 0);
};

/** Compares the submitted token with the session's in constant time (both hashed, so equal lengths). */
export const checkCsrf = (session: Pick<Session, 'csrfToken'>, submittedToken: string | undefined | null): void => {
  const expected = createHash('sha256').update(session.csrfToken, 'utf8').digest();
  const given = createHash('sha256').update(submittedToken ?? '', 'utf8').digest();
  if (!submittedToken || !timingSafeEqual(expected, given))
    throw new ForbiddenError('csrf_failed', 'This form has expired or did not come from this site; reload the page and try again.');
};
