import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { RateLimitedError } from '../../../lambdas/core/errors';
import { clientOf, enforceLimits, TrackingLimitedError, trackingLimits } from '../../../lambdas/tracking/limits';

process.env.TALLY_TABLE_NAME = 'tally-test';

const spent = () => new ConditionalCheckFailedException({ message: 'failed', $metadata: {} });

describe('tracking abuse limits', () => {
  const dynamo = mockClient(DynamoDBDocumentClient);
  afterEach(() => dynamo.reset());
  const now = new Date('2026-06-30T12:00:42.500Z');
  const windowStart = Math.floor(Date.parse('2026-06-30T12:00:00Z') / 1000);
  const limitOf = (call: { args: [UpdateCommand] }) => call.args[0].input.ExpressionAttributeValues?.[':limit'];

  it("counts a call against the client's one-minute window first, then the merchant's, both expiring", async () => {
    dynamo.on(UpdateCommand).resolves({});
    await enforceLimits('mer_1', '203.0.113.9', now);
    const updates = dynamo.commandCalls(UpdateCommand);
    expect(updates.map(limitOf)).toEqual([trackingLimits.perClientIp, trackingLimits.perTrackingKey]);
    for (const { input } of updates.map((call) => call.args[0])) {
      expect(input.Key?.sk).toBe(String(windowStart));
      expect(input.ConditionExpression).toBe('attribute_not_exists(#count) OR #count < :limit');
      expect(input.ExpressionAttributeValues?.[':expiresAt']).toBeGreaterThan(windowStart + trackingLimits.windowSeconds);
    }
    const clientKey = updates[0]?.args[0].input.Key?.pk;
    expect(clientKey).toMatch(/^TRACKLIMIT#mer_1#IP#[0-9a-f]{32}$/);
    expect(clientKey).not.toContain('203.0.113.9');
  });

  it("spends nothing of the merchant's budget on a call the client's limit refuses", async () => {
    dynamo.on(UpdateCommand).rejects(spent());
    await expect(enforceLimits('mer_1', '203.0.113.9', now)).rejects.toBeInstanceOf(TrackingLimitedError);
    expect(dynamo.commandCalls(UpdateCommand).map(limitOf)).toEqual([trackingLimits.perClientIp]);
  });

  it('refuses with a 429 that says how many seconds are left in the window', async () => {
    dynamo.on(UpdateCommand).resolvesOnce({}).rejects(spent());
    const refusal = await enforceLimits('mer_1', '203.0.113.9', now).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(RateLimitedError);
    expect(refusal).toMatchObject({ status: 429, type: 'rate_limited', retryAfterSeconds: 18 });
  });

  it('counts an IPv6 client by its /64, however the address is written', () => {
    expect(clientOf('2001:db8:0:0:1::1')).toBe('2001:db8:0:0::/64');
    expect(clientOf('2001:0DB8::ffff')).toBe('2001:db8:0:0::/64');
    expect(clientOf('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
    expect(clientOf('2001:db8:1:3::1')).not.toBe(clientOf('2001:db8:1:2::1'));
    expect(clientOf('::1')).toBe('0:0:0:0::/64');
  });

  it('counts an IPv4 client by its address, written plainly or mapped into IPv6', () => {
    expect(clientOf('203.0.113.9')).toBe('203.0.113.9');
    expect(clientOf('::ffff:203.0.113.9')).toBe('203.0.113.9');
  });
});
