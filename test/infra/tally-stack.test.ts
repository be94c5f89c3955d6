import { Match } from 'aws-cdk-lib/assertions';
import {
  httpRoutes,
  queueConsumers,
  queues,
  routeKey,
  scheduledFunctions,
  visibilityTimeoutSeconds,
} from '../../lambdas/functions';
import { type SecretName, secretArnEnv, secretNames } from '../../lambdas/core/secret-names';
import { tableDesign } from '../../lambdas/store/table';
import { actionsOf, resourcesOf, statementsOf, synth } from './synth';

// Each synth takes a second or more; jest's 5 s default is too tight on a busy machine.
jest.setTimeout(60_000);

/** The whole stack: with both modes' Stripe EventBridge intake (stripe-eventbridge.test.ts covers it without). */
const { stack, template, functionId, logicalId } = synth(undefined, {
  'tally:stripeEventSourceLive': 'aws.partner/stripe.com/ed_1',
  'tally:stripeEventSourceTest': 'aws.partner/stripe.com/ed_test_1',
});
/** The template as plain JSON: tests below read properties the typed matchers cannot reach. */
type Json = ReturnType<typeof template.toJSON>;
const resources: Json = template.toJSON().Resources;
const ofType = (type: string): [string, Json][] =>
  Object.entries(resources as Record<string, Json>).filter(([, resource]) => resource.Type === type);
const tableId = ofType('AWS::DynamoDB::Table')[0]![0];
const secretIds = Object.fromEntries(
  secretNames.map((name) => [name, logicalId(stack.node.findChild(`Secret-${name}`))]),
) as Record<SecretName, string>;
const writeActions = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];

describe('the table', () => {
  it('follows lambdas/store/table.ts: string keys, both GSIs with every attribute projected', () => {
    const key = (hash: string, range: string) => [
      { AttributeName: hash, KeyType: 'HASH' },
      { AttributeName: range, KeyType: 'RANGE' },
    ];
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: key(tableDesign.partitionKey, tableDesign.sortKey),
      GlobalSecondaryIndexes: tableDesign.indexes.map((index) => ({
        IndexName: index.name,
        KeySchema: key(index.partitionKey, index.sortKey),
        Projection: { ProjectionType: 'ALL' },
      })),
      BillingMode: 'PAY_PER_REQUEST',
    });
    const attributes = resources[tableId].Properties.AttributeDefinitions as { AttributeType: string }[];
    expect(attributes).toHaveLength(2 + 2 * tableDesign.indexes.length);
    expect(attributes.every((attribute) => attribute.AttributeType === 'S')).toBe(true);
  });

  it('keeps the ledger safe: PITR, deletion protection, encryption, retained on stack deletion', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
        SSESpecification: { SSEEnabled: true },
      }),
    });
  });

  it('lets DynamoDB expire items by their expiresAt attribute', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TimeToLiveSpecification: { AttributeName: tableDesign.ttlAttribute, Enabled: true },
    });
  });
});

describe('the queues', () => {
  it.each(Object.entries(queues))(
    'gives %s a dead-letter queue after maxReceiveCount deliveries and a visibility timeout of six consumer timeouts',
    (name, queue) => {
      template.hasResourceProperties('AWS::SQS::Queue', {
        VisibilityTimeout: visibilityTimeoutSeconds(name as keyof typeof queues),
        SqsManagedSseEnabled: true,
        RedrivePolicy: { deadLetterTargetArn: Match.anyValue(), maxReceiveCount: queue.maxReceiveCount },
      });
    },
  );

  it('keeps dead letters for 14 days, encrypted', () => {
    const deadLetterIds = ofType('AWS::SQS::Queue')
      .map(([, queue]) => queue.Properties.RedrivePolicy?.deadLetterTargetArn?.['Fn::GetAtt']?.[0] as string | undefined)
      .filter((id): id is string => id !== undefined);
    expect(deadLetterIds).toHaveLength(Object.keys(queues).length);
    for (const id of deadLetterIds) {
      expect(resources[id].Properties).toMatchObject({ MessageRetentionPeriod: 14 * 24 * 3600, SqsManagedSseEnabled: true });
    }
  });

  it('refuses every request to every queue that is not made over TLS', () => {
    const queueIds = ofType('AWS::SQS::Queue').map(([id]) => id);
    for (const id of queueIds) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });
});

describe('the HTTP API', () => {
  it.each(httpRoutes.map((route) => [routeKey(route), route.handler]))(
    'routes %s to the %s function through a Lambda proxy integration (payload 2.0)',
    (key, handler) => {
      const route = ofType('AWS::ApiGatewayV2::Route').find(([, r]) => r.Properties.RouteKey === key);
      expect(route).toBeDefined();
      const integrationId = (route![1].Properties.Target['Fn::Join'][1] as unknown[])[1] as { Ref: string };
      expect(resources[integrationId.Ref].Properties).toMatchObject({
        IntegrationType: 'AWS_PROXY',
        PayloadFormatVersion: '2.0',
        IntegrationUri: { 'Fn::GetAtt': [functionId('http', handler), 'Arn'] },
      });
    },
  );

  it('has exactly the catalogue routes, no catch-all', () => {
    expect(ofType('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties.RouteKey).sort()).toEqual(
      httpRoutes.map(routeKey).sort(),
    );
  });

  it('serves the default stage with throttling and JSON access logs kept for a limited time', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: Match.anyValue(), ThrottlingBurstLimit: Match.anyValue() },
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('"\\$context.requestId"') },
    });
    const stage = ofType('AWS::ApiGatewayV2::Stage')[0]![1];
    const logGroupId = stage.Properties.AccessLogSettings.DestinationArn['Fn::GetAtt'][0] as string;
    expect(resources[logGroupId].Properties.RetentionInDays).toBeGreaterThan(0);
  });
});

describe('every function', () => {
  const functionIds = ofType('AWS::Lambda::Function').map(([id]) => id);

  it('exists once per catalogue entry', () => {
    // A handler serving several routes (the console's pages) is one function.
    expect(functionIds).toHaveLength(new Set(httpRoutes.map((route) => route.handler)).size + queueConsumers.length + scheduledFunctions.length);
  });

  it('runs on the newest Node.js runtime, on ARM, traced, logging JSON to its own log group with retention', () => {
    for (const id of functionIds) {
      const { Properties } = resources[id];
      expect(Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: expect.any(String) } },
        Environment: {
          Variables: expect.objectContaining({
            TALLY_RUNTIME: 'aws',
            NODE_OPTIONS: '--enable-source-maps',
            POWERTOOLS_SERVICE_NAME: 'tally',
            TALLY_PUBLIC_URL: expect.anything(),
          }),
        },
      });
      const logGroup = resources[Properties.LoggingConfig.LogGroup.Ref];
      expect(logGroup.Type).toBe('AWS::Logs::LogGroup');
      expect(logGroup.Properties.RetentionInDays).toBeGreaterThan(0);
    }
  });

  it('answers HTTP within API Gateway’s 30 s integration limit', () => {
    for (const { handler } of httpRoutes) expect(resources[functionId('http', handler)].Properties.Timeout).toBeLessThan(30);
  });

  it('uses "*" only for the X-Ray actions, which have no resource-level permissions', () => {
    for (const id of functionIds) {
      const wildcard = statementsOf(template, id).filter((statement) => statement.Resource === '*');
      expect(wildcard.flatMap(actionsOf).sort()).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
    }
  });

  it('does without AWS managed policies', () => {
    for (const [, role] of ofType('AWS::IAM::Role')) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  });
});

describe('access from the catalogue', () => {
  // Statements with the same actions are merged (@aws-cdk/aws-iam:minimizePolicies), so read every resource.
  const grantedSecrets = (id: string) =>
    statementsOf(template, id)
      .filter((statement) => actionsOf(statement).includes('secretsmanager:GetSecretValue'))
      .flatMap(resourcesOf)
      .map((resource) => secretNames.find((name) => (resource as { Ref?: string }).Ref === secretIds[name]) ?? resource)
      .sort();
  const secretEnv = (id: string) =>
    Object.keys(resources[id].Properties.Environment.Variables)
      .filter((key) => key.startsWith('TALLY_SECRET_ARN_'))
      .sort();

  it('lets create-merchant read the operator key, and get-merchant no secret at all', () => {
    expect(grantedSecrets(functionId('http', 'create-merchant'))).toEqual(['operatorKey']);
    expect(resources[functionId('http', 'create-merchant')].Properties.Environment.Variables).toMatchObject({
      TALLY_SECRET_ARN_OPERATOR_KEY: { Ref: secretIds.operatorKey },
    });
    expect(grantedSecrets(functionId('http', 'get-merchant'))).toEqual([]);
    expect(secretEnv(functionId('http', 'get-merchant'))).toEqual([]);
  });

  it.each(httpRoutes.map((route) => [route.handler, route.access]))(
    '%s gets exactly the secrets, table access and settings it declares',
    (handler, access) => {
      const id = functionId('http', handler);
      const declared = [...(access.secrets ?? [])].sort();
      expect(grantedSecrets(id)).toEqual(declared);
      expect(secretEnv(id)).toEqual(declared.map(secretArnEnv).sort());

      const env = resources[id].Properties.Environment.Variables;
      const tableActions = statementsOf(template, id)
        .filter((statement) => JSON.stringify(statement.Resource).includes(tableId))
        .flatMap(actionsOf);
      expect(env.TALLY_TABLE_NAME).toEqual(access.table ? { Ref: tableId } : undefined);
      expect(tableActions.includes('dynamodb:Query')).toBe(access.table !== undefined);
      expect(writeActions.some((action) => tableActions.includes(action))).toBe(access.table === 'readWrite');
      expect(env.TALLY_RESYNC_QUEUE_URL !== undefined).toBe(access.resyncQueue === 'send');
    },
  );
});

describe('the secrets', () => {
  it('exist once per name in secret-names.ts', () => {
    expect(ofType('AWS::SecretsManager::Secret')).toHaveLength(secretNames.length);
  });

  it('generate long keys without punctuation for the operator key and the OAuth state key', () => {
    for (const name of ['operatorKey', 'oauthStateKey'] as const) {
      expect(resources[secretIds[name]]!.Properties.GenerateSecretString).toMatchObject({
        ExcludePunctuation: true,
        PasswordLength: expect.any(Number),
      });
      expect(resources[secretIds[name]]!.Properties.GenerateSecretString.PasswordLength).toBeGreaterThanOrEqual(32);
    }
  });

  it('start the Stripe secrets empty but valid, for the operator to fill in', () => {
    expect(resources[secretIds.stripeSecretKeys].Properties.SecretString).toBe('{}');
    expect(resources[secretIds.stripeConnectClientIds].Properties.SecretString).toBe('{}');
    expect(JSON.parse(resources[secretIds.stripeWebhookSecrets].Properties.SecretString)).toEqual({ live: [], test: [] });
    expect(resources[secretIds.stripeAppSigningSecret].Properties.SecretString).toMatch(/REPLACE_ME/);
  });
});

describe('the alarms', () => {
  const alarms = ofType('AWS::CloudWatch::Alarm').map(([, alarm]) => alarm.Properties);
  const topicId = ofType('AWS::SNS::Topic')[0]![0];

  it('fire on the first 5xx of the HTTP API', () => {
    const apiId = ofType('AWS::ApiGatewayV2::Api')[0]![0];
    expect(alarms).toContainEqual(
      expect.objectContaining({
        Namespace: 'AWS/ApiGateway',
        MetricName: '5xx',
        Dimensions: [{ Name: 'ApiId', Value: { Ref: apiId } }],
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
      }),
    );
  });

  it.each(Object.keys(queues))('fire when the dead-letter queue of %s holds a message', (name) => {
    const prefix = `${name.charAt(0).toUpperCase()}${name.slice(1)}DeadLetters`;
    const deadLetterId = ofType('AWS::SQS::Queue').find(([id]) => id.startsWith(prefix))![0];
    expect(alarms).toContainEqual(
      expect.objectContaining({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [deadLetterId, 'QueueName'] } }],
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
      }),
    );
  });

  it.each(httpRoutes.map((route) => route.handler))('fire when the %s function fails', (handler) => {
    expect(alarms).toContainEqual(
      expect.objectContaining({
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: functionId('http', handler) } }],
      }),
    );
  });

  it('all notify the SNS topic, on alarm and on recovery', () => {
    for (const alarm of alarms) {
      expect(alarm.AlarmActions).toEqual([{ Ref: topicId }]);
      expect(alarm.OKActions).toEqual([{ Ref: topicId }]);
    }
  });

  it('go to a topic that refuses plain HTTP and lets CloudWatch publish', () => {
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: 'sns:Publish' }),
        ]),
      },
    });
  });

  it('send e-mail only when tally:alarmEmail is set', () => {
    template.resourceCountIs('AWS::SNS::Subscription', 0);
    synth(undefined, { 'tally:alarmEmail': 'oncall@example.com' }).template.hasResourceProperties(
      'AWS::SNS::Subscription',
      { Protocol: 'email', Endpoint: 'oncall@example.com' },
    );
  });
});

describe('settings', () => {
  it('tell functions the API endpoint as public URL, or the tally:publicUrl override without trailing slash', () => {
    const apiId = ofType('AWS::ApiGatewayV2::Api')[0]![0];
    const publicUrl = (variables: Record<string, unknown>) => variables.TALLY_PUBLIC_URL;
    expect(publicUrl(resources[functionId('http', 'health')].Properties.Environment.Variables)).toEqual({
      'Fn::GetAtt': [apiId, 'ApiEndpoint'],
    });

    const overridden = synth(undefined, { 'tally:publicUrl': 'https://tally.example.com/' });
    overridden.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ TALLY_PUBLIC_URL: 'https://tally.example.com' }) },
    });
  });

  it('rejects a tally:publicUrl that is not a URL', () => {
    expect(() => synth(undefined, { 'tally:publicUrl': 'tally.example.com' })).toThrow(/tally:publicUrl is not a URL/);
  });

  it('name the stack Tally unless tally:stackName says otherwise', () => {
    expect(stack.stackName).toBe('Tally');
    expect(synth(undefined, { 'tally:stackName': 'TallyStaging' }).stack.stackName).toBe('TallyStaging');
  });

  it('output what the operator needs after deploy', () => {
    const outputs = Object.keys(template.toJSON().Outputs);
    expect(outputs).toEqual(
      expect.arrayContaining(['ApiUrl', 'TableName', 'AlarmTopicArn', 'ResyncQueueUrl', 'ResyncDeadLetterQueueUrl']),
    );
    expect(outputs.filter((output) => output.startsWith('Secret'))).toHaveLength(secretNames.length);
  });
});
