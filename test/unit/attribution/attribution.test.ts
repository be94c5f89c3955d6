import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import {
  affiliateKeys,
  attributionKeys,
  type AttributionEvidence,
  decideAttribution,
  recordAttribution,
} from '../../../lambdas/attribution/attribution';
import type { Mode } from '../../../lambdas/core/mode';
import { type Item, ItemLookup } from '../../../lambdas/store/batch';
import { type Key, keys } from '../../../lambdas/store/keys';
import { Transaction } from '../../../lambdas/store/transaction';

process.env.TALLY_TABLE_NAME = 'tally-test';

const M = 'mer_1';
const purchaseAt = new Date('2026-06-30T12:00:00.000Z');
const daysBefore = (days: number, extraMs = 0) => new Date(purchaseAt.getTime() - days * 86_400_000 - extraMs).toISOString();

/** Stored items, shaped as the tracking and affiliate modules write them. */
const affiliate = (id: string, overrides: Record<string, unknown> = {}): Item => ({
  ...keys.affiliate(M, id),
  id,
  status: 'active',
  couponSync: { live: { status: 'synced' }, test: { status: 'synced' } },
  ...overrides,
});
const claim = (kind: 'referral' | 'coupon', code: string, affiliateId: string): Item => ({ ...keys.affiliateCode(M, kind, code), code, affiliateId });
const visitor = (visitorId: string, affiliateId: string, visitedAt = daysBefore(1), mode: Mode = 'live'): Item => ({
  ...keys.visitor(M, mode, visitorId),
  visitorId,
  affiliateId,
  visitedAt,
});
const emailLead = (email: string, affiliateId: string, leadAt = daysBefore(1), mode: Mode = 'live', trusted = false): Item => ({
  ...keys.emailLead(M, mode, email),
  email: email.toLowerCase(),
  affiliateId,
  leadAt,
  ...(trusted ? { trusted: true } : {}),
});
/** A server-side lead (POST /v1/leads) naming the customer; `trusted: false` is one a public call stored before that was refused. */
const customerLead = (customerId: string, affiliateId: string, leadAt = daysBefore(1), trusted = true): Item => ({
  ...keys.customerLead(M, 'live', customerId),
  affiliateId,
  leadAt,
  ...(trusted ? { trusted: true } : {}),
});
const minutesAfter = (minutes: number, extraMs = 0) => new Date(purchaseAt.getTime() + minutes * 60_000 + extraMs).toISOString();
const sticky = (customerId: string, affiliateId: string, source = 'lead'): Item => ({
  ...keys.attribution(M, 'live', customerId),
  customerId,
  affiliateId,
  source,
  attributedAt: daysBefore(40),
});

const evidence = (overrides: Partial<AttributionEvidence> = {}): AttributionEvidence => ({
  customerId: 'cus_1',
  email: 'buyer@example.com',
  at: purchaseAt,
  ...overrides,
});

const sameKey = (a: Key) => (b: Item) => a.pk === b.pk && a.sk === b.sk;
const readInto = (fetched: ItemLookup, asked: Key[], table: Item[]) =>
  fetched.add(asked, asked.flatMap((key) => table.filter(sameKey(key))));

/** The caller's two rounds of reads against a table holding `table`, then the decision. */
const decide = (given: AttributionEvidence, table: Item[], { mode = 'live' as Mode, cookieWindowDays = 90 } = {}) => {
  const fetched = readInto(new ItemLookup(), attributionKeys(M, mode, given), table);
  readInto(fetched, affiliateKeys(M, mode, given, fetched), table);
  return decideAttribution(M, mode, given, fetched, cookieWindowDays);
};

const everyRule = [
  affiliate('aff_meta'),
  affiliate('aff_lead'),
  affiliate('aff_coupon'),
  claim('referral', 'meta-code', 'aff_meta'),
  emailLead('buyer@example.com', 'aff_lead'),
  claim('coupon', 'SAVE-10', 'aff_coupon'),
];
const everyEvidence = evidence({ metadata: { tally_affiliate: 'meta-code' }, promotionCodes: [{ id: 'promo_1', code: 'SAVE-10' }] });

describe('attribution order (SPEC section 3)', () => {
  it('credits the referral code in metadata.tally_affiliate before a coupon and a lead', () => {
    expect(decide(everyEvidence, everyRule)).toMatchObject({
      attribution: { affiliateId: 'aff_meta', source: 'metadata', attributedAt: purchaseAt.toISOString() },
      isNew: true,
      affiliate: { id: 'aff_meta' },
    });
  });

  it('credits the promotion code the customer used before a lead of their e-mail, public or trusted', () => {
    const withCode = evidence({ promotionCodes: [{ id: 'promo_1', code: 'SAVE-10' }] });
    expect(decide(withCode, everyRule).attribution).toMatchObject({ affiliateId: 'aff_coupon', source: 'coupon' });
    const trusted = [...everyRule, customerLead('cus_1', 'aff_lead')];
    expect(decide(withCode, trusted).attribution).toMatchObject({ affiliateId: 'aff_coupon', source: 'coupon' });
  });

  it('credits a lead with the same e-mail when neither metadata nor a code matches', () => {
    expect(decide(evidence(), everyRule).attribution).toMatchObject({ affiliateId: 'aff_lead', source: 'lead' });
  });

  it('reads metadata.tally_affiliate before client_reference_id, and client_reference_id when metadata names nobody', () => {
    const table = [affiliate('aff_a'), affiliate('aff_b'), claim('referral', 'code-a', 'aff_a'), claim('referral', 'code-b', 'aff_b')];
    expect(decide(evidence({ metadata: { tally_affiliate: 'code-a' }, clientReferenceId: 'code-b' }), table).attribution?.affiliateId).toBe('aff_a');
    expect(decide(evidence({ metadata: { tally_affiliate: 'unknown' }, clientReferenceId: 'code-b' }), table).attribution?.affiliateId).toBe('aff_b');
  });

  it('resolves tally_<visitorId> to the affiliate whose link brought that visitor', () => {
    const table = [affiliate('aff_v'), visitor('V1234567890abcdefghij', 'aff_v')];
    const { attribution } = decide(evidence({ clientReferenceId: 'tally_V1234567890abcdefghij' }), table);
    expect(attribution).toMatchObject({ affiliateId: 'aff_v', source: 'metadata' });
  });

  it('matches referral codes, coupon codes and e-mails regardless of case', () => {
    expect(decide(evidence({ metadata: { tally_affiliate: 'META-CODE' } }), everyRule).attribution?.affiliateId).toBe('aff_meta');
    expect(decide(evidence({ email: 'Buyer@Example.COM' }), everyRule).attribution?.affiliateId).toBe('aff_lead');
    const coupon = decide(evidence({ email: null, promotionCodes: [{ id: 'promo_x', code: 'save-10' }] }), everyRule);
    expect(coupon.attribution?.affiliateId).toBe('aff_coupon');
  });

  it("prefers the merchant's server-side lead naming the Stripe customer over one with its e-mail", () => {
    const table = [...everyRule, affiliate('aff_customer'), customerLead('cus_1', 'aff_customer')];
    expect(decide(evidence(), table).attribution).toMatchObject({ affiliateId: 'aff_customer', source: 'lead' });
  });

  it('ignores a customer lead that a public call stored before public leads lost that right', () => {
    const table = [affiliate('aff_claim'), customerLead('cus_1', 'aff_claim', daysBefore(1), false)];
    expect(decide(evidence({ email: null }), table).attribution).toBeNull();
  });

  it('records a sale with no affiliate as no attribution', () => {
    expect(decide(evidence({ email: 'nobody@example.com' }), everyRule)).toEqual({ attribution: null, isNew: false, affiliate: null });
  });
});

describe('cookie window', () => {
  const leadAt = (at: string, cookieWindowDays = 90) =>
    decide(evidence(), [affiliate('aff_lead'), emailLead('buyer@example.com', 'aff_lead', at)], { cookieWindowDays }).attribution;

  it('credits a lead exactly the window before the purchase, and not a millisecond earlier', () => {
    expect(leadAt(daysBefore(90))).not.toBeNull();
    expect(leadAt(daysBefore(90, 1))).toBeNull();
  });

  it("uses the merchant's window", () => {
    expect(leadAt(daysBefore(31), 30)).toBeNull();
    expect(leadAt(daysBefore(29), 30)).not.toBeNull();
  });

  it("never credits a public lead to a purchase made before it: only within the purchase's own second, as Stripe stamps it", () => {
    expect(leadAt(minutesAfter(0, 999))).not.toBeNull();
    expect(leadAt(minutesAfter(0, 1000))).toBeNull();
  });

  it("credits the merchant's server-side lead up to ten minutes after the purchase (racing Stripe's event), not later", () => {
    const trustedAt = (at: string) => decide(evidence(), [affiliate('aff_lead'), emailLead('buyer@example.com', 'aff_lead', at, 'live', true)]).attribution;
    expect(trustedAt(minutesAfter(10, 999))).not.toBeNull();
    expect(trustedAt(minutesAfter(10, 1000))).toBeNull();
    expect(decide(evidence(), [affiliate('aff_c'), customerLead('cus_1', 'aff_c', minutesAfter(10))]).attribution?.affiliateId).toBe('aff_c');
  });

  it("credits a public lead only to a customer it came before (or within ten minutes of the customer's creation)", () => {
    const table = [affiliate('aff_lead'), emailLead('buyer@example.com', 'aff_lead', daysBefore(1))];
    const createdAt = (at: string) => decide(evidence({ customerCreatedAt: new Date(at) }), table).attribution;
    expect(createdAt(daysBefore(1, 10 * 60_000))).not.toBeNull();
    expect(createdAt(daysBefore(1, 10 * 60_000 + 1))).toBeNull();
    const trusted = [affiliate('aff_lead'), emailLead('buyer@example.com', 'aff_lead', daysBefore(1), 'live', true)];
    expect(decide(evidence({ customerCreatedAt: new Date(daysBefore(30)) }), trusted).attribution?.affiliateId).toBe('aff_lead');
  });

  it("applies the window to a visitor's referral visit, but not to a referral code named outright", () => {
    const table = [affiliate('aff_v'), visitor('V1234567890abcdefghij', 'aff_v', daysBefore(91)), claim('referral', 'old-friend', 'aff_v')];
    expect(decide(evidence({ clientReferenceId: 'tally_V1234567890abcdefghij' }), table).attribution).toBeNull();
    expect(decide(evidence({ clientReferenceId: 'old-friend' }), table).attribution?.affiliateId).toBe('aff_v');
  });

  it('falls through to the next rule when a referral visit is outside the window', () => {
    const table = [affiliate('aff_v'), affiliate('aff_coupon'), visitor('V1234567890abcdefghij', 'aff_v', daysBefore(120)), claim('coupon', 'SAVE-10', 'aff_coupon')];
    const { attribution } = decide(evidence({ clientReferenceId: 'tally_V1234567890abcdefghij', promotionCodes: [{ id: 'promo_1', code: 'SAVE-10' }] }), table);
    expect(attribution).toMatchObject({ affiliateId: 'aff_coupon', source: 'coupon' });
  });
});

describe('promotion codes', () => {
  const storedId = (live?: string, test?: string) => ({
    couponSync: { live: { status: 'synced', stripePromotionCodeId: live }, test: { status: 'synced', stripePromotionCodeId: test } },
  });
  const renamedAway = (id: string, affiliateId: string) => [{ id, code: 'RENAMED-AWAY', metadata: { tally_affiliate_id: affiliateId } }];

  it("credits a promotion code by the ID Tally stored for the affiliate its metadata names, even when its code is no one's now", () => {
    const { attribution } = decide(evidence({ email: null, promotionCodes: renamedAway('promo_old', 'aff_p') }), [affiliate('aff_p', storedId('promo_old'))]);
    expect(attribution).toMatchObject({ affiliateId: 'aff_p', source: 'coupon' });
  });

  it("does not trust metadata that the affiliate's stored ID does not confirm", () => {
    const table = [affiliate('aff_p', storedId('promo_new')), affiliate('aff_q', storedId('promo_old'))];
    expect(decide(evidence({ email: null, promotionCodes: renamedAway('promo_old', 'aff_p') }), table).attribution).toBeNull();
  });

  it("checks the ID stored for the purchase's mode only", () => {
    const table = [affiliate('aff_p', storedId(undefined, 'promo_1'))];
    expect(decide(evidence({ email: null, promotionCodes: renamedAway('promo_1', 'aff_p') }), table).attribution).toBeNull();
    expect(decide(evidence({ email: null, promotionCodes: renamedAway('promo_1', 'aff_p') }), table, { mode: 'test' }).attribution?.affiliateId).toBe('aff_p');
  });

  it('tries the stored ID before the code, so an old code taken over by another affiliate stays with its maker', () => {
    const table = [affiliate('aff_p', storedId('promo_old')), affiliate('aff_new'), claim('coupon', 'OLD-CODE', 'aff_new')];
    const promotionCodes = [{ id: 'promo_old', code: 'OLD-CODE', metadata: { tally_affiliate_id: 'aff_p' } }];
    expect(decide(evidence({ email: null, promotionCodes }), table).attribution?.affiliateId).toBe('aff_p');
  });
});

describe('archived affiliates', () => {
  it('are not credited with a new customer: the next match is', () => {
    const table = [...everyRule.filter((item) => item.sk !== keys.affiliate(M, 'aff_meta').sk), affiliate('aff_meta', { status: 'archived' })];
    expect(decide(everyEvidence, table).attribution).toMatchObject({ affiliateId: 'aff_coupon', source: 'coupon' });
  });

  it('keep a customer attributed to them before they were archived', () => {
    const table = [...everyRule, sticky('cus_1', 'aff_gone'), affiliate('aff_gone', { status: 'archived' })];
    expect(decide(everyEvidence, table)).toMatchObject({
      attribution: { affiliateId: 'aff_gone', source: 'lead' },
      isNew: false,
      affiliate: { id: 'aff_gone', status: 'archived' },
    });
  });
});

describe('stickiness and modes', () => {
  it('returns the stored attribution unchanged whatever the new evidence says', () => {
    const table = [...everyRule, sticky('cus_1', 'aff_coupon', 'coupon')];
    const decision = decide(everyEvidence, table);
    expect(decision).toMatchObject({ attribution: { affiliateId: 'aff_coupon', source: 'coupon', attributedAt: daysBefore(40) }, isNew: false });
  });

  it('reads only the affiliate a sticky attribution names', () => {
    const fetched = readInto(new ItemLookup(), attributionKeys(M, 'live', everyEvidence), [...everyRule, sticky('cus_1', 'aff_coupon')]);
    expect(affiliateKeys(M, 'live', everyEvidence, fetched)).toEqual([keys.affiliate(M, 'aff_coupon')]);
  });

  it('credits test purchases from test leads only', () => {
    const table = [affiliate('aff_lead'), emailLead('buyer@example.com', 'aff_lead', daysBefore(1), 'test')];
    expect(decide(evidence(), table, { mode: 'live' }).attribution).toBeNull();
    expect(decide(evidence(), table, { mode: 'test' }).attribution?.affiliateId).toBe('aff_lead');
  });
});

describe('customer events', () => {
  it('are matched by metadata only: leads wait for a purchase, where a promotion code can outrank them', () => {
    const onCustomer = evidence({ from: 'customer' });
    const table = [...everyRule, customerLead('cus_1', 'aff_lead')];
    expect(attributionKeys(M, 'live', onCustomer)).toEqual([keys.attribution(M, 'live', 'cus_1')]);
    expect(decide(onCustomer, table).attribution).toBeNull();
    expect(decide(evidence({ from: 'customer', metadata: { tally_affiliate: 'meta-code' } }), table).attribution).toMatchObject({ affiliateId: 'aff_meta' });
  });
});

describe('the three-step interface', () => {
  it('asks for each key once, and only for references shaped like a code or a visitor', () => {
    const asked = attributionKeys(M, 'live', evidence({
      metadata: { tally_affiliate: 'same-code', other: 'x' },
      clientReferenceId: 'SAME-CODE',
      promotionCodes: [{ id: 'promo_1', code: 'not a code!', metadata: { tally_affiliate_id: 'aff_named' } }],
    }));
    expect(asked).toEqual([
      keys.attribution(M, 'live', 'cus_1'),
      keys.affiliateCode(M, 'referral', 'same-code'),
      keys.customerLead(M, 'live', 'cus_1'),
      keys.emailLead(M, 'live', 'buyer@example.com'),
    ]);
  });

  it("reads both the visitor and the referral code of a tally_… reference, and tries the visitor first", () => {
    const reference = 'tally_V1234567890abcdefghij';
    expect(attributionKeys(M, 'live', evidence({ clientReferenceId: reference }))).toEqual(
      expect.arrayContaining([keys.visitor(M, 'live', 'V1234567890abcdefghij'), keys.affiliateCode(M, 'referral', reference)]),
    );
    const table = [affiliate('aff_v'), affiliate('aff_code'), visitor('V1234567890abcdefghij', 'aff_v'), claim('referral', reference, 'aff_code')];
    expect(decide(evidence({ clientReferenceId: reference }), table).attribution?.affiliateId).toBe('aff_v');
  });

  it('refuses to decide from a read the caller skipped, rather than miss an affiliate', () => {
    const fetched = readInto(new ItemLookup(), attributionKeys(M, 'live', everyEvidence), everyRule);
    expect(() => decideAttribution(M, 'live', everyEvidence, fetched, 90)).toThrow(/affiliateKeys/);
    expect(() => decideAttribution(M, 'live', everyEvidence, new ItemLookup(), 90)).toThrow(/attributionKeys/);
  });
});

describe('recordAttribution', () => {
  const dynamo = mockClient(DynamoDBDocumentClient);
  afterEach(() => dynamo.reset());
  const attribution = { affiliateId: 'aff_1', source: 'lead' as const, attributedAt: purchaseAt.toISOString() };

  it('writes the attribution only if the customer has none yet', async () => {
    dynamo.on(TransactWriteCommand).resolves({});
    const transaction = new Transaction();
    recordAttribution(transaction, M, 'test', 'cus_1', attribution);
    await transaction.commit();
    expect(dynamo).toHaveReceivedCommandWith(TransactWriteCommand, {
      TransactItems: [
        {
          Put: expect.objectContaining({
            Item: { ...keys.attribution(M, 'test', 'cus_1'), type: 'attribution', customerId: 'cus_1', ...attribution },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        },
      ],
    });
  });

  it('turns a lost race into a ConflictError, so the webhook intake runs the handler again', async () => {
    dynamo.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({ message: 'cancelled', $metadata: {}, CancellationReasons: [{ Code: 'ConditionalCheckFailed' }] }),
    );
    const transaction = new Transaction();
    recordAttribution(transaction, M, 'live', 'cus_1', attribution);
    await expect(transaction.commit()).rejects.toMatchObject({ status: 409, type: 'attribution.concurrent_update' });
  });
});
