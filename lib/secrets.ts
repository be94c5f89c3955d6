import { SecretValue, Validations } from 'aws-cdk-lib';
import { Secret, type SecretProps } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { type SecretName, secretNames } from '../lambdas/core/secret-names';

interface SecretSpec {
  /** Shown in the console next to the value, so whoever fills it in knows the format. */
  description: string;
  /** `generate` for keys Tally owns; otherwise the empty-but-valid value the operator replaces. */
  initial: 'generate' | string;
  /** Why the secret has no automatic rotation (cdk-nag AwsSolutions-SMG4). */
  noRotation: string;
}

const issuedByStripe =
  'Issued by Stripe: it is rolled in the Stripe dashboard and the new value stored here by the operator; ' +
  'Secrets Manager has no way to create it.';

/** `satisfies` makes a new name in secret-names.ts fail to compile until it is described here. */
const specs = {
  operatorKey: {
    description: 'Bearer key of the Tally operator (creates merchants). Generated at deploy.',
    initial: 'generate',
    noRotation:
      'Held by the operator and their scripts; a scheduled rotation would lock them out without notice. ' +
      'The operator rotates it with put-secret-value and functions pick it up within the five-minute cache.',
  },
  oauthStateKey: {
    description: 'HMAC key that signs the Stripe Connect OAuth state parameter. Generated at deploy.',
    initial: 'generate',
    noRotation:
      'Only protects OAuth flows in flight for a few minutes; rotating it by hand (put-secret-value) at most ' +
      'fails those, so a rotation Lambda would add moving parts for no security gain.',
  },
  stripeSecretKeys: {
    description: 'Stripe platform secret keys as JSON: {"live":"sk_live_...","test":"sk_test_..."}.',
    initial: '{}',
    noRotation: issuedByStripe,
  },
  stripeConnectClientIds: {
    description: 'Stripe Connect client IDs as JSON: {"live":"ca_...","test":"ca_..."}.',
    initial: '{}',
    noRotation: 'Connect client IDs are public identifiers issued by Stripe, not credentials that can be rotated.',
  },
  stripeWebhookSecrets: {
    description:
      'Webhook signing secrets per mode as JSON: {"live":["whsec_..."],"test":["whsec_..."]}. ' +
      "A secret verifies only events of its own mode. Keep old and new in a mode's list during a roll.",
    initial: '{"live":[],"test":[]}',
    noRotation: `${issuedByStripe} Each mode's list holds the old and new secret while Stripe rolls it.`,
  },
  stripeAppSigningSecret: {
    description: 'Signing secret of the Tally Stripe App (absec_...), from the app settings in Stripe.',
    initial: 'REPLACE_ME-stripe-app-signing-secret-absec',
    noRotation: issuedByStripe,
  },
} satisfies Record<SecretName, SecretSpec>;

const value = (initial: string): Pick<SecretProps, 'generateSecretString' | 'secretStringValue'> =>
  initial === 'generate'
    ? { generateSecretString: { passwordLength: 48, excludePunctuation: true, includeSpace: false } }
    : // A placeholder, not a secret: the operator overwrites it after the first deploy.
      { secretStringValue: SecretValue.unsafePlainText(initial) };

/** One Secrets Manager secret per name in lambdas/core/secret-names.ts. */
export const createSecrets = (scope: Construct): Record<SecretName, Secret> =>
  Object.fromEntries(
    secretNames.map((name) => {
      const spec: SecretSpec = specs[name];
      const secret = new Secret(scope, `Secret-${name}`, { description: spec.description, ...value(spec.initial) });
      Validations.of(secret).acknowledge({ id: 'AwsSolutions-SMG4', reason: spec.noRotation });
      return [name, secret];
    }),
  ) as Record<SecretName, Secret>;
