import fc from 'fast-check';
import type { Attribution, AttributionSource } from '../../../lambdas/attribution/attribution';
import { mergePurchase, type PurchaseRecord, type PurchaseUpdate, sameFacts, type SubscriptionFacts } from '../../../lambdas/ledger/book';
import { type CustomerSummary, emptySummary, firstOf, summaryAfter } from '../../../lambdas/ledger/customer';
import { type DerivedLedger, derivePurchase, missingTerms } from '../../../lambdas/ledger/derive';
import { at, type Book, deriveBook, emptyBook, invoice, missingTermsOf, perTransaction, plan, scope, terms, type TestTerms, withPurchase, withSubscription } from './books';

/**
 * The customer summary kept by running updates, one event at a time in any order, must give the
 * ledger that the whole history gives at once. This is the pure model of the event path and the
 * correction job: each event derives its own purchase under the summary as it then is; when an
 * event says other purchases are affected, the job derives every purchase again (after a scan for
 * `first` when one was asked for). An event that says nothing else is affected must be right.
 */

const termsOf = (affiliateId: string): TestTerms =>
  terms({ affiliateId, plan: plan({ id: `plan_${affiliateId}`, recurring: affiliateId === 'aff_a' ? 'first' : { months: 2 } }) });

interface Event {
  key: string;
  update?: PurchaseUpdate;
  candidate?: Attribution | null;
  subscription?: SubscriptionFacts;
  prior?: Attribution;
}

const candidateArb: fc.Arbitrary<Attribution | null> = fc.option(
  fc.record({
    affiliateId: fc.constantFrom('aff_a', 'aff_b'),
    source: fc.constantFrom<AttributionSource>('metadata', 'lead', 'coupon'),
    attributedAt: fc.integer({ min: 1, max: 60 }).map((day) => at(day)),
  }),
  { nil: null },
);

/** A history: invoices of one subscription (some $0), each with what its evidence decided; maybe a lead; maybe a cancellation. */
const historyArb = fc
  .record({
    invoices: fc.array(fc.record({ day: fc.integer({ min: 1, max: 60 }), paid: fc.constantFrom(0, 2_500, 5_000), candidate: candidateArb }), { minLength: 1, maxLength: 8 }),
    prior: fc.option(candidateArb.filter((candidate): candidate is Attribution => candidate !== null), { nil: undefined }),
    endedOn: fc.option(fc.integer({ min: 5, max: 65 }), { nil: undefined }),
  })
  .map(({ invoices, prior, endedOn }) => {
    const events: Event[] = invoices.map(({ day, paid, candidate }, index) => ({ key: `in_${index}`, update: invoice(`in_${index}`, day, paid), candidate }));
    if (prior) events.push({ key: 'prior', prior });
    if (endedOn) events.push({ key: 'sub', subscription: { ...perTransaction(), endedAt: at(endedOn), observedAt: at(endedOn) } });
    return events;
  });

/** The whole history at once: the reference. */
const reference = (events: Event[]) => {
  let book: Book = withSubscription(emptyBook('cus_1'), 'sub_1', perTransaction());
  for (const event of events) {
    if (event.update) {
      book = withPurchase(book, event.key, event.update);
      book.purchases[event.key] = { ...(book.purchases[event.key] as PurchaseRecord), candidate: event.candidate ?? null };
    }
    if (event.subscription) book = withSubscription(book, 'sub_1', event.subscription);
    if (event.prior) book = { ...book, prior: event.prior };
  }
  // Terms as the event path fills them: the credited affiliate's.
  for (const { key, affiliateId } of missingTermsOf(book)) book.purchases[key] = { ...(book.purchases[key] as PurchaseRecord), terms: termsOf(affiliateId) };
  return deriveBook(book);
};

const derive = (key: string, record: PurchaseRecord, summary: CustomerSummary): { record: PurchaseRecord; ledger: DerivedLedger } => {
  const affiliateId = missingTerms(record, summary);
  const filled = affiliateId ? { ...record, terms: termsOf(affiliateId) } : record;
  return { record: filled, ledger: derivePurchase(scope, key, filled, summary, (filled.terms as TestTerms | undefined)?.plan ?? null) };
};

/** One event at a time, as the event path and the correction job do it. */
const incremental = (events: Event[]) => {
  let summary: CustomerSummary = { ...emptySummary('cus_1'), subscriptions: { sub_1: perTransaction() } };
  const records = new Map<string, PurchaseRecord>();
  const stored = new Map<string, DerivedLedger>();
  let correct = false;
  let scan = false;
  for (const event of events) {
    const was = event.update ? records.get(event.key) : undefined;
    const now = event.update ? { ...mergePurchase(was, event.update), candidate: event.candidate ?? null, decidedOn: 'x' } : undefined;
    const change = summaryAfter(summary, {
      ...(now ? { key: event.key, was, now } : {}),
      ...(event.subscription ? { subscriptions: { sub_1: event.subscription } } : {}),
      ...(event.prior ? { prior: event.prior } : {}),
    });
    summary = change.summary;
    correct ||= change.othersAffected;
    scan ||= change.needsScan;
    if (now) {
      const { record, ledger } = derive(event.key, now, summary);
      records.set(event.key, record);
      stored.set(event.key, ledger);
    }
  }
  if (scan) summary = { ...summary, first: firstOf(records, summary) };
  if (correct)
    for (const [key, record] of records) {
      const { record: filled, ledger } = derive(key, record, summary);
      records.set(key, filled);
      stored.set(key, ledger);
    }
  return stored;
};

const asLedger = (stored: Map<string, DerivedLedger>) => {
  const purchases = new Map([...stored].flatMap(([key, ledger]) => (ledger.purchase ? [[key, ledger.purchase] as const] : [])));
  const commissions = new Map([...stored].flatMap(([key, ledger]) => (ledger.commission ? [[key, ledger.commission] as const] : [])));
  return { purchases, commissions };
};

describe("a customer's summary kept one event at a time", () => {
  it('gives the ledger the whole history gives, for any order and repetition of the events', () => {
    fc.assert(
      fc.property(historyArb, fc.infiniteStream(fc.nat()), (events, seeds) => {
        const shuffled = [...events, ...events.slice(0, 2)]
          .map((event) => ({ event, order: seeds.next().value as number }))
          .sort((a, b) => a.order - b.order)
          .map(({ event }) => event);
        const expected = reference(events);
        const actual = asLedger(incremental(shuffled));
        expect(sameFacts([...actual.purchases].sort(), [...expected.purchases].sort())).toBe(true);
        expect(sameFacts([...actual.commissions].sort(), [...expected.commissions].sort())).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('asks for a correction when a late first payment reaches back to the renewals, and not for a renewal in order', () => {
    const aff: Attribution = { affiliateId: 'aff_a', source: 'metadata', attributedAt: at(1) };
    const renewal: PurchaseRecord = { ...mergePurchase(undefined, invoice('in_2', 31, 5_000)), candidate: null };
    const first: PurchaseRecord = { ...mergePurchase(undefined, invoice('in_1', 1, 5_000)), candidate: aff };
    const start = { ...emptySummary('cus_1'), subscriptions: { sub_1: perTransaction() } };

    const inOrder = summaryAfter(start, { key: 'in_1', now: first });
    expect(inOrder).toMatchObject({ othersAffected: false, summary: { attribution: aff, first: { key: 'in_1', at: at(1) } } });
    expect(summaryAfter(inOrder.summary, { key: 'in_2', now: renewal }).othersAffected).toBe(false);

    const renewalFirst = summaryAfter(start, { key: 'in_2', now: renewal });
    const late = summaryAfter(renewalFirst.summary, { key: 'in_1', now: first });
    expect(late).toMatchObject({ othersAffected: true, needsScan: true });
  });

  it('asks for a scan when the first payment stops counting, and for nothing while a purchase is the only one', () => {
    const aff: Attribution = { affiliateId: 'aff_a', source: 'metadata', attributedAt: at(1) };
    const paid: PurchaseRecord = { ...mergePurchase(undefined, invoice('in_1', 1, 5_000)), candidate: aff };
    const zero = { ...paid, invoice: { ...(paid.invoice as NonNullable<PurchaseRecord['invoice']>), paid: 0 } };
    const alone = summaryAfter({ ...emptySummary('cus_1'), subscriptions: { sub_1: perTransaction() } }, { key: 'in_1', now: paid }).summary;
    expect(summaryAfter(alone, { key: 'in_1', was: paid, now: zero })).toMatchObject({ needsScan: false, othersAffected: false, summary: { first: null } });

    const renewal: PurchaseRecord = { ...mergePurchase(undefined, invoice('in_2', 31, 5_000)), candidate: null };
    const two = summaryAfter(alone, { key: 'in_2', now: renewal }).summary;
    expect(two).toMatchObject({ first: { key: 'in_1' }, purchaseCount: 2 });
    expect(summaryAfter(two, { key: 'in_1', was: paid, now: zero })).toMatchObject({ needsScan: true, othersAffected: true });
  });
});
