import { parseArgs } from 'node:util';
import { modeSchema } from '../lambdas/core/mode';
import { type CounterDifference, check, confirmed, fix, type RebuildReport, uncheckedFields } from '../lambdas/stats/rebuild';

/**
 * `npm run stats:rebuild -- --merchant mer_… --mode live [--fix]`: recomputes a merchant-mode's
 * stats counters from the ledger and the affiliates, and prints every counter that differs. With
 * `--fix`, it checks twice and corrects the differences both checks found (an ADD of the
 * difference, so events processed meanwhile keep their increments), then checks again.
 *
 * It talks to the table the environment names, like the Lambda functions: `TALLY_TABLE_NAME` (the
 * stack's `TableName` output) with the usual AWS credentials and region; `--local` means the
 * `npm start` stack's DynamoDB Local (127.0.0.1:8000, table `tally`); `--table` and `--endpoint`
 * override either. Exits 1 when differences remain.
 */
const usage = 'usage: npm run stats:rebuild -- --merchant mer_… [--mode live|test] [--fix] [--local] [--table name] [--endpoint url]';

const { values } = parseArgs({
  options: {
    merchant: { type: 'string' },
    mode: { type: 'string', default: 'live' },
    fix: { type: 'boolean', default: false },
    local: { type: 'boolean', default: false },
    table: { type: 'string' },
    endpoint: { type: 'string' },
  },
});

const describe = ({ bucket, field, stored, recomputed }: CounterDifference): string => {
  const where = bucket.kind === 'day' ? 'day totals' : `${bucket.affiliateId} ${bucket.kind === 'affiliateDay' ? 'day' : 'month'}`;
  return `  ${bucket.period.padEnd(10)}  ${where.padEnd(40)}  ${field.padEnd(26)}  stored ${stored}, ledger ${recomputed}`;
};

const print = (report: RebuildReport) => {
  if (report.differences.length === 0) return console.log('No differences: the counters agree with the ledger.');
  console.log(`${report.differences.length} difference(s):`);
  for (const found of report.differences) console.log(describe(found));
};

const main = async (): Promise<number> => {
  const mode = modeSchema.safeParse(values.mode);
  if (!values.merchant || !mode.success) {
    console.error(usage);
    return 2;
  }
  if (values.local) {
    process.env.TALLY_DYNAMODB_ENDPOINT ??= 'http://127.0.0.1:8000';
    process.env.TALLY_TABLE_NAME ??= 'tally';
    process.env.AWS_REGION ??= 'us-east-1';
    process.env.AWS_ACCESS_KEY_ID ??= 'local';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  }
  if (values.table) process.env.TALLY_TABLE_NAME = values.table;
  if (values.endpoint) process.env.TALLY_DYNAMODB_ENDPOINT = values.endpoint;

  const first = await check(values.merchant, mode.data);
  console.log(
    `Stats of ${first.merchantId} (${first.mode}): ${first.books} customer book(s), ${first.affiliates} affiliate(s). ` +
      `Not checked: ${uncheckedFields.join(', ')} (the tracking store keeps no log of them).`,
  );
  print(first);
  if (!values.fix || first.differences.length === 0) return first.differences.length === 0 ? 0 : 1;

  const agreed = confirmed(first, await check(values.merchant, mode.data));
  if (agreed.differences.length < first.differences.length)
    console.log(`${first.differences.length - agreed.differences.length} difference(s) were gone on a second check (changes in flight); left alone.`);
  await fix(agreed);
  console.log(`Corrected ${agreed.differences.length} counter(s). Checking again:`);
  const after = await check(values.merchant, mode.data);
  print(after);
  return after.differences.length === 0 ? 0 : 1;
};

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
