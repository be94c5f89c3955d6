import { setTimeout as sleep } from 'node:timers/promises';
import { EmulatorControl } from '../bin/stripe-emulator/client';
import { api } from '../test/support/api';
import { createAffiliate, createMerchant, createPlan, type TestMerchant, unique } from '../test/support/factories';
import { spawnLocalStack } from '../test/support/spawn-stack';
import { connectedMerchant } from '../test/support/stripe';

/**
 * `npm run bench -- history`: the two history jobs at the size the issue names, on the local stack
 * (its queue, poller and consumer, DynamoDB Local) against the emulator at Stripe's live limit of
 * 100 requests/s per account, which the jobs pace themselves to 95 % of.
 *
 * 1. A catch-up of 10,000 events: one account's invoices paid with no delivery, then
 *    `POST /v1/stripe-events/replay`, timed until the job completes; then the same replay again
 *    (every event a duplicate).
 * 2. An import of 10,000 paid invoices on another account (and their 10,000 charges), timed until
 *    the job completes.
 */
const catchUpEvents = 10_000;
const importInvoices = 10_000;
/** Invoices per customer: each invoice makes `invoice.paid` and `charge.succeeded`, each customer `customer.created`. */
const invoicesPerCustomer = 10;
const seedConcurrency = 16;

const inParallel = async (count: number, work: (index: number) => Promise<unknown>) => {
  let next = 0;
  await Promise.all(
    Array.from({ length: seedConcurrency }, async () => {
      while (next < count) await work(next++);
    }),
  );
};

/** A live merchant on its own account, selling at 20 %. */
const liveMerchant = async (): Promise<TestMerchant & { accountId: string }> => {
  const merchant = await createMerchant();
  const accountId = await connectedMerchant(merchant, 'live');
  await api('PATCH', '/v1/merchant/settings', { key: merchant.apiKey, body: { holdDays: 0 } });
  await createPlan(merchant, { rate: { percentBps: 2000 } });
  await createAffiliate(merchant, { referralCode: unique('ref') });
  return { ...merchant, accountId };
};

/** Paid invoices nobody was told of: recorded on the account (listable), delivered to no one. */
const seedInvoices = async (emulator: EmulatorControl, accountId: string, invoices: number) => {
  const started = Date.now();
  const customers: string[] = [];
  await inParallel(Math.ceil(invoices / invoicesPerCustomer), async (index) => {
    const first = await emulator.simulateInvoice({
      account: accountId,
      deliver: false,
      customer: { email: `buyer${index}@example.com`, metadata: { tally_affiliate: '' } },
      lineItems: [{ product: { id: 'prod_history' }, unitAmount: 2_500 }],
    });
    customers[index] = first.customer.id;
  });
  await inParallel(invoices - customers.length, async (index) => {
    await emulator.simulateInvoice({
      account: accountId,
      deliver: false,
      customer: customers[index % customers.length] as string,
      lineItems: [{ product: { id: 'prod_history' }, unitAmount: 2_500 }],
    });
  });
  return Date.now() - started;
};

type Job = { id: string; status: string; listed: number; processed: number; duplicates: number; ignored: number; failed: number; startedAt: string; finishedAt?: string };

const runJob = async (merchant: TestMerchant, start: () => Promise<Job>, path: string): Promise<{ job: Job; ms: number }> => {
  const began = Date.now();
  const { id } = await start();
  for (;;) {
    const job = (await api('GET', `${path}/${id}`, { key: merchant.apiKey })).body as Job;
    if (job.status !== 'running') return { job, ms: Date.now() - began };
    await sleep(500);
  }
};

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const line = (label: string, { job, ms }: { job: Job; ms: number }) =>
  console.log(
    `${label.padEnd(34)} ${seconds(ms).padStart(9)}  ${job.status}; listed ${job.listed}, processed ${job.processed}, duplicates ${job.duplicates}, ignored ${job.ignored}, failed ${job.failed}; ${(job.listed / (ms / 1000)).toFixed(0)} objects/s`,
  );

export const historyBenchmark = async (): Promise<void> => {
  const spawned = await spawnLocalStack({ logName: 'bench-history-stack.log' });
  process.env.TALLY_STACK_FILE = spawned.readyFile;
  try {
    const emulator = new EmulatorControl(spawned.description.emulatorUrl);
    console.log('History jobs on the local stack, emulator at 100 requests/s per live account (jobs pace to 95)');

    const catchUp = await liveMerchant();
    // Each invoice of a known customer makes two handled events, a new customer one more.
    const catchUpInvoices = Math.ceil(catchUpEvents / (2 + 1 / invoicesPerCustomer));
    const seededIn = await seedInvoices(emulator, catchUp.accountId, catchUpInvoices);
    console.log(`seeded ${catchUpInvoices} invoices in ${seconds(seededIn)}`);
    const since = new Date(Date.now() - 3_600_000).toISOString();
    const replay = () => api('POST', '/v1/stripe-events/replay', { key: catchUp.apiKey, query: { mode: 'live', since } }).then((response) => response.body.job as Job);
    line('catch-up of their events', await runJob(catchUp, replay, '/v1/stripe-events/replay'));
    line('the same catch-up again', await runJob(catchUp, replay, '/v1/stripe-events/replay'));

    const imported = await liveMerchant();
    const importSeededIn = await seedInvoices(emulator, imported.accountId, importInvoices);
    console.log(`seeded ${importInvoices} invoices in ${seconds(importSeededIn)}`);
    const today = new Date().toISOString().slice(0, 10);
    const startImport = () => api('POST', '/v1/imports/stripe', { key: imported.apiKey, query: { mode: 'live', since: today } }).then((response) => response.body.job as Job);
    line(`import of ${importInvoices} invoices (+ charges)`, await runJob(imported, startImport, '/v1/imports'));
  } finally {
    await spawned.stop();
  }
};
