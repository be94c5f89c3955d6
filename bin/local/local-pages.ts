import type { IncomingRequest, OutgoingResponse } from './api-gateway';
import type { LocalPage } from './http-server';

const page = (statusCode: number, title: string, body: string): OutgoingResponse => ({
  statusCode,
  headers: { 'content-type': 'text/html; charset=utf-8' },
  body: Buffer.from(`<!doctype html><title>${title}</title><h1>${title}</h1>${body}`),
});

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Pages that exist only on `npm start`, under /_local/: a stand-in for the merchant's dashboard
 * (where the Stripe OAuth flow lands) and a button for each schedule, to fire it now.
 */
export const localPages = (options: { schedules: { name: string; fire: () => Promise<unknown> }[] }): LocalPage[] => [
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
    return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify({ fired: schedule.name, result })) };
  },
];
