import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Validations } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import type { QueueConsumer, ScheduledFunction } from '../../lambdas/functions';
import { tallyApp } from '../../lib/tally-app';
import { defaultCatalogue } from '../../lib/tally-stack';
import { testContext } from './synth';

/**
 * cdk-nag 3 is a CDK policy-validation plugin: `app.synth()` writes its findings to the cloud assembly's
 * validation-report.json and, in-process (NODE_ENV=test), throws when any finding is not acknowledged.
 */
// Each synth takes a second or more; jest's 5 s default is too tight on a busy machine.
jest.setTimeout(60_000);

const outdirs: string[] = [];
afterAll(() => outdirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const appWith = (catalogue = defaultCatalogue) => {
  const outdir = mkdtempSync(path.join(tmpdir(), 'tally-nag-'));
  outdirs.push(outdir);
  return tallyApp({ catalogue, outdir, context: testContext });
};

interface ValidationReport {
  pluginReports: { pluginName: string; violations: { ruleName: string }[] }[];
}
const awsSolutionsFindings = (assemblyDir: string): string[] => {
  const report = JSON.parse(readFileSync(path.join(assemblyDir, 'validation-report.json'), 'utf8')) as ValidationReport;
  return report.pluginReports
    .filter((plugin) => plugin.pluginName === 'AwsSolutions')
    .flatMap((plugin) => plugin.violations.map((violation) => violation.ruleName));
};

const fakeConsumer: QueueConsumer = {
  handler: '../http/health',
  queue: 'resync',
  batchSize: 10,
  maxConcurrency: 2,
  timeoutSeconds: 60,
  access: { table: 'readWrite', resyncQueue: 'send', secrets: ['stripeSecretKeys'] },
};
const fakeSchedule: ScheduledFunction = { handler: '../http/health', rateMinutes: 15, timeoutSeconds: 60, access: { table: 'read' } };

describe('cdk-nag AwsSolutions checks', () => {
  it('find nothing unacknowledged in the stack', () => {
    const { app } = appWith();
    const assembly = app.synth();
    expect(awsSolutionsFindings(assembly.directory)).toEqual([]);
  });

  it('find nothing unacknowledged with the Stripe EventBridge intake of both modes', () => {
    const { app } = tallyApp({
      outdir: mkdtempSync(path.join(tmpdir(), 'tally-nag-')),
      context: { ...testContext, 'tally:stripeEventSourceLive': 'aws.partner/stripe.com/ed_1', 'tally:stripeEventSourceTest': 'aws.partner/stripe.com/ed_test_1' },
    });
    outdirs.push(app.outdir);
    expect(awsSolutionsFindings(app.synth().directory)).toEqual([]);
  });

  it('find nothing unacknowledged once queue consumers and schedules are added', () => {
    const { app } = appWith({ ...defaultCatalogue, queueConsumers: [fakeConsumer], scheduledFunctions: [fakeSchedule] });
    expect(awsSolutionsFindings(app.synth().directory)).toEqual([]);
  });

  it('fail the synth when someone adds a non-compliant resource', () => {
    const { app, stack } = appWith();
    new Queue(stack, 'PlainQueue');
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS4/);
  });

  it('are acknowledged only on specific constructs, never stack-wide, each with a written reason', () => {
    const { app, stack } = appWith();
    const acknowledgements = app.node.findAll().flatMap((construct) =>
      construct.node.metadata
        .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((entry) => Object.entries(entry.data as Record<string, string>))
        .map(([id, reason]) => ({ construct, id, reason })),
    );
    expect(acknowledgements.length).toBeGreaterThan(0);
    for (const { construct, id, reason } of acknowledgements) {
      expect([app.node.path, stack.node.path]).not.toContain(construct.node.path);
      expect(id).toMatch(/^(Annotation::)?AwsSolutions-[A-Z]+\d+(\[.+\])?$/);
      expect(reason.split(' ').length).toBeGreaterThanOrEqual(10);
    }
  });
});
