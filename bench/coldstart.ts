import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { httpRoutes, queueConsumers, scheduledFunctions } from '../lambdas/functions';

/**
 * Cold-start cost of each Lambda bundle: the module initialisation a new container pays before
 * its first event (loading and evaluating the bundle, the AWS SDK clients it requires, and the
 * top-level code of the handler). Bundled like the CDK stack bundles them (esbuild, minified, CJS,
 * AWS SDK external), each loaded in a fresh Node.js process several times; the median is printed.
 * Lambda's own runtime start (~100–200 ms, outside our control) comes on top.
 */
const root = path.resolve(__dirname, '..');
const outDir = path.join(root, 'reports', 'coldstart');
const runs = 5;

const entries = [
  ...httpRoutes.map((route) => ({ kind: 'http', handler: route.handler })),
  ...queueConsumers.map((consumer) => ({ kind: 'queue', handler: consumer.handler })),
  ...scheduledFunctions.map((scheduled) => ({ kind: 'schedule', handler: scheduled.handler })),
];

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

const initMilliseconds = (bundle: string): number => {
  const script = `const t = process.hrtime.bigint(); require(${JSON.stringify(bundle)}); console.log(Number(process.hrtime.bigint() - t) / 1e6);`;
  const env = { ...process.env, TALLY_RUNTIME: 'aws', TALLY_TABLE_NAME: 'tally', AWS_REGION: 'us-east-1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  return Number(execFileSync(process.execPath, ['-e', script], { env, cwd: root }).toString().trim());
};

export const coldStart = async (): Promise<void> => {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const rows: { name: string; kilobytes: number; initMs: number }[] = [];
  for (const { kind, handler } of entries) {
    const outfile = path.join(outDir, `${kind}-${handler}.js`);
    await build({
      entryPoints: [path.join(root, 'lambdas', 'handlers', kind, `${handler}.ts`)],
      outfile,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      minify: true,
      external: ['@aws-sdk/*'],
      logLevel: 'error',
    });
    const samples = Array.from({ length: runs }, () => initMilliseconds(outfile));
    rows.push({ name: `${kind}/${handler}`, kilobytes: Math.round(statSync(outfile).size / 1024), initMs: median(samples) });
  }
  const width = Math.max(...rows.map((row) => row.name.length));
  console.log(`${'function'.padEnd(width)}  bundle KB  init ms (median of ${runs})`);
  for (const row of rows) console.log(`${row.name.padEnd(width)}  ${String(row.kilobytes).padStart(9)}  ${row.initMs.toFixed(1).padStart(7)}`);
  console.log(`median init over ${rows.length} functions: ${median(rows.map((row) => row.initMs)).toFixed(1)} ms; largest bundle ${Math.max(...rows.map((row) => row.kilobytes))} KB`);
};
