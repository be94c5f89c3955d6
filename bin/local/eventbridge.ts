import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Mode } from '../../lambdas/core/mode';
import { handledEventTypes } from '../../lambdas/webhooks/registry';

/** The partner event source (and bus name) each mode's Stripe destination has on `npm start`. */
export const localStripeEventSources: Record<Mode, string> = {
  live: 'aws.partner/stripe.com/ed_local_live',
  test: 'aws.partner/stripe.com/ed_test_local',
};

/**
 * The Stripe emulator's EventBridge destination for a mode on `npm start`: the mode's local bus,
 * `POST /_local/events/stripe?mode=…` of the API at `apiUrl`, with the mode's partner event source.
 */
export const localEventBridgeDestination = (apiUrl: string, mode: Mode) => ({
  type: 'eventbridge' as const,
  url: `${apiUrl}/_local/events/stripe?mode=${mode}`,
  source: localStripeEventSources[mode],
});

export type BusDelivery = { delivered: true; messageId: string } | { delivered: false; reason: string };

/**
 * What each mode's partner bus and its rule do with an event put on it: an event of a handled type
 * becomes an SQS message whose body is the event's JSON (as EventBridge's SQS target sends it); any
 * other is matched by no rule and goes nowhere.
 */
export const localStripeEventBus = (client: SQSClient, queueUrl: string) => ({
  put: async (mode: Mode, event: { source?: unknown; 'detail-type'?: unknown }): Promise<BusDelivery> => {
    if (event.source !== localStripeEventSources[mode]) return { delivered: false, reason: `the ${mode} bus's rule matches source ${localStripeEventSources[mode]} only` };
    if (!handledEventTypes.includes(event['detail-type'] as never)) return { delivered: false, reason: 'the rule does not match this detail-type' };
    const sent = await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(event) }));
    return { delivered: true, messageId: sent.MessageId as string };
  },
});
