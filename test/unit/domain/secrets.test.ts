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
  [secretArnEnv('operatorKey')]: 'arn:aws:secretsmanager:eu-west-1:1:secret:operator',
});

describe('local secrets', () => {
  it('reads the environment table of the spec', () => {
    const env = { STRIPE_WEBHOOK_SECRETS_TEST: 'whsec_a, whsec_b,', STRIPE_WEBHOOK_SECRETS_LIVE: 'whsec_live', STRIPE_SECRET_KEY_TEST: 'sk_test_1' };
    expect(parseSecret('stripeWebhookSecrets', localSecret('stripeWebhookSecrets', env))).toEqual({ live: ['whsec_live'], test: ['whsec_a', 'whsec_b'] });
    expect(parseSecret('stripeSecretKeys', localSecret('stripeSecretKeys', env))).toEqual({ test: 'sk_test_1' });
  });

  it('takes webhook secrets of one mode only', () => {
    const env = { STRIPE_WEBHOOK_SECRETS_TEST: 'whsec_a' };
    expect(parseSecret('stripeWebhookSecrets', localSecret('stripeWebhookSecrets', env))).toEqual({ live: [], test: ['whsec_a'] });
  });

  it('refuses the retired STRIPE_WEBHOOK_SECRETS on its own, naming the variables that replace it', () => {
    expect(() => localSecret('stripeWebhookSecrets', { STRIPE_WEBHOOK_SECRETS: 'whsec_a,whsec_b' })).toThrow(
      /STRIPE_WEBHOOK_SECRETS_LIVE.*STRIPE_WEBHOOK_SECRETS_TEST/,
    );
  });

  it('ignores the retired variable once the per-mode ones are set', () => {
    const env = { STRIPE_WEBHOOK_SECRETS: 'whsec_old', STRIPE_WEBHOOK_SECRETS_LIVE: 'whsec_live' };
    expect(parseSecret('stripeWebhookSecrets', localSecret('stripeWebhookSecrets', env))).toEqual({ live: ['whsec_live'], test: [] });
  });

  it.each([
    ['no secret at all', {}],
    ['a secret in both modes', { STRIPE_WEBHOOK_SECRETS_LIVE: 'whsec_same', STRIPE_WEBHOOK_SECRETS_TEST: 'whsec_same,whsec_other' }],
    ['something that is not a signing secret', { STRIPE_WEBHOOK_SECRETS_TEST: 'sk_test_1' }],
  ])('refuses webhook secrets with %s, without echoing them', (_case, env) => {
    const refusal = () => parseSecret('stripeWebhookSecrets', localSecret('stripeWebhookSecrets', env));
    expect(refusal).toThrow(/^Secret stripeWebhookSecrets is missing or malformed \(expected \{"live"/);
    expect(refusal).not.toThrow(/whsec_same|sk_test_1/);
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

  describe('webhook secrets', () => {
    /** Values are cached per ARN for five minutes: each test stores its value under an ARN of its own. */
    let stored = 0;
    const storedAs = (SecretString: string) => {
      const arn = `arn:aws:secretsmanager:eu-west-1:1:secret:webhooks-${++stored}`;
      process.env[secretArnEnv('stripeWebhookSecrets')] = arn;
      secretsManager.on(GetSecretValueCommand, { SecretId: arn }).resolves({ SecretString });
      return arn;
    };

    it('reads them per mode, several during a rotation', async () => {
      const arn = storedAs('{"live":["whsec_live_new","whsec_live_old"],"test":["whsec_test"]}');
      expect(await getSecret('stripeWebhookSecrets')).toEqual({ live: ['whsec_live_new', 'whsec_live_old'], test: ['whsec_test'] });
      expect(secretsManager).toHaveReceivedCommandWith(GetSecretValueCommand, { SecretId: arn });
    });

    it("accepts a mode's secrets as a comma-separated string, and a mode left out", async () => {
      storedAs('{"live":"whsec_live_new, whsec_live_old"}');
      expect(await getSecret('stripeWebhookSecrets')).toEqual({ live: ['whsec_live_new', 'whsec_live_old'], test: [] });
    });

    it.each([
      ['the old flat list, which binds no secret to a mode', '["whsec_live","whsec_test"]'],
      ['the old comma-separated string', 'whsec_live,whsec_test'],
      ["the stack's empty placeholder", '{"live":[],"test":[]}'],
      ['one secret in both modes', '{"live":["whsec_same"],"test":["whsec_same"]}'],
    ])('refuses them stored as %s, saying the format', async (_case, SecretString) => {
      storedAs(SecretString);
      await expect(getSecret('stripeWebhookSecrets')).rejects.toThrow('Secret stripeWebhookSecrets is missing or malformed (expected {"live": ["whsec_…"], "test": ["whsec_…"]}');
    });
  });


  it('refuses a secret the function was not granted', async () => {
    await expect(getSecret('stripeAppSigningSecret')).rejects.toThrow('Secret stripeAppSigningSecret is not granted to this function');
    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 0);
  });
});
