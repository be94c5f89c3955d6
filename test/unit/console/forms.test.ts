import * as z from 'zod';
import { ConflictError, ValidationError } from '../../../lambdas/core/errors';
import { errorFor, formFailure, list, minorToAmount, scaleDecimal, validated } from '../../../lambdas/console/forms';

const issuesOf = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return error.issues;
    throw error;
  }
  throw new Error('expected a ValidationError');
};

describe('console form helpers', () => {
  it.each([
    ['12.5', 2, 1250],
    ['12', 2, 1200],
    ['0.05', 2, 5],
    ['1500', 0, 1500],
    ['5.125', 3, 5125],
    ['12.', 2, 1200],
  ])('scales %s to %i places exactly', (value, places, expected) => {
    expect(scaleDecimal(value, places)).toBe(expected);
  });

  it.each([['12.345', 2], ['1.5', 0], ['-1', 2], ['1e3', 2], ['12,5', 2], ['', 2], ['abc', 2]])('refuses %s at %i places', (value, places) => {
    expect(scaleDecimal(value, places)).toBeUndefined();
  });

  it('shows minor units in the currency’s units', () => {
    expect(minorToAmount(1250, 'usd')).toBe('12.50');
    expect(minorToAmount(1500, 'jpy')).toBe('1500');
    expect(minorToAmount(5125, 'kwd')).toBe('5.125');
  });

  it('splits a comma-separated list, also across spaces and new lines', () => {
    expect(list({ skus: ' prod_a, prod_b,,prod_c\nprod_d ' }, 'skus')).toEqual(['prod_a', 'prod_b', 'prod_c', 'prod_d']);
    expect(list({}, 'skus')).toEqual([]);
  });

  it('says "Required." for a missing field and keeps a conversion issue over the schema’s', () => {
    const schema = z.strictObject({ name: z.string(), days: z.int() });
    expect(issuesOf(() => validated(schema, { days: undefined }, [{ path: ['days'], message: 'Enter a whole number.' }]))).toEqual([
      { path: ['days'], message: 'Enter a whole number.' },
      { path: ['name'], message: 'Required.' },
    ]);
  });

  it('puts a conflict beside the field named for its type, and other conflicts above the form', () => {
    const taken = new ConflictError('affiliate.coupon_code_taken', 'The coupon code "X" is already in use.');
    expect(formFailure(taken, { 'affiliate.coupon_code_taken': 'couponCode' })).toEqual({ status: 409, errors: { couponCode: 'The coupon code "X" is already in use.' } });
    expect(formFailure(taken)).toEqual({ status: 409, errors: { _form: 'The coupon code "X" is already in use.' } });
    expect(() => formFailure(new Error('bug'))).toThrow('bug');
  });

  it('finds the error of a part of a field', () => {
    expect(errorFor({ 'lineItemSkus.1': 'a Stripe product ID (prod_…)' }, 'lineItemSkus')).toBe('a Stripe product ID (prod_…)');
    expect(errorFor({ lineItemSkusX: 'no' }, 'lineItemSkus')).toBeUndefined();
  });
});
