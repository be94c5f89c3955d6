import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { createHash, randomBytes } from 'node:crypto';
import { RateLimitedError, ValidationError } from '../core/errors';
import { requireSetting } from '../core/config';
import { email as emailSchema } from '../core/schemas';
import { sendMail } from '../mail/mail';
import * as Merchants from '../merchants/merchant';
import { db, tableName } from '../store/db';
import { keys } from '../store/keys';
import { type SignInLink, signInMail } from './mails';
import { getMember, normalizeEmail, queryMemberships, validPortalAccess, validPortalAccesses } from './store';
import type { Area, Identity } from './types';

/**
 * Sign-in by e-mail link. A link carries a random single-use token; only its SHA-256 is stored,
 * with what it signs in to (merchant and, in the portal, affiliate) but not the role, which is read
 * when the link is used, so a member removed meanwhile cannot sign in with an old link.
 */
export const signInMinutes = 15;
/** Invitations wait longer for their first use than a link the person just asked for. */
export const inviteHours = 72;
/** Sign-in mails per e-mail and area in one 15-minute window, whether or not the address is known. */
export const signInMailsPerWindow = 5;

const tokenPattern = /^[A-Za-z0-9_-]{43}$/;
const digest = (token: string) => createHash('sha256').update(token, 'utf8').digest('base64url');
const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

const verifyPath: Record<Area, string> = { console: '/console/sign-in/verify', portal: '/portal/sign-in/verify' };
const signInPath: Record<Area, string> = { console: '/console/sign-in', portal: '/portal/sign-in' };

export const publicLink = (path: string): string => `${requireSetting('TALLY_PUBLIC_URL').replace(/\/+$/, '')}${path}`;
export const signInPage = (area: Area): string => publicLink(signInPath[area]);

/** What a token signs in to; the identity is completed from the current records when it is used. */
export type SignInTarget = { area: 'console'; email: string; merchantId: string } | { area: 'portal'; email: string; merchantId: string; affiliateId: string };

/** Stores a fresh token for the target and returns the link that spends it. */
export const issueSignInLink = async (target: SignInTarget, now: Date, lifetimeSeconds = signInMinutes * 60): Promise<string> => {
  const token = randomBytes(32).toString('base64url');
  await db().send(
    new PutCommand({
      TableName: tableName(),
      Item: { ...keys.signInToken(digest(token)), type: 'signInToken', ...target, email: normalizeEmail(target.email), expiresAt: seconds(now) + lifetimeSeconds },
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
  return publicLink(`${verifyPath[target.area]}?token=${token}`);
};

/** Counts a request in the e-mail's window; over the limit it is refused whether or not the address is known. */
const countRequest = async (area: Area, email: string, now: Date): Promise<void> => {
  const window = signInMinutes * 60;
  const windowStart = seconds(now) - (seconds(now) % window);
  try {
    await db().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.signInLimit(area, email, windowStart),
        UpdateExpression: 'ADD #count :one SET expiresAt = :expiresAt',
        ConditionExpression: 'attribute_not_exists(#count) OR #count < :max',
        ExpressionAttributeNames: { '#count': 'count' },
        ExpressionAttributeValues: { ':one': 1, ':max': signInMailsPerWindow, ':expiresAt': windowStart + 2 * window },
      }),
    );
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException)
      throw new RateLimitedError(`Too many sign-in links were asked for this address; try again within ${signInMinutes} minutes.`);
    throw error;
  }
};

const merchantName = async (merchantId: string) => (await Merchants.get(merchantId)).name;

const targetsOf = async (area: Area, email: string): Promise<SignInTarget[]> =>
  area === 'console'
    ? (await queryMemberships(email)).map(({ merchantId }) => ({ area, email, merchantId }))
    : (await validPortalAccesses(email)).map(({ merchantId, affiliateId }) => ({ area, email, merchantId, affiliateId }));

/**
 * Mails the e-mail one link per merchant it may sign in to (console: its memberships; portal: the
 * affiliates invited under it). An unknown address gets nothing, and the caller sees no difference.
 */
export const requestSignIn = async (area: Area, email: string, now: Date): Promise<void> => {
  const parsed = emailSchema.safeParse(email.trim());
  if (!parsed.success) throw new ValidationError('Give a valid e-mail address.', [{ path: ['email'], message: 'not an e-mail address' }]);
  const address = normalizeEmail(parsed.data);
  await countRequest(area, address, now);
  const targets = await targetsOf(area, address);
  if (targets.length === 0) return;
  const links: SignInLink[] = await Promise.all(
    targets.map(async (target) => ({ label: await merchantName(target.merchantId), url: await issueSignInLink(target, now) })),
  );
  await sendMail(signInMail(area, address, links, signInMinutes));
};

const invalidLink = () =>
  new ValidationError('This sign-in link is not valid: it was used already, has expired, or was never sent.', undefined, 'sign_in.invalid_link');

/** Spends the token: one conditional delete, so of two uses at once exactly one wins. */
const spend = async (area: Area, token: string, now: Date): Promise<SignInTarget> => {
  if (!tokenPattern.test(token)) throw invalidLink();
  try {
    const { Attributes } = await db().send(
      new DeleteCommand({
        TableName: tableName(),
        Key: keys.signInToken(digest(token)),
        // DynamoDB deletes expired items only eventually: the expiry is checked here too.
        ConditionExpression: 'attribute_exists(pk) AND #area = :area AND expiresAt > :now',
        ExpressionAttributeNames: { '#area': 'area' },
        ExpressionAttributeValues: { ':area': area, ':now': seconds(now) },
        ReturnValues: 'ALL_OLD',
      }),
    );
    return Attributes as SignInTarget;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) throw invalidLink();
    throw error;
  }
};

/** Uses a sign-in link once: the identity it signs in as now, or `sign_in.invalid_link`. */
export const consumeSignIn = async (area: Area, token: string, now: Date): Promise<Identity> => {
  const target = await spend(area, token, now);
  if (target.area === 'console') {
    const member = await getMember(target.merchantId, target.email);
    if (!member) throw invalidLink();
    return { area: 'console', email: member.email, merchantId: member.merchantId, role: member.role };
  }
  const access = await validPortalAccess(target.email, target.merchantId, target.affiliateId);
  if (!access) throw invalidLink();
  return { area: 'portal', email: access.email, merchantId: access.merchantId, affiliateId: access.affiliateId };
};
