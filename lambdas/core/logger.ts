import { Logger } from '@aws-lambda-powertools/logger';

/**
 * The one logger. Log outcomes and identifiers (merchantId, stripeEventId, eventType), never
 * payloads, keys or e-mail addresses.
 */
export const logger = new Logger({ serviceName: 'tally' });
