import path from 'node:path';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { CfnTable, ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Access, QueueName } from '../lambdas/functions';
import { webAssets } from '../lambdas/web/assets';
import type { Mode } from '../lambdas/core/mode';
import { type SecretName, secretArnEnv } from '../lambdas/core/secret-names';

/** The folder under lambdas/handlers/ that holds the entry file. */
export type FunctionKind = 'http' | 'queue' | 'schedule';

/** What an `access` object can point at, built once by the stack. */
export interface TallyResources {
  table: ITable;
  /** The queues this deployment has (stripeEvents only with a Stripe event source). */
  queues: Partial<Record<QueueName, IQueue>>;
  secrets: Record<SecretName, ISecret>;
  stripeEventSources: Partial<Record<Mode, string>>;
  /** The address mail comes from (context `tally:mailFrom`); without it no function may send mail. */
  mailFrom?: string;
  /** Plain settings every function receives (e.g. TALLY_PUBLIC_URL). */
  environment: Record<string, string>;
}

export interface TallyFunctionProps {
  kind: FunctionKind;
  /** File name under lambdas/handlers/<kind>/, without `.ts`. */
  handler: string;
  timeoutSeconds: number;
  access: Access;
  resources: TallyResources;
}

const repoRoot = path.resolve(__dirname, '..');

/** Copies the console's CSS and scripts beside the bundle, where handlers/http/web-asset.ts reads them. */
const webAssetHooks = {
  beforeBundling: () => [],
  beforeInstall: () => [],
  afterBundling: (inputDir: string, outputDir: string) => [
    `mkdir -p "${outputDir}/assets"`,
    ...Object.entries(webAssets).map(([name, asset]) => `cp "${path.join(inputDir, asset.source)}" "${outputDir}/assets/${name}"`),
  ],
};

/**
 * One Lambda function of the catalogue, with Tally's defaults. Its `access` is turned into both the
 * environment variables and the IAM grants in one place, so a function can never receive a name or
 * ARN it is not allowed to use, nor a grant it has no setting for.
 */
export class TallyFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly kind: FunctionKind;
  readonly handler: string;

  constructor(scope: Construct, id: string, props: TallyFunctionProps) {
    super(scope, id);
    const { kind, handler, timeoutSeconds, access, resources } = props;
    this.kind = kind;
    this.handler = handler;

    // Refunds and disputes arrive weeks after the sale they concern; logs must still be there.
    const logGroup = new LogGroup(this, 'Logs', {
      retention: RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Our own role instead of AWSLambdaBasicExecutionRole, whose logs grant covers every log group.
    const role = new Role(this, 'Role', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    logGroup.grantWrite(role);

    this.fn = new NodejsFunction(this, 'Function', {
      entry: path.join(repoRoot, 'lambdas', 'handlers', kind, `${handler}.ts`),
      handler: 'handler',
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      // Lambda allots CPU in proportion to memory; 512 MB parses a half-megabyte bundle quickly for little cost.
      memorySize: 512,
      timeout: Duration.seconds(timeoutSeconds),
      tracing: Tracing.ACTIVE,
      loggingFormat: LoggingFormat.JSON,
      logGroup,
      role,
      projectRoot: repoRoot,
      depsLockFilePath: path.join(repoRoot, 'package-lock.json'),
      // esbuild is a devDependency, so CDK bundles locally; test/infra fails the build if Docker is ever called.
      bundling: {
        format: OutputFormat.CJS,
        minify: true,
        sourceMap: true,
        // Stack traces need file and line only; without the sources the map shrinks from ~1.7 MB to ~0.5 MB.
        sourcesContent: false,
        // The runtime ships SDK v3; bundling it would only add cold-start weight.
        externalModules: ['@aws-sdk/*'],
        ...(access.webAssets === 'bundle' ? { commandHooks: webAssetHooks } : {}),
      },
      environment: {
        ...resources.environment,
        TALLY_RUNTIME: 'aws',
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: 'tally',
      },
    });

    this.allow(access, resources);
    this.acknowledgeRoleFindings(role, access, resources.table);
  }

  private allow(access: Access, resources: TallyResources): void {
    const { table, queues, secrets } = resources;
    const queue = (name: QueueName): IQueue => {
      const found = queues[name];
      if (!found) throw new Error(`Queue ${name} is not deployed, but a function needs it`);
      return found;
    };
    if (access.table) {
      this.fn.addEnvironment('TALLY_TABLE_NAME', table.tableName);
      if (access.table === 'readWrite') table.grantReadWriteData(this.fn);
      else table.grantReadData(this.fn);
    }
    if (access.resyncQueue === 'send') {
      this.fn.addEnvironment('TALLY_RESYNC_QUEUE_URL', queue('resync').queueUrl);
      queue('resync').grantSendMessages(this.fn);
    }
    if (access.ledgerQueue === 'send') {
      this.fn.addEnvironment('TALLY_LEDGER_QUEUE_URL', queue('ledger').queueUrl);
      queue('ledger').grantSendMessages(this.fn);
    }
    if (access.historyQueue === 'send') {
      this.fn.addEnvironment('TALLY_HISTORY_QUEUE_URL', queue('history').queueUrl);
      queue('history').grantSendMessages(this.fn);
    }
    if (access.stripeEventSources === 'read') {
      const { live, test } = resources.stripeEventSources;
      if (live) this.fn.addEnvironment('TALLY_STRIPE_EVENT_SOURCE_LIVE', live);
      if (test) this.fn.addEnvironment('TALLY_STRIPE_EVENT_SOURCE_TEST', test);
    }
    if (access.mail === 'send' && resources.mailFrom) this.allowMail(resources.mailFrom);
    for (const name of access.secrets ?? []) {
      this.fn.addEnvironment(secretArnEnv(name), secrets[name].secretArn);
      secrets[name].grantRead(this.fn);
    }
  }

  /**
   * SES authorizes a send against the verified identity of the sender: the address itself, or its
   * domain when the domain is what was verified. Only those two identities, and only with this
   * address as the From, so the function cannot mail as anyone else of a verified domain.
   */
  private allowMail(mailFrom: string): void {
    const { region, account, partition } = Stack.of(this);
    const domain = mailFrom.slice(mailFrom.lastIndexOf('@') + 1);
    this.fn.addEnvironment('TALLY_MAIL_FROM', mailFrom);
    this.fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['ses:SendEmail'],
        resources: [mailFrom, domain].map((identity) => `arn:${partition}:ses:${region}:${account}:identity/${identity}`),
        conditions: { StringEquals: { 'ses:FromAddress': mailFrom } },
      }),
    );
  }

  private acknowledgeRoleFindings(role: Role, access: Access, table: ITable): void {
    const policy = role.node.findChild('DefaultPolicy');
    Validations.of(policy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only the X-Ray statement that active tracing adds uses Resource "*": xray:PutTraceSegments and ' +
        'xray:PutTelemetryRecords support no resource-level permissions. test/infra pins this.',
    });
    if (access.table) {
      const tableId = Stack.of(this).getLogicalId(table.node.defaultChild as CfnTable);
      Validations.of(policy).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${tableId}.Arn>/index/*]`,
        reason:
          "Queries go through the table's global secondary indexes; the wildcard only spans the indexes of " +
          "Tally's one table, never another table.",
      });
    }
  }
}
