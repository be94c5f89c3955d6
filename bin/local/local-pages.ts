import { modeSchema } from '../../lambdas/core/mode';
import { listOutbox } from '../../lambdas/mail/mail';
import type { IncomingRequest, OutgoingResponse } from './api-gateway';
import type { BusDelivery, localStripeEventBus } from './eventbridge';
import type { LocalPage } from './http-server';

const page = (statusCode: number, title: string, body: string): OutgoingResponse => ({
  statusCode,
  headers: { 'content-type': 'text/html; charset=utf-8' },
  body: Buffer.from(`<!doctype html><title>${title}</title><h1>${title}</h1>${body}`),
});

const json = (statusCode: number, body: unknown): OutgoingResponse => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: Buffer.from(JSON.stringify(body)),
});

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Pages that exist only on `npm start`, under /_local/: a stand-in for the merchant's dashboard
 * (where the Stripe OAuth flow lands), a button for each schedule, to fire it now, and each mode's
 * Stripe partner event bus (`POST /_local/events/stripe?mode=test`, the body an EventBridge event),
 * and the outbox of the mail Tally would have sent (`/_local/mail`, `/_local/mail.json`).
 */
export const localPages = (options: {
  schedules: { name: string; fire: () => Promise<unknown> }[];
  stripeEventBus: ReturnType<typeof localStripeEventBus>;
}): LocalPage[] => [
  async (request: IncomingRequest) => {
    const url = new URL(request.url, 'http://localhost');
    if (url.pathname !== '/_local/dashboard') return undefined;
    const params = [...url.searchParams].map(([k, v]) => `<li><code>${escape(k)}=${escape(v)}</code></li>`).join('');
    return page(200, 'Demo merchant dashboard', `<p>Tally sent you here with:</p><ul>${params || '<li>nothing</li>'}</ul>`);
  },
  async (request: IncomingRequest) => {
    const match = /^\/_local\/schedules\/([\w-]+)$/.exec(new URL(request.url, 'http://localhost').pathname);
    if (!match || request.method !== 'POST') return undefined;
    const schedule = options.schedules.find((candidate) => candidate.name === match[1]);
    if (!schedule) return page(404, 'No such schedule', '');
    const result = await schedule.fire();
    return json(200, { fired: schedule.name, result });
  },
  async (request: IncomingRequest) => {
    const url = new URL(request.url, 'http://localhost');
    if (url.pathname !== '/_local/events/stripe' || request.method !== 'POST') return undefined;
    const mode = modeSchema.safeParse(url.searchParams.get('mode'));
    if (!mode.success) return json(400, { message: 'mode must be live or test' });
    let event: unknown;
    try {
      event = JSON.parse(request.body.toString('utf8'));
    } catch {
      return json(400, { message: 'The body is not JSON.' });
    }
    if (typeof event !== 'object' || event === null) return json(400, { message: 'The body is not an EventBridge event.' });
    const delivery: BusDelivery = await options.stripeEventBus.put(mode.data, event);
    return json(delivery.delivered ? 202 : 200, delivery);
  },
  async (request: IncomingRequest) => {
    const url = new URL(request.url, 'http://localhost');
    if ((url.pathname !== '/_local/mail' && url.pathname !== '/_local/mail.json') || request.method !== 'GET') return undefined;
    const mails = await listOutbox(Number(url.searchParams.get('limit')) || 50);
    if (url.pathname === '/_local/mail.json') return json(200, mails);
    // Sign-in links are the point of this page: made clickable, everything else shown as text.
    const linked = (text: string) => escape(text).replace(/https?:\/\/[^\s<&]+(?:&amp;[^\s<&]+)*/g, (link) => `<a href="${link}">${link}</a>`);
    const items = mails
      .map((mail) => `<li><p><b>${escape(mail.subject)}</b> to <code>${escape(mail.to)}</code> at ${escape(mail.sentAt)}</p><pre>${linked(mail.text)}</pre></li>`)
      .join('');
    return page(200, 'Local outbox', `<p>Mail Tally sent on this stack, newest first (kept 7 days).</p><ol>${items || '<li>no mail yet</li>'}</ol>`);
  },
];
