import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { secretArnEnv } from '../../../lambdas/core/secret-names';
import { getSecret, localSecret, parseSecret } from '../../../lambdas/core/secrets';

// Configuration is read once per process, as at a Lambda cold start: this file runs "in AWS".
Object.assign(process.env, {
  TALLY_RUNTIME: 'aws',
  TALLY_TABLE_NAME: 'tally-test',
  AWS_REGION: 'eu-west-1',
  [secretArnEnv('stripeConnectClientIds')]: 'arn:aws:secretsmanager:eu-west-1:1:secret:ids',
  [secretArnEnv('stripeWebhookSecrets')]: 'arn:aws:secretsmanager:eu-west-1:1:secret:webhooks',
  [secretArnEnv('operatorKey')]: 'arn:aws:secretsmanager:eu-west-1:1:secret:operator',
});

describe('local secrets', () => {
  it('reads the environment table of the spec', () => {
    const env = { STRIPE_WEBHOOK_SECRETS: 'whsec_a, whsec_b,', STRIPE_SECRET_KEY_TEST: 'sk_test_1' };
    expect(parseSecret('stripeWebhookSecrets', localSecret('stripeWebhookSecrets', env))).toEqual(['whsec_a', 'whsec_b']);
    expect(parseSecret('stripeSecretKeys', localSecret('stripeSecretKeys', env))).toEqual({ test: 'sk_test_1' });
  });

  it('refuses a malformed secret without echoing it', () => {
    expect(() => parseSecret('operatorKey', 'short')).toThrow(/^Secret operatorKey is missing or malformed$/);
  });
});

describe('secrets in AWS', () => {
  const secretsManager = mockClient(SecretsManagerClient);
  afterEach(() => secretsManager.reset());

  it('reads a secret by the ARN the stack granted, parsing a JSON object', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: '{"live":"ca_live","test":"ca_test"}' });
    expect(await getSecret('stripeConnectClientIds')).toEqual({ live: 'ca_live', test: 'ca_test' });
    expect(secretsManager).toHaveReceivedCommandWith(GetSecretValueCommand, { SecretId: 'arn:aws:secretsmanager:eu-west-1:1:secret:ids' });
  });

  it('accepts webhook secrets stored as a comma-separated string', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: 'whsec_live,whsec_test' });
    expect(await getSecret('stripeWebhookSecrets')).toEqual(['whsec_live', 'whsec_test']);
  });

  it('refuses a secret the function was not granted', async () => {
    await expect(getSecret('stripeAppSigningSecret')).rejects.toThrow('Secret stripeAppSigningSecret is not granted to this function');
    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 0);
  });
});
