import type { Mail } from '../mail/mail';
import type { Area } from './types';

/** The words of Tally's mail to people; pure, so tests read them without sending. */
const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const place: Record<Area, string> = { console: 'the Tally console', portal: 'the affiliate portal' };

export interface SignInLink {
  /** Where the link signs in to: the merchant's name (and, in the portal, nothing more). */
  label: string;
  url: string;
}

const compose = (to: string, subject: string, intro: string, links: readonly SignInLink[], outro: string): Mail => ({
  to,
  subject,
  text: [intro, '', ...links.map((link) => `${link.label}: ${link.url}`), '', outro].join('\n'),
  html:
    `<p>${escape(intro)}</p><ul>` +
    links.map((link) => `<li><a href="${escape(link.url)}">${escape(link.label)}</a></li>`).join('') +
    `</ul><p>${escape(outro)}</p>`,
});

export const signInMail = (area: Area, to: string, links: readonly SignInLink[], validMinutes: number): Mail =>
  compose(
    to,
    `Your sign-in link for ${place[area]}`,
    links.length > 1 ? `Choose where to sign in to ${place[area]}:` : `Open this link to sign in to ${place[area]}:`,
    links,
    `Each link works once, within ${validMinutes} minutes. If you did not ask for it, ignore this mail.`,
  );

export const inviteMail = (area: Area, to: string, link: SignInLink, validHours: number, signInPage: string): Mail =>
  compose(
    to,
    area === 'console' ? `You are invited to ${link.label} on Tally` : `Your affiliate portal for ${link.label}`,
    area === 'console'
      ? `You were added to the team of ${link.label}. Open this link to sign in:`
      : `${link.label} invites you to its affiliate portal, where you see your referrals and commissions. Open this link to sign in:`,
    [link],
    `The link works once, within ${validHours} hours. Later, ask for a new link at ${signInPage}.`,
  );
