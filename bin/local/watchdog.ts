import { type ChildProcess, spawn } from 'node:child_process';

/**
 * Starts a child process that dies with us. A shell watches this process's PID and kills the child
 * when we are gone — even after a SIGKILL or a crash, when no exit handler of ours runs — so the
 * local stack never leaves an orphan (the DynamoDB Local JVM in particular).
 */
const script = `
"$@" &
child=$!
trap 'kill $child 2>/dev/null; wait $child; exit 0' TERM INT HUP
while kill -0 "$WATCHED_PID" 2>/dev/null && kill -0 $child 2>/dev/null; do sleep 1 & wait $!; done
kill $child 2>/dev/null
wait $child
`;

export const spawnTied = (command: string, args: string[], options: { cwd?: string } = {}): ChildProcess => {
  const child = spawn('bash', ['-c', script, 'watchdog', command, ...args], {
    cwd: options.cwd,
    env: { ...process.env, WATCHED_PID: String(process.pid) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // A synchronous last word for the ordinary exits; the watchdog covers the rest.
  const killOnExit = () => child.kill('SIGTERM');
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
  return child;
};

export const stopChild = (child: ChildProcess, timeoutMs = 5000): Promise<void> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const force = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
