import * as z from 'zod';
import { modeSchema } from './mode';

/** Small zod building blocks shared by the aggregates' boundary schemas. */

export const httpUrl = z.url({ protocol: /^https?$/, normalize: true }).max(2048);

export const email = z.email().max(254);

/** `limit` and `cursor` of every list (SPEC section 4). */
export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().min(1).max(2048).optional(),
});

export const idParam = z.object({ id: z.string().min(1).max(64) });

/** `?mode=live|test` on every read and action that is per Stripe mode; live unless asked. */
export const modeQuery = z.object({ mode: modeSchema.default('live') });
