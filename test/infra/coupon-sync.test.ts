import { Match } from 'aws-cdk-lib/assertions';
import { actionsOf, statementsOf, synth } from './synth';

// Each synth takes a second or more; jest's 5 s default is too tight on a busy machine.
jest.setTimeout(60_000);

const { template, functionId } = synth();
const resources = template.toJSON().Resources;
const resyncQueue = Object.keys(resources).find((id) => id.startsWith('ResyncQueue'))!;

describe('the coupon sync in the deployed stack', () => {
  it('feeds the resync worker from the resync queue with partial batch failures and bounded concurrency', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: functionId('queue', 'coupon-resync') },
      EventSourceArn: { 'Fn::GetAtt': [resyncQueue, 'Arn'] },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 10 },
    });
  });

  it('lets the worker send fan-out messages, shorten a failed message\'s wait, and read the Stripe keys', () => {
    const id = functionId('queue', 'coupon-resync');
    const actions = statementsOf(template, id).flatMap(actionsOf);
    expect(actions).toEqual(expect.arrayContaining(['sqs:SendMessage', 'sqs:ChangeMessageVisibility', 'secretsmanager:GetSecretValue']));
    expect(Object.keys(resources[id].Properties.Environment.Variables)).toEqual(
      expect.arrayContaining(['TALLY_RESYNC_QUEUE_URL', 'TALLY_SECRET_ARN_STRIPE_SECRET_KEYS', 'TALLY_TABLE_NAME']),
    );
  });

  it('runs the drift repair daily from EventBridge', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 day)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [functionId('schedule', 'coupon-drift-repair'), 'Arn'] } })],
    });
  });

  it.each(['update-settings', 'create-affiliate', 'update-affiliate', 'archive-affiliate', 'resync-affiliate', 'start-coupon-resync', 'stripe-webhook', 'oauth-callback'])(
    'lets %s queue syncs',
    (handler) => {
      const sends = statementsOf(template, functionId('http', handler)).filter((statement) => actionsOf(statement).includes('sqs:SendMessage'));
      const resources = sends.flatMap((statement) => [statement.Resource].flat());
      expect(resources).toContainEqual({ 'Fn::GetAtt': [resyncQueue, 'Arn'] });
    },
  );
});

describe('the ledger queue in the deployed stack', () => {
  const ledgerQueue = Object.keys(resources).find((id) => id.startsWith('LedgerQueue'))!;

  it('feeds the ledger jobs from the ledger queue with partial batch failures and bounded concurrency', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: functionId('queue', 'ledger-jobs') },
      EventSourceArn: { 'Fn::GetAtt': [ledgerQueue, 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 10 },
    });
  });

  it.each([['http', 'stripe-webhook'], ['http', 'create-payout'], ['queue', 'ledger-jobs'], ['schedule', 'ledger-corrections-sweep']] as const)(
    'lets %s %s queue ledger jobs, and no other function',
    (kind, handler) => {
      const sends = statementsOf(template, functionId(kind, handler)).filter((statement) => actionsOf(statement).includes('sqs:SendMessage'));
      expect(sends.flatMap((statement) => [statement.Resource].flat())).toContainEqual({ 'Fn::GetAtt': [ledgerQueue, 'Arn'] });
      const others = ['list-commissions', 'track-visit', 'get-payout'].map((name) => statementsOf(template, functionId('http', name)));
      for (const statements of others) expect(JSON.stringify(statements)).not.toContain(ledgerQueue);
    },
  );

  it('sweeps pending corrections every ten minutes', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(10 minutes)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [functionId('schedule', 'ledger-corrections-sweep'), 'Arn'] } })],
    });
  });
});
