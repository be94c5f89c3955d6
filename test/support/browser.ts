import { webcrypto } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import vm from 'node:vm';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { stack } from './stack';
import { emulator } from './stripe';

export interface TallyApi {
  lead: (email: string, options?: Record<string, string>) => Promise<boolean>;
  clientReferenceId: () => string | null;
}

export interface FakeBrowserOptions {
  /** The tracking script's text, run as a browser runs a classic <script>. */
  source: string;
  /** Where the <script> element loaded it from. */
  scriptSrc: string;
  /** The page's URL. */
  href: string;
  /** The <script> element's attributes. */
  attributes: Record<string, string>;
  fetch: (url: string, init: { method: string; headers: Record<string, string>; body: string; keepalive: boolean; credentials: string }) => Promise<unknown>;
  cookie?: string;
  referrer?: string;
  /** What `window.tally` held before the script ran (the queueing stub). */
  before?: object;
}

/**
 * Just enough of a browser to run the tracking script in Node: the page's location, the <script>
 * element that loaded it, a cookie jar that records what `document.cookie = …` sets, and a fetch.
 * The script's own globals (Promise, JSON…) come from a fresh context, as in a page.
 */
export const fakeBrowser = (options: FakeBrowserOptions) => {
  const url = new URL(options.href);
  const cookiesSet: string[] = [];
  let jar = options.cookie ?? '';
  const document = {
    currentScript: { src: options.scriptSrc, getAttribute: (name: string) => options.attributes[name] ?? null },
    referrer: options.referrer ?? '',
    get cookie() {
      return jar;
    },
    set cookie(value: string) {
      cookiesSet.push(value);
      jar = value.split(';')[0] as string;
    },
  };
  const window: Record<string, unknown> = {
    document,
    location: { href: url.href, search: url.search, protocol: url.protocol },
    fetch: options.fetch,
    crypto: webcrypto,
    btoa,
    URLSearchParams,
    ...(options.before ? { tally: options.before } : {}),
  };
  window.window = window;
  vm.runInNewContext(options.source, window);
  return {
    window,
    cookiesSet,
    tally: () => window.tally as TallyApi,
    /** Lets the script's pending promises run. */
    settled: () => new Promise((resolve) => setTimeout(resolve, 0)),
  };
};

// ── A real browser: Debian's Chromium driven by puppeteer-core, for the console and portal ─────

/** Chromium from `CHROMIUM_PATH`, else Debian's package. */
export const chromiumPath = (): string => process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export const launchBrowser = (): Promise<Browser> =>
  puppeteer.launch({ executablePath: chromiumPath(), headless: true, args: ['--no-sandbox', '--headless=new'] });

/** A fresh browser context (its own cookies) with a desktop-sized page. */
export const newPage = async (browser: Browser, width = 1280): Promise<Page> => {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  await page.setViewport({ width, height: 900 });
  return page;
};

/** Where the browser opens the stack: its public URL, the origin sign-in links and cookies are for. */
export const site = (path: string): string => new URL(path, stack().publicUrl).toString();

/** Clicks (or presses) something that navigates, and waits for the next page. */
export const navigating = async (page: Page, action: () => Promise<unknown>): Promise<void> => {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), action()]);
};

/** Submits the form a button belongs to by clicking the button with this text. */
export const press = (page: Page, text: string): Promise<void> => navigating(page, () => page.locator(`button::-p-text(${JSON.stringify(text)})`).click());

interface OutboxMail {
  to: string;
  subject: string;
  text: string;
  sentAt: string;
}

/** The newest mail to `to` sent at or after `since`, from the local outbox (`GET /_local/mail.json`). */
export const newestMail = async (to: string, since: string): Promise<OutboxMail> => {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const response = await fetch(new URL('/_local/mail.json', stack().apiUrl));
    const mails = (await response.json()) as OutboxMail[];
    const mail = mails.find((candidate) => candidate.to === to.toLowerCase() && candidate.sentAt >= since);
    if (mail) return mail;
    if (Date.now() > deadline) throw new Error(`No mail to ${to} since ${since} in the local outbox`);
    await sleep(200);
  }
};

const linkIn = (mail: OutboxMail, area: 'console' | 'portal'): string => {
  const link = new RegExp(`https?://\\S+/${area}/sign-in/verify\\?token=[\\w-]+`).exec(mail.text)?.[0];
  if (!link) throw new Error(`The mail "${mail.subject}" holds no ${area} sign-in link`);
  return link;
};

/** Opens the sign-in link of the newest mail to `email` since `since` and presses "Sign in". */
export const followSignInMail = async (page: Page, area: 'console' | 'portal', email: string, since: string): Promise<void> => {
  const mail = await newestMail(email, since);
  await page.goto(linkIn(mail, area));
  await press(page, 'Sign in');
  if (new URL(page.url()).pathname.includes('/sign-in')) throw new Error(`Signing in ${email} to the ${area} failed at ${page.url()}`);
};

/** Signs in as a person does: the sign-in form, the mail in the outbox, its link, the button. */
export const signIn = async (page: Page, area: 'console' | 'portal', email: string): Promise<void> => {
  const since = new Date(Date.now() - 1000).toISOString();
  await page.goto(site(`/${area}/sign-in`));
  await page.locator('input[name="email"]').fill(email);
  await press(page, 'E-mail me a sign-in link');
  await followSignInMail(page, area, email, since);
};

const screenshotDir = path.resolve(__dirname, '../../reports/screenshots');

/** Saves the whole page as `reports/screenshots/<name>.png`. */
export const screenshot = async (page: Page, name: string): Promise<string> => {
  mkdirSync(screenshotDir, { recursive: true });
  const file = path.join(screenshotDir, `${name}.png`);
  await page.screenshot({ path: file as `${string}.png`, fullPage: true });
  return file;
};

/** The page's CSRF token, as its forms carry it. */
export const csrfToken = (page: Page): Promise<string> => page.$eval('input[name="_csrf"]', (input) => (input as HTMLInputElement).value);

/** A form post from the page's own context (its cookies and origin), answering its status. */
export const postFromPage = (page: Page, action: string, fields: Record<string, string>): Promise<number> =>
  page.evaluate(
    async (target, body) => (await fetch(target, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body, redirect: 'manual' })).status,
    action,
    new URLSearchParams(fields).toString(),
  );

/**
 * The period (`from=…&to=…`) around the emulator's clock: sales are counted on the day Stripe says
 * they happened, and the shared emulator clock runs ahead of ours once a test simulates a renewal.
 */
export const stripePeriodQuery = async (): Promise<string> => {
  const now = (await emulator().advanceClock(0)) * 1000;
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  return `from=${day(now - 86_400_000)}&to=${day(now + 86_400_000)}`;
};
