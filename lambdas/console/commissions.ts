import { zodIssues } from '../core/validation';
import * as Affiliates from '../affiliates/affiliate';
import { NotFoundError } from '../core/errors';
import { listCommissions, listCommissionsQuery, listPurchases } from '../ledger/ledger';
import { commissionStatuses } from '../ledger/status';
import type { PurchaseResource } from '../ledger/store';
import { href, type SignedInRequest, type WebRoute } from '../web/app';
import { fieldErrors, formatMoney, modeName } from '../web/format';
import { html, type Markup } from '../web/html';
import { consolePage, pager, select, table, time } from '../web/layout';

/**
 * Commissions: filtered by status and affiliate (the API's filter), each with its lines — earned,
 * adjusted, held, released, reversed, paid — and their reasons; and the purchases behind them with
 * their attribution. Both are read a page at a time with the ledger's cursors.
 */

const pageSize = 25;

/** Every affiliate of the merchant, archived ones too (they may still be owed), for filters and forms. */
export const allAffiliates = async (merchantId: string): Promise<Affiliates.Affiliate[]> => {
  const all: Affiliates.Affiliate[] = [];
  let cursor: string | null = null;
  do {
    const page: Awaited<ReturnType<typeof Affiliates.list>> = await Affiliates.list(merchantId, { limit: 100, ...(cursor ? { cursor } : {}) });
    all.push(...page.data);
    cursor = page.nextCursor;
  } while (cursor);
  return all;
};

export const affiliateLabel = (affiliate: Pick<Affiliates.Affiliate, 'name' | 'email'>): string => affiliate.name ?? affiliate.email;

/**
 * A link to each affiliate a page names, by ID; one the merchant no longer has shows as its ID.
 * A page that has read the affiliates already passes them (`known`) instead of reading them again.
 */
const affiliateLinks = async (request: SignedInRequest, affiliateIds: readonly (string | null)[], known?: readonly Affiliates.Affiliate[]) => {
  const ids = [...new Set(affiliateIds.filter((id): id is string => id !== null))];
  const found = new Map((known ?? (await Affiliates.getMany(request.session.merchantId, ids))).map((affiliate) => [affiliate.id, affiliate]));
  return (affiliateId: string | null): Markup => {
    if (!affiliateId) return '—';
    const affiliate = found.get(affiliateId);
    return html`<a href=${href(request, `/affiliates/${affiliateId}`)}>${affiliate ? affiliateLabel(affiliate) : affiliateId}</a>`;
  };
};

const statusLabels: Record<(typeof commissionStatuses)[number], string> = {
  pending: 'Pending (hold period)',
  approved: 'Approved (payable)',
  held: 'Held (dispute open)',
  reversed: 'Reversed',
  paid: 'Paid',
};

const lineLabels: Record<string, string> = {
  earned: 'Earned',
  adjusted: 'Adjusted',
  held: 'Held',
  released: 'Released',
  reversed: 'Reversed',
  paid: 'Paid',
};

const sourceLabels: Record<NonNullable<PurchaseResource['attribution']['source']>, string> = {
  metadata: 'Referral (checkout metadata)',
  coupon: 'Coupon code',
  lead: 'Lead (tracked visit)',
};

const commissionsPage = async (request: SignedInRequest) => {
  const { session, mode, query } = request;
  const parsed = listCommissionsQuery.safeParse({ status: query.status || undefined, affiliateId: query.affiliateId || undefined });
  const errors = parsed.success ? {} : fieldErrors(zodIssues(parsed.error));
  const filter = parsed.success ? parsed.data : {};
  const affiliates = await allAffiliates(session.merchantId);
  let commissions: Awaited<ReturnType<typeof listCommissions>> = { data: [], nextCursor: null };
  if (parsed.success) {
    try {
      commissions = await listCommissions(session.merchantId, mode, filter, { limit: pageSize, ...(query.cursor ? { cursor: query.cursor } : {}) });
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
      errors.affiliateId = 'No affiliate with this ID.';
    }
  }
  const affiliateLink = await affiliateLinks(request, commissions.data.map((commission) => commission.affiliateId), affiliates);
  const next = commissions.nextCursor ? href(request, '/commissions', { status: filter.status, affiliateId: filter.affiliateId, cursor: commissions.nextCursor }) : null;
  return consolePage({
    session,
    mode,
    title: 'Commissions',
    section: 'Commissions',
    path: '/commissions',
    body: html`
      <p><a href=${href(request, '/purchases')}>Purchases and their attribution</a></p>
      <form method="get" action="/console/commissions" class="grid" aria-label="Filter commissions">
        <input type="hidden" name="mode" value=${mode} />
        <div>
          ${select({
            label: 'Status',
            name: 'status',
            value: query.status ?? '',
            error: errors.status,
            options: [{ value: '', label: 'Any status' }, ...commissionStatuses.map((status) => ({ value: status, label: statusLabels[status] }))],
          })}
        </div>
        <div>
          ${select({
            label: 'Affiliate',
            name: 'affiliateId',
            value: query.affiliateId ?? '',
            error: errors.affiliateId,
            options: [{ value: '', label: 'Every affiliate' }, ...affiliates.map((affiliate) => ({ value: affiliate.id, label: `${affiliateLabel(affiliate)} (${affiliate.email})` }))],
          })}
        </div>
        <div><label for="filter-commissions">Filter</label><button id="filter-commissions" type="submit">Show</button></div>
      </form>
      ${table(
        ['Commission', 'Affiliate', 'Status', 'Amount', 'Still owed', 'Lines'],
        commissions.data.map((commission) => [
          html`<span>${commission.id}</span><br /><small class="muted">${time(commission.occurredAt)} · purchase ${commission.purchaseId}</small>`,
          affiliateLink(commission.affiliateId),
          html`<span>${statusLabels[commission.status]}</span>${commission.status === 'pending' ? html`<br /><small class="muted">until ${time(commission.availableAt)}</small>` : null}`,
          formatMoney(commission.amount),
          formatMoney(commission.balance),
          html`<ul>
            ${commission.lines.map((line) => html`<li><strong>${lineLabels[line.type] ?? line.type}</strong> ${formatMoney(line.amount)} — ${line.reason} <small class="muted">${time(line.at)}</small></li>`)}
          </ul>`,
        ]),
        `${modeName(mode)} mode commissions, oldest first`,
      )}
      ${pager(next)}
    `,
  });
};

const commissionCell = (request: SignedInRequest, purchase: PurchaseResource): Markup => {
  if (purchase.commissionId) return html`<a href=${href(request, '/commissions', { affiliateId: purchase.affiliateId ?? undefined })}>${purchase.commissionId}</a>`;
  return purchase.noCommissionReason ?? '—';
};

const stripeRefs = (purchase: PurchaseResource): string =>
  [purchase.stripe.invoiceId, purchase.stripe.chargeId ?? purchase.stripe.paymentIntentId, purchase.stripe.checkoutSessionId].filter(Boolean).join(' · ') || '—';

const purchasesPage = async (request: SignedInRequest) => {
  const { session, mode, query } = request;
  const purchases = await listPurchases(session.merchantId, mode, { limit: pageSize, ...(query.cursor ? { cursor: query.cursor } : {}) });
  const affiliateLink = await affiliateLinks(request, purchases.data.map((purchase) => purchase.affiliateId));
  return consolePage({
    session,
    mode,
    title: 'Purchases',
    section: 'Commissions',
    path: '/purchases',
    body: html`
      <p><a href=${href(request, '/commissions')}>Back to commissions</a></p>
      ${table(
        ['Purchase', 'Attribution', 'Affiliate', 'Total', 'Commissionable', 'Refunded', 'Commission', 'In Stripe'],
        purchases.data.map((purchase) => [
          html`<span>${purchase.id}</span><br /><small class="muted">${time(purchase.occurredAt)}</small>`,
          purchase.attribution.source ? sourceLabels[purchase.attribution.source] : 'Not attributed',
          affiliateLink(purchase.affiliateId),
          formatMoney(purchase.total),
          formatMoney(purchase.commissionable),
          formatMoney(purchase.refunded),
          commissionCell(request, purchase),
          stripeRefs(purchase),
        ]),
        `${modeName(mode)} mode purchases, oldest first`,
      )}
      ${pager(purchases.nextCursor ? href(request, '/purchases', { cursor: purchases.nextCursor }) : null)}
    `,
  });
};

export const commissionRoutes: WebRoute[] = [
  { method: 'GET', path: '/commissions', handle: commissionsPage },
  { method: 'GET', path: '/purchases', handle: purchasesPage },
];
