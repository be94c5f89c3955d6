import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { httpRoutes, queueConsumers, queues, scheduledFunctions } from '../../lambdas/functions';

/**
 * `npx cdk synth` as a developer runs it: through cdk.json, with esbuild bundling every function, offline
 * and without credentials. Slow (seconds), so it runs once and the tests read its output.
 */
const repoRoot = path.resolve(__dirname, '../..');
const workDir = mkdtempSync(path.join(tmpdir(), 'tally-synth-'));
const outdir = path.join(workDir, 'cdk.out');
// CDK runs Docker through $CDK_DOCKER; this stand-in records any attempt instead of bundling.
const dockerCalls = path.join(workDir, 'docker-calls');
const fakeDocker = path.join(workDir, 'docker');

interface SynthResult {
  exitCode: number;
  output: string;
}
let result: SynthResult;

beforeAll(async () => {
  writeFileSync(fakeDocker, `#!/bin/sh\necho "$@" >> '${dockerCalls}'\nexit 1\n`);
  chmodSync(fakeDocker, 0o755);
  const { NODE_ENV: _jestMode, ...env } = process.env;
  const cdk = path.join(repoRoot, 'node_modules', 'aws-cdk', 'bin', 'cdk');
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [cdk, 'synth', '--quiet', '--no-notices', '--output', outdir],
      {
        cwd: repoRoot,
        env: {
          ...env,
          CDK_DOCKER: fakeDocker,
          CDK_DISABLE_VERSION_CHECK: '1',
          CDK_DISABLE_CLI_TELEMETRY: 'true',
          // No credentials and no region: an env-agnostic stack must not need them.
          AWS_ACCESS_KEY_ID: '',
          AWS_SECRET_ACCESS_KEY: '',
          AWS_PROFILE: '',
          AWS_REGION: '',
          AWS_DEFAULT_REGION: '',
        },
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    result = { exitCode: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    result = { exitCode: failed.code ?? 1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}, 240_000);
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

const template = () => JSON.parse(readFileSync(path.join(outdir, 'Tally.template.json'), 'utf8'));

describe('npx cdk synth', () => {
  it('succeeds offline, without credentials', () => {
    expect({ exitCode: result.exitCode, output: result.exitCode === 0 ? '' : result.output }).toEqual({
      exitCode: 0,
      output: '',
    });
  });

  it('reports no cdk-nag AwsSolutions finding', () => {
    expect(result.output).not.toMatch(/AwsSolutions/);
    const report = JSON.parse(readFileSync(path.join(outdir, 'validation-report.json'), 'utf8'));
    expect(report.pluginReports).toEqual([]);
  });

  it('bundles every function with local esbuild, never Docker', () => {
    expect(existsSync(dockerCalls)).toBe(false);
    const functions = Object.values(template().Resources as Record<string, { Type: string; Metadata: Record<string, string> }>)
      .filter((resource) => resource.Type === 'AWS::Lambda::Function');
    // Synthesized without a Stripe event source, so the EventBridge consumer is not in this stack.
    const consumers = queueConsumers.filter((consumer) => !(queues[consumer.queue] as { onlyWithStripeEventSource?: boolean }).onlyWithStripeEventSource);
    // A handler serving several routes (the console's pages) is one function.
    expect(functions).toHaveLength(new Set(httpRoutes.map((route) => route.handler)).size + consumers.length + scheduledFunctions.length);
    for (const fn of functions) {
      expect(fn.Metadata['aws:asset:is-bundled']).toBe(true);
      const asset = path.join(outdir, fn.Metadata['aws:asset:path']!);
      expect(existsSync(path.join(asset, 'index.js.map'))).toBe(true);
      const code = readFileSync(path.join(asset, 'index.js'), 'utf8');
      // Minified, with the SDK left to the runtime, a function stays well under a megabyte.
      expect(code.length).toBeLessThan(1024 * 1024);
    }
  });

  it('leaves the AWS SDK to the Lambda runtime', () => {
    const fn = Object.entries(template().Resources as Record<string, { Type: string; Metadata: Record<string, string> }>)
      .find(([id, resource]) => resource.Type === 'AWS::Lambda::Function' && id.startsWith('HttpCreateMerchant'))!;
    const code = readFileSync(path.join(outdir, fn[1].Metadata['aws:asset:path']!, 'index.js'), 'utf8');
    expect(code).toMatch(/require\("@aws-sdk\/client-dynamodb"\)/);
  });
});
