import { webcrypto } from 'node:crypto';
import vm from 'node:vm';

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
