import type { Affiliate } from '../affiliates/affiliate';
import { ValidationError } from '../core/errors';
import type { Mode } from '../core/mode';
import { batchGet } from '../store/batch';
import { keys } from '../store/keys';
import { Transaction } from '../store/transaction';
import { expiresAtFor, type LeadRecord } from '../tracking/records';
import { stageLead } from '../tracking/tracking';
import type { ServerLeadInput } from './schema';

/**
 * Server-side leads (`POST /v1/leads`, merchant API key): the merchant's own server says which
 * affiliate referred an e-mail and, if it knows it, which Stripe customer that is. Unlike the
 * website's public leads, these are trusted: they may name a Stripe customer, they replace an
 * earlier lead of the e-mail (the merchant's word is the latest), and one recorded shortly after
 * the purchase still credits it (tracking/records.ts `leadGraceMs`). Attribution still weighs them
 * after metadata and promotion codes (lambdas/attribution).
 */

export interface Lead {
  email: string;
  affiliateId: string;
  stripeCustomerId: string | null;
  visitorId: string | null;
  mode: Mode;
  trusted: true;
  leadAt: string;
}

const notFound = (field: 'referralCode' | 'affiliateId', message: string) =>
  new ValidationError('The lead names no active affiliate of this merchant.', [{ path: [field], message }]);

/** The affiliate the input names: it must be the merchant's and active (archived ones win no new customers). */
const affiliateOf = async (merchantId: string, input: ServerLeadInput): Promise<{ affiliateId: string; via: LeadRecord['via'] }> => {
  const field = input.referralCode === undefined ? 'affiliateId' : 'referralCode';
  let affiliateId = input.affiliateId;
  if (input.referralCode !== undefined) {
    const claimKey = keys.affiliateCode(merchantId, 'referral', input.referralCode);
    affiliateId = (await batchGet([claimKey])).get<{ affiliateId: string }>(claimKey)?.affiliateId;
    if (!affiliateId) throw notFound(field, 'no affiliate has this referral code');
  }
  const affiliateKey = keys.affiliate(merchantId, affiliateId as string);
  const affiliate = (await batchGet([affiliateKey])).get<Affiliate>(affiliateKey);
  if (!affiliate) throw notFound(field, 'no affiliate with this ID');
  if (affiliate.status !== 'active') throw notFound(field, 'the affiliate is archived');
  return { affiliateId: affiliate.id, via: field === 'referralCode' ? 'code' : 'affiliate' };
};

/** Records a trusted lead, replacing the e-mail's earlier one; counted in the stats as a website's lead is. */
export const record = async (merchantId: string, input: ServerLeadInput, now = new Date()): Promise<Lead> => {
  const { mode } = input;
  const leadKey = keys.emailLead(merchantId, mode, input.email);
  const [{ affiliateId, via }, fetched] = await Promise.all([affiliateOf(merchantId, input), batchGet([leadKey])]);
  const lead: LeadRecord = {
    affiliateId,
    via,
    trusted: true,
    visitorId: input.visitorId,
    email: input.email,
    stripeCustomerId: input.stripeCustomerId,
    leadAt: now.toISOString(),
    expiresAt: expiresAtFor(now),
  };
  await stageLead(new Transaction(), merchantId, mode, lead, fetched.get<LeadRecord>(leadKey), false).commit();
  return {
    email: lead.email,
    affiliateId,
    stripeCustomerId: lead.stripeCustomerId ?? null,
    visitorId: lead.visitorId ?? null,
    mode,
    trusted: true,
    leadAt: lead.leadAt,
  };
};
