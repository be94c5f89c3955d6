import * as Affiliates from '../affiliates/affiliate';
import { ConflictError } from '../core/errors';
import { sendMail } from '../mail/mail';
import * as Merchants from '../merchants/merchant';
import { inviteMail } from './mails';
import { inviteHours, issueSignInLink, signInPage } from './sign-in';
import { normalizeEmail, putPortalAccess } from './store';

/**
 * Invites an affiliate to the portal: records that its e-mail may sign in there for this affiliate,
 * and mails it a sign-in link. Inviting again mails a fresh link.
 */
export const inviteAffiliate = async (merchantId: string, affiliateId: string, now = new Date()): Promise<{ invited: string }> => {
  const [affiliate, merchant] = await Promise.all([Affiliates.getStored(merchantId, affiliateId), Merchants.get(merchantId)]);
  if (!affiliate.email) throw new ConflictError('affiliate.no_email', 'The affiliate has no e-mail address to invite.');
  if (affiliate.status !== 'active') throw new ConflictError('affiliate.archived', 'An archived affiliate cannot be invited.');
  const address = normalizeEmail(affiliate.email);
  await putPortalAccess({ email: address, merchantId, affiliateId, invitedAt: now.toISOString() });
  const url = await issueSignInLink({ area: 'portal', email: address, merchantId, affiliateId }, now, inviteHours * 60 * 60);
  await sendMail(inviteMail('portal', address, { label: merchant.name, url }, inviteHours, signInPage('portal')));
  return { invited: affiliate.email };
};
