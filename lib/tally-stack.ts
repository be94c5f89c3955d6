import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod as ApiMethod, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus, Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction, SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import * as functions from '../lambdas/functions';
import type { Access, HttpRoute, QueueConsumer, QueueName, ScheduledFunction } from '../lambdas/functions';
import { type Mode, modes } from '../lambdas/core/mode';
import { handledEventTypes } from '../lambdas/webhooks/registry';
import { tableDesign } from '../lambdas/store/table';
import { Alarms } from './alarms';
import { createSecrets } from './secrets';
import { type FunctionKind, TallyFunction, type TallyResources } from './tally-function';

/** What the stack deploys, read from lambdas/functions.ts; tests pass their own. */
export interface Catalogue {
  httpRoutes: readonly HttpRoute[];
  queueConsumers: readonly QueueConsumer[];
  scheduledFunctions: readonly ScheduledFunction[];
}

export const defaultCatalogue: Catalogue = {
  httpRoutes: functions.httpRoutes,
  queueConsumers: functions.queueConsumers,
  scheduledFunctions: functions.scheduledFunctions,
};

export interface TallyStackProps extends StackProps {
  catalogue?: Catalogue;
  /** Base URL Stripe redirects to; the HTTP API's own endpoint when not given. */
  publicUrl?: string;
  alarmEmail?: string;
  /** Partner event sources of Stripe's EventBridge destinations, per mode; none, no EventBridge intake. */
  stripeEventSources?: Partial<Record<Mode, string>>;
  /** The SES-verified address sign-in links and invitations come from; none, and no function can send mail. */
  mailFrom?: string;
}

/** `create-merchant` → `CreateMerchant`, for construct IDs. */
const pascal = (name: string): string =>
  name
    .split(/[^a-zA-Z0-9]+/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');

/** SQS keeps messages at most 14 days: the on-call engineer's window to inspect and redrive them. */
const deadLetterQueue = (scope: Construct, id: string): Queue =>
  new Queue(scope, id, {
    retentionPeriod: Duration.days(14),
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
  });

/**
 * Tally in one stack: a DynamoDB table, an HTTP API with one function per route, SQS queues with
 * their consumers, EventBridge schedules, the secrets, and the alarms. Every function comes from
 * the catalogue, so adding an entry there is all it takes to deploy it.
 */
export class TallyStack extends Stack {
  private readonly alarms: Alarms;
  private readonly resources: TallyResources;
  private scheduleDeadLetters?: Queue;
  private readonly deadLetters = new Map<QueueName, Queue>();

  constructor(scope: Construct, id: string, props: TallyStackProps = {}) {
    super(scope, id, props);
    const catalogue = props.catalogue ?? defaultCatalogue;

    this.alarms = new Alarms(this, 'Alarms', { email: props.alarmEmail });
    const table = this.createTable();
    const stripeEventSources = props.stripeEventSources ?? {};
    const queues = this.createQueues(Object.keys(stripeEventSources).length > 0);
    const secrets = createSecrets(this);
    const api = this.createApi();

    this.resources = {
      table,
      queues,
      secrets,
      stripeEventSources,
      mailFrom: props.mailFrom,
      environment: { TALLY_PUBLIC_URL: props.publicUrl ? normalizeUrl(props.publicUrl) : api.apiEndpoint },
    };

    for (const route of catalogue.httpRoutes) this.addRoute(api, route);
    for (const consumer of catalogue.queueConsumers) {
      const queue = queues[consumer.queue];
      if (queue) this.addConsumer(consumer, queue);
    }
    if (queues.stripeEvents) this.addStripeEventBuses(stripeEventSources, queues.stripeEvents);
    for (const scheduled of catalogue.scheduledFunctions) this.addSchedule(scheduled);

    new CfnOutput(this, 'ApiUrl', { value: api.apiEndpoint });
    new CfnOutput(this, 'TableName', { value: table.tableName });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarms.topic.topicArn });
    for (const [name, secret] of Object.entries(secrets)) {
      new CfnOutput(this, `Secret${pascal(name)}Arn`, { value: secret.secretArn, description: `Secret ${name}` });
    }
  }

  private createTable(): Table {
    const key = (name: string) => ({ name, type: AttributeType.STRING });
    const table = new Table(this, 'Table', {
      partitionKey: key(tableDesign.partitionKey),
      sortKey: key(tableDesign.sortKey),
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: tableDesign.ttlAttribute,
      encryption: TableEncryption.AWS_MANAGED,
      // The commission ledger: neither a stack deletion nor a console slip may take it away.
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const index of tableDesign.indexes) {
      table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: key(index.partitionKey),
        sortKey: key(index.sortKey),
        projectionType: ProjectionType.ALL,
      });
    }
    return table;
  }

  private createQueues(withStripeEventSource: boolean): Partial<Record<QueueName, Queue>> {
    const names = (Object.keys(functions.queues) as QueueName[]).filter(
      (name) => withStripeEventSource || !('onlyWithStripeEventSource' in functions.queues[name]),
    );
    return Object.fromEntries(
      names.map((name) => {
        const id = pascal(name);
        const { maxReceiveCount } = functions.queues[name];
        const deadLetters = deadLetterQueue(this, `${id}DeadLetters`);
        this.deadLetters.set(name, deadLetters);
        const queue = new Queue(this, `${id}Queue`, {
          visibilityTimeout: Duration.seconds(functions.visibilityTimeoutSeconds(name)),
          encryption: QueueEncryption.SQS_MANAGED,
          enforceSSL: true,
          deadLetterQueue: { queue: deadLetters, maxReceiveCount },
        });
        this.watchDeadLetters(`${id}DeadLetters`, deadLetters, `${name} messages failed ${maxReceiveCount} times`);
        new CfnOutput(this, `${id}QueueUrl`, { value: queue.queueUrl });
        new CfnOutput(this, `${id}DeadLetterQueueUrl`, { value: deadLetters.queueUrl });
        return [name, queue];
      }),
    );
  }

  /**
   * Each mode's Stripe EventBridge destination: the partner bus of its event source (only Stripe
   * can put events on it, so the consumer trusts it and takes the mode from the source), and a
   * rule that sends the handled event types to the queue. What EventBridge cannot deliver goes to
   * the queue's dead-letter queue, beside what the consumer could not apply.
   */
  private addStripeEventBuses(sources: Partial<Record<Mode, string>>, queue: Queue): void {
    for (const mode of modes) {
      const source = sources[mode];
      if (!source) continue;
      const id = `Stripe${pascal(mode)}`;
      // A partner bus takes the name of its event source, which CDK sets from eventSourceName.
      const bus = new EventBus(this, `${id}EventBus`, { eventSourceName: source });
      new Rule(this, `${id}EventRule`, {
        eventBus: bus,
        description: `Stripe ${mode} mode events that Tally handles (lambdas/webhooks/registry.ts)`,
        eventPattern: { source: [source], detailType: [...handledEventTypes] },
        targets: [new SqsQueue(queue, { retryAttempts: 185, maxEventAge: Duration.hours(24), deadLetterQueue: this.deadLetters.get('stripeEvents') })],
      });
      new CfnOutput(this, `${id}EventBusArn`, { value: bus.eventBusArn, description: `Stripe ${mode} mode partner event bus` });
    }
  }

  private createApi(): HttpApi {
    // The default stage is declared below, because only an explicit stage takes access logs and throttling.
    const api = new HttpApi(this, 'Api', {
      description: 'Tally: Stripe webhooks, Connect OAuth and the admin API',
      createDefaultStage: false,
    });
    const accessLogs = new LogGroup(this, 'ApiAccessLogs', {
      retention: RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    new HttpStage(this, 'ApiStage', {
      httpApi: api,
      stageName: '$default',
      autoDeploy: true,
      // Well above today's traffic, far below the account's 10,000 rps: a runaway client cannot take all of
      // the account's Lambda concurrency. Raise it when tracking traffic needs more.
      throttle: { rateLimit: 100, burstLimit: 200 },
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            routeKey: '$context.routeKey',
            status: '$context.status',
            latencyMs: '$context.responseLatency',
            integrationError: '$context.integrationErrorMessage',
            sourceIp: '$context.identity.sourceIp',
            userAgent: '$context.identity.userAgent',
            requestTime: '$context.requestTime',
          }),
        ),
      },
    });
    this.alarms.whenAboveZero(
      'Api5xx',
      api.metricServerError({ period: Duration.minutes(5), statistic: 'Sum' }),
      'The HTTP API answered with a 5xx: a Tally bug or an outage. Stripe retries webhooks; admins saw an error.',
    );
    return api;
  }

  /** A handler that serves several routes (the console's `/console` and `/console/{proxy+}`) is one function. */
  private readonly routeIntegrations = new Map<string, HttpLambdaIntegration>();

  private addRoute(api: HttpApi, route: HttpRoute): void {
    let integration = this.routeIntegrations.get(route.handler);
    if (!integration) {
      const fn = this.createFunction('http', route.handler, route.timeoutSeconds ?? functions.httpTimeoutSeconds, route.access);
      integration = new HttpLambdaIntegration(`${pascal(route.handler)}Integration`, fn);
      this.routeIntegrations.set(route.handler, integration);
    }
    const routes = api.addRoutes({ path: route.path, methods: [ApiMethod[route.method]], integration });
    for (const created of routes) {
      Validations.of(created).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'Tally authenticates each request inside its function: merchant API keys and the operator key are ' +
          'bearer tokens checked against stored hashes, Stripe webhooks by their signature, the OAuth callback ' +
          'by its signed state, the console and portal by session cookies with CSRF tokens (sign-in by single-use ' +
          'e-mail link); /health and the console\'s CSS and scripts (/assets) are public by design.',
      });
    }
  }

  private addConsumer(consumer: QueueConsumer, queue: Queue): void {
    // The queue's visibility timeout is sized from consumerTimeoutSeconds: a consumer running longer would see
    // its messages delivered again mid-run, and Lambda rejects such an event source anyway, but only at deploy.
    if (consumer.timeoutSeconds > functions.queues[consumer.queue].consumerTimeoutSeconds) {
      throw new Error(
        `${consumer.handler} runs up to ${consumer.timeoutSeconds}s but queue ${consumer.queue} is sized for ` +
          `${functions.queues[consumer.queue].consumerTimeoutSeconds}s consumers (lambdas/functions.ts)`,
      );
    }
    const fn = this.createFunction('queue', consumer.handler, consumer.timeoutSeconds, consumer.access);
    fn.addEventSource(
      new SqsEventSource(queue, {
        batchSize: consumer.batchSize,
        maxConcurrency: consumer.maxConcurrency,
        reportBatchItemFailures: true,
      }),
    );
  }

  private addSchedule(scheduled: ScheduledFunction): void {
    const fn = this.createFunction('schedule', scheduled.handler, scheduled.timeoutSeconds, scheduled.access);
    new Rule(this, `${pascal(scheduled.handler)}Schedule`, {
      schedule: Schedule.rate(Duration.minutes(scheduled.rateMinutes)),
      targets: [
        new LambdaFunction(fn, {
          retryAttempts: 2,
          // A tick that could not be delivered before the next one is due is superseded by it.
          maxEventAge: Duration.minutes(scheduled.rateMinutes),
          deadLetterQueue: this.scheduleDeadLetterQueue(),
        }),
      ],
    });
  }

  /** Ticks EventBridge could not deliver; shared by all schedules, created with the first. */
  private scheduleDeadLetterQueue(): Queue {
    if (!this.scheduleDeadLetters) {
      this.scheduleDeadLetters = deadLetterQueue(this, 'ScheduleDeadLetters');
      // cdk-nag only recognises queues named in a redrive policy as dead-letter queues.
      Validations.of(this.scheduleDeadLetters).acknowledge({
        id: 'AwsSolutions-SQS3',
        reason: 'This queue is itself a dead-letter queue: the DLQ of the EventBridge schedule targets.',
      });
      this.watchDeadLetters('ScheduleDeadLetters', this.scheduleDeadLetters, 'a scheduled run could not be started');
    }
    return this.scheduleDeadLetters;
  }

  private watchDeadLetters(id: string, queue: Queue, what: string): void {
    this.alarms.whenAboveZero(
      id,
      queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
      `Dead-letter queue not empty: ${what}. Inspect, fix, then redrive.`,
    );
  }

  private createFunction(kind: FunctionKind, handler: string, timeoutSeconds: number, access: Access): NodejsFunction {
    const id = `${pascal(kind)}${pascal(handler)}`;
    const { fn } = new TallyFunction(this, id, { kind, handler, timeoutSeconds, access, resources: this.resources });
    this.alarms.whenAboveZero(
      `${id}Errors`,
      fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      `${kind} function ${handler} failed (unhandled error or timeout).`,
    );
    return fn;
  }
}

/** Stripe compares redirect URIs exactly, and callers append paths to this base. */
const normalizeUrl = (url: string): string => {
  if (!URL.canParse(url)) throw new Error(`tally:publicUrl is not a URL: ${url}`);
  return url.replace(/\/+$/, '');
};
