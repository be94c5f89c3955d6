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

/** Several webhook signing secrets of a mode are valid at once while Stripe rolls one. */
const webhookSecretList = z.preprocess(
  (value) => (typeof value === 'string' ? commaList(value) : (value ?? [])),
  z.array(z.string().startsWith('whsec_')),
);

/**
 * Webhook signing secrets per mode: a secret verifies only events of its own mode, so a test
 * endpoint's secret cannot sign a live event. One secret in both lists would undo that.
 */
const webhookSecrets = z
  .object({ live: webhookSecretList, test: webhookSecretList })
  .refine(({ live, test }) => live.length + test.length > 0, 'no secret')
  .refine(({ live, test }) => !live.some((secret) => test.includes(secret)), 'a secret of both modes');

/** The variable this replaced verified any event with any secret; set on its own, it is refused rather than guessed at. */
export const retiredWebhookVariableMessage =
  'STRIPE_WEBHOOK_SECRETS is no longer read: webhook signing secrets are bound to a mode. ' +
  'Put the live endpoint secrets in STRIPE_WEBHOOK_SECRETS_LIVE and the test ones in STRIPE_WEBHOOK_SECRETS_TEST (each comma-separated).';

interface Definition {
  schema: z.ZodType;
  fromEnv: (env: NodeJS.ProcessEnv) => unknown;
  /** Told in the error when the value is malformed, for a format that changed. */
  expected?: string;
}

/**
 * Each secret: its shape, and how to read it from the local environment (SPEC section 1 names the
 * variables). In Secrets Manager, per-mode secrets are JSON objects; the webhook secrets are
 * `{"live": [...], "test": [...]}`, so several can be valid at once during rotation.
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
    schema: webhookSecrets,
    expected:
      '{"live": ["whsec_…"], "test": ["whsec_…"]} (locally STRIPE_WEBHOOK_SECRETS_LIVE and STRIPE_WEBHOOK_SECRETS_TEST), at least one secret, none in both modes',
    fromEnv: (env: NodeJS.ProcessEnv) => {
      if (env.STRIPE_WEBHOOK_SECRETS !== undefined && env.STRIPE_WEBHOOK_SECRETS_LIVE === undefined && env.STRIPE_WEBHOOK_SECRETS_TEST === undefined)
        throw new Error(retiredWebhookVariableMessage);
      return { live: commaList(env.STRIPE_WEBHOOK_SECRETS_LIVE), test: commaList(env.STRIPE_WEBHOOK_SECRETS_TEST) };
    },
  },
  stripeAppSigningSecret: {
    // The stack's placeholder must read as "not configured", not as a wrong signature.
    schema: z.string().startsWith('absec_'),
    fromEnv: (env: NodeJS.ProcessEnv) => env.STRIPE_APP_SIGNING_SECRET,
  },
} satisfies Record<SecretName, Definition>;

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
  const definition: Definition = definitions[name];
  const parsed = definition.schema.safeParse(raw);
  if (!parsed.success) throw new Error(`Secret ${name} is missing or malformed${definition.expected ? ` (expected ${definition.expected})` : ''}`);
  return parsed.data as SecretValue<N>;
};

export const getSecret = async <N extends SecretName>(name: N): Promise<SecretValue<N>> => {
  if (config().TALLY_RUNTIME === 'local') return parseSecret(name, localSecret(name, process.env));
  const arn = process.env[secretArnEnv(name)];
  if (!arn) throw new Error(`Secret ${name} is not granted to this function`);
  const stored = await getAwsSecret(arn, { maxAge: maxAgeSeconds });
  return parseSecret(name, typeof stored === 'string' ? parseStored(stored) : stored);
};
