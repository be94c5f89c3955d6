import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StackDescription } from './stack';

const root = path.resolve(__dirname, '../..');

/** The local stack under test signs OAuth states with this key, so tests can forge expired ones. */
export const testOAuthStateKey = 'integration-tests-oauth-state-key-0123456789';

/** Tests and benchmarks always run against the emulator, never a developer's real Stripe keys. */
const stackEnvironment = (extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env, POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN' };
  for (const name of Object.keys(env)) if (name.startsWith('STRIPE_') || name.startsWith('TALLY_')) delete env[name];
  env.TALLY_OAUTH_STATE_KEY = testOAuthStateKey;
  return { ...env, ...extra };
};

export interface SpawnedStack {
  description: StackDescription;
  readyFile: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts `bin/local.ts` (the same code as `npm start`) in its own process, in memory, on free
 * ports, and waits for its ready file. Output goes to `reports/<logName>`. Its demo merchant gets
 * no demo data unless `demoSeed` asks for it: tests and benchmarks make their own merchants, and the
 * seed's renewal moves the shared emulator's clock.
 */
export const spawnLocalStack = async (options: {
  logName: string;
  args?: string[];
  env?: NodeJS.ProcessEnv;
  demoSeed?: boolean;
}): Promise<SpawnedStack> => {
  const readyFile = path.join(os.tmpdir(), `tally-stack-${process.pid}-${Date.now()}.json`);
  rmSync(readyFile, { force: true });
  mkdirSync(path.join(root, 'reports'), { recursive: true });
  const log = openSync(path.join(root, 'reports', options.logName), 'w');
  const args = ['--in-memory', '--quiet', '--port', '0', '--dynamodb-port', '0', '--sqs-port', '0', '--emulator-port', '0'];
  if (!options.demoSeed) args.push('--no-demo-seed');
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/local.ts', ...args, ...(options.args ?? []), '--ready-file', readyFile], {
    cwd: root,
    stdio: ['ignore', log, log],
    env: stackEnvironment(options.env ?? {}),
  });

  const deadline = Date.now() + 120_000;
  while (!existsSync(readyFile)) {
    if (child.exitCode !== null) throw new Error(`The local stack exited with ${child.exitCode}; see reports/${options.logName}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`The local stack did not start within 120 s; see reports/${options.logName}`);
    }
    await sleep(100);
  }
  const description = JSON.parse(readFileSync(readyFile, 'utf8')) as StackDescription;
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
      child.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      child.kill('SIGTERM');
    });
  return { description, readyFile, child, stop };
};
