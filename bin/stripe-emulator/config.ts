import * as z from 'zod';

const share = z.number().min(0).max(1);
const mode = z.enum(['test', 'live']);

export const faultRuleSchema = z
  .object({
    /** Shares of matching requests answered 429 (rate limit), 500 (api_error) or timed out; they add up to at most 1. */
    share429: share.default(0),
    share500: share.default(0),
    shareTimeout: share.default(0),
    /** Added before every matching request is handled, faulted or not. */
    latencyMs: z.number().int().min(0).default(0),
    /** `delay` holds the request `delayMs` and then drops it (the client's own timeout fires first); `drop` destroys the socket at once. */
    timeout: z
      .object({ mode: z.enum(['delay', 'drop']).default('delay'), delayMs: z.number().int().min(0).default(2_000) })
      .prefault({}),
    /** 500s and timeouts happen after the request took effect (and its idempotent result was saved), to test retries. */
    afterCommit: z.boolean().default(false),
    match: z
      .object({ pathPrefix: z.string().optional(), method: z.string().optional(), account: z.string().optional(), mode: mode.optional() })
      .default({}),
    /** Makes the sequence of decisions repeatable: same seed, same requests, same faults. */
    seed: z.number().int().optional(),
    /** Stop faulting after this many faults (latency still applies). */
    maxFaults: z.number().int().min(0).optional(),
  })
  .refine((rule) => rule.share429 + rule.share500 + rule.shareTimeout <= 1, { message: 'shares add up to more than 1' });

export type FaultRule = z.infer<typeof faultRuleSchema>;
export type FaultRuleInput = z.input<typeof faultRuleSchema>;

export const deliveryPolicySchema = z.object({
  /** First retry after this delay, then multiplied by `backoffFactor` up to `maxDelayMs`. */
  initialDelayMs: z.number().int().min(0),
  backoffFactor: z.number().min(1),
  maxDelayMs: z.number().int().min(0),
  /** Attempts per delivery, the first included; then the delivery is given up. */
  maxAttempts: z.number().int().min(1),
  /** An attempt that gets no response within this time counts as failed. */
  timeoutMs: z.number().int().min(1),
});

export type DeliveryPolicy = z.infer<typeof deliveryPolicySchema>;

export const rateLimitsSchema = z.object({ live: z.number().int().min(1), test: z.number().int().min(1) });
export type RateLimits = z.infer<typeof rateLimitsSchema>;

export interface EmulatorConfig {
  /** Requests per second per account and mode; `null` turns rate limiting off. */
  rateLimits: RateLimits | null;
  faults: FaultRule[];
  delivery: DeliveryPolicy;
}

export const configPatchSchema = z.object({
  rateLimits: rateLimitsSchema.nullable().optional(),
  faults: z.array(faultRuleSchema).optional(),
  delivery: deliveryPolicySchema.partial().optional(),
});

export type ConfigPatch = z.input<typeof configPatchSchema>;

/** Stripe's documented limits. */
export const STRIPE_RATE_LIMITS: RateLimits = { live: 100, test: 25 };

/** Fast enough for tests: 50 ms, 100 ms, 200 ms… five attempts in all. */
export const DEFAULT_DELIVERY_POLICY: DeliveryPolicy = {
  initialDelayMs: 50,
  backoffFactor: 2,
  maxDelayMs: 5_000,
  maxAttempts: 5,
  timeoutMs: 10_000,
};

export function applyConfigPatch(config: EmulatorConfig, patch: ConfigPatch): EmulatorConfig {
  const parsed = configPatchSchema.parse(patch);
  return {
    rateLimits: parsed.rateLimits === undefined ? config.rateLimits : parsed.rateLimits,
    faults: parsed.faults ?? config.faults,
    delivery: { ...config.delivery, ...stripUndefined(parsed.delivery ?? {}) },
  };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
