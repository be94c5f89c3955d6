import * as z from 'zod';
import { referralCodeSchema } from '../affiliates/schema';
import { modeSchema } from '../core/mode';
import { email } from '../core/schemas';
import { stripeCustomerIdSchema, visitorIdSchema } from '../tracking/schema';

/** `POST /v1/leads`: a lead the merchant's server vouches for, naming its affiliate one way only. */
export const serverLeadInput = z
  .strictObject({
    email,
    stripeCustomerId: stripeCustomerIdSchema.optional(),
    referralCode: referralCodeSchema.optional(),
    affiliateId: z.string().regex(/^aff_[a-z0-9]{1,64}$/, 'an affiliate ID (aff_…)').optional(),
    visitorId: visitorIdSchema.optional(),
    mode: modeSchema.default('live'),
  })
  .refine((input) => (input.referralCode === undefined) !== (input.affiliateId === undefined), {
    message: 'name the affiliate with either referralCode or affiliateId',
    path: ['referralCode'],
  });
export type ServerLeadInput = z.infer<typeof serverLeadInput>;
