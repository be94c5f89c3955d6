import type { PurchaseRecord } from '../../../lambdas/ledger/book';
import { at, attributedBook, type Book, deriveBook, emptyBook, invoice, missingTermsOf, plan, scope, terms, withPurchase, withSubscription } from './books';

const commissionOf = (book: Book, key: string) => deriveBook(book, scope).commissions.get(key);

describe('deriving each purchase of a customer', () => {
  it('records a purchase per paid invoice with its commission, pending through the hold period', () => {
    const derived = deriveBook(attributedBook([['in_1', invoice('in_1', 1, 5_000)]]), scope);
    expect(derived.purchases.get('in_1')).toMatchObject({ affiliateId: 'aff_1', source: 'coupon', total: 5_000, commissionable: 5_000, occurredAt: at(1) });
    expect(derived.commissions.get('in_1')).toMatchObject({
      affiliateId: 'aff_1',
      holdDays: 30,
      availableAt: new Date(Date.parse(at(1)) + 30 * 86_400_000).toISOString(),
      ledger: { net: 1_000, state: 'open' },
    });
  });

  it('gives stable IDs: one purchase per invoice whoever derives it', () => {
    const book = attributedBook([['in_1', invoice('in_1', 1, 5_000)]]);
    expect(deriveBook(book, scope).purchases.get('in_1')?.id).toBe(deriveBook(book, scope).purchases.get('in_1')?.id);
    expect(deriveBook(book, scope).purchases.get('in_1')?.id).not.toBe(deriveBook(book, { ...scope, mode: 'live' }).purchases.get('in_1')?.id);
  });

  it('records a $0 invoice as a purchase with no commission', () => {
    const derived = deriveBook(attributedBook([['in_0', invoice('in_0', 1, 0)]]), scope);
    expect(derived.purchases.get('in_0')).toMatchObject({ total: 0, commissionId: null, noCommissionReason: 'nothing was paid' });
    expect(derived.commissions.size).toBe(0);
  });

  it('pays a "first" plan on the earliest payment even when a renewal was recorded before it', () => {
    const firstOnly = terms({ plan: plan({ recurring: 'first' }) });
    const book = attributedBook([['in_2', invoice('in_2', 32, 5_000)], ['in_1', invoice('in_1', 1, 5_000)]], firstOnly);
    expect(commissionOf(book, 'in_1')?.ledger.net).toBe(1_000);
    expect(commissionOf(book, 'in_2')).toBeUndefined();
    expect(deriveBook(book, scope).purchases.get('in_2')?.noCommissionReason).toMatch(/first payment only/);
  });

  it('counts a trial ($0) invoice out of the first commissioned payment', () => {
    const firstOnly = terms({ plan: plan({ recurring: 'first' }) });
    const book = attributedBook([['in_trial', invoice('in_trial', 1, 0)], ['in_1', invoice('in_1', 15, 5_000)]], firstOnly);
    expect(commissionOf(book, 'in_1')?.ledger.net).toBe(1_000);
  });

  it('ends commissions of payments after the subscription ended', () => {
    const book = withSubscription(attributedBook([['in_1', invoice('in_1', 1, 5_000)], ['in_9', invoice('in_9', 40, 5_000)]]), 'sub_1', {
      trackedBy: 'per_transaction',
      startedAt: at(1),
      trialEndsAt: null,
      endedAt: at(35),
      cancelAt: null,
      observedAt: at(35),
    });
    const derived = deriveBook(book, scope);
    expect(derived.commissions.has('in_1')).toBe(true);
    expect(derived.purchases.get('in_9')?.noCommissionReason).toBe('the subscription had been canceled');
  });

  it("earns nothing on the affiliate's own purchase, whichever variant of their address they bought with", () => {
    const own = terms({ affiliateEmail: 'Jane.Doe@gmail.com' });
    const bought = (email: string) =>
      deriveBook(withPurchase(attributedBook([['in_1', invoice('in_1', 1, 5_000)]], own), 'in_1', { kind: 'invoice', evidence: { invoice: { email, observedAt: at(1) } } }), scope);
    for (const email of ['jane.doe@gmail.com', 'janedoe+deals@googlemail.com', ' JANE.DOE@GMAIL.COM ']) {
      const derived = bought(email);
      expect(derived.commissions.has('in_1')).toBe(false);
      expect(derived.purchases.get('in_1')).toMatchObject({ affiliateId: 'aff_1', noCommissionReason: expect.stringMatching(/^self_referral/) });
    }
    expect(bought('jane.roe@gmail.com').commissions.get('in_1')?.ledger.net).toBe(1_000);
  });

  describe('attribution', () => {
    const candidate = (book: Book, key: string, affiliateId: string): Book => ({
      ...book,
      purchases: { ...book.purchases, [key]: { ...(book.purchases[key] as PurchaseRecord), candidate: { affiliateId, source: 'coupon', attributedAt: at(0) } } },
    });

    it('credits every later purchase to the earliest candidate, whichever arrived first', () => {
      let book = withPurchase(emptyBook('cus_1'), 'in_2', invoice('in_2', 20, 1_000));
      book = candidate(book, 'in_2', 'aff_late');
      book = withPurchase(book, 'in_1', invoice('in_1', 10, 1_000));
      book = candidate(book, 'in_1', 'aff_first');
      expect(missingTermsOf(book)).toEqual([
        { key: 'in_2', affiliateId: 'aff_first' },
        { key: 'in_1', affiliateId: 'aff_first' },
      ]);
    });

    it('never reaches back to purchases made before the attribution', () => {
      let book = withPurchase(emptyBook('cus_1'), 'in_1', invoice('in_1', 10, 1_000));
      book = { ...book, prior: { affiliateId: 'aff_lead', source: 'lead', attributedAt: at(15) } };
      book = withPurchase(book, 'in_2', invoice('in_2', 20, 1_000));
      expect(missingTermsOf(book)).toEqual([{ key: 'in_2', affiliateId: 'aff_lead' }]);
    });
  });

  describe('payments', () => {
    const charge = { chargeId: 'ch_1', paymentIntentId: 'pi_1', amount: 1_100, currency: 'usd', createdAt: at(1), observedAt: at(1) };
    const checkout = { sessionId: 'cs_1', mode: 'payment' as const, currency: 'usd', total: 1_100, lines: [{ productId: 'prod_a', amount: 1_000 }], completedAt: at(1, 2), observedAt: at(1, 2) };

    it('records one purchase for a charge and its Checkout Session, with the session\'s lines (tax excluded)', () => {
      let book = withPurchase(emptyBook(null), 'pi_1', { kind: 'payment', charge });
      expect(deriveBook(book, scope).purchases.get('pi_1')).toMatchObject({ total: 1_100, lines: [{ productId: null, amount: 1_100 }] });
      book = withPurchase(book, 'pi_1', { kind: 'payment', checkout });
      const derived = deriveBook(book, scope);
      expect(derived.purchases.size).toBe(1);
      expect(derived.purchases.get('pi_1')).toMatchObject({
        total: 1_100,
        commissionable: 1_000,
        occurredAt: at(1),
        stripe: { customerId: null, chargeId: 'ch_1', paymentIntentId: 'pi_1', checkoutSessionId: 'cs_1' },
      });
    });

    it('does not record an invoice\'s payment as a purchase before (or besides) the invoice', () => {
      const book = withPurchase(emptyBook('cus_1'), 'in_1', { kind: 'invoice', charge });
      expect(deriveBook(book, scope).purchases.size).toBe(0);
    });
  });

  describe('subscriptions tracked by billing period', () => {
    const periodBook = (endedAt: string | null, trialEndsAt: string | null = null) => {
      let book = withSubscription(emptyBook('cus_1'), 'sub_1', {
        trackedBy: 'subscription_period',
        startedAt: at(1),
        trialEndsAt,
        endedAt,
        cancelAt: null,
        observedAt: at(1),
      });
      for (const day of [1, 8, 15])
        book = withPurchase(book, `sub_1@${at(day)}`, {
          kind: 'period',
          period: { subscriptionId: 'sub_1', startsAt: at(day), endsAt: at(day + 7), currency: 'usd', lines: [{ productId: 'prod_a', amount: 2_500 }], observedAt: at(day) },
        });
      return withPurchase(book, 'in_1', invoice('in_1', 1, 2_000));
    };

    it('makes each billing period a purchase at the subscription\'s price, and not its invoices', () => {
      const purchases = deriveBook(periodBook(null), scope).purchases;
      expect([...purchases.keys()]).toEqual([`sub_1@${at(1)}`, `sub_1@${at(8)}`, `sub_1@${at(15)}`]);
      expect(purchases.get(`sub_1@${at(8)}`)).toMatchObject({ total: 2_500, occurredAt: at(8), stripe: { subscriptionId: 'sub_1' } });
    });

    it('stops at the end date and skips the trial', () => {
      expect([...deriveBook(periodBook(at(10)), scope).purchases.keys()]).toEqual([`sub_1@${at(1)}`, `sub_1@${at(8)}`]);
      expect([...deriveBook(periodBook(null, at(8)), scope).purchases.keys()]).toEqual([`sub_1@${at(8)}`, `sub_1@${at(15)}`]);
    });
  });
});
