import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { StoredAffiliate } from '../affiliates/affiliate';
import { batchGet } from '../store/batch';
import { db, tableName } from '../store/db';
import { keys } from '../store/keys';
import { type Page, type PageRequest, queryPage, queryRange } from '../store/query';
import type { Transaction } from '../store/transaction';
import type { Member, Role } from './types';

/** Addresses are compared lower-cased, as keys.ts keys them. */
export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

type MemberItem = Member & { pk: string; sk: string; type: string };

const toMember = ({ merchantId, email, role, invitedBy, invitedAt, updatedAt }: MemberItem): Member => ({
  merchantId,
  email,
  role,
  invitedBy: invitedBy ?? null,
  invitedAt,
  updatedAt,
});

/**
 * Adds the writes of a membership to a transaction: the same record under the merchant and under
 * the person. Written again for the same e-mail it only changes the role, so an invitation is
 * idempotent and keeps who invited the member first, and when.
 */
export const writeMembership = (
  transaction: Transaction,
  member: { merchantId: string; email: string; role: Role; invitedBy: string | null },
  now: string,
): Transaction => {
  const email = normalizeEmail(member.email);
  const update = {
    UpdateExpression:
      'SET #type = :type, merchantId = :merchantId, email = :email, #role = :role, updatedAt = :now, ' +
      'invitedAt = if_not_exists(invitedAt, :now), invitedBy = if_not_exists(invitedBy, :invitedBy)',
    ExpressionAttributeNames: { '#type': 'type', '#role': 'role' },
    ExpressionAttributeValues: {
      ':type': 'member',
      ':merchantId': member.merchantId,
      ':email': email,
      ':role': member.role,
      ':now': now,
      ':invitedBy': member.invitedBy,
    },
  };
  return transaction
    .update({ Key: keys.member(member.merchantId, email), ...update })
    .update({ Key: keys.personMembership(email, member.merchantId), ...update });
};

export const getMember = async (merchantId: string, email: string): Promise<Member | undefined> => {
  const { Item } = await db().send(new GetCommand({ TableName: tableName(), Key: keys.member(merchantId, email), ConsistentRead: true }));
  return Item ? toMember(Item as MemberItem) : undefined;
};

/** A team is a handful of people: read whole. */
export const queryMembers = async (merchantId: string): Promise<Member[]> =>
  (await queryRange<MemberItem>(keys.members(merchantId))).map(toMember);

/** One page of the team, in the order of their e-mails' digests (stable across pages). */
export const queryMembersPage = async (merchantId: string, page: PageRequest): Promise<Page<Member>> => {
  const found = await queryPage<MemberItem>({ key: keys.members(merchantId) }, page);
  return { data: found.data.map(toMember), nextCursor: found.nextCursor };
};

export const queryMemberships = async (email: string): Promise<Member[]> =>
  (await queryRange<MemberItem>(keys.personMemberships(email))).map(toMember);

export interface PortalAccess {
  email: string;
  merchantId: string;
  affiliateId: string;
  invitedAt: string;
}

export const putPortalAccess = async (access: PortalAccess): Promise<void> => {
  const email = normalizeEmail(access.email);
  await db().send(
    new PutCommand({
      TableName: tableName(),
      Item: { ...keys.portalAccess(email, access.merchantId, access.affiliateId), type: 'portalAccess', ...access, email },
    }),
  );
};

/**
 * An access record holds while its affiliate is active and still has the e-mail it was invited
 * under: archiving an affiliate, or changing its address, ends the old address's access at once.
 */
const stillValid = (access: PortalAccess, affiliate: StoredAffiliate | undefined): boolean =>
  affiliate !== undefined && affiliate.status === 'active' && normalizeEmail(affiliate.email ?? '') === access.email;

/** The portal accesses of an e-mail that still hold. */
export const validPortalAccesses = async (email: string): Promise<PortalAccess[]> => {
  const accesses = await queryRange<PortalAccess>(keys.portalAccesses(email));
  if (accesses.length === 0) return [];
  const affiliates = await batchGet(accesses.map(({ merchantId, affiliateId }) => keys.affiliate(merchantId, affiliateId)));
  return accesses
    .filter((access) => stillValid(access, affiliates.get<StoredAffiliate>(keys.affiliate(access.merchantId, access.affiliateId))))
    .map(({ email: address, merchantId, affiliateId, invitedAt }) => ({ email: address, merchantId, affiliateId, invitedAt }));
};

export const validPortalAccess = async (email: string, merchantId: string, affiliateId: string): Promise<PortalAccess | undefined> => {
  const read = (key: { pk: string; sk: string }) => db().send(new GetCommand({ TableName: tableName(), Key: key, ConsistentRead: true }));
  const [access, affiliate] = await Promise.all([read(keys.portalAccess(email, merchantId, affiliateId)), read(keys.affiliate(merchantId, affiliateId))]);
  if (!access.Item) return undefined;
  const found = access.Item as PortalAccess;
  return stillValid(found, affiliate.Item as StoredAffiliate | undefined) ? found : undefined;
};
