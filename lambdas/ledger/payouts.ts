import { GetCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import * as Affiliates from '../affiliates/affiliate';
import { ConflictError, NotFoundError } from '../core/errors';
import { newId } from '../core/ids';
import type { Mode } from '../core/mode';
import type { Money } from '../core/money';
import { batchGet, type ItemLookup } from '../store/batch';
import { db, tableName } from '../store/db';
import { keys } from '../store/keys';
import { type Page, type PageRequest, queryPage } from '../store/query';
import { Transaction } from '../store/transaction';
import { planFor, plansOf, stagePurchase } from './apply';
import type { PurchaseRecord } from './book';
import { derivePurchase, type LedgerScope } from './derive';
import { sendLedgerMessage } from './jobs';
import { statusAt, statusIndex } from './status';
import { customerKey, purchaseKey, readCustomer, readPurchase, type StoredCommission, type StoredCustomer } from './store';
import { addAmount, moneyList, type Totals } from './totals';

/**
 * Payouts: the merchant records that it paid an affiliate. A payout pays every payable commission
 * of the affiliate (or the ones named), however many: page by page, each page one transaction that
 * marks its commissions paid and adds them to the payout's totals, conditional on each purchase and
 * customer being as read — a refund or dispute that lands at the same moment makes the page check
 * again, never pay stale amounts. A payout that does not finish within its request goes on through
 * the ledger queue (`status: "paying"`) and finishes on its own.
 *
 * Clawbacks: a commission refunded or lost after it was paid owes money back (a negative balance).
 * The affiliate's next payout nets it in that currency: the clawback is deducted from what is paid
 * and recorded on the commission as a negative payout. When what is payable in a currency does not
 * exceed what is owed back in it, nothing is paid in that currency and both carry forward.
 */

/** Commissions per page: each takes its purchase, its commission item and its customer's check. */
const perPage = 30;
/** What a request spends on a payout before it answers 202 and lets the queue finish it. */
const requestBudgetMs = 4_000;
const maxNamed = 1_000;

const id = z.string().min(1).max(64);
export const createPayoutInput = z
  .strictObject({
    affiliateId: id,
    commissionIds: z.array(id).min(1).max(maxNamed).optional(),
  })
  .refine((input) => new Set(input.commissionIds ?? []).size === (input.commissionIds ?? []).length, {
    message: 'commission IDs must not repeat',
    path: ['commissionIds'],
  });
export type CreatePayoutInput = z.infer<typeof createPayoutInput>;

export const listPayoutsQuery = z.object({ affiliateId: id.optional() });

export interface Payout {
  id: string;
  mode: Mode;
  affiliateId: string;
  status: 'paying' | 'paid';
  /** What was paid, per currency, net of the clawbacks. */
  totals: Money[];
  commissionCount: number;
  /** What was owed back and deducted, per currency. */
  clawbacks: Money[];
  createdAt: string;
  paidAt: string | null;
}

type Phase = 'clawbacks' | 'approved' | 'named' | 'done';

/** The payout item: the payout and where its walk through the commissions stands. */
interface StoredPayout extends Payout {
  /** The currencies it pays in (net positive when it began); null: every one (nothing was owed back). */
  currencies: string[] | null;
  /** Approved by this moment: a commission approved later waits for the next payout. */
  cutoff: string;
  named: string[] | null;
  phase: Phase;
  /** The position in the phase's list: a query cursor, or an offset into `named`. */
  cursor: string | null;
  paidTotals: Totals;
  clawbackTotals: Totals;
  version: number;
}

const toPayout = (item: StoredPayout): Payout => ({
  id: item.id,
  mode: item.mode,
  affiliateId: item.affiliateId,
  status: item.status,
  totals: moneyList(item.paidTotals),
  commissionCount: item.commissionCount,
  clawbacks: moneyList(item.clawbackTotals),
  createdAt: item.createdAt,
  paidAt: item.paidAt,
});

const commissionKey = (scope: LedgerScope, commissionId: string) => keys.commission(scope.merchantId, scope.mode, commissionId);

const notPayable = (problems: string[]) =>
  new ConflictError('payout.commission_not_payable', `Only approved commissions can be paid: ${problems.join('; ')}.`);

const why: Record<string, (item: StoredCommission) => string> = {
  pending: (item) => `${item.id} is pending until ${item.availableAt} (the hold period)`,
  held: (item) => `${item.id} is held: a dispute is open`,
  reversed: (item) => `${item.id} is reversed: nothing is left to pay`,
  paid: (item) => `${item.id} is already paid`,
};

/** Every item of one affiliate's status bucket (up to `cutoff` for the open one), page by page. */
async function* bucketItems(scope: LedgerScope, affiliateId: string, bucket: 'open' | 'clawback', cutoff: Date, cursor: string | null = null) {
  const range = bucket === 'open' ? { skTo: statusIndex('approved', cutoff).skTo } : {};
  let next = cursor;
  do {
    const page = await queryPage<StoredCommission>(
      { key: { ...keys.affiliateCommissionsByBucket(scope.merchantId, scope.mode, affiliateId, bucket), ...range }, index: 'gsi4' },
      { limit: perPage, ...(next ? { cursor: next } : {}) },
    );
    yield page;
    next = page.nextCursor;
  } while (next);
}

const sumBalances = async (scope: LedgerScope, affiliateId: string, bucket: 'open' | 'clawback', now: Date): Promise<Totals> => {
  const totals: Totals = {};
  for await (const page of bucketItems(scope, affiliateId, bucket, now)) for (const item of page.data) addAmount(totals, item.balance);
  return totals;
};

/** The named commissions, each the affiliate's and approved; anything else refuses the whole payout. */
const namedCommissions = async (scope: LedgerScope, input: CreatePayoutInput & { commissionIds: string[] }, now: Date): Promise<StoredCommission[]> => {
  const found = await batchGet(input.commissionIds.map((commissionId) => commissionKey(scope, commissionId)));
  const items = input.commissionIds.map((commissionId) => {
    const item = found.get<StoredCommission>(commissionKey(scope, commissionId));
    if (!item) throw new NotFoundError(`Commission ${commissionId}`);
    return item;
  });
  const problems = items.flatMap((item) => {
    if (item.affiliateId !== input.affiliateId) return [`${item.id} belongs to another affiliate`];
    const status = statusAt(item, now);
    return status === 'approved' ? [] : [(why[status] as (item: StoredCommission) => string)(item)];
  });
  if (problems.length) throw notPayable(problems);
  return items;
};

/** Which currencies a payout pays in: those where what is payable exceeds what is owed back. */
const currenciesToPay = (payable: Totals, owed: Totals): string[] =>
  Object.keys(payable)
    .filter((currency) => BigInt(payable[currency] ?? 0) + BigInt(owed[currency] ?? 0) > 0n)
    .sort();

const begin = async (scope: LedgerScope, input: CreatePayoutInput): Promise<StoredPayout> => {
  await Affiliates.get(scope.merchantId, input.affiliateId);
  const now = new Date();
  const owed = await sumBalances(scope, input.affiliateId, 'clawback', now);
  let payable: Totals = {};
  if (input.commissionIds) for (const item of await namedCommissions(scope, { ...input, commissionIds: input.commissionIds }, now)) addAmount(payable, item.balance);
  else if (Object.keys(owed).length > 0) payable = await sumBalances(scope, input.affiliateId, 'open', now);
  else {
    // Nothing owed back: every currency with something approved is paid; one page tells if there is any.
    const first = await bucketItems(scope, input.affiliateId, 'open', now).next();
    for (const item of first.value?.data ?? []) addAmount(payable, item.balance);
  }
  const netted = Object.keys(owed).length > 0 || input.commissionIds !== undefined;
  const currencies = netted ? currenciesToPay(payable, owed) : Object.keys(payable).sort();
  if (currencies.length === 0)
    throw new ConflictError(
      'payout.nothing_to_pay',
      Object.keys(owed).length > 0
        ? `In ${scope.mode} mode the affiliate owes back at least what is approved in every currency; nothing was paid and both carry forward.`
        : `The affiliate has no approved commission in ${scope.mode} mode; nothing was paid.`,
    );
  const payout: StoredPayout = {
    id: newId('po'),
    mode: scope.mode,
    affiliateId: input.affiliateId,
    status: 'paying',
    totals: [],
    commissionCount: 0,
    clawbacks: [],
    createdAt: now.toISOString(),
    paidAt: null,
    currencies: netted ? currencies : null,
    cutoff: now.toISOString(),
    named: input.commissionIds ?? null,
    phase: Object.keys(owed).length > 0 ? 'clawbacks' : input.commissionIds ? 'named' : 'approved',
    cursor: null,
    paidTotals: {},
    clawbackTotals: {},
    version: 1,
  };
  await new Transaction().put({ Item: { ...keys.payout(scope.merchantId, scope.mode, payout.id), type: 'payout', ...payout }, ConditionExpression: 'attribute_not_exists(pk)' }).commit();
  return payout;
};

const readPayout = async (scope: LedgerScope, payoutId: string): Promise<StoredPayout> => {
  const { Item } = await db().send(new GetCommand({ TableName: tableName(), Key: keys.payout(scope.merchantId, scope.mode, payoutId), ConsistentRead: true }));
  if (!Item) throw new NotFoundError('Payout');
  return Item as StoredPayout;
};

/** The next slice of the payout's walk: candidates, and where the walk stands after them. */
const nextSlice = async (scope: LedgerScope, payout: StoredPayout): Promise<{ candidates: StoredCommission[]; phase: Phase; cursor: string | null }> => {
  const after = (phase: Phase): Phase => (phase === 'clawbacks' ? (payout.named ? 'named' : 'approved') : 'done');
  if (payout.phase === 'named') {
    const offset = Number(payout.cursor ?? 0);
    const ids = (payout.named ?? []).slice(offset, offset + perPage);
    const found = await batchGet(ids.map((commissionId) => commissionKey(scope, commissionId)));
    const candidates = ids.flatMap((commissionId) => found.get<StoredCommission>(commissionKey(scope, commissionId)) ?? []);
    const end = offset + ids.length >= (payout.named ?? []).length;
    return { candidates, phase: end ? 'done' : 'named', cursor: end ? null : String(offset + ids.length) };
  }
  const bucket = payout.phase === 'clawbacks' ? 'clawback' : 'open';
  const page = (await bucketItems(scope, payout.affiliateId, bucket, new Date(payout.cutoff), payout.cursor).next()).value as Page<StoredCommission>;
  return { candidates: page.data, phase: page.nextCursor ? payout.phase : after(payout.phase), cursor: page.nextCursor };
};

/**
 * What one commission contributes now, from its purchase as stored (the index may trail it by an
 * instant): its balance when it is approved (or, in the clawback phase, owes money back), in a
 * currency the payout pays, and its customer has no correction pending. Else nothing: it waits.
 */
const contribution = (payout: StoredPayout, item: StoredCommission, found: ItemLookup, scope: LedgerScope) => {
  const customer = readCustomer(found, scope, item.bookId, null);
  const purchase = readPurchase(found, scope, item.bookId, item.purchaseKey);
  const commission = purchase.derived.commission;
  if (!purchase.facts || !commission || commission.id !== item.id || customer.correction || customer.version === 0) return null;
  if ((payout.currencies && !payout.currencies.includes(commission.currency)) || purchase.facts.payouts[payout.id]) return null;
  const { state, net, paid } = commission.ledger;
  const balance = net - paid;
  // Approved as of the payout's start, by the same rule as `statusAt`.
  const approved = state === 'open' && (commission.holdDays === 0 || commission.availableAt <= payout.cutoff);
  const wanted = payout.phase === 'clawbacks' ? state === 'paid' && balance < 0 : approved && balance > 0;
  return wanted ? { customer, purchase, facts: purchase.facts, balance, currency: commission.currency } : null;
};

/** One page: its commissions paid (or their clawbacks netted) and the payout's progress, in one transaction. */
const payPage = async (scope: LedgerScope, payout: StoredPayout): Promise<StoredPayout> => {
  const now = new Date();
  const { candidates, phase, cursor } = await nextSlice(scope, payout);
  const found = await batchGet(
    candidates.flatMap((item) => [customerKey(scope, item.bookId), purchaseKey(scope, item.bookId, item.purchaseKey)]),
  );
  const contributions = candidates.flatMap((item) => contribution(payout, item, found, scope) ?? []);
  const plans = await plansOf(scope, found, contributions.map(({ facts }) => facts));
  const transaction = new Transaction();
  const next: StoredPayout = { ...payout, phase, cursor, paidTotals: { ...payout.paidTotals }, clawbackTotals: { ...payout.clawbackTotals }, version: payout.version + 1 };
  const checked = new Map<string, StoredCustomer>();
  for (const { customer, purchase, facts, balance, currency } of contributions) {
    const paid: PurchaseRecord = {
      ...facts,
      payouts: { ...facts.payouts, [payout.id]: { amount: balance, at: payout.createdAt, knew: [...Object.keys(facts.refunds), ...Object.keys(facts.disputes)] } },
    };
    const derived = derivePurchase(scope, purchase.key, paid, customer.summary, planFor(plans, paid));
    stagePurchase(transaction, scope, customer.bookId, purchase, paid, derived);
    checked.set(customer.bookId, customer);
    addAmount(next.paidTotals, { amount: balance, currency });
    if (balance < 0) addAmount(next.clawbackTotals, { amount: -balance, currency });
    else next.commissionCount += 1;
  }
  for (const customer of checked.values())
    transaction.check(
      {
        Key: customerKey(scope, customer.bookId),
        ConditionExpression: 'summaryVersion = :summaryVersion AND attribute_not_exists(correction)',
        ExpressionAttributeValues: { ':summaryVersion': customer.summaryVersion },
      },
      () => new ConflictError('ledger.concurrent_update', "A customer's ledger changed while the payout was made; retry."),
    );
  if (phase === 'done') Object.assign(next, { status: 'paid', paidAt: now.toISOString() });
  next.totals = moneyList(next.paidTotals);
  next.clawbacks = moneyList(next.clawbackTotals);
  transaction.put(
    {
      Item: { ...keys.payout(scope.merchantId, scope.mode, payout.id), type: 'payout', ...next },
      ConditionExpression: 'version = :version',
      ExpressionAttributeValues: { ':version': payout.version },
    },
    () => new ConflictError('ledger.concurrent_update', 'The payout moved on elsewhere; its state is read again.'),
  );
  await transaction.commit();
  return next;
};

/**
 * Moves a payout on until it is paid or `deadline` passes. A page that meets a concurrent change
 * is read and tried again; what it found already paid (by itself, in an attempt whose answer was
 * lost) is not paid twice, since each commission records the payouts that paid it.
 */
export const advance = async (scope: LedgerScope, payoutId: string, deadline: number): Promise<Payout> => {
  let payout = await readPayout(scope, payoutId);
  while (payout.status === 'paying' && Date.now() < deadline) {
    try {
      payout = await payPage(scope, payout);
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      payout = await readPayout(scope, payoutId);
    }
  }
  return toPayout(payout);
};

/**
 * Pays an affiliate: every approved commission (or the ones named) and every clawback it owes, in
 * the currencies where the net is positive. Refused whole, with the reason, when any named
 * commission is not approved, belongs to another affiliate, or does not exist.
 */
export const create = async (merchantId: string, mode: Mode, input: CreatePayoutInput): Promise<{ payout: Payout; finished: boolean }> => {
  const scope = { merchantId, mode };
  const started = await begin(scope, input);
  const payout = await advance(scope, started.id, Date.now() + requestBudgetMs);
  if (payout.status === 'paying') await sendLedgerMessage({ kind: 'pay', merchantId, mode, payoutId: payout.id });
  return { payout, finished: payout.status === 'paid' };
};

export const get = async (merchantId: string, mode: Mode, payoutId: string): Promise<Payout> => toPayout(await readPayout({ merchantId, mode }, payoutId));

export const list = async (merchantId: string, mode: Mode, filter: z.infer<typeof listPayoutsQuery>, page: PageRequest): Promise<Page<Payout>> => {
  const items = await queryPage<StoredPayout>(
    {
      key: keys.payouts(merchantId, mode),
      ...(filter.affiliateId
        ? { filter: { FilterExpression: '#affiliateId = :affiliateId', ExpressionAttributeNames: { '#affiliateId': 'affiliateId' }, ExpressionAttributeValues: { ':affiliateId': filter.affiliateId } } }
        : {}),
    },
    page,
  );
  return { data: items.data.map(toPayout), nextCursor: items.nextCursor };
};
