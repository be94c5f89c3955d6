import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { createHash } from 'node:crypto';
import { RateLimitedError } from '../core/errors';
import { db, tableName } from '../store/db';
import { keys, type TrackingLimitScope } from '../store/keys';

/**
 * Abuse limits of the public tracking API: fixed one-minute windows counted in DynamoDB, so every
 * Lambda instance shares them. The tracking key is public, so these (with the body limit and the
 * records' TTL) are what keep a script kiddie from filling a merchant's table. No limit per visitor
 * ID: the caller chooses it and can change it at will, so only the client's IP tells callers apart.
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

/** The client's IP is personal data; a digest is enough to count its requests. */
const ipScope = (ip: string): TrackingLimitScope => ({ kind: 'clientIp', ipDigest: createHash('sha256').update(ip, 'utf8').digest('hex').slice(0, 32) });

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
    if (error instanceof ConditionalCheckFailedException) throw new RateLimitedError('Too many tracking calls; retry in a minute.');
    throw error;
  }
};

/** Counts a tracking call against the merchant's and the client's limits; 429 when either is spent. */
export const enforceLimits = async (merchantId: string, clientIp: string, now: Date): Promise<void> => {
  await Promise.all([
    consume(merchantId, { kind: 'trackingKey' }, trackingLimits.perTrackingKey, now),
    consume(merchantId, ipScope(clientIp), trackingLimits.perClientIp, now),
  ]);
};
