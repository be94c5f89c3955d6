import type * as Affiliates from '../affiliates/affiliate';
import { NotFoundError, ValidationError } from '../core/errors';
import type { Mode } from '../core/mode';
import { balance, type Balance } from '../ledger/balance';
import * as Payouts from '../ledger/payouts';
import * as Merchants from '../merchants/merchant';
import { href, type SignedInRequest, seeOther, type WebRoute } from '../web/app';
import { formatAmounts, formatCount, modeName } from '../web/format';
import { html } from '../web/html';
import { consolePage, pager, postForm, select, table, time } from '../web/layout';
import { affiliateLabel, allAffiliates } from './commissions';
import { canChange, errorFor, type FieldErrors, flashOf, formFailure, formProblem, text, validated, viewerNote, withStatus } from './forms';
import { exportFileName, type OwedRow, payoutFormats, paypalCsv, wiseCsv } from './payout-export';

/**
 * Payouts: what each affiliate is owed now (their approved, unpaid balance per currency, net of
 * what they owe back), a form that records paying one of them, the payouts made, and what is owed
 * as the files PayPal Payouts and Wise batch payments import, to pay everyone in one go.
 */

const pageSize = 25;
/** Balances read at once: each is a few queries of one affiliate's index partitions. */
const concurrency = 10;

interface AffiliateBalance {
  affiliate: Affiliates.Affiliate;
  balance: Balance;
}

const hasAnything = ({ balance: b }: AffiliateBalance) => [b.owed, b.pending, b.held, b.clawbackCarried].some((amounts) => amounts.some((money) => money.amount !== 0));

/** The affiliates' balances in the mode, in affiliate order; those with nothing at all left out. */
const balances = async (merchantId: string, mode: Mode, affiliates: readonly Affiliates.Affiliate[]): Promise<AffiliateBalance[]> => {
  const found: AffiliateBalance[] = [];
  for (let start = 0; start < affiliates.length; start += concurrency) {
    const slice = affiliates.slice(start, start + concurrency);
    const read = await Promise.all(slice.map(async (affiliate) => ({ affiliate, balance: await balance(merchantId, mode, affiliate.id) })));
    found.push(...read.filter(hasAnything));
  }
  return found;
};

const owedRows = (found: readonly AffiliateBalance[]): OwedRow[] =>
  found.flatMap(({ affiliate, balance: b }) =>
    b.owed.filter((money) => money.amount > 0).map((owed) => ({ affiliateId: affiliate.id, email: affiliate.email, name: affiliate.name, owed })),
  );

const flashes = {
  paid: 'The payout is recorded: the commissions it paid show as paid.',
  paying: 'The payout is being recorded; it finishes on its own in a moment.',
};

const payoutsPage = async (request: SignedInRequest, form: { errors: FieldErrors; affiliateId?: string } = { errors: {} }) => {
  const { session, mode, query } = request;
  const [affiliates, payouts] = await Promise.all([
    allAffiliates(session.merchantId),
    Payouts.list(session.merchantId, mode, {}, { limit: pageSize, ...(query.cursor ? { cursor: query.cursor } : {}) }),
  ]);
  const found = await balances(session.merchantId, mode, affiliates);
  const names = new Map(affiliates.map((affiliate) => [affiliate.id, affiliateLabel(affiliate)]));
  const owedNow = found.filter(({ balance: b }) => b.owed.length > 0);
  const currencies = [...new Set(owedRows(found).map((row) => row.owed.currency))].sort();
  const exportHref = (format: string, currency?: string) => href(request, '/payouts/export.csv', { format, currency });
  return consolePage({
    session,
    mode,
    title: 'Payouts',
    section: 'Payouts',
    path: '/payouts',
    flash: flashOf(query, flashes),
    body: html`
      <h2>Pay an affiliate</h2>
      ${!canChange(session)
        ? viewerNote
        : owedNow.length === 0
          ? html`<p>No affiliate has an approved, unpaid balance in ${mode} mode.</p>`
          : html`
              ${formProblem(form.errors)}
              ${postForm({
                action: '/console/payouts',
                csrfToken: session.csrfToken,
                label: 'Pay an affiliate',
                submit: 'Record the payout',
                body: html`
                  <input type="hidden" name="mode" value=${mode} />
                  ${select({
                    label: 'Affiliate',
                    name: 'affiliateId',
                    value: form.affiliateId,
                    error: errorFor(form.errors, 'affiliateId'),
                    hint: 'Records that you paid them every approved commission, net of what they owe back. Pay them yourself first (or with the files below).',
                    options: owedNow.map(({ affiliate, balance: b }) => ({ value: affiliate.id, label: `${affiliateLabel(affiliate)} (${affiliate.email}): ${formatAmounts(b.owed)}` })),
                  })}
                `,
              })}
            `}
      <h2>Balances</h2>
      ${table(
        ['Affiliate', 'Owed now', 'Pending', 'Held', 'Owed back'],
        found.map(({ affiliate, balance: b }) => [
          html`<a href=${href(request, `/affiliates/${affiliate.id}`)}>${affiliateLabel(affiliate)}</a>`,
          formatAmounts(b.owed),
          formatAmounts(b.pending),
          formatAmounts(b.held),
          formatAmounts(b.clawbackCarried),
        ]),
        `${modeName(mode)} mode balances`,
      )}
      <h2>Export what is owed</h2>
      ${currencies.length === 0
        ? html`<p>Nothing is owed in ${mode} mode.</p>`
        : html`
            <p>Files to pay everyone owed, then record each payout above.</p>
            <ul>
              ${currencies.map((currency) => html`<li><a href=${exportHref('paypal', currency)} download>PayPal Payouts file, ${currency.toUpperCase()}</a></li>`)}
              <li><a href=${exportHref('wise')} download>Wise batch payments file (every currency)</a></li>
            </ul>
            <p class="muted">PayPal takes one currency per file.</p>
          `}
      <h2>Payouts made</h2>
      ${table(
        ['Payout', 'Affiliate', 'Status', 'Paid', 'Commissions', 'Owed back deducted', 'Paid at'],
        payouts.data.map((payout) => [
          html`<span>${payout.id}</span><br /><small class="muted">${time(payout.createdAt)}</small>`,
          html`<a href=${href(request, `/affiliates/${payout.affiliateId}`)}>${names.get(payout.affiliateId) ?? payout.affiliateId}</a>`,
          payout.status === 'paid' ? 'Paid' : 'Being recorded',
          formatAmounts(payout.totals),
          formatCount(payout.commissionCount),
          formatAmounts(payout.clawbacks),
          time(payout.paidAt),
        ]),
        `${modeName(mode)} mode payouts, oldest first`,
      )}
      ${pager(payouts.nextCursor ? href(request, '/payouts', { cursor: payouts.nextCursor }) : null)}
    `,
  });
};

const pay = async (request: SignedInRequest) => {
  const affiliateId = text(request.form, 'affiliateId');
  try {
    const input = validated(Payouts.createPayoutInput, { affiliateId });
    const { finished } = await Payouts.create(request.session.merchantId, request.mode, input);
    return seeOther(href(request, '/payouts', { flash: finished ? 'paid' : 'paying' }));
  } catch (error) {
    const failure =
      error instanceof NotFoundError
        ? { status: 404, errors: { affiliateId: 'No affiliate with this ID.' } }
        : formFailure(error, { 'payout.nothing_to_pay': 'affiliateId', 'payout.commission_not_payable': 'affiliateId' });
    return withStatus(await payoutsPage(request, { errors: failure.errors, affiliateId }), failure.status);
  }
};

const csvHeaders = (fileName: string) => ({
  'content-type': 'text/csv; charset=utf-8',
  'content-disposition': `attachment; filename="${fileName}"`,
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
});

const formatIssue = (message: string, path: string) => new ValidationError(message, [{ path: [path], message }]);

/** `?format=paypal&currency=usd` or `?format=wise`: what is owed now, as the service imports it. */
const exportOwed = async (request: SignedInRequest) => {
  const { session, mode, query } = request;
  const format = payoutFormats.find((candidate) => candidate === query.format);
  if (!format) throw formatIssue('Choose the file format: paypal or wise.', 'format');
  const [merchant, affiliates] = await Promise.all([Merchants.get(session.merchantId), allAffiliates(session.merchantId)]);
  const rows = owedRows(await balances(session.merchantId, mode, affiliates));
  const at = new Date();
  if (format === 'wise') return { statusCode: 200, headers: csvHeaders(exportFileName({ mode, format, at })), body: wiseCsv(rows, 'Commissions') };
  const owedCurrencies = [...new Set(rows.map((row) => row.owed.currency))];
  const currency = query.currency?.toLowerCase() || (owedCurrencies.length === 1 ? owedCurrencies[0] : undefined);
  if (!currency) throw formatIssue('A PayPal Payouts file has one currency: choose it (currency=usd).', 'currency');
  const body = paypalCsv(rows.filter((row) => row.owed.currency === currency), currency, `Commissions from ${merchant.name}`);
  return { statusCode: 200, headers: csvHeaders(exportFileName({ mode, format, currency, at })), body };
};

export const payoutRoutes: WebRoute[] = [
  { method: 'GET', path: '/payouts', handle: (request) => payoutsPage(request) },
  { method: 'POST', path: '/payouts', handle: pay },
  { method: 'GET', path: '/payouts/export.csv', handle: exportOwed },
];
