import { type ConsoleBrowser, open, signIn, submit } from '../support/console';
import { api } from '../support/api';
import { createAffiliate } from '../support/factories';
import { commissionsOf, delivered, on, purchasesOf, type SellingMerchant, sellingMerchant } from '../support/purchases';
import { emulator } from '../support/stripe';

/**
 * The console's Commissions, Purchases and Payouts pages over HTTP, signed in with a session made
 * in this process (the sign-in mail flow has tests of its own): what a referred sale shows, paying
 * its affiliate through the form, and the files of what is owed for PayPal and Wise.
 */

/** Text as the page renders it (preact escapes these in text and attributes). */
const escaped = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

describe('console: commissions, purchases and payouts', () => {
  const affiliateName = 'Ada "Countess", Lovelace';
  let merchant: SellingMerchant;
  let owner: ConsoleBrowser;
  let viewer: ConsoleBrowser;
  let idle: { id: string };

  beforeAll(async () => {
    merchant = await sellingMerchant({ affiliate: { name: affiliateName } });
    idle = await createAffiliate(merchant, { name: 'Idle Ian' });
    [owner, viewer] = await Promise.all([signIn(merchant, 'owner'), signIn(merchant, 'viewer')]);
    const referred = { metadata: { tally_affiliate: merchant.affiliate.referralCode } };
    await emulator().simulatePayment({ ...on(merchant), amount: 4_900, currency: 'usd', ...referred });
    await emulator().simulatePayment({ ...on(merchant), amount: 3_999, currency: 'jpy', ...referred });
    await delivered();
  });

  it('shows each commission with its amount, status, affiliate and lines with their reasons, filtered by status and affiliate', async () => {
    const commissions = await commissionsOf(merchant);
    expect(commissions.map((commission) => commission.amount)).toEqual(
      expect.arrayContaining([
        { amount: 980, currency: 'usd' },
        { amount: 800, currency: 'jpy' },
      ]),
    );

    const all = await open(owner, '/commissions');
    expect(all.status).toBe(200);
    for (const commission of commissions) {
      expect(all.body).toContain(commission.id);
      expect(all.body).toContain(escaped(commission.lines[0].reason));
    }
    expect(all.body).toContain('$9.80');
    expect(all.body).toContain('¥800');
    expect(all.body).toContain('Approved (payable)');
    expect(all.body).toContain('<strong>Earned</strong>');
    expect(all.body).toContain(escaped(affiliateName));
    expect(all.body).toContain('href="/console/purchases?mode=test"');

    const approvedOfAffiliate = await open(owner, '/commissions', { status: 'approved', affiliateId: merchant.affiliate.id });
    for (const commission of commissions) expect(approvedOfAffiliate.body).toContain(commission.id);
    for (const [filter, value] of [['status', 'pending'], ['status', 'paid'], ['affiliateId', idle.id]] as const) {
      const filtered = await open(owner, '/commissions', { [filter]: value });
      expect(filtered.status).toBe(200);
      expect(filtered.body).not.toContain(commissions[0].id);
      expect(filtered.body).toContain('Nothing yet.');
    }

    const unknown = await open(owner, '/commissions', { affiliateId: 'aff_nobody' });
    expect(unknown.body).toContain('No affiliate with this ID.');
    const badStatus = await open(owner, '/commissions', { status: 'lost' });
    expect(badStatus.body).toMatch(/class="field-error" id="field-status-error"/);
  });

  it('shows the purchases with their attribution, affiliate, totals and refunds', async () => {
    const purchases = await purchasesOf(merchant);
    const page = await open(owner, '/purchases');
    expect(page.status).toBe(200);
    for (const purchase of purchases) expect(page.body).toContain(purchase.id);
    expect(page.body).toContain('Referral (checkout metadata)');
    expect(page.body).toContain('$49.00');
    expect(page.body).toContain('¥3,999');
    expect(page.body).toContain('$0.00');
    expect(page.body).toContain(escaped(affiliateName));
    expect(page.body).toContain('aria-current="page">Commissions</a>');
  });

  it('exports what is owed as PayPal Payouts files, one per currency, and a Wise batch file', async () => {
    const email = (await api('GET', `/v1/affiliates/${merchant.affiliate.id}`, { key: merchant.apiKey })).body.email as string;
    const page = await open(owner, '/payouts');
    expect(page.body).toContain('<td>¥800 · $9.80</td>');
    expect(page.body).toContain(`${escaped(affiliateName)} (${email}): ¥800 · $9.80</option>`);
    expect(page.body).toContain('href="/console/payouts/export.csv?format=paypal&amp;currency=usd&amp;mode=test"');

    const usd = await open(owner, '/payouts/export.csv', { format: 'paypal', currency: 'usd' });
    expect(usd.status).toBe(200);
    expect(usd.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(usd.headers.get('content-disposition')).toMatch(/^attachment; filename="tally-owed-test-paypal-usd-\d{4}-\d{2}-\d{2}\.csv"$/);
    expect(usd.body).toMatch(new RegExp(`^${email},9\\.80,USD,${merchant.affiliate.id},Commissions from Merchant \\w+,PAYPAL\\r\\n$`));

    const jpy = await open(owner, '/payouts/export.csv', { format: 'paypal', currency: 'JPY' });
    expect(jpy.body).toMatch(new RegExp(`^${email},800,JPY,${merchant.affiliate.id},`));
    // Two currencies are owed: PayPal takes one per file, so it must be named.
    expect((await open(owner, '/payouts/export.csv', { format: 'paypal' })).status).toBe(400);
    expect((await open(owner, '/payouts/export.csv', { format: 'venmo' })).status).toBe(400);

    const wise = await open(owner, '/payouts/export.csv', { format: 'wise' });
    expect(wise.headers.get('content-disposition')).toMatch(/filename="tally-owed-test-wise-/);
    expect(wise.body.split('\r\n')).toEqual([
      'name,recipientEmail,paymentReference,receiverType,amountCurrency,amount,sourceCurrency,targetCurrency',
      `"Ada ""Countess"", Lovelace",${email},Commissions,PRIVATE,JPY,800,JPY,JPY`,
      `"Ada ""Countess"", Lovelace",${email},Commissions,PRIVATE,USD,9.80,USD,USD`,
      '',
    ]);
    // A viewer may download it: reading changes nothing.
    expect((await open(viewer, '/payouts/export.csv', { format: 'wise' })).body).toBe(wise.body);
  });

  it("refuses a viewer's payout with 403 and pays nothing", async () => {
    const refused = await submit(viewer, '/payouts', { affiliateId: merchant.affiliate.id });
    expect(refused.status).toBe(403);
    expect((await open(viewer, '/payouts')).body).not.toContain('action="/console/payouts"');
    expect((await commissionsOf(merchant)).map((commission) => commission.status)).toEqual(['approved', 'approved']);
  });

  it('shows why an affiliate with nothing approved cannot be paid, beside the field', async () => {
    const refused = await submit(owner, '/payouts', { affiliateId: idle.id });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatch(/id="field-affiliateId-error" role="alert">The affiliate has no approved commission in test mode/);
  });

  it('records a payout through the form: its commissions are paid, it is listed, and nothing is owed any more', async () => {
    const paid = await submit(owner, '/payouts', { affiliateId: merchant.affiliate.id });
    expect(paid.status).toBe(303);
    expect(paid.headers.get('location')).toBe('/console/payouts?flash=paid&mode=test');

    const payouts = await api('GET', '/v1/payouts', { key: merchant.apiKey, query: { mode: 'test' } });
    expect(payouts.body.data).toEqual([
      expect.objectContaining({
        affiliateId: merchant.affiliate.id,
        status: 'paid',
        commissionCount: 2,
        totals: [
          { amount: 800, currency: 'jpy' },
          { amount: 980, currency: 'usd' },
        ],
      }),
    ]);
    const payoutId = payouts.body.data[0].id as string;

    const page = await open(owner, '/payouts', { flash: 'paid' });
    expect(page.body).toContain('The payout is recorded');
    expect(page.body).toContain(payoutId);
    expect(page.body).toContain('No affiliate has an approved, unpaid balance in test mode.');
    expect(page.body).toContain('Nothing is owed in test mode.');

    const paidLines = await open(owner, '/commissions', { status: 'paid' });
    expect(paidLines.body).toContain('<strong>Paid</strong>');
    expect(paidLines.body).toContain(`payout ${payoutId}`);
    expect((await open(owner, '/payouts/export.csv', { format: 'wise' })).body).toBe(
      'name,recipientEmail,paymentReference,receiverType,amountCurrency,amount,sourceCurrency,targetCurrency\r\n',
    );
  });
});
