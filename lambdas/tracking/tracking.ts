import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { UnauthorizedError } from '../core/errors';
import type { Affiliate } from '../affiliates/affiliate';
import type { Mode } from '../core/mode';
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
 * Admits a tracking call: resolves its key to the merchant and counts it against the abuse limits
 * before anything else is read, so a refused call costs one counter; then reads the merchant's
 * profile (for its cookie window) and what `keysFor` names.
 */
const admit = async (trackingKey: string, client: Client, now: Date, keysFor: (merchantId: string) => Key[]) => {
  const merchantId = await merchantFor(trackingKey);
  await enforceLimits(merchantId, client.ip, now);
  const fetched = await batchGet([keys.merchant(merchantId), ...keysFor(merchantId)]);
  return { merchantId, fetched, cookieWindowDays: cookieWindowDaysOf(fetched.get(keys.merchant(merchantId))) };
};

const referralClaim = (fetched: ItemLookup, merchantId: string, code: string | undefined) =>
  code ? fetched.get<{ affiliateId: string }>(keys.affiliateCode(merchantId, 'referral', code)) : undefined;

/** Which of the affiliates are active: an archived one earns no new credit. */
const activeAffiliates = async (merchantId: string, affiliateIds: (string | undefined)[]): Promise<Set<string>> => {
  const candidates = [...new Set(affiliateIds.filter((id): id is string => id !== undefined))];
  if (candidates.length === 0) return new Set();
  const fetched = await batchGet(candidates.map((id) => keys.affiliate(merchantId, id)));
  return new Set(candidates.filter((id) => fetched.get<Affiliate>(keys.affiliate(merchantId, id))?.status === 'active'));
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
  const claimed = referralClaim(fetched, merchantId, code)?.affiliateId;
  const affiliateId = claimed && (await activeAffiliates(merchantId, [claimed])).has(claimed) ? claimed : undefined;
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
 * Adds a lead to a transaction: the e-mail's lead, the Stripe customer's too when it names one, and
 * one more lead in the stats when it credits the e-mail to another affiliate than `previous` did.
 * `guarded` writes it over exactly what was read, so two calls racing for one e-mail count it once
 * and a public lead never overwrites one stored in the meantime (ConcurrentLead).
 */
export const stageLead = (
  transaction: Transaction,
  merchantId: string,
  mode: Mode,
  lead: LeadRecord,
  previous: LeadRecord | undefined,
  guarded: boolean,
): Transaction => {
  const item = { ...keys.emailLead(merchantId, mode, lead.email), type: 'lead', ...lead };
  if (!guarded) transaction.put({ Item: item });
  else
    transaction.put(
      {
        Item: item,
        ConditionExpression: previous ? 'leadAt = :previousLeadAt' : 'attribute_not_exists(pk)',
        ExpressionAttributeValues: previous ? { ':previousLeadAt': previous.leadAt } : undefined,
      },
      () => new ConcurrentLead(),
    );
  if (lead.stripeCustomerId) transaction.put({ Item: { ...keys.customerLead(merchantId, mode, lead.stripeCustomerId), type: 'lead', ...lead } });
  if (previous?.affiliateId !== lead.affiliateId) countStats(transaction, { merchantId, mode, at: lead.leadAt, affiliateId: lead.affiliateId, leads: 1 });
  return transaction;
};

/**
 * A lead from the website (`tally.lead(email)`): the e-mail is credited to the affiliate of the code
 * sent with it, else to the affiliate whose link brought the visitor within the cookie window. The
 * first lead of an e-mail holds for the cookie window ("first touch"): a later one, for any
 * affiliate, changes nothing, so a stranger who knows a customer's address cannot take over an
 * honest referral. Once the window is over, or the affiliate archived, a new lead takes its place.
 * A lead without an affiliate stores nothing. The answer is the same in every case.
 */
export const recordLead = async (input: LeadInput, client: Client, now = new Date()): Promise<void> => {
  const { mode, visitorId } = input;
  const leadKey = (merchantId: string) => keys.emailLead(merchantId, mode, input.email);
  const { merchantId, fetched, cookieWindowDays } = await admit(input.trackingKey, client, now, (merchant) => [
    leadKey(merchant),
    ...(input.affiliateCode ? [keys.affiliateCode(merchant, 'referral', input.affiliateCode)] : []),
    ...(visitorId ? [keys.visitor(merchant, mode, visitorId)] : []),
  ]);
  const previous = fetched.get<LeadRecord>(leadKey(merchantId));
  const visitor = visitorId ? fetched.get<VisitorRecord>(keys.visitor(merchantId, mode, visitorId)) : undefined;
  const fromVisitor = visitor && inCookieWindow(visitor.visitedAt, now, cookieWindowDays) ? visitor.affiliateId : undefined;
  const fromCode = referralClaim(fetched, merchantId, input.affiliateCode)?.affiliateId;
  const held = previous && inCookieWindow(previous.leadAt, now, cookieWindowDays) ? previous.affiliateId : undefined;
  const active = await activeAffiliates(merchantId, [held, fromCode, fromVisitor]);
  if (held && active.has(held)) return;
  const affiliateId = [fromCode, fromVisitor].find((id) => id !== undefined && active.has(id));
  if (!affiliateId) return;

  const lead: LeadRecord = {
    affiliateId,
    via: affiliateId === fromCode ? 'code' : 'visitor',
    visitorId,
    email: input.email,
    leadAt: now.toISOString(),
    expiresAt: expiresAtFor(now),
  };
  try {
    await stageLead(new Transaction(), merchantId, mode, lead, previous, true).commit();
  } catch (error) {
    // Another lead for this e-mail was stored in the same instant: it came first, so it holds.
    if (!(error instanceof ConcurrentLead)) throw error;
  }
};
