import * as z from 'zod';
import { NotFoundError } from '../core/errors';
import { email } from '../core/schemas';
import { sendMail } from '../mail/mail';
import * as Merchants from '../merchants/merchant';
import { keys } from '../store/keys';
import type { Page, PageRequest } from '../store/query';
import { Transaction } from '../store/transaction';
import { inviteMail } from './mails';
import { inviteHours, issueSignInLink, signInPage } from './sign-in';
import { getMember, normalizeEmail, queryMembers, queryMembersPage, queryMemberships, writeMembership } from './store';
import { type Member, roles } from './types';

/** A merchant's team: the people who sign in to its console, each with a role. */
export const inviteMemberInput = z.strictObject({ email, role: z.enum(roles) });
export type InviteMemberInput = z.infer<typeof inviteMemberInput>;

/**
 * Adds a member, or changes the role of the one with this e-mail, and mails them a sign-in link.
 * `invitedBy` is the inviting member's e-mail when the console invites.
 */
export const inviteMember = async (merchantId: string, input: InviteMemberInput, invitedBy?: string, now = new Date()): Promise<Member> => {
  const address = normalizeEmail(input.email);
  const transaction = new Transaction().check(
    { Key: keys.merchant(merchantId), ConditionExpression: 'attribute_exists(pk)' },
    () => new NotFoundError('Merchant'),
  );
  await writeMembership(transaction, { merchantId, email: address, role: input.role, invitedBy: invitedBy ? normalizeEmail(invitedBy) : null }, now.toISOString()).commit();
  const [member, merchant] = await Promise.all([getMember(merchantId, address), Merchants.get(merchantId)]);
  if (!member) throw new Error('The membership just written was not found');
  const url = await issueSignInLink({ area: 'console', email: address, merchantId }, now, inviteHours * 60 * 60);
  await sendMail(inviteMail('console', address, { label: merchant.name, url }, inviteHours, signInPage('console')));
  return member;
};

export const listMembers = (merchantId: string): Promise<Member[]> => queryMembers(merchantId);

/** The team as `GET /v1/merchant/users` lists it: paged like every list. */
export const listMembersPage = (merchantId: string, page: PageRequest): Promise<Page<Member>> => queryMembersPage(merchantId, page);

/** The merchants an e-mail belongs to, with its role in each. */
export const membershipsOf = (address: string): Promise<Member[]> => queryMemberships(address);
