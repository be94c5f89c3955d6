import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { createHash, timingSafeEqual } from 'node:crypto';
import { UnauthorizedError } from '../core/errors';
import { newSecret } from '../core/ids';
import { getSecret } from '../core/secrets';
import { db, tableName } from '../store/db';
import { keys } from '../store/keys';

/** Merchant API keys are shown once and stored only as this digest. */
export const hashKey = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

export const newApiKey = (): string => newSecret('tally_sk');
/** Public, embedded in the merchant's website: it can only write low-trust tracking records. */
export const newTrackingKey = (): string => newSecret('tally_pk', 16);

const sameDigest = (a: string, b: string): boolean => {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
};

export interface ApiKeyRecord {
  keyHash: string;
  merchantId: string;
}

/** Resolves a bearer key to its merchant, or refuses with 401 (no hint whether the key existed). */
export const authenticateMerchant = async (key: string): Promise<string> => {
  const keyHash = hashKey(key);
  const { Item } = await db().send(new GetCommand({ TableName: tableName(), Key: keys.apiKey(keyHash) }));
  const record = Item as ApiKeyRecord | undefined;
  if (!record || !sameDigest(record.keyHash, keyHash)) throw new UnauthorizedError();
  return record.merchantId;
};

export const authenticateOperator = async (key: string): Promise<void> => {
  const operatorKey = await getSecret('operatorKey');
  if (!sameDigest(hashKey(key), hashKey(operatorKey))) throw new UnauthorizedError('The operator key is required.');
};
