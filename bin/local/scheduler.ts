import type { ScheduledEvent } from 'aws-lambda';
import { randomUUID } from 'node:crypto';

/** Fires a scheduled function with the event EventBridge sends, every `intervalMs`. */
export const startSchedule = (options: {
  name: string;
  intervalMs: number;
  invoke: (event: ScheduledEvent) => Promise<unknown>;
  onError?: (error: unknown) => void;
}): { fire(): Promise<unknown>; stop(): void } => {
  const fire = () =>
    options.invoke({
      version: '0',
      id: randomUUID(),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '000000000000',
      time: new Date().toISOString(),
      region: 'us-east-1',
      resources: [`arn:aws:events:us-east-1:000000000000:rule/${options.name}`],
      detail: {},
    });
  const timer = setInterval(() => {
    fire().catch((error: unknown) => options.onError?.(error));
  }, options.intervalMs);
  timer.unref();
  return { fire, stop: () => clearInterval(timer) };
};
