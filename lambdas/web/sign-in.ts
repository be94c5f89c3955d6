import * as z from 'zod';
import { email as emailSchema } from '../core/schemas';
import { TallyError } from '../core/errors';
import { type Area, consumeSignIn, createSession, endSession, requestSignIn } from '../people';
import { areaRoot, seeOther, type WebRoute } from './app';
import { html } from './html';
import { csrfField, field, plainPage } from './layout';

/**
 * Signing in by e-mail link, the same for the console and the portal. The link only opens a page
 * with a button: the token is spent by that button's POST, so a mail scanner that follows links
 * cannot use up (or use) the link. Whether an address is known is never told.
 */

const areaName = (area: Area) => (area === 'console' ? 'the Tally console' : 'your affiliate portal');

/** Only a path inside the area: `next` must not send a signed-in browser to another site. */
const safeNext = (area: Area, next: string | undefined): string => {
  const root = areaRoot(area);
  return next && next.startsWith(`${root}/`) && !next.startsWith('//') && !next.includes('\\') ? next : `${root}/`;
};

const signInForm = (area: Area, preSession: string, options: { next?: string; email?: string; error?: string } = {}) =>
  plainPage(
    `Sign in to ${areaName(area)}`,
    html`
      <p>We will e-mail you a link that signs you in. It works once, for 15 minutes.</p>
      <form method="post" action=${`${areaRoot(area)}/sign-in`}>
        ${csrfField(preSession)}
        <input type="hidden" name="next" value=${safeNext(area, options.next)} />
        ${field({ label: 'E-mail address', name: 'email', type: 'email', value: options.email, required: true, error: options.error, attributes: { autocomplete: 'email' } })}
        <button type="submit">E-mail me a sign-in link</button>
      </form>
    `,
  );

export const signInRoutes = (area: Area): WebRoute[] => [
  {
    method: 'GET',
    path: '/sign-in',
    public: true,
    handle: async ({ preSession, query }) => signInForm(area, preSession, { next: query.next }),
  },
  {
    method: 'POST',
    path: '/sign-in',
    public: true,
    handle: async ({ preSession, form }) => {
      const parsed = emailSchema.safeParse((form.email ?? '').trim());
      if (!parsed.success) return signInForm(area, preSession, { next: form.next, email: form.email, error: 'Enter a valid e-mail address.' });
      await requestSignIn(area, parsed.data, new Date());
      return plainPage(
        'Check your e-mail',
        html`<p role="status">If <strong>${parsed.data}</strong> may sign in to ${areaName(area)}, a sign-in link is on its way. It works once, for 15 minutes.</p>
          <p><a href=${`${areaRoot(area)}/sign-in`}>Use another address</a></p>`,
      );
    },
  },
  {
    method: 'GET',
    path: '/sign-in/verify',
    public: true,
    handle: async ({ preSession, query }) => {
      const token = z.string().min(10).max(200).safeParse(query.token);
      if (!token.success) return plainPage('This link cannot be used', html`<p role="alert">The sign-in link is incomplete. <a href=${`${areaRoot(area)}/sign-in`}>Ask for a new one</a>.</p>`);
      return plainPage(
        `Sign in to ${areaName(area)}`,
        html`<form method="post" action=${`${areaRoot(area)}/sign-in/verify`}>
          ${csrfField(preSession)}
          <input type="hidden" name="token" value=${token.data} />
          <input type="hidden" name="next" value=${safeNext(area, query.next)} />
          <button type="submit">Sign in</button>
        </form>`,
      );
    },
  },
  {
    method: 'POST',
    path: '/sign-in/verify',
    public: true,
    handle: async ({ form }) => {
      try {
        const now = new Date();
        const identity = await consumeSignIn(area, form.token ?? '', now);
        const session = await createSession(identity, now);
        return { ...seeOther(safeNext(area, form.next)), cookies: [session.cookie] };
      } catch (error) {
        if (!(error instanceof TallyError) || error.status !== 400) throw error;
        return plainPage(
          'This link cannot be used',
          html`<p role="alert">${error.message}</p><p><a href=${`${areaRoot(area)}/sign-in`}>Ask for a new sign-in link</a></p>`,
        );
      }
    },
  },
  {
    method: 'POST',
    path: '/sign-out',
    viewers: true,
    handle: async ({ cookies }) => ({ ...seeOther(`${areaRoot(area)}/sign-in`), cookies: [await endSession(area, cookies)] }),
  },
];
