/**
 * The secrets Tally needs, named once. CDK creates one Secrets Manager secret per name and passes
 * its ARN to the functions that declare it; the local runner passes the values as environment
 * variables (SPEC section 1). Kept free of runtime imports so the CDK app can read it.
 */
export const secretNames = [
  'operatorKey',
  'oauthStateKey',
  'stripeSecretKeys',
  'stripeConnectClientIds',
  'stripeWebhookSecrets',
  'stripeAppSigningSecret',
] as const;

export type SecretName = (typeof secretNames)[number];

/** Environment variable that carries a secret's ARN in AWS, e.g. TALLY_SECRET_ARN_OPERATOR_KEY. */
export const secretArnEnv = (name: SecretName): string =>
  `TALLY_SECRET_ARN_${name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
