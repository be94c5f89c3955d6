import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { CfnResource } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { tallyApp } from '../../lib/tally-app';
import { type FunctionKind, TallyFunction } from '../../lib/tally-function';
import type { Catalogue, TallyStack } from '../../lib/tally-stack';

/**
 * The context `npx cdk synth` runs with: cdk.json's feature flags (they change templates, e.g. how IAM
 * statements are merged), minus bundling, so template tests take milliseconds; cdk-synth.test.ts bundles.
 */
export const testContext: Record<string, unknown> = {
  ...(JSON.parse(readFileSync(path.resolve(__dirname, '../../cdk.json'), 'utf8')) as { context: object }).context,
  'aws:cdk:bundling-stacks': [],
};

export interface Synthesized {
  stack: TallyStack;
  template: Template;
  /** Logical ID of the Lambda function built from lambdas/handlers/<kind>/<handler>.ts. */
  functionId(kind: FunctionKind, handler: string): string;
  /** Logical ID of the CloudFormation resource behind an L2 construct. */
  logicalId(construct: IConstruct): string;
}

export const synth = (catalogue?: Catalogue, context: Record<string, unknown> = {}): Synthesized => {
  const { stack } = tallyApp({ catalogue, context: { ...testContext, ...context } });
  const template = Template.fromStack(stack);
  const logicalId = (construct: IConstruct) => stack.getLogicalId(construct.node.defaultChild as CfnResource);
  const functionId = (kind: FunctionKind, handler: string) => {
    const found = stack.node
      .findAll()
      .find((c): c is TallyFunction => c instanceof TallyFunction && c.kind === kind && c.handler === handler);
    if (!found) throw new Error(`No function for ${kind}/${handler}`);
    return logicalId(found.fn);
  };
  return { stack, template, functionId, logicalId };
};

export interface PolicyStatement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

/** Every statement of the IAM policies attached to a function's role. */
export const statementsOf = (template: Template, functionId: string): PolicyStatement[] => {
  const fn = template.toJSON().Resources[functionId];
  const roleId: string = fn.Properties.Role['Fn::GetAtt'][0];
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) => policy.Properties.Roles.some((role: { Ref?: string }) => role.Ref === roleId))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as PolicyStatement[]);
};

export const actionsOf = (statement: PolicyStatement): string[] =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];

export const resourcesOf = (statement: PolicyStatement): unknown[] =>
  Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
