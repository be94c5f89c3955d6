import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { counterUpdate } from '../../lambdas/stats/counters';
import { api } from '../support/api';
import { createAffiliate, createMerchant, type TestMerchant } from '../support/factories';
import { dynamo, stack } from '../support/stack';

const root = path.resolve(__dirname, '../..');
const today = () => new Date().toISOString().slice(0, 10);

/** `npm run stats:rebuild` as an operator runs it, pointed at the test stack's table. */
const rebuild = async (...args: string[]): Promise<{ code: number; output: string }> => {
  const { tableName, dynamoEndpoint } = stack();
  const env = { ...process.env, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' };
  try {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'bin/stats-rebuild.ts', '--table', tableName, '--endpoint', dynamoEndpoint, ...args],
      { cwd: root, env },
    );
    return { code: 0, output: stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: failed.stdout + failed.stderr };
  }
};

describe('npm run stats:rebuild', () => {
  let merchant: TestMerchant;
  beforeAll(async () => {
    merchant = await createMerchant();
    await createAffiliate(merchant);
    await createAffiliate(merchant);
  });

  it('finds nothing to correct when the counters agree with what they count', async () => {
    const { code, output } = await rebuild('--merchant', merchant.merchantId, '--mode', 'test');
    expect(output).toContain('2 affiliate(s)');
    expect(output).toContain('No differences');
    expect(code).toBe(0);
  });

  it('reports a counter that drifted, and corrects it with --fix', async () => {
    // A counter moved outside any ledger change: three sales that never happened.
    const bucket = { kind: 'day' as const, merchantId: merchant.merchantId, mode: 'live' as const, period: today() };
    await dynamo().send(new UpdateCommand({ TableName: stack().tableName, ...counterUpdate({ bucket, fields: { salesCount: 3 } }, 2) }));
    const stats = () => api('GET', '/v1/stats', { key: merchant.apiKey, query: { from: today(), to: today(), mode: 'live' } });
    expect((await stats()).body.sales.count).toBe(3);

    const found = await rebuild('--merchant', merchant.merchantId, '--mode', 'live');
    expect(found.code).toBe(1);
    expect(found.output).toMatch(new RegExp(`${today()}\\s+day totals\\s+salesCount\\s+stored 3, ledger 0`));

    const fixed = await rebuild('--merchant', merchant.merchantId, '--mode', 'live', '--fix');
    expect(fixed.output).toContain('Corrected 1 counter(s)');
    expect(fixed.code).toBe(0);
    expect((await stats()).body).toMatchObject({ sales: { count: 0 }, newAffiliates: 2 });
  });

  it('refuses to run without a merchant', async () => {
    const { code, output } = await rebuild('--mode', 'live');
    expect(code).toBe(2);
    expect(output).toContain('usage');
  });
});
