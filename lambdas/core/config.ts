import * as z from 'zod';

/**
 * Plain (non-secret) configuration, read from the environment and validated once per cold start.
 * In AWS the stack sets these; locally bin/local.ts does. Secrets live in core/secrets.ts.
 */
const envSchema = z.object({
  TALLY_RUNTIME: z.enum(['aws', 'local']).default('aws'),
  TALLY_TABLE_NAME: z.string().min(1).optional(),
  TALLY_PUBLIC_URL: z.url().optional(),
  TALLY_RESYNC_QUEUE_URL: z.url().optional(),
  TALLY_LEDGER_QUEUE_URL: z.url().optional(),
  TALLY_HISTORY_QUEUE_URL: z.url().optional(),
  /** The partner event sources (= bus names) of Stripe's EventBridge destinations, one per mode. */
  TALLY_STRIPE_EVENT_SOURCE_LIVE: z.string().min(1).optional(),
  TALLY_STRIPE_EVENT_SOURCE_TEST: z.string().min(1).optional(),
  /** The address Tally's mail comes from (SES identity in AWS, from context `tally:mailFrom`); unset, no mail is sent. */
  TALLY_MAIL_FROM: z.email().optional(),
  /** Local only: DynamoDB Local and the SQS server. */
  TALLY_DYNAMODB_ENDPOINT: z.url().optional(),
  TALLY_SQS_ENDPOINT: z.url().optional(),
  /** Where the Stripe SDK sends every call (the emulator locally); Stripe itself when unset. */
  STRIPE_API_BASE: z.url().optional(),
});

export type Config = z.infer<typeof envSchema>;

let cached: Config | undefined;

export const config = (): Config => {
  if (!cached) {
    const parsed = envSchema.safeParse(process.env);
    if (!parsed.success) {
      const fields = parsed.error.issues.map((issue) => issue.path.join('.')).join(', ');
      throw new Error(`Invalid configuration: ${fields}`);
    }
    cached = parsed.data;
  }
  return cached;
};

/** A setting some functions need and others do not: missing it is a deployment bug, said plainly. */
export const requireSetting = <K extends keyof Config>(key: K): NonNullable<Config[K]> => {
  const value = config()[key];
  if (value === undefined || value === null) throw new Error(`${String(key)} is not configured for this function`);
  return value as NonNullable<Config[K]>;
};
