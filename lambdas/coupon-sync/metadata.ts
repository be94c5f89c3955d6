/**
 * The metadata Tally writes on the coupons and promotion codes it makes, naming their affiliate
 * and merchant. Kept apart from the Stripe adapter so readers of it (attribution, drift webhooks)
 * do not pull the Stripe SDK into their bundles.
 */
export const tallyMetadata = { affiliateId: 'tally_affiliate_id', merchantId: 'tally_merchant_id' } as const;
