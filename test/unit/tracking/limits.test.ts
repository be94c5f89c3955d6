import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { RateLimitedError } from '../../../lambdas/core/errors';
import { enforceLimits, trackingLimits } from '../../../lambdas/tracking/limits';

process.env.TALLY_TABLE_NAME = 'tally-test';

describe('tracking abuse limits', () => {
  const dynamo = mockClient(DynamoDBDocumentClient);
  afterEach(() => dynamo.reset());
  const now = new Date('2026-06-30T12:00:42.500Z');
  const windowStart = Math.floor(Date.parse('2026-06-30T12:00:00Z') / 1000);

  it("counts a call against the merchant's and the client's one-minute windows, which expire", async () => {
    dynamo.on(UpdateCommand).resolves({});
    await enforceLimits('mer_1', '203.0.113.9', now);
    const updates = dynamo.commandCalls(UpdateCommand).map((call) => call.args[0].input);
    expect(updates.map((update) => update.ExpressionAttributeValues?.[':limit']).sort()).toEqual(
      [trackingLimits.perClientIp, trackingLimits.perTrackingKey].sort(),
    );
    for (const update of updates) {
      expect(update.Key?.sk).toBe(String(windowStart));
      expect(update.ConditionExpression).toBe('attribute_not_exists(#count) OR #count < :limit');
      expect(update.ExpressionAttributeValues?.[':expiresAt']).toBeGreaterThan(windowStart + trackingLimits.windowSeconds);
    }
    const clientKey = updates.find((update) => update.ExpressionAttributeValues?.[':limit'] === trackingLimits.perClientIp)?.Key?.pk;
    expect(clientKey).toMatch(/^TRACKLIMIT#mer_1#IP#[0-9a-f]{32}$/);
    expect(clientKey).not.toContain('203.0.113.9');
  });

  it('refuses with 429 once a window is spent', async () => {
    dynamo.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'failed', $metadata: {} }));
    await expect(enforceLimits('mer_1', '203.0.113.9', now)).rejects.toBeInstanceOf(RateLimitedError);
  });
});
