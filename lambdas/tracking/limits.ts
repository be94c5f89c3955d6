import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { createHash } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import { RateLimitedError } from '../core/errors';
import { db, tableName } from '../store/db';
import { keys, type TrackingLimitScope } from '../store/keys';

/**
 * Abuse limits of the public tracking API: fixed one-minute windows counted in DynamoDB, so every
 * Lambda instance shares them. The tracking key is public, so these (with the body limit and the
 * records' TTL) are what keep a script kiddie from filling a merchant's table. No limit per visitor
 * ID: the caller chooses it and can change it at will, so only the client's address tells callers
 * apart.
 *
 * The client's limit is checked first and a call it refuses spends nothing of the merchant's: one
 * noisy client is stopped alone instead of using up the budget of every real visitor. The
 * merchant-wide limit only bounds what many clients together can store.
 */
export const trackingLimits = {
  windowSeconds: 60,
  /** Every visit and lead of one merchant's website: about 20 a second, sustained. */
  perTrackingKey: 1200,
  /** One browser, or one office behind a NAT: far above what a person clicking around sends. */
  perClientIp: 60,
};

/** Counters outlive their window briefly, then DynamoDB's TTL removes them. */
const counterTtlSeconds = 120;

/** A refused tracking call, with how long until its window ends (the 429's `Retry-After`). */
export class TrackingLimitedError extends RateLimitedError {
  constructor(readonly retryAfterSeconds: number) {
    super(`Too many tracking calls; retry in ${retryAfterSeconds} s.`);
  }
}

/**
 * Who is counted as one client: an IPv4 address, or an IPv6 /64 — one home or one host gets a whole
 * /64, so counting single IPv6 addresses would give an attacker 2^64 fresh budgets.
 */
export const clientOf = (ip: string): string => {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1];
  if (mapped && isIPv4(mapped)) return mapped;
  if (!isIPv6(ip)) return ip;
  const [head = '', tail = ''] = ip.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups
    .slice(0, 4)
    .map((group) => group.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
};

/** The client's address is personal data; a digest is enough to count its requests. */
const clientScope = (ip: string): TrackingLimitScope => ({ kind: 'clientIp', ipDigest: createHash('sha256').update(clientOf(ip), 'utf8').digest('hex').slice(0, 32) });

/**
 * Counts one request, or refuses it if the window's count is already at the limit. Plain
 * conditional updates rather than a transaction: a hot counter updated by concurrent transactions
 * would cancel them, while single-item updates simply queue.
 */
const consume = async (merchantId: string, scope: TrackingLimitScope, limit: number, now: Date): Promise<void> => {
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const windowStart = nowSeconds - (nowSeconds % trackingLimits.windowSeconds);
  try {
    await db().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.trackingLimit(merchantId, scope, windowStart),
        UpdateExpression: 'ADD #count :one SET expiresAt = if_not_exists(expiresAt, :expiresAt)',
        ConditionExpression: 'attribute_not_exists(#count) OR #count < :limit',
        ExpressionAttributeNames: { '#count': 'count' },
        ExpressionAttributeValues: { ':one': 1, ':limit': limit, ':expiresAt': windowStart + counterTtlSeconds },
      }),
    );
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException)
      throw new TrackingLimitedError(Math.max(1, windowStart + trackingLimits.windowSeconds - Math.floor(now.getTime() / 1000)));
    throw error;
  }
};

/** Counts a tracking call against the client's limit, then the merchant's; 429 when either is spent. */
export const enforceLimits = async (merchantId: string, clientIp: string, now: Date): Promise<void> => {
  await consume(merchantId, clientScope(clientIp), trackingLimits.perClientIp, now);
  await consume(merchantId, { kind: 'trackingKey' }, trackingLimits.perTrackingKey, now);
};
