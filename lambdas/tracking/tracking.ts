import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { UnauthorizedError } from '../core/errors';
import type { Affiliate } from '../affiliates/affiliate';
import { countStats } from '../stats/counters';
import { batchGet, type ItemLookup } from '../store/batch';
import { db, tableName } from '../store/db';
import { type Key, keys } from '../store/keys';
import { Transaction } from '../store/transaction';
import { enforceLimits } from './limits';
import { cookieWindowDaysOf, expiresAtFor, inCookieWindow, type LeadRecord, type VisitorRecord } from './records';
import type { LeadInput, VisitInput } from './schema';

/**
 * Lead tracking (the article's "Lead Tracking Code"): a merchant's website reports referral visits
 * and leads with its public tracking key. These are low-trust writes: they only ever add tracking
 * records to the key's own merchant, never read data back (the answer is the same whether a code
 * exists or not) and never touch an attribution — Stripe events decide those (lambdas/attribution).
 */

/** Who called: the client's IP, for the abuse limits. */
export interface Client {
  ip: string;
}

const merchantFor = async (trackingKey: string): Promise<string> => {
  const { Item } = await db().send(new GetCommand({ TableName: tableName(), Key: keys.trackingKey(trackingKey) }));
  if (!Item) throw new UnauthorizedError('The tracking key is not valid.');
  return (Item as { merchantId: string }).merchantId;
};

/**
 * Admits a tracking call: resolves its key to the merchant, counts it against the abuse limits and,
 * meanwhile, reads what it needs (the merchant's profile for its cookie window, and `keysFor`).
 */
const admit = async (trackingKey: string, client: Client, now: Date, keysFor: (merchantId: string) => Key[]) => {
  const merchantId = await merchantFor(trackingKey);
  const [fetched] = await Promise.all([batchGet([keys.merchant(merchantId), ...keysFor(merchantId)]), enforceLimits(merchantId, client.ip, now)]);
  return { merchantId, fetched, cookieWindowDays: cookieWindowDaysOf(fetched.get(keys.merchant(merchantId))) };
};

const referralClaim = (fetched: ItemLookup, merchantId: string, code: string | undefined) =>
  code ? fetched.get<{ affiliateId: string }>(keys.affiliateCode(merchantId, 'referral', code)) : undefined;

/** The first of the candidates that is an active affiliate: an archived one earns no new credit. */
const firstActive = async (merchantId: string, affiliateIds: (string | undefined)[]): Promise<string | undefined> => {
  const candidates = affiliateIds.filter((id): id is string => id !== undefined);
  if (candidates.length === 0) return undefined;
  const fetched = await batchGet(candidates.map((id) => keys.affiliate(merchantId, id)));
  return candidates.find((id) => fetched.get<Affiliate>(keys.affiliate(merchantId, id))?.status === 'active');
};

/**
 * A visit through an affiliate's link (`?ref=<referral code>`): the visitor now belongs to that
 * affiliate ("last touch"), and the visit counts as the affiliate's traffic. A visit without a code,
 * or with one that is unknown or archived, stores nothing. Answers the cookie window, which the
 * tracking script gives its visitor cookie.
 */
export const recordVisit = async (input: VisitInput, client: Client, now = new Date()): Promise<{ cookieWindowDays: number }> => {
  const { merchantId, fetched, cookieWindowDays } = await admit(input.trackingKey, client, now, (merchant) =>
    input.affiliateCode ? [keys.affiliateCode(merchant, 'referral', input.affiliateCode)] : [],
  );
  const code = input.affiliateCode;
  const affiliateId = await firstActive(merchantId, [referralClaim(fetched, merchantId, code)?.affiliateId]);
  if (!affiliateId || !code) return { cookieWindowDays };

  const visitor: VisitorRecord = {
    visitorId: input.visitorId,
    affiliateId,
    referralCode: code,
    visitedAt: now.toISOString(),
    landingPage: input.url,
    referrer: input.referrer,
    expiresAt: expiresAtFor(now),
  };
  const transaction = new Transaction().put({ Item: { ...keys.visitor(merchantId, input.mode, input.visitorId), type: 'visitor', ...visitor } });
  countStats(transaction, { merchantId, mode: input.mode, at: now, affiliateId, visits: 1 });
  await transaction.commit();
  return { cookieWindowDays };
};

class ConcurrentLead extends Error {}

/**
 * A lead (`tally.lead(email)`): the e-mail is credited to the affiliate of the code sent with it,
 * else to the affiliate whose link brought the visitor within the cookie window. A later lead with
 * another affiliate replaces it ("last touch"); a lead without an affiliate stores nothing. The
 * same lead sent again only refreshes its time, so the leads figure counts people, not calls.
 */
export const recordLead = async (input: LeadInput, client: Client, now = new Date()): Promise<void> => {
  const { mode, visitorId } = input;
  const leadKey = (merchantId: string) => keys.emailLead(merchantId, mode, input.email);
  const { merchantId, fetched, cookieWindowDays } = await admit(input.trackingKey, client, now, (merchant) => [
    leadKey(merchant),
    ...(input.affiliateCode ? [keys.affiliateCode(merchant, 'referral', input.affiliateCode)] : []),
    ...(visitorId ? [keys.visitor(merchant, mode, visitorId)] : []),
  ]);
  const visitor = visitorId ? fetched.get<VisitorRecord>(keys.visitor(merchantId, mode, visitorId)) : undefined;
  const fromVisitor = visitor && inCookieWindow(visitor.visitedAt, now, cookieWindowDays) ? visitor.affiliateId : undefined;
  const fromCode = referralClaim(fetched, merchantId, input.affiliateCode)?.affiliateId;
  const affiliateId = await firstActive(merchantId, [fromCode, fromVisitor]);
  if (!affiliateId) return;

  const lead: LeadRecord = {
    affiliateId,
    via: affiliateId === fromCode ? 'code' : 'visitor',
    visitorId,
    email: input.email,
    stripeCustomerId: input.stripeCustomerId,
    leadAt: now.toISOString(),
    expiresAt: expiresAtFor(now),
  };
  const previous = fetched.get<LeadRecord>(leadKey(merchantId));
  const transaction = new Transaction().put(
    {
      Item: { ...leadKey(merchantId), type: 'lead', ...lead },
      // Written over exactly what was read, so two calls racing for one e-mail count it once.
      ConditionExpression: previous ? 'leadAt = :previousLeadAt' : 'attribute_not_exists(pk)',
      ExpressionAttributeValues: previous ? { ':previousLeadAt': previous.leadAt } : undefined,
    },
    () => new ConcurrentLead(),
  );
  if (input.stripeCustomerId)
    transaction.put({ Item: { ...keys.customerLead(merchantId, mode, input.stripeCustomerId), type: 'lead', ...lead } });
  if (previous?.affiliateId !== affiliateId) countStats(transaction, { merchantId, mode, at: now, affiliateId, leads: 1 });
  try {
    await transaction.commit();
  } catch (error) {
    // Another call recorded this e-mail's lead in the same instant: one of the two is enough.
    if (!(error instanceof ConcurrentLead)) throw error;
  }
};
