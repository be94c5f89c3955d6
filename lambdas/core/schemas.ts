import * as z from 'zod';
import { modeSchema } from './mode';

/** Small zod building blocks shared by the aggregates' boundary schemas. */

export const httpUrl = z.url({ protocol: /^https?$/, normalize: true }).max(2048);

export const email = z.email().max(254);

/**
 * `limit` and `cursor` of every list (SPEC section 4). A list merged from sharded index partitions
 * carries a position per shard (about 2.5 KB for 8 shards), well inside API Gateway's 10 KB
 * request line.
 */
export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().min(1).max(6144).optional(),
});

export const idParam = z.object({ id: z.string().min(1).max(64) });

/** `?mode=live|test` on every read and action that is per Stripe mode; live unless asked. */
export const modeQuery = z.object({ mode: modeSchema.default('live') });
