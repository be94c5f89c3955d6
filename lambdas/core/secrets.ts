import { getSecret as getAwsSecret } from '@aws-lambda-powertools/parameters/secrets';
import * as z from 'zod';
import { config } from './config';
import { type SecretName, secretArnEnv } from './secret-names';

const perMode = z.object({ live: z.string().min(1).optional(), test: z.string().min(1).optional() });

const commaList = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);

/**
 * Each secret: its shape, and how to read it from the local environment (SPEC section 1 names the
 * variables). In Secrets Manager, per-mode secrets are JSON objects and the webhook secrets a JSON
 * array or a comma-separated string, so several can be valid at once during rotation.
 */
const definitions = {
  operatorKey: {
    schema: z.string().min(16),
    fromEnv: (env: NodeJS.ProcessEnv) => env.TALLY_OPERATOR_KEY,
  },
  oauthStateKey: {
    schema: z.string().min(16),
    fromEnv: (env: NodeJS.ProcessEnv) => env.TALLY_OAUTH_STATE_KEY,
  },
  stripeSecretKeys: {
    schema: perMode,
    fromEnv: (env: NodeJS.ProcessEnv) => ({ live: env.STRIPE_SECRET_KEY_LIVE, test: env.STRIPE_SECRET_KEY_TEST }),
  },
  stripeConnectClientIds: {
    schema: perMode,
    fromEnv: (env: NodeJS.ProcessEnv) => ({
      live: env.STRIPE_CONNECT_CLIENT_ID_LIVE,
      test: env.STRIPE_CONNECT_CLIENT_ID_TEST,
    }),
  },
  stripeWebhookSecrets: {
    schema: z.preprocess(
      (value) => (typeof value === 'string' && !value.trim().startsWith('[') ? commaList(value) : value),
      z.array(z.string().startsWith('whsec_')).min(1),
    ),
    fromEnv: (env: NodeJS.ProcessEnv) => commaList(env.STRIPE_WEBHOOK_SECRETS),
  },
  stripeAppSigningSecret: {
    // The stack's placeholder must read as "not configured", not as a wrong signature.
    schema: z.string().startsWith('absec_'),
    fromEnv: (env: NodeJS.ProcessEnv) => env.STRIPE_APP_SIGNING_SECRET,
  },
} satisfies Record<SecretName, { schema: z.ZodType; fromEnv: (env: NodeJS.ProcessEnv) => unknown }>;

export type SecretValue<N extends SecretName> = z.infer<(typeof definitions)[N]['schema']>;

/** Secrets Manager values are cached for five minutes, so a rotation lands without a deploy. */
const maxAgeSeconds = 300;

/** Objects and lists are stored as JSON; plain keys as they are (a key may look like a number). */
const parseStored = (raw: string): unknown => {
  const trimmed = raw.trim();
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return raw;
  try {
    return JSON.parse(trimmed);
  } catch {
    return raw;
  }
};

/** A secret's value from the local environment (SPEC section 1), before validation. */
export const localSecret = (name: SecretName, env: NodeJS.ProcessEnv): unknown => definitions[name].fromEnv(env);

/** Validates a secret's value; the error names the secret, never its value. */
export const parseSecret = <N extends SecretName>(name: N, raw: unknown): SecretValue<N> => {
  const parsed = definitions[name].schema.safeParse(raw);
  if (!parsed.success) throw new Error(`Secret ${name} is missing or malformed`);
  return parsed.data as SecretValue<N>;
};

export const getSecret = async <N extends SecretName>(name: N): Promise<SecretValue<N>> => {
  if (config().TALLY_RUNTIME === 'local') return parseSecret(name, localSecret(name, process.env));
  const arn = process.env[secretArnEnv(name)];
  if (!arn) throw new Error(`Secret ${name} is not granted to this function`);
  const stored = await getAwsSecret(arn, { maxAge: maxAgeSeconds });
  return parseSecret(name, typeof stored === 'string' ? parseStored(stored) : stored);
};
