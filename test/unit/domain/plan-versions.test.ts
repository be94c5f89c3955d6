import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { create, planVersionKey, planVersions, update, versionOfHead } from '../../../lambdas/plans/plan';
import { keys } from '../../../lambdas/store/keys';

process.env.TALLY_TABLE_NAME = 'tally-test';

const dynamo = mockClient(DynamoDBDocumentClient);
afterEach(() => dynamo.reset());

/** The version cache lives as long as the module, so each test reads its own merchant's plans. */
let merchants = 0;
const newMerchantId = () => `mer_versions${++merchants}`;

const versionItem = (merchantId: string, planId: string, version: number, percentBps: number) => ({
  ...keys.planVersion(merchantId, planId, version),
  type: 'planVersion',
  id: planId,
  version,
  name: `v${version}`,
  rate: { percentBps },
  paymentFor: 'all',
  lineItemSkus: [],
  recurring: 'all',
});

const terms = (item: ReturnType<typeof versionItem>) => {
  const { pk: _pk, sk: _sk, type: _type, ...rest } = item;
  return rest;
};

const batchKeys = () =>
  dynamo.commandCalls(BatchGetCommand).map((call) => (call.args[0].input as BatchGetCommand['input']).RequestItems?.['tally-test']?.Keys);

const writtenItems = () =>
  dynamo.commandCalls(TransactWriteCommand).flatMap((call) => (call.args[0].input as TransactWriteCommand['input']).TransactItems ?? []);

describe('planVersions', () => {
  it('reads every version it has not seen in one BatchGet and keys them by plan and version', async () => {
    const merchantId = newMerchantId();
    const [a1, a2, b1] = [versionItem(merchantId, 'plan_a', 1, 100), versionItem(merchantId, 'plan_a', 2, 200), versionItem(merchantId, 'plan_b', 1, 300)];
    dynamo.on(BatchGetCommand).resolves({ Responses: { 'tally-test': [a1, a2, b1] } });

    const found = await planVersions(merchantId, [
      { planId: 'plan_a', version: 1 },
      { planId: 'plan_a', version: 2 },
      { planId: 'plan_b', version: 1 },
    ]);

    expect(dynamo).toHaveReceivedCommandTimes(BatchGetCommand, 1);
    expect(batchKeys()).toEqual([
      [keys.planVersion(merchantId, 'plan_a', 1), keys.planVersion(merchantId, 'plan_a', 2), keys.planVersion(merchantId, 'plan_b', 1)],
    ]);
    expect(Object.fromEntries(found)).toEqual({ 'plan_a@1': terms(a1), 'plan_a@2': terms(a2), 'plan_b@1': terms(b1) });
  });

  it('answers a version it has read before from its cache, without a call', async () => {
    const merchantId = newMerchantId();
    const a1 = versionItem(merchantId, 'plan_a', 1, 100);
    dynamo.on(BatchGetCommand).resolves({ Responses: { 'tally-test': [a1] } });
    await planVersions(merchantId, [{ planId: 'plan_a', version: 1 }]);
    dynamo.resetHistory();

    const again = await planVersions(merchantId, [{ planId: 'plan_a', version: 1 }]);

    expect(dynamo).toHaveReceivedCommandTimes(BatchGetCommand, 0);
    expect(again.get(planVersionKey('plan_a', 1))).toEqual(terms(a1));
  });

  it('reads only the misses when some versions are cached', async () => {
    const merchantId = newMerchantId();
    const [a1, a2] = [versionItem(merchantId, 'plan_a', 1, 100), versionItem(merchantId, 'plan_a', 2, 200)];
    dynamo.on(BatchGetCommand).resolves({ Responses: { 'tally-test': [a1] } });
    await planVersions(merchantId, [{ planId: 'plan_a', version: 1 }]);
    dynamo.reset();
    dynamo.on(BatchGetCommand).resolves({ Responses: { 'tally-test': [a2] } });

    const found = await planVersions(merchantId, [
      { planId: 'plan_a', version: 1 },
      { planId: 'plan_a', version: 2 },
    ]);

    expect(batchKeys()).toEqual([[keys.planVersion(merchantId, 'plan_a', 2)]]);
    expect([...found.keys()].sort()).toEqual(['plan_a@1', 'plan_a@2']);
  });

  it('leaves a version that is not stored out of the answer, and does not remember it as absent', async () => {
    const merchantId = newMerchantId();
    dynamo.on(BatchGetCommand).resolves({ Responses: { 'tally-test': [] } });
    const found = await planVersions(merchantId, [{ planId: 'plan_gone', version: 3 }]);
    expect(found.size).toBe(0);
    await planVersions(merchantId, [{ planId: 'plan_gone', version: 3 }]);
    expect(dynamo).toHaveReceivedCommandTimes(BatchGetCommand, 2);
  });

  it("does not answer one merchant's read with another's cached version", async () => {
    const [owner, other] = [newMerchantId(), newMerchantId()];
    dynamo.on(BatchGetCommand).resolvesOnce({ Responses: { 'tally-test': [versionItem(owner, 'plan_a', 1, 100)] } }).resolves({ Responses: { 'tally-test': [] } });
    await planVersions(owner, [{ planId: 'plan_a', version: 1 }]);
    const found = await planVersions(other, [{ planId: 'plan_a', version: 1 }]);
    expect(found.size).toBe(0);
    expect(dynamo).toHaveReceivedCommandTimes(BatchGetCommand, 2);
  });

  it('keeps at most 500 versions, forgetting the one used longest ago', async () => {
    const merchantId = newMerchantId();
    const wanted = Array.from({ length: 501 }, (_, n) => ({ planId: `plan_${n}`, version: 1 }));
    dynamo.on(BatchGetCommand).callsFake((input: BatchGetCommand['input']) => ({
      Responses: { 'tally-test': (input.RequestItems?.['tally-test']?.Keys ?? []).map((key) => ({ ...key, ...terms(versionItem(merchantId, 'plan_x', 1, 1)) })) },
    }));
    await planVersions(merchantId, wanted);
    dynamo.resetHistory();

    await planVersions(merchantId, [{ planId: 'plan_500', version: 1 }]);
    expect(dynamo).toHaveReceivedCommandTimes(BatchGetCommand, 0);
    await planVersions(merchantId, [{ planId: 'plan_0', version: 1 }]);
    expect(batchKeys()).toEqual([[keys.planVersion(merchantId, 'plan_0', 1)]]);
  });

  it('makes no call when nothing is asked for', async () => {
    expect((await planVersions(newMerchantId(), [])).size).toBe(0);
    expect(dynamo).toHaveReceivedCommandTimes(BatchGetCommand, 0);
  });
});

describe('versionOfHead', () => {
  it("takes the version's terms from a head item and nothing else", () => {
    const head = {
      ...keys.plan('mer_1', 'plan_1'),
      type: 'plan',
      merchantId: 'mer_1',
      id: 'plan_1',
      version: 4,
      name: 'Course',
      rate: { flat: { amount: 500, currency: 'eur' } },
      paymentFor: 'line_items',
      lineItemSkus: ['prod_A'],
      recurring: { months: 3 },
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-02-01T00:00:00.000Z',
    };
    expect(versionOfHead(head)).toEqual({
      id: 'plan_1',
      version: 4,
      name: 'Course',
      rate: { flat: { amount: 500, currency: 'eur' } },
      paymentFor: 'line_items',
      lineItemSkus: ['prod_A'],
      recurring: { months: 3 },
    });
  });
});

describe('plan writes', () => {
  const merchantItem = (merchantId: string, defaultCommissionPlanId: string | null) => ({
    ...keys.merchant(merchantId),
    id: merchantId,
    name: 'Shop',
    dashboardUrl: null,
    trackingKey: 'trk',
    settings: { defaultCommissionPlanId },
    createdAt: '2026-01-01T00:00:00.000Z',
  });

  it('creates a plan with its version 1 item, and leaves the profile alone when the plan is not the default', async () => {
    const merchantId = newMerchantId();
    dynamo.on(GetCommand).resolves({ Item: merchantItem(merchantId, 'plan_other') });
    dynamo.on(TransactWriteCommand).resolves({});

    const plan = await create(merchantId, { name: 'Std', rate: { percentBps: 1000 }, paymentFor: 'all', lineItemSkus: [], recurring: 'all' });

    const items = writtenItems();
    expect(items).toHaveLength(2);
    expect(items.at(1)).toEqual({
      Put: {
        TableName: 'tally-test',
        Item: {
          ...keys.planVersion(merchantId, plan.id, 1),
          type: 'planVersion',
          id: plan.id,
          version: 1,
          name: 'Std',
          rate: { percentBps: 1000 },
          paymentFor: 'all',
          lineItemSkus: [],
          recurring: 'all',
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    });
    expect(items.some((item) => item.Update?.Key?.sk === keys.merchant(merchantId).sk)).toBe(false);
  });

  it('moves only the default on the profile, never a copy of the plan', async () => {
    const merchantId = newMerchantId();
    dynamo.on(GetCommand).resolves({ Item: merchantItem(merchantId, null) });
    dynamo.on(TransactWriteCommand).resolves({});

    await create(merchantId, { name: 'First', rate: { percentBps: 1000 }, paymentFor: 'all', lineItemSkus: [], recurring: 'all' });

    const profileWrite = writtenItems().find((item) => item.Update?.Key?.pk === keys.merchant(merchantId).pk && item.Update.Key.sk === keys.merchant(merchantId).sk);
    expect(profileWrite?.Update?.UpdateExpression).toBe('SET #settings.#default = :planId');
    expect(Object.values(profileWrite?.Update?.ExpressionAttributeNames ?? {})).toEqual(['settings', 'defaultCommissionPlanId']);
  });

  it('writes the next version as a new item when a plan changes, conditional on its not existing', async () => {
    const merchantId = newMerchantId();
    const head = { ...keys.plan(merchantId, 'plan_1'), type: 'plan', merchantId, ...terms(versionItem(merchantId, 'plan_1', 2, 100)), createdAt: 'x', updatedAt: 'x' };
    dynamo
      .on(GetCommand, { Key: keys.plan(merchantId, 'plan_1') })
      .resolves({ Item: head })
      .on(GetCommand, { Key: keys.merchant(merchantId) })
      .resolves({ Item: merchantItem(merchantId, 'plan_1') });
    dynamo.on(TransactWriteCommand).resolves({});

    await update(merchantId, 'plan_1', { rate: { percentBps: 2500 } });

    const [headWrite, versionWrite] = writtenItems();
    expect(writtenItems()).toHaveLength(2);
    expect(headWrite?.Update?.ConditionExpression).toBe('#version = :checkedVersion');
    expect(headWrite?.Update?.ExpressionAttributeValues).toMatchObject({ ':version': 3, ':checkedVersion': 2 });
    expect(versionWrite?.Put).toMatchObject({
      Item: { ...keys.planVersion(merchantId, 'plan_1', 3), type: 'planVersion', version: 3, rate: { percentBps: 2500 }, name: 'v2' },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
  });
});
