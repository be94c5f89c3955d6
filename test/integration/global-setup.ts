import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Starts one local stack (`bin/local.ts`, the same code as `npm start`) for the whole integration
 * run, on free ports and in memory, and tells the test files where it is through TALLY_STACK_FILE.
 * Its output goes to reports/local-stack.log for when a test needs explaining.
 */
export default async function globalSetup(): Promise<void> {
  const root = path.resolve(__dirname, '../..');
  const readyFile = path.join(os.tmpdir(), `tally-stack-${process.pid}.json`);
  rmSync(readyFile, { force: true });
  mkdirSync(path.join(root, 'reports'), { recursive: true });
  const logFile = openSync(path.join(root, 'reports', 'local-stack.log'), 'w');

  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'bin/local.ts', '--in-memory', '--quiet', '--port', '0', '--dynamodb-port', '0', '--sqs-port', '0', '--ready-file', readyFile],
    { cwd: root, stdio: ['ignore', logFile, logFile], env: { ...process.env, POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN' } },
  );
  (globalThis as Record<string, unknown>).__tallyStack = child;

  const deadline = Date.now() + 120_000;
  while (!existsSync(readyFile)) {
    if (child.exitCode !== null) throw new Error(`The local stack exited with ${child.exitCode}; see reports/local-stack.log`);
    if (Date.now() > deadline) throw new Error('The local stack did not start within 120 s; see reports/local-stack.log');
    await sleep(100);
  }
  // The file is written in one call, but make sure it is complete JSON before handing it out.
  JSON.parse(readFileSync(readyFile, 'utf8'));
  process.env.TALLY_STACK_FILE = readyFile;
}
