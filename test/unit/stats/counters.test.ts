import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { bucketsOf, countStats, countStatsChange, fieldsOf, type StatsDelta, tally } from '../../../lambdas/stats/counters';
import { counterShards } from '../../../lambdas/store/keys';
import { Transaction } from '../../../lambdas/store/transaction';

process.env.TALLY_TABLE_NAME = 'tally-test';

const usd = (amount: number) => ({ amount, currency: 'usd' });
const purchase = (overrides: Partial<StatsDelta> = {}): StatsDelta => ({
  merchantId: 'mer_1',
  mode: 'live',
  at: '2026-03-14T23:59:59.999Z',
  affiliateId: 'aff_1',
  sales: { count: 1, amount: usd(5000) },
  commissionsEarned: usd(1000),
  ...overrides,
});

type Update = { Key: { pk: string; sk: string }; UpdateExpression: string; ExpressionAttributeNames: Record<string, string>; ExpressionAttributeValues: Record<string, unknown> };

/** The counter increments of an update, by attribute name, read back from its expression. */
const increments = (update: Update): Record<string, number> =>
  Object.fromEntries(
    [...update.UpdateExpression.matchAll(/(#c\d+) (:c\d+)/g)].map(([, name, value]) => [
      update.ExpressionAttributeNames[name as string],
      update.ExpressionAttributeValues[value as string] as number,
    ]),
  );

describe('stats counters', () => {
  const dynamo = mockClient(DynamoDBDocumentClient);
  beforeEach(() => dynamo.on(TransactWriteCommand).resolves({}));
  afterEach(() => dynamo.reset());

  const committedUpdates = (): Update[] =>
    (dynamo.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? []).flatMap((item) =>
      item.Update ? [item.Update as unknown as Update] : [],
    );

  it('counts a purchase in the merchant-mode day, the affiliate day and the affiliate month, with the ledger write', async () => {
    const transaction = new Transaction().put({ Item: { pk: 'LEDGER', sk: 'PURCHASE' } });
    countStats(transaction, purchase());
    await transaction.commit();

    expect(dynamo).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
    const updates = committedUpdates();
    expect(updates.map((update) => update.Key.sk).sort()).toEqual(['AFFDAY#2026-03-14#aff_1', 'AFFMONTH#2026-03#aff_1', 'DAY#2026-03-14']);
    for (const update of updates) {
      expect(update.Key.pk).toMatch(new RegExp(`^STATS#mer_1#live#[0-${counterShards - 1}]$`));
      expect(increments(update)).toEqual({ salesCount: 1, salesAmount_usd: 5000, commissionsEarned_usd: 1000 });
    }
  });

  it('merges every delta of one transaction into one update per item, however many calls made them', async () => {
    const transaction = new Transaction();
    countStats(transaction, purchase());
    countStats(transaction, purchase({ sales: { count: 1, amount: { amount: 700, currency: 'EUR' } }, commissionsEarned: undefined }));
    countStats(transaction, { merchantId: 'mer_1', mode: 'live', at: '2026-03-14T08:00:00Z', visits: 2 });
    await transaction.commit();

    const updates = committedUpdates();
    const keys = updates.map((update) => `${update.Key.pk}|${update.Key.sk}`);
    expect(new Set(keys).size).toBe(keys.length);
    const day = updates.find((update) => update.Key.sk.startsWith('DAY#')) as Update;
    expect(increments(day)).toEqual({ salesCount: 2, salesAmount_usd: 5000, salesAmount_eur: 700, commissionsEarned_usd: 1000, visits: 2 });
    const affiliateDay = updates.find((update) => update.Key.sk.startsWith('AFFDAY#')) as Update;
    expect(increments(affiliateDay)).toEqual({ salesCount: 2, salesAmount_usd: 5000, salesAmount_eur: 700, commissionsEarned_usd: 1000 });
  });

  it("spreads one affiliate's day and month over the shards, like the day totals", async () => {
    for (let sale = 0; sale < 200; sale++) {
      const transaction = new Transaction();
      countStats(transaction, purchase());
      await transaction.commit();
    }
    const written = dynamo
      .commandCalls(TransactWriteCommand)
      .flatMap((call) => (call.args[0].input.TransactItems ?? []).map((item) => `${item.Update?.Key?.pk as string}|${item.Update?.Key?.sk as string}`));
    for (const bucket of ['AFFDAY#2026-03-14#aff_1', 'AFFMONTH#2026-03#aff_1', 'DAY#2026-03-14'])
      expect(new Set(written.filter((key) => key.endsWith(`|${bucket}`))).size).toBe(counterShards);
  });

  it('keeps modes, merchants and UTC days in separate items', () => {
    const merged = tally([
      purchase({ affiliateId: null }),
      purchase({ affiliateId: null, mode: 'test' }),
      purchase({ affiliateId: null, merchantId: 'mer_2' }),
      purchase({ affiliateId: null, at: new Date('2026-03-15T00:00:00.000Z') }),
    ]);
    expect([...merged.values()].map(({ bucket }) => `${bucket.merchantId} ${bucket.mode} ${bucket.period}`).sort()).toEqual([
      'mer_1 live 2026-03-14',
      'mer_1 live 2026-03-15',
      'mer_1 test 2026-03-14',
      'mer_2 live 2026-03-14',
    ]);
  });

  it('counts an unattributed sale only in the day totals', () => {
    expect(bucketsOf(purchase({ affiliateId: null })).map((bucket) => bucket.kind)).toEqual(['day']);
  });

  it('counts a $0 invoice as a sale without creating a zero amount', () => {
    expect(fieldsOf(purchase({ sales: { count: 1, amount: usd(0) }, commissionsEarned: undefined }))).toEqual({ salesCount: 1 });
  });

  it('counts refunds and reversals as positive figures of their own, never as negative sales', () => {
    expect(
      fieldsOf({ merchantId: 'mer_1', mode: 'live', at: '2026-03-20T10:00:00Z', refunds: { count: 1, amount: usd(2500) }, commissionsReversed: usd(500) }),
    ).toEqual({ refundsCount: 1, refundsAmount_usd: 2500, commissionsReversed_usd: 500 });
  });

  it('writes nothing for a transaction whose deltas count nothing', async () => {
    const transaction = new Transaction().put({ Item: { pk: 'A', sk: 'A' } });
    countStats(transaction, { merchantId: 'mer_1', mode: 'live', at: '2026-03-20T10:00:00Z', visits: 0 });
    await transaction.commit();
    expect(committedUpdates()).toEqual([]);
  });

  it.each([
    ['a negative amount', { commissionsReversed: usd(-5) }],
    ['a fractional amount', { commissionsEarned: usd(10.5) }],
    ['a fractional count', { visits: 0.5 }],
    ['a currency that is not ISO', { commissionsEarned: { amount: 5, currency: 'us dollars' } }],
    ['a time that is not one', { at: 'yesterday' }],
  ])('refuses %s at once, in the caller', (_case, overrides) => {
    expect(() => countStats(new Transaction(), purchase(overrides as Partial<StatsDelta>))).toThrow();
  });

  it('sends the same counter updates again when a contended transaction is retried', async () => {
    dynamo.reset();
    dynamo
      .on(TransactWriteCommand)
      .rejectsOnce(new TransactionCanceledException({ message: 'conflict', $metadata: {}, CancellationReasons: [{ Code: 'TransactionConflict' }] }))
      .resolves({});
    const transaction = new Transaction();
    countStats(transaction, purchase());
    await transaction.commit();
    const [first, second] = dynamo.commandCalls(TransactWriteCommand).map((call) => call.args[0].input.TransactItems);
    expect(first).toHaveLength(3);
    expect(second).toEqual(first);
  });

  describe('a change to a ledger worked out again', () => {
    const refund = purchase({ sales: undefined, commissionsEarned: undefined, refunds: { count: 1, amount: usd(2000) }, commissionsReversed: usd(400) });

    it('takes back the counts of a refund that failed', async () => {
      const transaction = new Transaction();
      countStatsChange(transaction, [purchase(), refund], [purchase()]);
      await transaction.commit();
      const day = committedUpdates().find((update) => update.Key.sk.startsWith('DAY#')) as Update;
      expect(increments(day)).toEqual({ refundsCount: -1, refundsAmount_usd: -2000, commissionsReversed_usd: -400 });
    });

    it('moves a sale credited to another affiliate without touching the day totals', async () => {
      const transaction = new Transaction();
      countStatsChange(transaction, [purchase({ affiliateId: 'aff_1' })], [purchase({ affiliateId: 'aff_2' })]);
      await transaction.commit();
      const byBucket = Object.fromEntries(committedUpdates().map((update) => [update.Key.sk, increments(update)]));
      expect(byBucket).toEqual({
        'AFFDAY#2026-03-14#aff_1': { salesCount: -1, salesAmount_usd: -5000, commissionsEarned_usd: -1000 },
        'AFFMONTH#2026-03#aff_1': { salesCount: -1, salesAmount_usd: -5000, commissionsEarned_usd: -1000 },
        'AFFDAY#2026-03-14#aff_2': { salesCount: 1, salesAmount_usd: 5000, commissionsEarned_usd: 1000 },
        'AFFMONTH#2026-03#aff_2': { salesCount: 1, salesAmount_usd: 5000, commissionsEarned_usd: 1000 },
      });
    });

    it('writes nothing when the figures did not change, and merges with plain counts', async () => {
      const transaction = new Transaction();
      countStatsChange(transaction, [purchase()], [purchase()]);
      countStats(transaction, purchase({ affiliateId: null, sales: undefined, commissionsEarned: undefined, cancellations: 1 }));
      await transaction.commit();
      expect(committedUpdates().map((update) => increments(update))).toEqual([{ cancellations: 1 }]);
    });
  });
});
