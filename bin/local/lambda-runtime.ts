import type { Context } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import path from 'node:path';

/**
 * Runs handlers the way Lambda does, in this process: modules are loaded once (their top level is
 * the cold start) and each invocation gets a context with a deadline.
 */
export type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

const handlersRoot = path.resolve(__dirname, '../../lambdas/handlers');

export const loadHandler = (kind: 'http' | 'queue' | 'schedule', name: string): LambdaHandler => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const module = require(path.join(handlersRoot, kind, name)) as { handler?: LambdaHandler };
  if (typeof module.handler !== 'function') throw new Error(`lambdas/handlers/${kind}/${name}.ts exports no handler`);
  return module.handler;
};

export const lambdaContext = (functionName: string, timeoutSeconds: number): Context => {
  const deadline = Date.now() + timeoutSeconds * 1000;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
};

export const invoke = (handler: LambdaHandler, functionName: string, timeoutSeconds: number, event: unknown) =>
  handler(event, lambdaContext(functionName, timeoutSeconds));
