import { header, publicRoute, rawBody } from '../../http/route';
import { receive } from '../../webhooks/intake';

/** 200 when the event is processed, ignored or a duplicate; 400 bad signature; 429/5xx: retry. */
export const handler = publicRoute({}, async ({ event }) => ({
  received: true,
  ...(await receive(rawBody(event), header(event, 'stripe-signature'))),
}));
