import { Match } from 'aws-cdk-lib/assertions';
import { httpRoutes, type QueueConsumer, queues, type ScheduledFunction } from '../../lambdas/functions';
import { defaultCatalogue } from '../../lib/tally-stack';
import { actionsOf, statementsOf, synth } from './synth';

// Each synth takes a second or more; jest's 5 s default is too tight on a busy machine.
jest.setTimeout(60_000);

/**
 * These tests deploy fake entries, so the wiring is checked apart from the real ones (coupon-sync.test.ts
 * checks those). Entries are resolved under lambdas/handlers/<kind>/, hence the `../http/` detour to
 * reuse an existing handler.
 */
const consumer: QueueConsumer = {
  handler: '../http/health',
  queue: 'resync',
  batchSize: 7,
  maxConcurrency: 3,
  timeoutSeconds: queues.resync.consumerTimeoutSeconds,
  access: { table: 'readWrite', secrets: ['stripeSecretKeys'] },
};
const scheduled: ScheduledFunction = {
  handler: '../http/health',
  rateMinutes: 60,
  timeoutSeconds: 30,
  access: { table: 'read', resyncQueue: 'send' },
};
const catalogue = { ...defaultCatalogue, queueConsumers: [consumer], scheduledFunctions: [scheduled] };
const { template, functionId } = synth(catalogue);
const resources = template.toJSON().Resources;
const queueId = (prefix: string) => Object.keys(resources).find((id) => id.startsWith(prefix))!;

describe('a queue consumer in the catalogue', () => {
  it('gets a function fed by its queue, reporting partial batch failures, with bounded concurrency', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: functionId('queue', consumer.handler) },
      EventSourceArn: { 'Fn::GetAtt': [queueId('ResyncQueue'), 'Arn'] },
      BatchSize: consumer.batchSize,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: consumer.maxConcurrency },
    });
  });

  it('runs with the timeout the catalogue gives it and the access it declares', () => {
    const id = functionId('queue', consumer.handler);
    expect(resources[id].Properties.Timeout).toBe(consumer.timeoutSeconds);
    expect(Object.keys(resources[id].Properties.Environment.Variables)).toEqual(
      expect.arrayContaining(['TALLY_TABLE_NAME', 'TALLY_SECRET_ARN_STRIPE_SECRET_KEYS']),
    );
    const actions = statementsOf(template, id).flatMap(actionsOf);
    expect(actions).toEqual(expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'dynamodb:PutItem']));
  });

  it('is refused when it may run longer than its queue is sized for', () => {
    const slow = { ...consumer, timeoutSeconds: queues.resync.consumerTimeoutSeconds + 1 };
    expect(() => synth({ ...catalogue, queueConsumers: [slow] })).toThrow(/queue resync is sized for 60s consumers/);
  });
});

describe('a scheduled function in the catalogue', () => {
  it('gets an EventBridge rule at its rate, targeting it with retries and a dead-letter queue', () => {
    const deadLetters = queueId('ScheduleDeadLetters');
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 hour)',
      State: 'ENABLED',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [functionId('schedule', scheduled.handler), 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: scheduled.rateMinutes * 60 },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [deadLetters, 'Arn'] } },
        }),
      ],
    });
  });

  it('may send to the resync queue when it declares so, and learns the queue URL', () => {
    const id = functionId('schedule', scheduled.handler);
    expect(resources[id].Properties.Environment.Variables.TALLY_RESYNC_QUEUE_URL).toEqual({ Ref: queueId('ResyncQueue') });
    const send = statementsOf(template, id).find((statement) => actionsOf(statement).includes('sqs:SendMessage'));
    expect(send?.Resource).toEqual({ 'Fn::GetAtt': [queueId('ResyncQueue'), 'Arn'] });
  });

  it('has undeliverable ticks kept and alarmed on', () => {
    const deadLetters = queueId('ScheduleDeadLetters');
    expect(resources[deadLetters].Properties.MessageRetentionPeriod).toBe(14 * 24 * 3600);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [deadLetters, 'QueueName'] } }],
    });
  });
});

describe('every function of the catalogue', () => {
  it('has an error alarm, whatever its kind', () => {
    const ids = [
      ...httpRoutes.map((route) => functionId('http', route.handler)),
      functionId('queue', consumer.handler),
      functionId('schedule', scheduled.handler),
    ];
    for (const id of ids) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: id } }],
      });
    }
  });
});
