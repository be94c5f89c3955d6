import { Match } from 'aws-cdk-lib/assertions';
import { queueConsumers, queues, visibilityTimeoutSeconds } from '../../lambdas/functions';
import { handledEventTypes } from '../../lambdas/webhooks/registry';
import { actionsOf, statementsOf, synth } from './synth';

// Each synth takes a second or more; jest's 5 s default is too tight on a busy machine.
jest.setTimeout(60_000);

const testSource = 'aws.partner/stripe.com/ed_test_1';
const liveSource = 'aws.partner/stripe.com/ed_1';

const queueNamed = (resources: Record<string, { Type: string }>, prefix: string) =>
  Object.keys(resources).filter((id) => id.startsWith(prefix) && resources[id]?.Type === 'AWS::SQS::Queue');

describe('the Stripe EventBridge intake', () => {
  describe('without a partner event source in the context', () => {
    const { template } = synth();

    it('deploys no partner bus, rule, queue or consumer', () => {
      template.resourceCountIs('AWS::Events::EventBus', 0);
      template.resourcePropertiesCountIs('AWS::Events::Rule', { EventBusName: Match.anyValue() }, 0);
      expect(queueNamed(template.toJSON().Resources, 'StripeEvents')).toEqual([]);
      expect(() => synth().functionId('queue', 'stripe-events')).toThrow(/No function/);
    });
  });

  describe('with the test mode source only', () => {
    const { template, functionId } = synth(undefined, { 'tally:stripeEventSourceTest': testSource });
    const resources = template.toJSON().Resources as Record<string, any>;
    const queueId = queueNamed(resources, 'StripeEventsQueue')[0] as string;
    const deadLettersId = queueNamed(resources, 'StripeEventsDeadLetters')[0] as string;
    const consumer = queueConsumers.find((entry) => entry.handler === 'stripe-events')!;

    it('associates the partner event bus of the source, and no other', () => {
      template.resourceCountIs('AWS::Events::EventBus', 1);
      template.hasResourceProperties('AWS::Events::EventBus', { Name: testSource, EventSourceName: testSource });
    });

    it('routes the handled event types of the registry from that source to the queue, undeliverable ones to its dead-letter queue', () => {
      const rules = Object.values(resources).filter((resource) => resource.Type === 'AWS::Events::Rule' && resource.Properties.EventBusName);
      expect(rules).toHaveLength(1);
      expect(rules[0].Properties.EventPattern).toEqual({ source: [testSource], 'detail-type': handledEventTypes });
      expect(rules[0].Properties.Targets).toEqual([
        expect.objectContaining({
          Arn: { 'Fn::GetAtt': [queueId, 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [deadLettersId, 'Arn'] } },
        }),
      ]);
    });

    it('lets only that rule send to the queue', () => {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: queueId }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: Match.arrayWith(['sqs:SendMessage']) }),
          ]),
        },
      });
    });

    it('gives the queue its dead-letter queue after maxReceiveCount receives', () => {
      expect(resources[queueId].Properties).toMatchObject({
        VisibilityTimeout: visibilityTimeoutSeconds('stripeEvents'),
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [deadLettersId, 'Arn'] }, maxReceiveCount: queues.stripeEvents.maxReceiveCount },
      });
    });

    it('feeds the consumer with partial batch failures, telling it the source of the mode', () => {
      const fn = functionId('queue', 'stripe-events');
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: fn },
        EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
        BatchSize: consumer.batchSize,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: consumer.maxConcurrency },
      });
      const environment = resources[fn].Properties.Environment.Variables;
      expect(environment).toMatchObject({ TALLY_STRIPE_EVENT_SOURCE_TEST: testSource });
      expect(environment).not.toHaveProperty('TALLY_STRIPE_EVENT_SOURCE_LIVE');
      expect(Object.keys(environment)).toEqual(expect.arrayContaining(['TALLY_TABLE_NAME', 'TALLY_RESYNC_QUEUE_URL', 'TALLY_LEDGER_QUEUE_URL']));
    });

    it('gives the consumer the webhook’s access but no webhook signing secret', () => {
      const actions = statementsOf(template, functionId('queue', 'stripe-events')).flatMap(actionsOf);
      expect(actions).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'sqs:SendMessage', 'secretsmanager:GetSecretValue']));
      const environment = resources[functionId('queue', 'stripe-events')].Properties.Environment.Variables;
      expect(Object.keys(environment).filter((name) => /WEBHOOK/.test(name))).toEqual([]);
    });
  });

  it('deploys one bus and rule per mode given, both to the one queue', () => {
    const { template } = synth(undefined, { 'tally:stripeEventSourceLive': liveSource, 'tally:stripeEventSourceTest': testSource });
    template.resourceCountIs('AWS::Events::EventBus', 2);
    template.hasResourceProperties('AWS::Events::EventBus', { Name: liveSource, EventSourceName: liveSource });
    template.hasResourceProperties('AWS::Events::Rule', { EventPattern: { source: [liveSource], 'detail-type': handledEventTypes } });
    expect(queueNamed(template.toJSON().Resources, 'StripeEventsQueue')).toHaveLength(1);
  });
});
