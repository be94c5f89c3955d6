import * as z from 'zod';
import { currencySchema, minorUnitsSchema } from '../core/money';
import { email } from '../core/schemas';

/** Stripe promotion codes allow letters, digits and dashes; Tally holds coupon codes to the same rule. */
export const couponCodeSchema = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9-]{1,100}$/, 'letters, digits and "-" only, at most 100 characters');

/** Referral codes travel in URLs (`?ref=`): letters, digits, "-" and "_". */
export const referralCodeSchema = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_-]{2,64}$/, 'letters, digits, "-" and "_" only, 2 to 64 characters');

const percentOff = z
  .number()
  .gt(0)
  .max(100)
  .refine((value) => Math.abs(value * 100 - Math.round(value * 100)) < 1e-9, 'at most two decimal places');

/**
 * The discount an affiliate's coupon code gives, in Stripe's terms: a percentage or an amount in
 * minor units, once, forever or for some months.
 */
export const discountSchema = z
  .strictObject({
    percentOff: percentOff.optional(),
    amountOff: minorUnitsSchema.min(1).optional(),
    currency: currencySchema.optional(),
    duration: z.enum(['once', 'forever', 'repeating']),
    durationInMonths: z.int().min(1).max(120).optional(),
  })
  .superRefine((discount, ctx) => {
    const hasPercent = discount.percentOff !== undefined;
    const hasAmount = discount.amountOff !== undefined;
    if (hasPercent === hasAmount)
      ctx.addIssue({ code: 'custom', path: ['percentOff'], message: 'give either percentOff or amountOff' });
    if (hasAmount !== (discount.currency !== undefined))
      ctx.addIssue({ code: 'custom', path: ['currency'], message: 'amountOff needs a currency, and only amountOff takes one' });
    if ((discount.duration === 'repeating') !== (discount.durationInMonths !== undefined))
      ctx.addIssue({
        code: 'custom',
        path: ['durationInMonths'],
        message: 'durationInMonths is required for a repeating discount and only allowed for one',
      });
  });
export type Discount = z.infer<typeof discountSchema>;

const planId = z.string().min(1).max(64);

export const createAffiliateInput = z.strictObject({
  email,
  name: z.string().trim().min(1).max(200).optional(),
  referralCode: referralCodeSchema.optional(),
  couponCode: couponCodeSchema.optional(),
  discount: discountSchema.optional(),
  commissionPlanId: planId.optional(),
});
export type CreateAffiliateInput = z.infer<typeof createAffiliateInput>;

/** `null` removes an optional field; `status: active` restores an archived affiliate. */
export const updateAffiliateInput = z
  .strictObject({
    email,
    name: z.string().trim().min(1).max(200).nullable(),
    referralCode: referralCodeSchema,
    couponCode: couponCodeSchema.nullable(),
    discount: discountSchema.nullable(),
    commissionPlanId: planId.nullable(),
    status: z.enum(['active', 'archived']),
  })
  .partial()
  .refine((patch) => Object.keys(patch).length > 0, { message: 'Give at least one field to change.' });
export type UpdateAffiliateInput = z.infer<typeof updateAffiliateInput>;

export const listAffiliatesQuery = z.object({ status: z.enum(['active', 'archived']).optional() });
