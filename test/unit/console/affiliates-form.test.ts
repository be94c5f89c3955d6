import { ValidationError } from '../../../lambdas/core/errors';
import { affiliateToForm, createAffiliateFromForm, discountText, matchesSearch, referralLink, updateAffiliateFromForm } from '../../../lambdas/console/affiliates';
import type { Affiliate } from '../../../lambdas/affiliates/affiliate';
import { fieldErrors } from '../../../lambdas/web/format';

const errorsOf = (run: () => unknown): Record<string, string> => {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return fieldErrors(error.issues);
    throw error;
  }
  throw new Error('expected a ValidationError');
};

const affiliate: Affiliate = {
  id: 'aff_1',
  email: 'ada@example.com',
  name: 'Ada',
  referralCode: 'ada-ref',
  couponCode: 'ADA15',
  discount: { amountOff: 500, currency: 'usd', duration: 'repeating', durationInMonths: 3 },
  commissionPlanId: 'plan_1',
  status: 'active',
  createdAt: '2030-01-01T00:00:00.000Z',
  updatedAt: '2030-01-01T00:00:00.000Z',
  couponSync: { live: { status: 'not_applicable' }, test: { status: 'pending' } },
};

describe('the affiliate form', () => {
  it('leaves empty fields out of a new affiliate', () => {
    expect(createAffiliateFromForm({ email: ' ada@example.com ', name: '', referralCode: '', couponCode: '', 'discount.kind': 'none', commissionPlanId: '' })).toEqual({
      email: 'ada@example.com',
    });
  });

  it('takes a percent discount as Stripe’s percent and an amount in minor units', () => {
    expect(createAffiliateFromForm({ email: 'a@example.com', couponCode: 'ADA15', 'discount.kind': 'percent', 'discount.percentOff': '15', 'discount.duration': 'forever' }).discount).toEqual({
      percentOff: 15,
      duration: 'forever',
    });
    expect(
      createAffiliateFromForm({ email: 'a@example.com', couponCode: 'ADA5', 'discount.kind': 'amount', 'discount.amountOff': '5', 'discount.currency': 'EUR', 'discount.duration': 'repeating', 'discount.durationInMonths': '3' }).discount,
    ).toEqual({ amountOff: 500, currency: 'eur', duration: 'repeating', durationInMonths: 3 });
  });

  it('says beside each field what the discount is missing', () => {
    expect(errorsOf(() => createAffiliateFromForm({ email: 'a@example.com', 'discount.kind': 'amount', 'discount.duration': 'repeating' }))).toEqual({
      'discount.durationInMonths': 'Required.',
      'discount.currency': 'Required.',
      'discount.amountOff': 'Required.',
    });
    expect(errorsOf(() => createAffiliateFromForm({ email: 'not-an-email', referralCode: 'a b' }))).toEqual({ email: expect.any(String), referralCode: 'letters, digits, "-" and "_" only, 2 to 64 characters' });
  });

  it('removes what an edit empties, but keeps the referral code', () => {
    expect(updateAffiliateFromForm({ email: 'a@example.com', name: '', referralCode: '', couponCode: '', 'discount.kind': 'none', commissionPlanId: '' })).toEqual({
      email: 'a@example.com',
      name: null,
      couponCode: null,
      discount: null,
      commissionPlanId: null,
    });
    expect(errorsOf(() => updateAffiliateFromForm({ email: '' }))).toEqual({ email: 'Required.' });
  });

  it('shows an affiliate in its form and reads it back unchanged', () => {
    const { email, name, referralCode, couponCode, discount, commissionPlanId } = affiliate;
    expect(affiliateToForm(affiliate)).toMatchObject({ 'discount.kind': 'amount', 'discount.amountOff': '5.00', 'discount.currency': 'USD' });
    expect(updateAffiliateFromForm(affiliateToForm(affiliate))).toEqual({ email, name, referralCode, couponCode, discount, commissionPlanId });
  });

  it('builds the referral link from the site URL, keeping its own query', () => {
    expect(referralLink('https://shop.example.com/', 'ada-ref')).toBe('https://shop.example.com/?ref=ada-ref');
    expect(referralLink('https://shop.example.com/landing?utm=x', 'ada ref')).toBe('https://shop.example.com/landing?utm=x&ref=ada+ref');
    expect(referralLink(null, 'ada-ref')).toBeNull();
    expect(referralLink('not a url', 'ada-ref')).toBeNull();
  });

  it('describes a discount in words, with money in its currency', () => {
    expect(discountText(affiliate.discount)).toBe('$5.00 off, for 3 months');
    expect(discountText({ percentOff: 15, duration: 'once' })).toBe('15% off, the first payment');
    expect(discountText({ percentOff: 15, duration: 'forever' })).toBe('15% off, every payment');
    expect(discountText(null)).toBe('None');
  });

  it('searches names, e-mails and codes in any case', () => {
    expect(matchesSearch(affiliate, 'ADA15')).toBe(true);
    expect(matchesSearch(affiliate, 'EXAMPLE.com')).toBe(true);
    expect(matchesSearch(affiliate, 'bob')).toBe(false);
  });
});
