import { api } from '../support/api';
import { finishedJob, merchantWithStripe, promotionCodesOn, settledAffiliate } from '../support/coupon-sync';
import { createAffiliate, createMerchant, type TestMerchant, unique } from '../support/factories';

const importCsv = (merchant: TestMerchant, csv: string | Buffer, headers: Record<string, string> = {}) =>
  api('POST', '/v1/affiliates/import', { key: merchant.apiKey, rawBody: csv, headers: { 'content-type': 'text/csv', ...headers } });

const listAll = async (merchant: TestMerchant) => {
  const all: { id: string; email: string; referralCode: string; couponCode: string | null; discount: unknown }[] = [];
  let cursor: string | undefined;
  do {
    const page = await api('GET', '/v1/affiliates', { key: merchant.apiKey, query: { limit: 100, cursor } });
    all.push(...page.body.data);
    cursor = page.body.nextCursor ?? undefined;
  } while (cursor);
  return all;
};

describe('POST /v1/affiliates/import', () => {
  it('creates the good rows and reports a taken e-mail and a bad discount, writing nothing of them', async () => {
    const merchant = await createMerchant();
    await createAffiliate(merchant, { email: 'taken@example.com' });
    const csv = [
      '\uFEFFEmail,Name,ReferralCode,CouponCode,PercentOff,AmountOff,Currency,Duration,DurationInMonths',
      'ada@example.com,"Lovelace, Ada",ada,ADA-15,15,,,once,',
      'TAKEN@example.com,Someone,taken-ref,TAKEN-10,10,,,once,',
      'bea@example.com,Bea,bea,BEA-5,,500,,once,',
      'cy@example.com,Cy,,CY-5,,500,usd,repeating,3',
      'dee@example.com,,,,,,,,',
    ].join('\r\n');

    const response = await importCsv(merchant, csv);

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ created: 3, failed: 2 });
    const [ada, taken, bea, cy, dee] = response.body.rows;
    expect(ada).toEqual({ row: 1, status: 'created', affiliateId: expect.any(String) });
    expect(taken).toMatchObject({ row: 2, status: 'failed', error: { type: 'affiliate.email_taken' } });
    expect(bea).toMatchObject({ row: 3, status: 'failed', error: { type: 'validation_error', issues: [{ path: ['currency'] }] } });
    expect(cy).toMatchObject({ row: 4, status: 'created' });
    expect(dee).toMatchObject({ row: 5, status: 'created' });

    const created = await api('GET', `/v1/affiliates/${ada.affiliateId}`, { key: merchant.apiKey });
    expect(created.body).toMatchObject({
      email: 'ada@example.com',
      name: 'Lovelace, Ada',
      referralCode: 'ada',
      couponCode: 'ADA-15',
      discount: { percentOff: 15, duration: 'once' },
      couponSync: { live: { status: 'pending' }, test: { status: 'pending' } },
    });
    const emails = (await listAll(merchant)).map((affiliate) => affiliate.email).sort();
    expect(emails).toEqual(['ada@example.com', 'cy@example.com', 'dee@example.com', 'taken@example.com']);
    // The failed rows claimed nothing: their codes are free for the next affiliate.
    const reuse = await api('POST', '/v1/affiliates', {
      key: merchant.apiKey,
      body: { email: 'new@example.com', referralCode: 'taken-ref', couponCode: 'TAKEN-10' },
    });
    expect(reuse.status).toBe(201);
    expect((await api('POST', '/v1/affiliates', { key: merchant.apiKey, body: { email: 'bea@example.com', couponCode: 'BEA-5' } })).status).toBe(201);
  });

  it('gives a code or e-mail that several rows share to the first row of the file that can take it', async () => {
    const merchant = await createMerchant();
    await createAffiliate(merchant, { email: 'old@example.com', referralCode: 'old-ref', couponCode: 'OLD-1' });
    const csv = [
      'email,referralCode,couponCode',
      'OLD@example.com,first-ref,SHARED', // the e-mail is an existing affiliate's: fails, claiming nothing
      'two@example.com,,shared', // so the shared coupon code is this row's
      'three@example.com,,Shared', // and not this one's
      'TWO@example.com,,', // nor is row 2's e-mail
      'five@example.com,OLD-REF,', // an existing affiliate's referral code
      'six@example.com,,old-1', // an existing affiliate's coupon code
      'seven@example.com,first-ref,', // row 1 failed, so its referral code is free
    ].join('\n');

    const response = await importCsv(merchant, `${csv}\n`);

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ created: 2, failed: 5 });
    const byRow = (row: number) => response.body.rows[row - 1];
    expect(byRow(1)).toMatchObject({ status: 'failed', error: { type: 'affiliate.email_taken' } });
    expect(byRow(2)).toMatchObject({ status: 'created' });
    expect(byRow(3)).toMatchObject({ status: 'failed', error: { type: 'affiliate.coupon_code_taken', message: expect.stringContaining('Row 2 of this file') } });
    expect(byRow(4)).toMatchObject({ status: 'failed', error: { type: 'affiliate.email_taken', message: expect.stringContaining('Row 2 of this file') } });
    expect(byRow(5)).toMatchObject({ status: 'failed', error: { type: 'affiliate.referral_code_taken' } });
    expect(byRow(6)).toMatchObject({ status: 'failed', error: { type: 'affiliate.coupon_code_taken' } });
    expect(byRow(7)).toMatchObject({ status: 'created' });

    const stored = await listAll(merchant);
    expect(stored.map(({ email, referralCode, couponCode }) => ({ email, referralCode, couponCode })).sort((a, b) => a.email.localeCompare(b.email))).toEqual([
      { email: 'old@example.com', referralCode: 'old-ref', couponCode: 'OLD-1' },
      { email: 'seven@example.com', referralCode: 'first-ref', couponCode: null },
      { email: 'two@example.com', referralCode: expect.any(String), couponCode: 'shared' },
    ]);
    // The failed rows claimed nothing: row 3's e-mail is still free.
    expect((await api('POST', '/v1/affiliates', { key: merchant.apiKey, body: { email: 'three@example.com' } })).status).toBe(201);
  });

  it('queues the coupon sync of every created row that has a code when auto-sync is on', async () => {
    const merchant = await merchantWithStripe('test');
    const turnedOn = await api('PATCH', '/v1/merchant/settings', { key: merchant.apiKey, body: { autoSyncCoupons: true } });
    // The bulk resync that turning auto-sync on started is over before the import, so only the import queues syncs.
    if (turnedOn.body.resyncJob) await finishedJob(merchant, turnedOn.body.resyncJob.id);
    const tag = unique('sync');
    const lines = Array.from({ length: 23 }, (_, i) => (i === 5 ? `${tag}-${i}@example.com,,,` : `${tag}-${i}@example.com,${tag}-${i},10,once`));

    const response = await importCsv(merchant, `email,couponCode,percentOff,duration\n${lines.join('\n')}\n`);

    expect(response.body).toMatchObject({ created: 23, failed: 0 });
    const settled = await Promise.all(response.body.rows.map((row: { affiliateId: string }) => settledAffiliate(merchant, row.affiliateId)));
    expect(settled.map((affiliate) => affiliate.couponSync.test.status)).toEqual(lines.map((_, i) => (i === 5 ? 'not_applicable' : 'synced')));
    const promos = await promotionCodesOn(merchant);
    expect(promos.map((promo: { code: string }) => promo.code).sort()).toEqual(
      lines.flatMap((_, i) => (i === 5 ? [] : [`${tag}-${i}`])).sort(),
    );
  });

  it.each([
    ['an unknown column, naming it', 'email,first_name\na@example.com,Ada\n', 'import.invalid_csv', /"first_name"/],
    ['a file without an email column', 'name\nAda\n', 'import.invalid_csv', /no email column/],
    ['a file that is not CSV', 'email\n"a@example.com\n', 'import.invalid_csv', /not valid CSV/],
  ])('refuses %s with 400 and creates nothing', async (_case, csv, type, message) => {
    const merchant = await createMerchant();
    const response = await importCsv(merchant, csv);
    expect(response.status).toBe(400);
    expect(response.body.error.type).toBe(type);
    expect(response.body.error.message).toMatch(message);
    expect(await listAll(merchant)).toEqual([]);
  });

  it('refuses a body that is not text/csv', async () => {
    const merchant = await createMerchant();
    const response = await api('POST', '/v1/affiliates/import', { key: merchant.apiKey, body: { email: 'a@example.com' } });
    expect(response.status).toBe(400);
    expect(response.body.error.issues[0].path).toEqual(['Content-Type']);
  });

  it('refuses 10,001 rows with 400 and a body over 3 MB with 413, creating nothing', async () => {
    const merchant = await createMerchant();
    const rows = (count: number, pad = '') => `email,name\n${Array.from({ length: count }, (_, i) => `r${i}@example.com,${pad}`).join('\n')}\n`;
    const tooMany = await importCsv(merchant, rows(10_001));
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.type).toBe('import.too_many_rows');
    const tooLarge = await importCsv(merchant, rows(10_000, 'x'.repeat(320)));
    expect(tooLarge.status).toBe(413);
    expect(await listAll(merchant)).toEqual([]);
  });

  it('needs the merchant key', async () => {
    const response = await api('POST', '/v1/affiliates/import', { rawBody: 'email\na@example.com\n', headers: { 'content-type': 'text/csv' } });
    expect(response.status).toBe(401);
  });

  it('imports 1,000 rows, answering any it had no time for as not attempted, which a second import creates', async () => {
    const merchant = await createMerchant();
    const tag = unique('imp');
    const header = 'email,referralCode,couponCode,percentOff,duration';
    const lines = Array.from({ length: 1000 }, (_, i) => `${tag}-${i}@example.com,${tag}-r${i},${tag}-C${i},10,forever`);
    const started = Date.now();
    const response = await importCsv(merchant, `${header}\n${lines.join('\n')}\n`);
    console.log(`Imported 1,000 affiliate rows in ${Date.now() - started} ms: ${response.body.created} created`);
    expect(response.status).toBe(200);
    const rows: { row: number; status: string; error?: { type: string } }[] = response.body.rows;
    expect(rows.map((row) => row.row)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    // DynamoDB Local is far slower than DynamoDB: on a busy machine the deadline may leave some rows.
    let left = lines.filter((_, i) => rows[i]?.status === 'failed');
    expect(rows.filter((row) => row.status === 'failed').every((row) => row.error?.type === 'import.not_attempted')).toBe(true);
    for (let attempt = 0; left.length > 0 && attempt < 4; attempt++) {
      const again = await importCsv(merchant, `${header}\n${left.join('\n')}\n`);
      const results: { status: string; error?: { type: string } }[] = again.body.rows;
      expect(results.filter((row) => row.status === 'failed').every((row) => row.error?.type === 'import.not_attempted')).toBe(true);
      left = left.filter((_, i) => results[i]?.status === 'failed');
    }
    expect(await listAll(merchant)).toHaveLength(1000);
  });
});

describe('POST /v1/affiliates/import of more than 1,000 rows', () => {
  const importJob = (merchant: TestMerchant, jobId: string) => api('GET', `/v1/imports/${jobId}`, { key: merchant.apiKey });

  it('answers 202 with a job that creates the good rows and reports the bad ones by row, across its chunks', async () => {
    const merchant = await createMerchant();
    await createAffiliate(merchant, { email: 'taken@example.com' });
    const tag = unique('job');
    const lines = Array.from({ length: 1_200 }, (_, i) => `${tag}-${i + 1}@example.com,,`);
    const at = (row: number, line: string) => (lines[row - 1] = line);
    at(3, 'not-an-email,,'); // refused by the schema before anything is written
    at(20, `TAKEN@example.com,,${tag}-C20`); // an existing affiliate's e-mail: fails, claiming nothing
    at(450, `${tag}-shared@example.com,${tag}-ref450,`); // chunk 1 (rows 1–500)
    at(700, `${tag.toUpperCase()}-SHARED@example.com,,`); // chunk 2: row 450's e-mail, in another case
    at(800, `${tag}-800@example.com,${tag}-REF450,`); // chunk 2: row 450's referral code
    at(1_150, `${tag}-1150@example.com,,${tag}-c20`); // chunk 3: row 20's coupon code, free as row 20 failed

    const started = Date.now();
    const response = await importCsv(merchant, `email,referralCode,couponCode\n${lines.join('\n')}\n`);

    expect(response.status).toBe(202);
    expect(response.body.job).toEqual({ id: expect.stringMatching(/^aimp_/), kind: 'affiliates', status: 'running', total: 1_200, created: 0, failed: 0, startedAt: expect.any(String) });
    const jobId: string = response.body.job.id;
    let job = (await importJob(merchant, jobId)).body;
    while (job.status === 'running' && Date.now() - started < 120_000) {
      expect(job.rows).toBeUndefined();
      await new Promise((resolve) => setTimeout(resolve, 500));
      job = (await importJob(merchant, jobId)).body;
    }
    console.log(`Imported 1,200 affiliate rows as a job in ${Date.now() - started} ms`);

    expect(job).toMatchObject({ id: jobId, kind: 'affiliates', status: 'completed', total: 1_200, created: 1_196, failed: 4, rowsIncluded: 'all', finishedAt: expect.any(String) });
    const rows: { row: number; status: string; affiliateId?: string; error?: { type: string; message: string } }[] = job.rows;
    expect(rows.map((row) => row.row)).toEqual(Array.from({ length: 1_200 }, (_, i) => i + 1));
    expect(rows.filter((row) => row.status === 'failed').map((row) => row.row)).toEqual([3, 20, 700, 800]);
    const byRow = (row: number) => rows[row - 1];
    expect(byRow(3)).toMatchObject({ status: 'failed', error: { type: 'validation_error' } });
    expect(byRow(20)).toMatchObject({ status: 'failed', error: { type: 'affiliate.email_taken' } });
    expect(byRow(700)).toMatchObject({ status: 'failed', error: { type: 'affiliate.email_taken', message: expect.stringContaining('Row 450 of this file took it.') } });
    expect(byRow(800)).toMatchObject({ status: 'failed', error: { type: 'affiliate.referral_code_taken', message: expect.stringContaining('Row 450 of this file took it.') } });
    expect(byRow(1_150)).toMatchObject({ status: 'created', affiliateId: expect.any(String) });

    const stored = await listAll(merchant);
    expect(stored).toHaveLength(1_197); // and the affiliate that was there before
    const ids = new Set(stored.map((affiliate) => affiliate.id));
    expect(rows.filter((row) => row.status === 'created').every((row) => row.affiliateId && ids.has(row.affiliateId))).toBe(true);
    const shared = await api('GET', `/v1/affiliates/${byRow(450)?.affiliateId as string}`, { key: merchant.apiKey });
    expect(shared.body).toMatchObject({ email: `${tag}-shared@example.com`, referralCode: `${tag}-ref450` });
    const late = await api('GET', `/v1/affiliates/${byRow(1_150)?.affiliateId as string}`, { key: merchant.apiKey });
    expect(late.body).toMatchObject({ couponCode: `${tag}-c20` });

    // Another merchant's key, and the history jobs' other route, do not find it.
    expect((await importJob(await createMerchant(), jobId)).status).toBe(404);
    expect((await api('GET', `/v1/stripe-events/replay/${jobId}`, { key: merchant.apiKey })).status).toBe(404);
  });

  it('refuses a bad file of more than 1,000 rows whole, with 400, and starts no job', async () => {
    const merchant = await createMerchant();
    const lines = Array.from({ length: 1_500 }, (_, i) => `r${i}@example.com,x`);
    const response = await importCsv(merchant, `email,first_name\n${lines.join('\n')}\n`);
    expect(response.status).toBe(400);
    expect(response.body.error.type).toBe('import.invalid_csv');
    expect(await listAll(merchant)).toEqual([]);
  });
});
